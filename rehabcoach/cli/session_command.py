"""``rehabcoach session --routine ID --source VIDEO``: a whole routine, headless, on a recording or a camera.

The same engine and face pipeline as the window; phase changes and warnings are printed as lines,
and a summary at the end.  A recording is looped when the routine is longer than it (the engine's
clock follows the recording's time, so looping just continues the timeline).
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, TextIO

from rehabcoach.coaching.events import (
    CalibrationDone,
    ExerciseCompleted,
    ExerciseStarted,
    PhaseChanged,
    RepCompleted,
    ScreenChanged,
    SessionEvent,
    SessionFinished,
    StepChanged,
    WarningEnded,
    WarningStarted,
)
from rehabcoach.coaching.summary import SessionSummary, describe_peaks, format_deviation
from rehabcoach.errors import UserError
from rehabcoach.files import check_output, write_private_atomic

if TYPE_CHECKING:
    from rehabcoach.practice import StorageNews


def register(subparsers, _parser) -> None:
    p = subparsers.add_parser(
        "session",
        help="run a routine headless on a recording or a camera",
        description="Run a whole routine without a window: the same coaching engine and face pipeline as "
        "the app, fed by a recording (looped when the routine is longer) or a camera. Prints each phase "
        "and warning as a line and a summary at the end. The summary supports therapy; it is not a diagnosis.",
    )
    p.add_argument("--routine", required=True, metavar="ID", help="routine to run (`rehabcoach list` shows them)")
    p.add_argument("--source", required=True, metavar="VIDEO",
                   help="a video file, a folder of images, or a camera number (0 = first camera)")
    p.add_argument("--affected-side", choices=("left", "right"), help="the patient's affected side (anatomical)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="times faster than real time: 1 = like a live session (default), 0 = as fast as possible; "
                   "results do not depend on it")
    p.add_argument("--json", metavar="OUT", help="also write the summary, every rep and every warning as JSON")
    p.add_argument("--speak", action="store_true", help="speak the cues aloud, as the app does")
    p.add_argument("--face-timeout", type=float, default=60.0, metavar="S",
                   help="give up waiting for a usable face (calibration, or a hold with the face out of view) "
                   "after S seconds of session and skip that movement exercise (default 60)")
    p.add_argument("--library", metavar="DIR", help="exercise library folder (default: the built-in one)")
    p.add_argument("--model", metavar="PATH", help="face_landmarker.task to use")
    add_record_options(p)
    p.set_defaults(run=run)


def add_record_options(parser) -> None:
    """Options that store the session in the patient's records (--profile/--database): added by records."""
    from rehabcoach.cli.records_commands import add_session_options

    add_session_options(parser)


