"""Which per-side eye-opening signal best tells an induced ONE-SIDED narrowing from natural TWO-SIDED
narrowing (smiles, puckers)?  Issue 8, item 3.  An offline comparison on the evaluation's replay cache.

Every induced eye case of the evaluation (a warp narrows one eye during a smile or a pucker, held or at
natural speed) has a control twin: the same frames replayed with nothing induced.  Both replays' face
frames (measures, blendshapes) and eye/iris landmarks are in the replay cache (eval_cases.Replay), so
candidate signals are computed here from what the tracker returned, without running it again.

For each candidate signal S and side, per frame:

- geometric signals: relative deviation from rest, d = (S - S_rest) / S_rest, where S_rest is the median
  over the replay's calibration frames (its first CALIBRATION_SECONDS); narrowing is negative;
- blendshapes (0..1, rising as the eye closes): d = -(B - B_rest), so narrowing is negative too.

The asymmetry A = d_other - d_affected is positive when the affected eye narrows more than the other.
A **positive** sample is the median of A over an induced movement's fully engaged frames; a **negative**
sample is the same window of the control twin (the same natural smile or pucker, nothing induced), taken
for both sides.  Separation is reported as the AUC (probability that a positive outranks a negative) and
d' = (mean+ - mean-) / sqrt((var+ + var-) / 2), overall and per grade (the grade of the evaluation:
the registered excess of the current eye_aperture, see evaluate.grade_of, here with the rest taken from
the calibration frames).

Signals are computed in the image plane (the kept landmarks are normalised image coordinates, scaled to
pixels); the current eye_aperture also appears as the pipeline computes it (head rotation removed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from lab.eval_cases import (
    CALIBRATION_SECONDS,
    KEPT_LANDMARKS,
    Case,
    Movement,
    Replay,
    load_replay,
    replay_key,
)
from rehabcoach.vision.landmarks import CONTOURS, SIDE_LANDMARKS

LANDMARK_POSITION = {index: k for k, index in enumerate(KEPT_LANDMARKS)}
# The 478-point model's irises: 468 (centre) and 469-472 (ring) beside the patient's right eye (33/133),
# 473 and 474-477 beside the left (263/362).  Checked per replay by distance to the eye corners.
IRIS_RING = {"right": (469, 470, 471, 472), "left": (474, 475, 476, 477)}


def _pixels(replay: Replay) -> np.ndarray:
    width, height = replay.image_size if replay.image_size != (0, 0) else (1, 1)
    points = np.asarray(replay.landmarks[..., :2], dtype=np.float64).copy()
    points[..., 0] *= width
    points[..., 1] *= height
    return points


def rotation_from_pose(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """The rotation matrix measures.head_pose reads these angles from: R = Rx(pitch) Ry(yaw) Rz(roll)."""
    a, b, c = (math.radians(v) for v in (pitch, yaw, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return rx @ ry @ rz


def head_frame(replay: Replay) -> np.ndarray:
    """The kept landmarks in the head's own frame, as measures.face_coordinates computes them (origin at
    the nose bridge, head rotation removed, unit = IOD), x and y only; NaN where no face or pose."""
    from rehabcoach.vision.measures import DEPTH_SCALE

    width, height = replay.image_size if replay.image_size != (0, 0) else (1, 1)
    raw = np.asarray(replay.landmarks, dtype=np.float64)
    out = np.full(raw.shape[:2] + (2,), np.nan)
    bridge = LANDMARK_POSITION[168]
    right, left = SIDE_LANDMARKS["right"], SIDE_LANDMARKS["left"]
    for i, frame in enumerate(replay.frames):
        if not frame.face or frame.pose is None or not np.isfinite(raw[i]).all():
            continue
        points = np.empty((raw.shape[1], 3))
        points[:, 0] = raw[i, :, 0] * width
        points[:, 1] = -raw[i, :, 1] * height
        points[:, 2] = -raw[i, :, 2] * width * DEPTH_SCALE
        points -= points[bridge]
        points = points @ rotation_from_pose(frame.pose.yaw, frame.pose.pitch, frame.pose.roll)
        centres = [(points[LANDMARK_POSITION[lm.eye_outer]] + points[LANDMARK_POSITION[lm.eye_inner]]) / 2 for lm in (right, left)]
        iod = float(np.linalg.norm(centres[1] - centres[0]))
        if iod > 1e-6:
            out[i] = points[:, :2] / iod
    return out


def _pt(points: np.ndarray, index: int) -> np.ndarray:
    return points[:, LANDMARK_POSITION[index]]


def lid_distance(points: np.ndarray, side: str) -> np.ndarray:
    lm = SIDE_LANDMARKS[side]
    pairs = [np.linalg.norm(_pt(points, u) - _pt(points, d), axis=-1) for u, d in zip(lm.upper_lid, lm.lower_lid)]
    return np.mean(pairs, axis=0)


def eye_width(points: np.ndarray, side: str) -> np.ndarray:
    lm = SIDE_LANDMARKS[side]
    return np.linalg.norm(_pt(points, lm.eye_outer) - _pt(points, lm.eye_inner), axis=-1)


def iris_diameter(points: np.ndarray, side: str) -> np.ndarray:
    """Mean of the iris ring's two diameters (horizontal 1-3 and vertical 2-4 of the ring)."""
    a, b, c, d = IRIS_RING[side]
    return (np.linalg.norm(_pt(points, a) - _pt(points, c), axis=-1)
            + np.linalg.norm(_pt(points, b) - _pt(points, d), axis=-1)) / 2


