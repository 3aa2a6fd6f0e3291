"""Which per-side mouth signal tells an induced ONE-SIDED corner pull from the same eye closure untouched?
The mouth guards' counterpart of lab/eye_signals.py, on the evaluation's replay cache (the tracker is not run).

Every induced pull of gentle-eye-closure has a control twin: the same frames replayed with nothing induced.  Per
candidate signal and side, each frame's change from the replay's rest (the median over its first
CALIBRATION_SECONDS; every mouth signal is absolute: IODs or blendshape levels).  The asymmetry
A = change on the affected side - change on the other side is positive when the pulled corner moves more.  A
**positive** sample is the median of A over an induced pull's fully engaged frames; a **negative** sample the same
window of the twin, taken for both sides.  Separation: AUC and d' (as for the eyes), overall and per kind.

With ``--mouth-pull sideways`` the pulls go straight outwards (risorius-like) instead of up and out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from lab.eval_cases import CALIBRATION_SECONDS, Case, Replay
from lab.eye_signals import (
    BLEND_SIDE,
    LANDMARK_POSITION,
    auc,
    blendshape_series,
    d_prime,
    head_frame,
    measure_series,
    median_of,
    paired_windows,
    take_samples,
)
from rehabcoach.vision.landmarks import NOSE_BRIDGE, NOSE_TIP, SIDE_LANDMARKS


def sideways_from(head: np.ndarray, side: str, reference: int) -> np.ndarray:
    """The mouth corner's sideways distance from a midline landmark, in the head's frame (IODs)."""
    corner = LANDMARK_POSITION[SIDE_LANDMARKS[side].mouth_corner]
    return np.abs(head[:, corner, 0] - head[:, LANDMARK_POSITION[reference], 0])


@dataclass(frozen=True)
class Signal:
    name: str
    formula: str
    compute: Callable[[Replay, np.ndarray, str], np.ndarray]  # (replay, head-frame landmarks, side) -> values


def _blend(name: str) -> Callable[[Replay, np.ndarray, str], np.ndarray]:
    return lambda r, h, s: blendshape_series(r, f"{name}{BLEND_SIDE[s]}")


SIGNALS: tuple[Signal, ...] = (
    Signal("mouth_corner_lift", "pipeline measure: the corner's height over the nose tip",
           lambda r, h, s: measure_series(r, "mouth_corner_lift", s)),
    Signal("mouth_corner_excursion", "pipeline measure: the corner's sideways distance from the lips' midline",
           lambda r, h, s: measure_series(r, "mouth_corner_excursion", s)),
    Signal("sideways_from_nose_tip", "the corner's sideways distance from the nose tip, head frame",
           lambda r, h, s: sideways_from(h, s, NOSE_TIP)),
    Signal("sideways_from_nose_bridge", "the corner's sideways distance from the nose bridge, head frame",
           lambda r, h, s: sideways_from(h, s, NOSE_BRIDGE)),
) + tuple(Signal(name, f"blendshape {name}{{Side}}", _blend(name))
          for name in ("mouthSmile", "mouthDimple", "mouthStretch", "mouthPress", "mouthUpperUp", "cheekSquint"))
# What the region's warning follows with both guards of gentle-eye-closure: the larger of the two changes.
LARGER_OF = ("larger_of_lift_and_excursion", "mouth_corner_lift", "mouth_corner_excursion")


def deviations(replay: Replay, fps: float) -> dict[str, dict[str, np.ndarray]]:
    """Per signal and side, each frame's change from the replay's rest."""
    head = head_frame(replay)
    rest = np.arange(len(replay.frames)) / fps < CALIBRATION_SECONDS
    out: dict[str, dict[str, np.ndarray]] = {}
    with np.errstate(invalid="ignore"):
        for signal in SIGNALS:
            out[signal.name] = {}
            for side in ("right", "left"):
                values = signal.compute(replay, head, side)
                out[signal.name][side] = values - median_of(values[rest])
        name, a, b = LARGER_OF
        out[name] = {side: np.fmax(out[a][side], out[b][side]) for side in ("right", "left")}
    return out


def asymmetry(dev: dict[str, np.ndarray], affected: str) -> np.ndarray:
    """Positive when the affected corner moves more than the other."""
    return dev[affected] - dev["left" if affected == "right" else "right"]


@dataclass
class Samples:
    positives: dict[str, list[float]] = field(default_factory=dict)
    negatives: dict[str, list[float]] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)  # per positive: "held" or "natural"
    labels: list[str] = field(default_factory=list)  # per positive: case name


def collect(cases: Sequence[Case], media: Path, fps_of: dict[str, float]) -> tuple[Samples, int]:
    """Samples from every induced mouth pull whose replay and twin's replay are both cached; returns the samples and
    how many such cases were skipped for want of a cached replay."""
    samples = Samples()
    windows, skipped = paired_windows(cases, "mouth", media, fps_of,
                                      lambda case, key, replay: deviations(replay, fps_of[case.clip]))
    for window in windows:
        samples.kinds.append(window.case.kind)
        samples.labels.append(window.case.name)
        take_samples(samples.positives, samples.negatives, window, asymmetry)
    return samples, skipped


def compare(samples: Samples) -> list[dict]:
    """Per signal: AUC and d' overall and per kind, and the sensitivity at the level 95 % of the negatives stay under."""
    kinds = np.array(samples.kinds)
    formulas = {s.name: s.formula for s in SIGNALS}
    formulas[LARGER_OF[0]] = f"the larger of the changes of {LARGER_OF[1]} and {LARGER_OF[2]}"
    rows = []
    for name, values in samples.positives.items():
        pos = np.array(values)
        neg = np.array(samples.negatives.get(name, []))
        keep = np.isfinite(pos)
        neg = neg[np.isfinite(neg)]
        row = {"signal": name, "formula": formulas[name], "positives": int(keep.sum()), "negatives": len(neg),
               "auc": auc(pos[keep], neg), "d_prime": d_prime(pos[keep], neg)}
        for kind in ("held", "natural"):
            row[f"auc_{kind}"] = auc(pos[keep & (kinds == kind)], neg)
        level = float(np.percentile(neg, 95)) if len(neg) else None
        row["sensitivity_at_5pct_fp"] = float(np.mean(pos[keep] > level)) if level is not None and keep.any() else None
        rows.append(row)
    rows.sort(key=lambda r: -(r["auc"] or 0))
    return rows


def format_table(rows: Sequence[dict]) -> list[str]:
    from lab.evaluate import figure as f
    lines = ["| signal | AUC | d' | AUC held | AUC natural | sens. at 5 % FP |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['signal']} | {f(r['auc'])} | {f(r['d_prime'])} | {f(r['auc_held'])} | {f(r['auc_natural'])} | "
              f"{f(r['sensitivity_at_5pct_fp'])} |" for r in rows]
    return lines


def run(media: Path, clips: Sequence[str], mouth_pull: str = "up-and-out") -> tuple[list[dict], Samples, int]:
    from lab.evaluate import gather_cases

    traces, cases = gather_cases(media, clips, mouth_pull=mouth_pull)
    samples, skipped = collect(cases, media, {clip: trace.fps for clip, trace in traces.items()})
    return compare(samples), samples, skipped