def run(args) -> int:
    from rehabcoach.cli.records_commands import open_practice
    from rehabcoach.clock import ManualClock
    from rehabcoach.coaching.session import SessionEngine, SessionSettings
    from rehabcoach.routines.loader import load_library
    from rehabcoach.runner import HeadlessRunner
    from rehabcoach.vision.pipeline import FacePipeline
    from rehabcoach.vision.sources import open_source

    # `not x >= 0` rather than `x < 0`: NaN compares false with everything and would pass.
    if not (math.isfinite(args.speed) and args.speed >= 0):
        raise UserError(f"--speed {args.speed:g}: must be 0 (as fast as possible) or a number of times faster")
    if not (math.isfinite(args.face_timeout) and args.face_timeout > 0):
        raise UserError(f"--face-timeout {args.face_timeout:g}: must be more than 0 seconds")
    if args.json:
        check_output(args.json, "--json", inputs=[args.source])
    library = load_library(args.library)
    # --profile: the routine as prescribed for the patient, their affected side, and the recorder.
    practice = open_practice(args, library)
    plan = practice.plan_routine(args.routine)
    exercises = list(plan.exercises)
    args.affected_side = args.affected_side or practice.affected_side()
    practice.on_storage_news(_storage_news_printer(sys.stderr))
    routine = library.routine(args.routine)

    out = sys.stdout
    clock = ManualClock()
    # A camera stamps frames with real time; the session clock follows those stamps (see runner).
    with open_source(args.source, loop=True) as source, FacePipeline(args.model) as pipeline:
        engine = SessionEngine(exercises, clock, SessionSettings(affected_side=args.affected_side,
                                                                 placement_checks=not source.recorded))
        printer = SessionPrinter(engine, out)
        collector = EventCollector()
        engine.subscribe(printer)
        engine.subscribe(collector)
        for listener in practice.record(plan):  # one rep at a time, so a crash loses little
            engine.subscribe(listener)
        speech = _attach_speech(engine, out) if args.speak else None
        minutes = sum(ex.duration_seconds for ex in exercises) / 60
        printer.line(f"routine {routine.id} \"{routine.title}\": {len(exercises)} exercises, about "
                     f"{minutes:.0f} min; source {source.name}" + (f"; affected side {args.affected_side}"
                                                                    if args.affected_side else ""))
        runner = HeadlessRunner(engine, clock, source, pipeline, speed=args.speed,
                                face_timeout=args.face_timeout,
                                notice=lambda message: printer.line(f"note: {message}"))
        try:
            with _signals_stop_the_session() as stopped_by:
                result = runner.run()
        finally:
            if speech is not None:
                speech.close()
    out.write(format_summary(result.summary))
    out.write(f"{result.frames} frames read, {result.face_frames} through the face model; "
              f"{result.session_seconds:.1f} s of session in {result.wall_seconds:.1f} s\n")
    lost = 0
    recorder = practice.recorder
    status = practice.close()
    if recorder is not None and status is not None and practice.profile is not None:
        out.write(f"records ({practice.profile.name}): {status.message}\n")
        lost = status.lost
        if recorder.end_reason == "no_face":
            out.write("no face was found in this session: it is recorded as such, not as a session done\n")
    if args.json:
        report = {
            "routine": routine.id,
            "source": str(args.source),
            "affected_side": args.affected_side,
            "frames": result.frames,
            "face_frames": result.face_frames,
            "wall_seconds": round(result.wall_seconds, 3),
            "summary": result.summary.to_json(),
            "reps": [asdict(rep) for rep in collector.reps],
            "warnings": [asdict(event) | {"exercise_id": exercise_id, "rep": rep}
                         for exercise_id, rep, event in collector.warnings],
        }
        write_private_atomic(args.json, json.dumps(report, indent=2) + "\n")
    if result.interrupted:
        return 128 + stopped_by[0] if stopped_by else 130  # as a shell reports the signal (Ctrl-C: 130)
    if lost:
        print(f"rehabcoach: error: {lost} repetition{'s' if lost != 1 else ''} could not be saved anywhere",
              file=sys.stderr)
        return 1
    return 0


def _storage_news_printer(out: TextIO) -> Callable[[StorageNews], None]:
    """Say when saving stops working, and again when it works again; a problem is not repeated."""
    def say(news: StorageNews) -> None:
        if not news.repeated:
            print(f"records: {news.message}", file=out, flush=True)
    return say


@contextlib.contextmanager
def _signals_stop_the_session():
    """SIGTERM and SIGHUP (a closed terminal, a logout, ``kill``) stop the session as Ctrl-C does: the
    engine stops, the records close the session, and the summary is printed.  Yields a list that
    holds the signal number once one arrived."""
    stopped_by: list[int] = []

    def stop(signum, _frame):
        stopped_by.append(signum)
        raise KeyboardInterrupt

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield stopped_by  # handlers can only be set from the main thread (e.g. a test driving run())
        return
    previous = {number: signal.signal(number, stop) for number in wanted}
    try:
        yield stopped_by
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)



def _attach_speech(engine, out: TextIO):
    from rehabcoach.speech import SpeechService

    speech = SpeechService.shared()
    if not speech.available:
        out.write(f"note: {speech.status_message}\n")
    engine.subscribe(speech.handle_session_event)
    return speech


class EventCollector:
    """Keeps the reps and finished warnings for the JSON report."""

    def __init__(self):
        self.reps = []
        self.warnings = []

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, RepCompleted):
            self.reps.append(event.summary)
        elif isinstance(event, WarningEnded):
            self.warnings.append((event.exercise_id, event.rep, event.event))


