"""Window benchmark: the real main window (offscreen) coaching a movement exercise from a recording
paced in real time, as a camera would deliver it.

It measures what the patient would feel: frames shown per second, frames dropped, the longest time
the GUI thread was busy (a stall freezes the picture and the buttons), how long after its capture a
frame is on screen, and how long after capture the frame that starts a warning has its amber
outline painted.  Memory (RSS) is sampled over the run so that a long soak shows whether it is flat.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from rehabcoach.errors import UserError

HEARTBEAT_MS = 5  # the GUI thread's pulse: a gap much longer than this is a stall
GOAL_FPS = 30.0
GOAL_STALL_MS = 50.0
GOAL_WARNING_P95_MS = 100.0


@dataclass
class WindowBenchResult:
    source: str
    source_fps: float
    seconds: float
    exercise: str
    platform: str
    frames_captured: int = 0
    frames_displayed: int = 0
    dropped_in_mailbox: int = 0  # overwritten before the GUI thread took them
    dropped_before_paint: int = 0  # taken, but a newer frame arrived before the next paint
    displayed_fps: float = 0.0
    inference_ms_mean: float = 0.0
    longest_stall_ms: float = 0.0
    stall_p99_ms: float = 0.0
    paint_latency_ms: dict = field(default_factory=dict)  # capture -> painted, every shown frame
    warning_latency_ms: dict = field(default_factory=dict)  # capture -> warning painted
    warnings_started: int = 0
    rss_mb: list = field(default_factory=list)  # [seconds since start, MB]
    rss_trend_mb_per_min: float = 0.0

    def goals(self) -> dict[str, bool | None]:
        p95 = self.warning_latency_ms.get("p95")
        return {
            f"{GOAL_FPS:.0f} fps displayed": self.displayed_fps >= GOAL_FPS * 0.97,
            f"GUI stalls under {GOAL_STALL_MS:.0f} ms": self.longest_stall_ms < GOAL_STALL_MS,
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


def percentiles(values_s: list[float]) -> dict:
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
    progress=None,
) -> WindowBenchResult:
    source = Path(source)
    if not source.exists():
        raise UserError(f"--source: no such file or folder: {source}")
    if seconds <= 0:
        raise UserError("--seconds must be more than 0")
    if not visible:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from rehabcoach.routines.loader import load_library
    from rehabcoach.routines.resolve import resolve_exercise

    library = load_library(library_root)
    exercise = resolve_exercise(library.exercise(exercise_id))
    if exercise.category != "movement":
        raise UserError(f"'{exercise_id}' is a {exercise.category} exercise; the benchmark needs a movement exercise")
    # Enough reps that the exercise outlasts the run.
    exercise = replace(exercise, reps=50)

    from rehabcoach.ui.app import create_application

    app = create_application()
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    from rehabcoach.ui.main_window import MainWindow
    from rehabcoach.ui.settings import open_store
    from rehabcoach.ui.speech_bridge import SilentSpeech

    settings_dir = tempfile.TemporaryDirectory(prefix="rehabcoach-bench-")
    window = MainWindow(
        library,
        open_store(Path(settings_dir.name) / "settings.ini"),
        source=str(source),
        loop_source=True,
        pace_source=True,  # the worker delivers the recording at its own frame rate, like a camera
        speech=SilentSpeech("benchmark"),
    )
    window.resize(1280, 860)
    window.show()

    result = WindowBenchResult(
        source=source.name, source_fps=0.0, seconds=seconds, exercise=exercise_id, platform=app.platformName()
    )
    painted: set[float] = set()
    paint_latency: list[float] = []
    warning_latency: list[float] = []
    pending_warnings: dict[float, frozenset] = {}
    gaps: list[float] = []
    rss: list[tuple[float, float]] = []
    start = time.monotonic()

    def on_paint(captured_at, warned) -> None:
        if captured_at is None or captured_at in painted:
            return
        now = time.monotonic()
        painted.add(captured_at)
        paint_latency.append(now - captured_at)
        keys = pending_warnings.pop(captured_at, None)
        if keys is not None and keys & warned:
            warning_latency.append(now - captured_at)

    def on_warning(captured_at, keys) -> None:
        result.warnings_started += 1
        pending_warnings[captured_at] = keys

    for view in (window.calibration_screen.camera, window.movement_screen.camera):
        view.paint_listeners.append(on_paint)
    window.warning_listeners.append(on_warning)

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    pulse = QElapsedTimer()

    def beat() -> None:
        if pulse.isValid():
            gaps.append(pulse.nsecsElapsed() / 1e9)
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
    window.start_session([exercise])
    opened_fps: list[float] = []
    if window.capture is not None:
        window.capture.opened.connect(lambda _name, fps: opened_fps.append(fps))
        window.capture.failed.connect(lambda message: (opened_fps.append(-1.0), loop.quit()))
    heartbeat.start()
    sampler.start()
    measured_from = time.monotonic()
    loop.exec()
    elapsed = time.monotonic() - measured_from
    heartbeat.stop()
    sampler.stop()
    sample_memory()

    capture = window.capture
    if opened_fps and opened_fps[0] < 0:
        raise UserError(f"could not open {source}: {window._camera_problem or 'unknown error'}")
    if capture is not None:
        result.frames_captured = capture.frames_captured
        result.dropped_in_mailbox = capture.frames_dropped
        if capture.frames_captured:
            result.inference_ms_mean = round(capture.inference_seconds / capture.frames_captured * 1000, 1)
    result.source_fps = opened_fps[0] if opened_fps else 0.0
    result.frames_displayed = len(painted)
    result.dropped_before_paint = max(0, result.frames_captured - result.dropped_in_mailbox - result.frames_displayed)
    result.displayed_fps = round(len(painted) / elapsed, 2) if elapsed > 0 else 0.0
    stalls = [max(0.0, g - HEARTBEAT_MS / 1000) for g in gaps]
    result.longest_stall_ms = round(max(stalls, default=0.0) * 1000, 1)
    result.stall_p99_ms = round(float(np.percentile(stalls, 99)) * 1000, 1) if stalls else 0.0
    result.paint_latency_ms = percentiles(paint_latency)
    result.warning_latency_ms = percentiles(warning_latency)
    result.rss_mb = [list(s) for s in rss]
    result.rss_trend_mb_per_min = round(memory_trend(rss), 2)

    window._end_session()
    window.close()
    settings_dir.cleanup()
    return result


def report_lines(result: WindowBenchResult) -> list[str]:
    r = result
    rss_values = [mb for _, mb in r.rss_mb]
    lines = [
        f"window benchmark: {r.source} at {r.source_fps:g} fps, paced in real time, {r.seconds:g} s, "
        f"exercise {r.exercise}, Qt platform {r.platform}",
        f"displayed: {r.displayed_fps:.1f} frames/s ({r.frames_displayed} of {r.frames_captured} captured frames shown)",
        f"dropped: {r.dropped_in_mailbox + r.dropped_before_paint} "
        f"({r.dropped_in_mailbox} replaced in the mailbox before the GUI took them, "
        f"{r.dropped_before_paint} replaced before they were painted)",
        f"inference (worker thread): {r.inference_ms_mean:.1f} ms a frame on average",
        f"longest GUI-thread stall: {r.longest_stall_ms:.1f} ms (p99 {r.stall_p99_ms:.1f} ms; "
        f"heartbeat every {HEARTBEAT_MS} ms)",
        "capture-to-paint latency, every shown frame: " + _latency_text(r.paint_latency_ms),
        f"capture-to-warning-painted latency ({r.warnings_started} warnings started): "
        + _latency_text(r.warning_latency_ms),
    ]
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