def iris_width(points: np.ndarray, side: str) -> np.ndarray:
    """The iris ring's horizontal diameter only (the vertical one may follow a narrowing lid)."""
    a, _, c, _ = IRIS_RING[side]
    return np.linalg.norm(_pt(points, a) - _pt(points, c), axis=-1)


def contour_area(points: np.ndarray, side: str) -> np.ndarray:
    """Area inside the eye contour (shoelace formula), pixels squared."""
    ring = CONTOURS[("eye", side)][:-1]  # the polyline repeats its first point
    xy = np.stack([_pt(points, i) for i in ring], axis=1)  # (N, K, 2)
    x, y = xy[..., 0], xy[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))


def blendshape_series(replay: Replay, name: str) -> np.ndarray:
    return np.array([f.blendshapes.get(name, np.nan) if f.face else np.nan for f in replay.frames], dtype=np.float64)


def measure_series(replay: Replay, measure: str, side: str) -> np.ndarray:
    values = [f.value(measure, side) if f.face else None for f in replay.frames]
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


BLEND_SIDE = {"right": "Right", "left": "Left"}


@dataclass(frozen=True)
class Signal:
    name: str
    formula: str
    kind: str  # "geometric" (relative deviation) or "blendshape" (absolute, rising with closure)
    compute: Callable[[Replay, np.ndarray, str], np.ndarray]
    plane: str = "image"  # "image": pixels of the image; "head": head frame, rotation removed (IODs)


