"""Window benchmark: the real main window (offscreen) coaching a movement exercise from a recording
paced in real time, as a camera would deliver it.

It measures what the patient would feel: frames shown per second, frames dropped, the longest time
the GUI thread was busy (a stall freezes the picture and the buttons), how long after its capture a
frame is on screen, how long after capture the frame that starts a warning has its amber
outline painted, how long after capture the frame that starts an unwanted movement has its tone's
first audible sample played, and the process's CPU use against the bare landmarker's at the same
frame rate.  Memory (RSS) is sampled over the run so that a long soak shows whether it is flat.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import time
from array import array
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from rehabcoach.errors import UserError

HEARTBEAT_MS = 20  # the GUI thread's pulse: a gap much longer than this is a stall (its own wake-ups are counted
# in the app's CPU: at 5 ms they cost ~4 % of a core, at 10 ms ~0.5 %; 20 ms still resolves the 50 ms stall goal)
WARM_UP_S = 3.0  # the model and first paints load here; stalls are also reported without this start
GOAL_FPS = 30.0
GOAL_STALL_MS = 50.0
GOAL_WARNING_P95_MS = 100.0
GOAL_TONE_P95_MS = 100.0
GOAL_CPU_RATIO = 1.3  # the app's CPU at most this many times the bare landmarker's at the same frame rate
BARE_SECONDS_MAX = 60.0  # the bare landmarker's run: as long as the window's, up to this (a 30 s run varied by +-2 points of a core)


class ScriptedGuard:
    """A guard monitor that reports an unwanted movement for 1 s in every 3 s of watched frames,
    alternating sides: measures the path from capture to a painted warning when the recording itself
    has no synkinesis to find.  Same interface as coaching.guards.GuardMonitor."""

    def __init__(self, guards, baseline, affected_side=None):
        self._since: dict[str, float] = {}
        self._finished: list = []
        self.levels: dict[str, float] = {}  # the tone follows: 1.5 times the threshold while scripted

    def reset(self) -> None:
        self._since.clear()

    def retune(self, guards) -> None:
        pass

    def region_peaks(self) -> tuple:
        return ()

    def update(self, frame, armed: bool = True) -> list:
        from rehabcoach.coaching.guards import warning_message
        from rehabcoach.coaching.types import ActiveWarning

        side = ("left", "right")[int(frame.timestamp // 3.0) % 2]
        if frame.timestamp % 3.0 >= 1.0:
            self._close(frame.timestamp)
            self.levels = {}
            return []
        self.levels = {side: 1.5}
        if side not in self._since:
            self._close(frame.timestamp)
            self._since[side] = frame.timestamp
        message = warning_message("eye", side, "eye_aperture", -0.3)
        return [ActiveWarning("eye", side, "eye_aperture", self._since[side], -0.3, message)]

    def _close(self, timestamp: float) -> None:
        from rehabcoach.coaching.types import MovementEvent

        for side, since in self._since.items():
            self._finished.append(MovementEvent("eye", side, "eye_aperture", since, timestamp, -0.3, 0.25))
        self._since.clear()

    def pop_finished(self) -> list:
        finished, self._finished = self._finished, []
        return finished

    def finish(self, timestamp: float) -> list:
        self._close(timestamp)
        return self.pop_finished()


@dataclass
class WindowBenchResult:
    source: str
    source_fps: float
    seconds: float
    exercise: str
    platform: str
    scripted_warnings: bool = False
    frames_captured: int = 0
    frames_displayed: int = 0
    dropped_in_mailbox: int = 0  # overwritten before the GUI thread took them
    dropped_before_paint: int = 0  # taken, but a newer frame arrived before the next paint
    displayed_fps: float = 0.0
    inference_ms_mean: float = 0.0
    longest_stall_ms: float = 0.0
    longest_stall_after_warm_up_ms: float = 0.0
    stall_p99_ms: float = 0.0
    longest_gui_compute_ms: float = 0.0  # most GUI-thread CPU time between two heartbeats
    gui_thread_cpu_percent: float = 0.0  # of one core, over the run
    load_average: list = field(default_factory=list)  # the machine's 1-minute load at start and end
    paint_latency_ms: dict = field(default_factory=dict)  # capture -> painted, every shown frame
    warning_latency_ms: dict = field(default_factory=dict)  # capture -> warning painted
    warnings_started: int = 0
    tone_latency_ms: dict = field(default_factory=dict)  # capture -> tone's first audible sample played
    tone_onsets: int = 0
    sound_output: str = ""  # the device, or the recording output standing in for one
    app_cpu_percent: float = 0.0  # the whole process, of one core, over the run
    bare_cpu_percent: float = 0.0  # decode + bare FaceLandmarker at the same frame rate, of one core
    bare_fps: float = 0.0
    reps_completed: int = 0
    seconds_per_screen: dict = field(default_factory=dict)  # where the session spent the run
    stalls_over_goal: list = field(default_factory=list)  # [seconds since start, ms, screen] of each stall > goal
    rss_mb: list = field(default_factory=list)  # [seconds since start, MB]
    rss_trend_mb_per_min: float = 0.0

    def goals(self) -> dict[str, bool | None]:
        p95 = self.warning_latency_ms.get("p95")
        tone_p95 = self.tone_latency_ms.get("p95")
        cpu_ratio = self.app_cpu_percent / self.bare_cpu_percent if self.bare_cpu_percent else None
        return {
            f"capture-to-tone p95 under {GOAL_TONE_P95_MS:.0f} ms": None if tone_p95 is None else tone_p95 < GOAL_TONE_P95_MS,
            f"app CPU at most {GOAL_CPU_RATIO:g}x the bare landmarker's": None if cpu_ratio is None else cpu_ratio <= GOAL_CPU_RATIO,
            f"{GOAL_FPS:.0f} fps displayed": self.displayed_fps >= GOAL_FPS * 0.97,
            f"GUI stalls under {GOAL_STALL_MS:.0f} ms after warm-up": self.longest_stall_after_warm_up_ms < GOAL_STALL_MS,
            f"capture-to-warning p95 under {GOAL_WARNING_P95_MS:.0f} ms": None if p95 is None else p95 < GOAL_WARNING_P95_MS,
        }


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def percentiles(values_s) -> dict:
    if not values_s:
        return {}
    ms = np.asarray(values_s) * 1000.0
    return {
        "n": int(ms.size),
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
        "max": round(float(ms.max()), 1),
    }


def memory_trend(samples: list[tuple[float, float]], warm_up_s: float = 10.0) -> float:
    """MB per minute, fitted over the samples after the warm-up (the model and caches load first)."""
    late = [(t, mb) for t, mb in samples if t >= warm_up_s]
    if len(late) < 3:
        return 0.0
    t, mb = np.asarray(late).T
    return float(np.polyfit(t / 60.0, mb, 1)[0])


def run_window_benchmark(
    source: str | os.PathLike,
    *,
    seconds: float = 60.0,
    exercise_id: str = "gentle-smile",
    library_root: str | os.PathLike | None = None,
    rss_every: float = 1.0,
    visible: bool = False,
    scripted_warnings: bool = False,
    progress=None,
    bare_cpu: bool = True,
) -> WindowBenchResult:
    source = Path(source)
    if not source.exists():
        raise UserError(f"--source: no such file or folder: {source}")
    if seconds <= 0:
        raise UserError("--seconds must be more than 0")
    if not visible:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from rehabcoach.practice import PracticeService
    from rehabcoach.routines.loader import load_library

    library = load_library(library_root)
    # The window's own practice service plans the exercise, as for a patient without a profile (nothing recorded).
    practice = PracticeService(library)
    plan = practice.plan_exercise(exercise_id)
    (exercise,) = plan.exercises
    if exercise.category != "movement":
        raise UserError(f"'{exercise_id}' is a {exercise.category} exercise; the benchmark needs a movement exercise")
    # Straight to the reps (one short instruction), and enough reps that the exercise outlasts the run.
    first_step = exercise.steps[0].model_copy(update={"seconds": 2.0, "reps": None})
    # A rep lasts get-ready + move + hold + rest; count generously so even a 30-minute soak stays in the reps.
    rep_seconds = (exercise.hold_seconds or 1.0) + (exercise.rest_seconds or 1.0) + 2.0
    exercise = replace(exercise, steps=(first_step,), reps=int(seconds / rep_seconds) + 10)
    plan = replace(plan, exercises=(exercise,))

    from rehabcoach.ui.app import create_application

    app = create_application()
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    from rehabcoach.coaching.session import SessionEngine
    from rehabcoach.feedback import AudioUnavailable, FeedbackService, RecordingOutput, SounddeviceOutput
    from rehabcoach.feedback.outputs import BLOCK_FRAMES, SAMPLE_RATE
    from rehabcoach.ui.main_window import MainWindow
    from rehabcoach.ui.settings import AppSettings, open_app_settings, save_settings
    from rehabcoach.ui.speech_bridge import SilentSpeech

    engine_factory = SessionEngine
    if scripted_warnings:
        engine_factory = functools.partial(SessionEngine, guard_factory=ScriptedGuard)
    settings_dir = tempfile.TemporaryDirectory(prefix="rehabcoach-bench-")
    store = open_app_settings(Path(settings_dir.name) / "settings.ini")
    save_settings(store, AppSettings(warning_feedback="both"))  # the tone for every exercise
    # The real sound card when there is one; else a recording output that asks for blocks of the device's size
    # in real time on its own thread, as a sound card's callback does (the device's own latency then comes on top).
    try:
        sound_device = SounddeviceOutput()
        output_factory = lambda: sound_device  # noqa: E731
        sound_output = f"sound device {sound_device.device_name!r}"
    except AudioUnavailable as exc:
        output_factory = functools.partial(RecordingOutput, realtime=True, keep_seconds=1.0)
        block_ms = 1000 * BLOCK_FRAMES / SAMPLE_RATE
        sound_output = (f"no sound device ({exc}): a recording output asking for {block_ms:.0f} ms blocks in real "
                        "time; add the device's output latency")
    feedback = FeedbackService(output_factory, volume=60)
    window = MainWindow(
        library,
        store,
        source=str(source),
        loop_source=True,
        pace_source=True,  # the worker delivers the recording at its own frame rate, like a camera
        speech=SilentSpeech("benchmark"),
        feedback=feedback,
        engine_factory=engine_factory,
        practice=practice,
    )
    window.resize(1280, 860)
    window.show()

    result = WindowBenchResult(
        source=source.name, source_fps=0.0, seconds=seconds, exercise=exercise_id, platform=app.platformName(),
        scripted_warnings=scripted_warnings,
    )
    # Bookkeeping must not grow the memory it measures: compact arrays and running maxima only.
    painted = {"count": 0, "last": None}
    paint_latency = array("f")
    warning_latency: list[float] = []
    pending_warnings: dict[float, frozenset] = {}
    stall_histogram = np.zeros(2001, np.int64)  # 1 ms bins of heartbeat gaps beyond the interval
    longest = {"all": 0.0, "late": 0.0, "compute": 0.0}
    rss: list[tuple[float, float]] = []
    start = time.monotonic()

    def on_paint(captured_at, warned) -> None:
        # Frames are painted in capture order, so a repaint of the same frame has the last timestamp.
        if captured_at is None or captured_at == painted["last"]:
            return
        now = time.monotonic()
        painted["last"] = captured_at
        painted["count"] += 1
        paint_latency.append(now - captured_at)
        keys = pending_warnings.pop(captured_at, None)
        if keys is not None and keys & warned:
            warning_latency.append(now - captured_at)

    def on_warning(captured_at, keys) -> None:
        result.warnings_started += 1
        pending_warnings[captured_at] = keys

    for view in (window.calibration_screen.camera, window.movement_screen.camera):
        view.paint_listeners.append(on_paint)

    def count_reps(event) -> None:
        if type(event).__name__ == "RepCompleted":
            result.reps_completed += 1

    window.session_started.connect(lambda engine: engine.subscribe(count_reps))
    window.warning_listeners.append(on_warning)

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    pulse = QElapsedTimer()

    screen_time: dict[str, float] = {}
    last_beat = [time.monotonic()]
    cpu_at_beat = [time.thread_time()]  # the heartbeat runs on the GUI thread: this is its CPU clock
    first_beat = [True]

    def beat() -> None:
        now = time.monotonic()
        cpu = time.thread_time()
        used = cpu - cpu_at_beat[0]
        cpu_at_beat[0] = cpu
        if not first_beat[0]:
            longest["compute"] = max(longest["compute"], used)
        first_beat[0] = False
        screen = window.current_screen()
        screen_time[screen] = screen_time.get(screen, 0.0) + (now - last_beat[0])
        last_beat[0] = now
        if pulse.isValid():
            gap = pulse.nsecsElapsed() / 1e9
            stall = max(0.0, gap - HEARTBEAT_MS / 1000)
            stall_histogram[min(int(stall * 1000), stall_histogram.size - 1)] += 1
            longest["all"] = max(longest["all"], stall)
            if now - start >= WARM_UP_S:
                longest["late"] = max(longest["late"], stall)
            if (gap * 1000 - HEARTBEAT_MS) > GOAL_STALL_MS:
                result.stalls_over_goal.append(
                    [round(now - start, 2), round(gap * 1000 - HEARTBEAT_MS, 1), round(used * 1000, 1), screen]
                )
        pulse.restart()

    heartbeat.timeout.connect(beat)

    def sample_memory() -> None:
        rss.append((round(time.monotonic() - start, 2), round(rss_mb(), 1)))
        if progress is not None:
            progress(time.monotonic() - start, seconds)

    sampler = QTimer()
    sampler.setInterval(int(rss_every * 1000))
    sampler.timeout.connect(sample_memory)

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    sample_memory()
    window.start_session(plan)
    opened_fps: list[float] = []
    if window.capture is not None:
        window.capture.opened.connect(lambda _name, fps: opened_fps.append(fps))
        window.capture.failed.connect(lambda message: (opened_fps.append(-1.0), loop.quit()))
    heartbeat.start()
    sampler.start()
    result.load_average.append(round(os.getloadavg()[0], 2))
    measured_from = time.monotonic()
    gui_cpu_from = time.thread_time()
    process_cpu_from = time.process_time()
    loop.exec()
    elapsed = time.monotonic() - measured_from
    result.gui_thread_cpu_percent = round((time.thread_time() - gui_cpu_from) / elapsed * 100, 1)
    result.app_cpu_percent = round((time.process_time() - process_cpu_from) / elapsed * 100, 1)
    result.load_average.append(round(os.getloadavg()[0], 2))
    heartbeat.stop()
    sampler.stop()
    sample_memory()

    capture = window.capture
    result.seconds_per_screen = {k: round(v, 1) for k, v in screen_time.items()}
    if opened_fps and opened_fps[0] < 0:
        raise UserError(f"could not open {source}: {window._camera_problem or 'unknown error'}")
    if capture is not None:
        result.frames_captured = capture.frames_captured
        result.dropped_in_mailbox = capture.frames_dropped
        if capture.frames_captured:
            result.inference_ms_mean = round(capture.inference_seconds / capture.frames_captured * 1000, 1)
    result.source_fps = opened_fps[0] if opened_fps else 0.0
    result.frames_displayed = painted["count"]
    result.dropped_before_paint = max(0, result.frames_captured - result.dropped_in_mailbox - result.frames_displayed)
    result.displayed_fps = round(painted["count"] / elapsed, 2) if elapsed > 0 else 0.0
    result.longest_stall_ms = round(longest["all"] * 1000, 1)
    result.longest_stall_after_warm_up_ms = round(longest["late"] * 1000, 1)
    result.longest_gui_compute_ms = round(longest["compute"] * 1000, 1)
    beats = int(stall_histogram.sum())
    if beats:
        result.stall_p99_ms = float(np.searchsorted(np.cumsum(stall_histogram), 0.99 * beats))
    result.paint_latency_ms = percentiles(paint_latency)
    result.warning_latency_ms = percentiles(warning_latency)
    tone_latency = [heard - captured for _, captured, heard in list(feedback.onsets) if heard >= captured]
    result.tone_latency_ms = percentiles(tone_latency)
    result.tone_onsets = len(tone_latency)
    result.sound_output = sound_output + (f", output latency {feedback_latency(output_factory) * 1000:.0f} ms"
                                          if sound_output.startswith("sound device") else "")
    result.rss_mb = [list(s) for s in rss]
    result.rss_trend_mb_per_min = round(memory_trend(rss), 2)

    window._end_session()
    window.close()
    feedback.close()
    settings_dir.cleanup()
    if bare_cpu and result.source_fps > 0:
        result.bare_cpu_percent, result.bare_fps = bare_landmarker_cpu(
            source, result.source_fps, min(seconds, BARE_SECONDS_MAX))
    return result


def feedback_latency(output_factory) -> float:
    return float(getattr(output_factory(), "latency", 0.0))


def bare_landmarker_cpu(source: Path, fps: float, seconds: float) -> tuple[float, float]:
    """CPU use (% of one core) of decoding the recording and running the bare FaceLandmarker on each frame
    at ``fps``, as any webcam program with MediaPipe must: the floor the app is compared with."""
    import cv2

    from rehabcoach.vision.landmarker import FaceLandmarker
    from rehabcoach.vision.pipeline import MAX_INFERENCE_WIDTH
    from rehabcoach.vision.sources import open_source

    period = 1.0 / fps
    frames = 0
    # MediaPipe's public API, as any program uses it (the app reads the results without its Python objects).
    with FaceLandmarker(direct=False) as landmarker, open_source(str(source), loop=True) as frames_in:
        start = time.monotonic()
        cpu_from = time.process_time()
        next_at = start
        for frame in frames_in:
            image = frame.image
            height, width = image.shape[:2]
            if width > MAX_INFERENCE_WIDTH:  # the same input size as the app's pipeline
                image = cv2.resize(image, (MAX_INFERENCE_WIDTH, round(height * MAX_INFERENCE_WIDTH / width)),
                                   interpolation=cv2.INTER_AREA)
            landmarker.detect(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), frames * period)
            frames += 1
            next_at += period
            now = time.monotonic()
            if now - start >= seconds:
                break
            if next_at > now:
                time.sleep(next_at - now)
        elapsed = time.monotonic() - start
        cpu = time.process_time() - cpu_from
    return round(cpu / elapsed * 100, 1), round(frames / elapsed, 1)


def report_lines(result: WindowBenchResult) -> list[str]:
    r = result
    rss_values = [mb for _, mb in r.rss_mb]
    lines = [
        f"window benchmark: {r.source} at {r.source_fps:g} fps, paced in real time, {r.seconds:g} s, "
        f"exercise {r.exercise}, Qt platform {r.platform}; machine load {r.load_average[0]:g} -> "
        f"{r.load_average[-1]:g} on {os.cpu_count()} CPUs",
        f"displayed: {r.displayed_fps:.1f} frames/s ({r.frames_displayed} of {r.frames_captured} captured frames shown)",
        f"dropped: {r.dropped_in_mailbox + r.dropped_before_paint} "
        f"({r.dropped_in_mailbox} replaced in the mailbox before the GUI took them, "
        f"{r.dropped_before_paint} replaced before they were painted)",
        f"inference (worker thread): {r.inference_ms_mean:.1f} ms a frame on average",
        f"longest GUI-thread stall: {r.longest_stall_after_warm_up_ms:.1f} ms after the first {WARM_UP_S:g} s, "
        f"{r.longest_stall_ms:.1f} ms including start-up (p99 {r.stall_p99_ms:.1f} ms; heartbeat every {HEARTBEAT_MS} ms)",
        f"GUI thread's own work: {r.gui_thread_cpu_percent:.1f}% of a core; longest stretch of GUI-thread CPU "
        f"between two heartbeats {r.longest_gui_compute_ms:.1f} ms (a stall much longer than this is waiting "
        f"for a CPU or the GIL, not work)",
        "capture-to-paint latency, every shown frame: " + _latency_text(r.paint_latency_ms),
        f"capture-to-warning-painted latency ({r.warnings_started} warnings started"
        + (", scripted: 1 s in every 3 s" if r.scripted_warnings else ", found by the real guards")
        + "): "
        + _latency_text(r.warning_latency_ms),
        f"capture-to-tone latency, first audible sample ({r.tone_onsets} onsets"
        + (", scripted: 1 s in every 3 s" if r.scripted_warnings else ", from the real levels")
        + f"; {r.sound_output}): " + _latency_text(r.tone_latency_ms),
        f"CPU: the app {r.app_cpu_percent:.0f}% of a core; decoding and the bare FaceLandmarker at the same "
        f"{r.source_fps:g} fps {r.bare_cpu_percent:.0f}% ({r.bare_fps:g} fps reached)"
        + (f"; ratio {r.app_cpu_percent / r.bare_cpu_percent:.2f}" if r.bare_cpu_percent else ""),
        "session: " + ", ".join(f"{k} {v:g} s" for k, v in r.seconds_per_screen.items())
        + f"; {r.reps_completed} reps completed",
    ]
    if r.stalls_over_goal:
        lines.append(
            f"stalls over {GOAL_STALL_MS:.0f} ms: {len(r.stalls_over_goal)} ("
            + ", ".join(f"{ms:.0f} ms ({cpu:.0f} ms CPU) at {t:g} s on {screen}"
                        for t, ms, cpu, screen in r.stalls_over_goal[:6])
            + (", ..." if len(r.stalls_over_goal) > 6 else "") + ")"
        )
    if rss_values:
        lines.append(
            f"memory (RSS): start {rss_values[0]:.0f} MB, end {rss_values[-1]:.0f} MB, max {max(rss_values):.0f} MB, "
            f"trend after warm-up {r.rss_trend_mb_per_min:+.2f} MB/min ({len(rss_values)} samples)"
        )
    verdicts = []
    for goal, met in r.goals().items():
        verdicts.append(f"{goal}: {'met' if met else 'NOT met' if met is False else 'no warnings to measure'}")
    lines.append("goals: " + "; ".join(verdicts))
    return lines


def _latency_text(stats: dict) -> str:
    if not stats:
        return "none measured"
    return f"p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms, max {stats['max']:.1f} ms (n={stats['n']})"


def write_json(result: WindowBenchResult, path: str | os.PathLike) -> None:
    from rehabcoach.files import write_private_atomic

    data = asdict(result)
    data["goals"] = result.goals()
    write_private_atomic(path, json.dumps(data, indent=2) + "\n")