class SessionPrinter:
    """One line per thing that happens, prefixed with the session time."""

    def __init__(self, engine, out: TextIO):
        self.engine = engine
        self.out = out
        self.total = len(engine.exercises)

    def line(self, text: str) -> None:
        elapsed = self.engine.state.elapsed_s if self.engine.state.started else 0.0
        # Flushed line by line: a session killed half-way still shows what happened.
        print(f"[{elapsed:7.1f}s] {text}", file=self.out, flush=True)

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, ExerciseStarted):
            self.line(f"exercise {event.index + 1}/{self.total} {event.exercise_id} "
                      f"\"{event.title}\" ({event.category})")
        elif isinstance(event, StepChanged):
            self.line(f"  step {event.step_index + 1}: {event.cue} ({event.seconds:g} s)")
        elif isinstance(event, PhaseChanged) and event.phase != "instruction":
            reps = self.engine.state.reps
            rep = f"rep {event.rep}/{reps} " if event.rep is not None and reps else ""
            self.line(f"  {rep}{event.phase}: {event.cue} ({event.seconds:g} s)")
        elif isinstance(event, ScreenChanged) and event.screen == "calibration":
            self.line("calibration: look at the camera and let your face rest")
        elif isinstance(event, ScreenChanged) and event.screen == "camera_missing":
            self.line("no camera: this exercise needs one")
        elif isinstance(event, CalibrationDone):
            self.line(f"calibration done ({event.baseline.frames} resting frames)")
        elif isinstance(event, WarningStarted):
            w = event.warning
            self.line(f"  WARNING {w.side} {w.region}: {w.message} ({format_deviation(w.measure, w.deviation)})")
        elif isinstance(event, WarningEnded):
            e = event.event
            self.line(f"  warning over: {e.side} {e.region}, {e.duration_s:.1f} s, "
                      f"peak {format_deviation(e.measure, e.peak)}")
        elif isinstance(event, RepCompleted):
            s = event.summary
            reached = ", ".join(f"{side} {value:.0%}" for side, value in sorted(s.target_reached.items()))
            extra = f"; face out of view {s.face_missing_s:.1f} s" if s.face_missing_s >= 0.1 else ""
            if s.turned_away_s >= 0.1:
                extra += f"; head turned, not judged, {s.turned_away_s:.1f} s"
            self.line(f"  rep {s.rep} done: target reached {reached or '-'}; "
                      f"{len(s.events)} unwanted movement{'s' if len(s.events) != 1 else ''}{extra}")
            if s.region_peaks:
                self.line(f"    unwanted movement, largest: {describe_peaks(s.region_peaks)}")
        elif isinstance(event, ExerciseCompleted):
            done = event.summary
            if done.status != "completed":
                why = f" ({done.skipped_reason})" if done.skipped_reason else ""
                self.line(f"exercise {done.exercise_id} {done.status}{why}")
        elif isinstance(event, SessionFinished):
            self.line("session " + ("finished" if event.summary.completed else "stopped"))


def format_summary(summary: SessionSummary) -> str:
    lines = ["", "Summary" + ("" if summary.completed else " (stopped early)") +
             f": {summary.duration_s / 60:.1f} min"]
    for ex in summary.exercises:
        status = ex.status if ex.status != "completed" else "done"
        if ex.reps_planned:
            reached = ", ".join(f"{side} {value:.0%}" for side, value in ex.target_reached.items()
                                if value is not None)
            text = f"{ex.reps_done}/{ex.reps_planned} reps"
            if reached:
                text += f", target reached {reached}"
            warnings = "; ".join(f"{w.side} {w.region} {w.count}x {w.total_seconds:.1f} s" for w in ex.warnings)
            text += f"; unwanted movements: {warnings or 'none'}"
            if ex.region_peaks:
                text += f"; per rep, largest (mean): {describe_peaks(ex.region_peaks)}"
            if ex.turned_away_s >= 0.1:
                text += f"; head turned, not judged, {ex.turned_away_s:.1f} of {ex.watched_s:.1f} s"
        else:
            text = ""
        why = f" ({ex.skipped_reason})" if ex.skipped_reason else ""
        lines.append(f"  {ex.exercise_id:<28} {status + why:<22} {text}".rstrip())
    lines.append(summary.note)
    return "\n".join(lines) + "\n"