SIGNALS: tuple[Signal, ...] = (
    Signal("eye_aperture", "pipeline eye_aperture: mean of 3 lid distances / eye width, head rotation removed",
           "geometric", lambda r, p, s: measure_series(r, "eye_aperture", s)),
    Signal("aperture_image", "mean of 3 lid distances / eye width, image plane", "geometric",
           lambda r, p, s: lid_distance(p, s) / eye_width(p, s)),
    Signal("lid_over_iris", "mean of 3 lid distances / iris diameter (same eye)", "geometric",
           lambda r, p, s: lid_distance(p, s) / iris_diameter(p, s)),
    Signal("lid_over_iris_width", "mean of 3 lid distances / horizontal iris diameter (same eye)", "geometric",
           lambda r, p, s: lid_distance(p, s) / iris_width(p, s)),
    Signal("lid_over_mean_iris", "mean of 3 lid distances / mean iris diameter of both eyes", "geometric",
           lambda r, p, s: lid_distance(p, s) / ((iris_diameter(p, "right") + iris_diameter(p, "left")) / 2)),
    Signal("area_over_width2", "eye contour area / eye width^2", "geometric",
           lambda r, p, s: contour_area(p, s) / eye_width(p, s) ** 2),
    Signal("area_over_iris2", "eye contour area / iris diameter^2 (same eye)", "geometric",
           lambda r, p, s: contour_area(p, s) / iris_diameter(p, s) ** 2),
    Signal("aperture_head", "mean of 3 lid distances / eye width, head frame (should equal eye_aperture)",
           "geometric", lambda r, p, s: lid_distance(p, s) / eye_width(p, s), "head"),
    Signal("lid_over_iod_head", "mean of 3 lid distances / inter-ocular distance, head frame", "geometric",
           lambda r, p, s: lid_distance(p, s), "head"),
    Signal("lid_over_iris_head", "mean of 3 lid distances / iris diameter (same eye), head frame", "geometric",
           lambda r, p, s: lid_distance(p, s) / iris_diameter(p, s), "head"),
    Signal("lid_over_mean_iris_head", "mean of 3 lid distances / mean iris diameter of both eyes, head frame",
           "geometric",
           lambda r, p, s: lid_distance(p, s) / ((iris_diameter(p, "right") + iris_diameter(p, "left")) / 2), "head"),
    Signal("area_over_iris2_head", "eye contour area / iris diameter^2 (same eye), head frame", "geometric",
           lambda r, p, s: contour_area(p, s) / iris_diameter(p, s) ** 2, "head"),
    Signal("eyeBlink", "blendshape eyeBlink{Side}", "blendshape",
           lambda r, p, s: blendshape_series(r, f"eyeBlink{BLEND_SIDE[s]}")),
    Signal("eyeSquint", "blendshape eyeSquint{Side}", "blendshape",
           lambda r, p, s: blendshape_series(r, f"eyeSquint{BLEND_SIDE[s]}")),
    Signal("blink+squint", "eyeBlink{Side} + eyeSquint{Side}", "blendshape",
           lambda r, p, s: blendshape_series(r, f"eyeBlink{BLEND_SIDE[s]}") + blendshape_series(r, f"eyeSquint{BLEND_SIDE[s]}")),
)
# Combinations: the mean of two signals' deviations (each relative to its own rest).
COMBINATIONS: tuple[tuple[str, str, str], ...] = (
    ("aperture+lid_over_iris", "eye_aperture", "lid_over_iris"),
    ("aperture+blink", "eye_aperture", "eyeBlink"),
    ("lid_over_iris+blink", "lid_over_iris", "eyeBlink"),
    ("aperture+lid_over_mean_iris_head", "eye_aperture", "lid_over_mean_iris_head"),
    ("aperture+squint", "eye_aperture", "eyeSquint"),
)
# With the pixel-based signal (--pixels), which comes from the frames rather than the cached replay.
PIXEL_COMBINATIONS: tuple[tuple[str, str, str], ...] = (("aperture+pixel", "eye_aperture", "pixel_scale"),)
PIXEL_FORMULA = "each eye's own pixels: vertical scale matching the rest patch (lab/pixel_lid.py), minus 1"


def combine(out: dict[str, dict[str, np.ndarray]], combinations: Sequence[tuple[str, str, str]]) -> None:
    """Add each combination to ``out``: the mean of its two signals' deviations, per side."""
    for name, a, b in combinations:
        out[name] = {side: (out[a][side] + out[b][side]) / 2 for side in ("right", "left")}


def deviations(replay: Replay, fps: float) -> dict[str, dict[str, np.ndarray]]:
    """Per signal and side, each frame's deviation from the replay's rest (negative = narrower)."""
    planes = {"image": _pixels(replay), "head": head_frame(replay)}
    rest = np.arange(len(replay.frames)) / fps < CALIBRATION_SECONDS
    out: dict[str, dict[str, np.ndarray]] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for signal in SIGNALS:
            out[signal.name] = {}
            for side in ("right", "left"):
                values = signal.compute(replay, planes[signal.plane], side)
                reference = median_of(values[rest])
                if signal.kind == "geometric":
                    out[signal.name][side] = (values - reference) / reference
                else:
                    out[signal.name][side] = -(values - reference)
        combine(out, COMBINATIONS)
    return out


def median_of(values: np.ndarray) -> float:
    """Median of the finite values; NaN (quietly) when there are none (no face, or no pose)."""
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) else float("nan")


