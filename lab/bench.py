"""Throughput of the face pipeline against bare MediaPipe, on the same frames, plus end-to-end analysis time.

Printed, not asserted: speed goals belong in a benchmark, not in timed tests.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from rehabcoach.analysis.analyze import analyze
from rehabcoach.analysis.split_tracking import default_trackers, face_tracking
from rehabcoach.coaching.calibration import Calibrator
from rehabcoach.coaching.monitor import MovementMonitor
from rehabcoach.errors import UserError
from rehabcoach.vision.landmarker import FaceLandmarker
from rehabcoach.vision.pipeline import FacePipeline
from rehabcoach.vision.sources import open_source
from rehabcoach.vision.types import Frame


@dataclass
class PassResult:
    frames: int
    seconds: float
    latencies_ms: list[float]

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def load_frames(path: str | Path, size: tuple[int, int], limit: int | None) -> tuple[list[Frame], float]:
    frames: list[Frame] = []
    with open_source(path) as source:
        fps = source.fps
        for frame in source:
            image = cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA)
            frames.append(Frame(frame.index, frame.timestamp, image))
            if limit and len(frames) >= limit:
                break
    if not frames:
        raise UserError(f"{path}: no frames could be read")
    return frames, fps


def bare_pass(frames: list[Frame], model) -> PassResult:
    """What any MediaPipe program must do per frame: colour conversion and detection."""
    latencies = []
    with FaceLandmarker(model, direct=False) as landmarker:  # MediaPipe's public API, as any program uses it
        start = time.perf_counter()
        for frame in frames:
            t0 = time.perf_counter()
            landmarker.detect(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB), frame.timestamp)
            latencies.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - start
    return PassResult(len(frames), total, latencies)


def full_pass(frames: list[Frame], model, exercise) -> tuple[PassResult, int]:
    """The whole engine: pipeline (landmarks, pose, measures, quality), calibration and the movement monitor
    (target, arming, guards), as `analyze` runs them."""
    latencies = []
    calibrator = Calibrator(required_frames=24)
    monitor = None
    warnings = 0
    with FacePipeline(model) as pipeline:
        start = time.perf_counter()
        for frame in frames:
            t0 = time.perf_counter()
            face_frame = pipeline.process(frame)
            if monitor is None:
                calibrator.feed(face_frame)
                if calibrator.baseline is not None:
                    monitor = MovementMonitor(exercise.guards, exercise.target, calibrator.baseline)
            else:
                warnings += len(monitor.update(face_frame).warnings)
            latencies.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - start
    return PassResult(len(frames), total, latencies), warnings


def current_and_peak_rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory in MB; the peak since the last ``reset_peak_rss``."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def reset_peak_rss() -> None:
    """Start measuring the peak afresh (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def run_bench(video: str, exercise, *, size=(640, 480), limit: int | None = None, rounds: int = 2,
              model=None, out=sys.stdout) -> dict:
    frames, fps = load_frames(video, size, limit)
    print(f"bench: {Path(video).name}: {len(frames)} frames at {size[0]}x{size[1]} "
          f"({len(frames) / fps:.1f} s of video at {fps:.1f} fps), {rounds} rounds, exercise {exercise.id}", file=out)
    frames_mb, _ = current_and_peak_rss_mb()
    reset_peak_rss()
    bare_runs, full_runs = [], []
    for round_number in range(rounds):
        # Alternate the two, so that whatever else the machine does weighs on both alike.
        bare_runs.append(bare_pass(frames, model))
        full, _ = full_pass(frames, model, exercise)
        full_runs.append(full)
        print(f"  round {round_number + 1}: bare {bare_runs[-1].fps:6.1f} frames/s   "
              f"full pipeline {full.fps:6.1f} frames/s", file=out)
    bare_fps = statistics.median(r.fps for r in bare_runs)
    full_fps = statistics.median(r.fps for r in full_runs)
    latencies = [ms for r in full_runs for ms in r.latencies_ms]
    _, peak_mb = current_and_peak_rss_mb()
    figures = {
        "frames": len(frames),
        "bare_fps": round(bare_fps, 1),
        "pipeline_fps": round(full_fps, 1),
        "ratio": round(full_fps / bare_fps, 3) if bare_fps else 0.0,
        "latency_p50_ms": round(percentile(latencies, 50), 2),
        "latency_p95_ms": round(percentile(latencies, 95), 2),
        "peak_rss_mb": round(peak_mb, 1),
        "rss_with_frames_loaded_mb": round(frames_mb, 1),
    }
    print(f"bare FaceLandmarker:  {figures['bare_fps']:.1f} frames/s", file=out)
    print(f"full pipeline:        {figures['pipeline_fps']:.1f} frames/s", file=out)
    print(f"ratio full/bare:      {figures['ratio']:.3f}  (goal >= 0.95)", file=out)
    print(f"per-frame latency:    p50 {figures['latency_p50_ms']:.1f} ms, p95 {figures['latency_p95_ms']:.1f} ms", file=out)
    print(f"peak memory (RSS):    {figures['peak_rss_mb']:.0f} MB "
          f"(of which the decoded test frames, held for both passes: about {frames_mb:.0f} MB before the runs)", file=out)
    return figures


def time_analysis(video: str, exercise, model=None, out=sys.stdout) -> dict:
    """End to end as `rehabcoach analyze` runs (decoding the file at its own size included): with the
    trackers it chooses on this machine, and with one tracker."""
    figures = {}
    for label, trackers in (("", None), ("_one_tracker", 1)):
        start = time.perf_counter()
        with open_source(video) as source, face_tracking(source, model, trackers=trackers) as (pipeline, faces):
            result = analyze(source, exercise, pipeline=pipeline, keep_rows=False, faces=faces)
        seconds = time.perf_counter() - start
        video_seconds = result.frames / result.fps
        how = f"{default_trackers()} trackers (the default here)" if trackers is None else "1 tracker"
        print(f"analyze end to end, {how}: {result.frames} frames ({video_seconds:.1f} s of video) in {seconds:.1f} s "
              f"({video_seconds / seconds:.1f}x real time; goal 4x)", file=out)
        figures[f"analyze_seconds{label}"] = round(seconds, 2)
        figures["video_seconds"] = round(video_seconds, 2)
    return figures