def asymmetry(dev: dict[str, np.ndarray], affected: str) -> np.ndarray:
    other = "left" if affected == "right" else "right"
    return dev[other] - dev[affected]


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Probability that a positive sample outranks a negative one (ties count half)."""
    pos, neg = np.asarray(positives, dtype=float), np.asarray(negatives, dtype=float)
    if not len(pos) or not len(neg):
        return None
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def d_prime(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    pos, neg = np.asarray(positives, dtype=float), np.asarray(negatives, dtype=float)
    if len(pos) < 2 or len(neg) < 2:
        return None
    spread = math.sqrt((pos.var(ddof=1) + neg.var(ddof=1)) / 2)
    return float((pos.mean() - neg.mean()) / spread) if spread > 0 else None


@dataclass
class Samples:
    positives: dict[str, list[float]] = field(default_factory=dict)  # signal -> values
    negatives: dict[str, list[float]] = field(default_factory=dict)
    grades: list[str] = field(default_factory=list)  # per positive
    amounts: list[float] = field(default_factory=list)  # per positive: the pixel warp's aperture reduction
    kinds: list[str] = field(default_factory=list)  # per positive: "held" or "natural"
    labels: list[str] = field(default_factory=list)  # per positive: case name


def pixel_deviations(case: Case, key: str, replay: Replay, media: Path, trace) -> dict[str, dict[str, np.ndarray]]:
    """The pixel-based signal (lab/pixel_lid.py) of a case's replay: its frames are warped again (no
    tracker) and each eye's patch is placed by the replay's own eye corners.  The patches are cached
    beside the replay (they depend only on the replay and the patch's geometry)."""
    from lab.eval_cases import WarpedSource, cache_folder
    from lab.pixel_lid import PATCH_ACROSS, PATCH_ALONG, PATCH_H, PATCH_W, eye_patches, eye_scales

    path = cache_folder() / f"patches-{key}-{PATCH_W}x{PATCH_H}-{PATCH_ALONG:g}-{PATCH_ACROSS:g}.npy"
    if path.is_file():
        patches = np.load(path)
    else:
        source = WarpedSource(media / case.clip, case, trace)
        try:
            patches = eye_patches(((f.index, f.image) for f in source), replay.landmarks, replay.image_size, LANDMARK_POSITION)
        finally:
            source.close()
        np.save(path, patches)
    has_face = np.isfinite(np.asarray(replay.landmarks, dtype=np.float64)).all(axis=(1, 2))
    rest = np.arange(len(replay.frames)) / trace.fps < CALIBRATION_SECONDS
    scales = eye_scales(patches, has_face, rest)
    return {"pixel_scale": {side: values - 1.0 for side, values in scales.items()}}


@dataclass(frozen=True)
class PairedWindow:
    """One induced movement and its twin's same frames, both as per-signal, per-side deviations."""

    case: Case
    movement: Movement
    engaged: np.ndarray  # per frame: the warp fully engaged
    warped: dict[str, dict[str, np.ndarray]]
    plain: dict[str, dict[str, np.ndarray]]
    new_twin_window: bool  # the first time this window of the twin comes up (its negatives are taken once)


def paired_windows(cases: Sequence[Case], region: str, media: Path, fps_of: dict[str, float],
                   deviations_of: Callable[[Case, str, Replay], dict]) -> tuple[list[PairedWindow], int]:
    """Every induced movement of ``region`` whose replay and whose twin's replay are cached, with at least 3
    fully engaged frames; and how many such cases were skipped for want of a cached replay.
    ``deviations_of(case, key, replay)`` gives a cached replay's per-signal, per-side deviations (once per replay)."""
    from lab.evaluate import fully_engaged_level

    cache: dict[str, dict | None] = {}

    def deviations_of_case(case: Case) -> tuple[str, dict | None]:
        key = replay_key(case, media)
        if key not in cache:
            replay = load_replay(key)
            cache[key] = None if replay is None else deviations_of(case, key, replay)
        return key, cache[key]

    by_name = {c.name: c for c in cases}
    found: list[PairedWindow] = []
    skipped = 0
    seen: set[tuple[str, float, float]] = set()
    for case in cases:
        if case.control or case.region != region or not case.twin or case.twin not in by_name:
            continue
        _, warped = deviations_of_case(case)
        twin_key, plain = deviations_of_case(by_name[case.twin])
        if warped is None or plain is None:
            skipped += 1
            continue
        times = np.arange(len(next(iter(warped.values()))["right"])) / fps_of[case.clip]
        for movement in case.induced_movements:
            full = fully_engaged_level(movement)
            engaged = np.array([movement.level(t) >= full for t in times])
            if engaged.sum() < 3:
                continue
            window = (twin_key, round(movement.start, 3), round(movement.end, 3))
            found.append(PairedWindow(case, movement, engaged, warped, plain, window not in seen))
            seen.add(window)
    return found, skipped


def take_samples(positives: dict[str, list[float]], negatives: dict[str, list[float]], window: PairedWindow,
                 asymmetry_of: Callable[[dict[str, np.ndarray], str], np.ndarray]) -> None:
    """Per signal, the window's positive (the median asymmetry on the affected side over the engaged frames) and,
    the first time the twin's window comes up, its negatives (the same, untouched, for both sides)."""
    for name, dev in window.warped.items():
        positives.setdefault(name, []).append(median_of(asymmetry_of(dev, window.case.affected_side)[window.engaged]))
    if window.new_twin_window:
        for name, dev in window.plain.items():
            for side in ("right", "left"):
                negatives.setdefault(name, []).append(median_of(asymmetry_of(dev, side)[window.engaged]))


def collect(cases: Sequence[Case], media: Path, fps_of: dict[str, float], traces: dict | None = None
            ) -> tuple[Samples, int]:
    """Samples from every induced eye case whose replay and twin's replay are both cached; returns the
    samples and how many such cases were skipped for want of a cached replay.  With ``traces`` (the clips'
    first passes) the pixel-based signal is added too (slower: every replay frame is decoded and warped)."""
    from lab.evaluate import grade_of

    samples = Samples()

    def deviations_of(case: Case, key: str, replay: Replay) -> dict:
        dev = deviations(replay, fps_of[case.clip])
        if traces is not None:
            dev.update(pixel_deviations(case, key, replay, media, traces[case.clip]))
            combine(dev, PIXEL_COMBINATIONS)
        return dev

    windows, skipped = paired_windows(cases, "eye", media, fps_of, deviations_of)
    for window in windows:
        case, engaged = window.case, window.engaged
        # The grade, as evaluate computes it: the current eye_aperture's excess over the twin.
        other = "left" if case.affected_side == "right" else "right"
        ap = {side: (window.warped["eye_aperture"][side], window.plain["eye_aperture"][side]) for side in ("right", "left")}
        excess = median_of((ap[other][0] - ap[other][1])[engaged] - (ap[case.affected_side][0] - ap[case.affected_side][1])[engaged])
        samples.grades.append(grade_of(float(excess) if np.isfinite(excess) else None, "narrow_eye"))
        samples.kinds.append(case.kind)
        samples.amounts.append(window.movement.amount)
        samples.labels.append(case.name)
        take_samples(samples.positives, samples.negatives, window, asymmetry)
    return samples, skipped


REFERENCE_SIGNAL = "eye_aperture"  # what the product uses today
BOOTSTRAP_ROUNDS = 1000


def auc_difference(samples: Samples, name: str, reference: str = REFERENCE_SIGNAL,
                   rounds: int = BOOTSTRAP_ROUNDS, seed: int = 8) -> tuple[float, float, float] | None:
    """AUC of ``name`` minus AUC of ``reference`` and its 95 % interval, by a paired bootstrap (the same
    resampled positives and negatives for both signals): is a gain more than the luck of these cases?"""
    pos_a, pos_b = np.array(samples.positives[name]), np.array(samples.positives[reference])
    neg_a, neg_b = np.array(samples.negatives[name]), np.array(samples.negatives[reference])
    keep_p = np.isfinite(pos_a) & np.isfinite(pos_b)
    keep_n = np.isfinite(neg_a) & np.isfinite(neg_b)
    pos_a, pos_b, neg_a, neg_b = pos_a[keep_p], pos_b[keep_p], neg_a[keep_n], neg_b[keep_n]
    if len(pos_a) < 3 or len(neg_a) < 3:
        return None
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        p = rng.integers(0, len(pos_a), len(pos_a))
        n = rng.integers(0, len(neg_a), len(neg_a))
        diffs.append(auc(pos_a[p], neg_a[n]) - auc(pos_b[p], neg_b[n]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return auc(pos_a, neg_a) - auc(pos_b, neg_b), float(low), float(high)


def compare(samples: Samples) -> list[dict]:
    """Per signal: AUC and d' overall, per grade, per kind and per pixel amount, with the sample counts,
    and the AUC gain over the current eye_aperture with its bootstrap interval."""
    rows = []
    grades = np.array(samples.grades)
    kinds = np.array(samples.kinds)
    amounts = np.array(samples.amounts) if samples.amounts else np.full(len(grades), np.nan)
    for name in samples.positives:
        pos = np.array(samples.positives[name])
        neg = np.array(samples.negatives.get(name, []))
        pos_ok, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
        row = {"signal": name, "positives": len(pos_ok), "negatives": len(neg), "auc": auc(pos_ok, neg),
               "d_prime": d_prime(pos_ok, neg), "median_positive": float(np.median(pos_ok)) if len(pos_ok) else None,
               "negative_p95": float(np.percentile(neg, 95)) if len(neg) else None}
        for label, mask in (("mild", grades == "mild"), ("moderate", grades == "moderate"),
                            ("below", grades == "below"), ("held", kinds == "held"), ("natural", kinds == "natural"),
                            # Grades come from eye_aperture itself, which favours it; pixel amounts do not.
                            ("pixels_le_35", amounts <= 0.35), ("pixels_gt_35", amounts > 0.35)):
            chosen = pos[mask]
            chosen = chosen[np.isfinite(chosen)]
            row[f"auc_{label}"] = auc(chosen, neg)
            row[f"n_{label}"] = int(len(chosen))
        # Sensitivity at the threshold that keeps 95 % of the negatives below it.
        row["sensitivity_at_5pct_fp"] = float(np.mean(pos_ok > row["negative_p95"])) if len(pos_ok) and len(neg) else None
        gain = auc_difference(samples, name) if name != REFERENCE_SIGNAL and REFERENCE_SIGNAL in samples.positives else None
        row["auc_gain_over_eye_aperture"] = None if gain is None else {"gain": gain[0], "low": gain[1], "high": gain[2]}
        formula = next((s.formula for s in SIGNALS if s.name == name), PIXEL_FORMULA if name == "pixel_scale" else None)
        if formula is None:
            a, b = next((a, b) for n, a, b in COMBINATIONS + PIXEL_COMBINATIONS if n == name)
            formula = f"mean of the deviations of {a} and {b}"
        row["formula"] = formula
        rows.append(row)
    rows.sort(key=lambda r: -(r["auc"] or 0))
    return rows


def format_table(rows: Sequence[dict]) -> list[str]:
    from lab.evaluate import figure as f
    lines = ["| signal | AUC | AUC gain over eye_aperture [95 % CI] | d' | AUC ~8 % | AUC ~15 % | AUC below grade | "
             "AUC pixels <=35 % | AUC pixels >35 % | AUC held | AUC natural | sens. at 5 % FP | median A+ | 95th pct A- |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        g = r.get("auc_gain_over_eye_aperture")
        gain = "-" if g is None else f"{g['gain']:+.3f} [{g['low']:+.3f}, {g['high']:+.3f}]"
        lines.append(f"| {r['signal']} | {f(r['auc'])} | {gain} | {f(r['d_prime'])} | {f(r['auc_mild'])} (n={r['n_mild']}) | "
                     f"{f(r['auc_moderate'])} (n={r['n_moderate']}) | {f(r['auc_below'])} (n={r['n_below']}) | "
                     f"{f(r['auc_pixels_le_35'])} (n={r['n_pixels_le_35']}) | {f(r['auc_pixels_gt_35'])} (n={r['n_pixels_gt_35']}) | "
                     f"{f(r['auc_held'])} | {f(r['auc_natural'])} | {f(r['sensitivity_at_5pct_fp'])} | "
                     f"{f(r['median_positive'], 3)} | {f(r['negative_p95'], 3)} |")
    return lines


def run(media: Path, clips: Sequence[str], pixels: bool = False) -> tuple[list[dict], Samples, int]:
    from lab.evaluate import gather_cases

    traces, cases = gather_cases(media, clips)
    fps_of = {clip: trace.fps for clip, trace in traces.items()}
    samples, skipped = collect(cases, media, fps_of, traces if pixels else None)
    return compare(samples), samples, skipped
