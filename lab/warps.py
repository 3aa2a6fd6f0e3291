"""Image warps that put a synkinesis-like movement into a real recording, for the detection evaluation.

The evaluation has no footage of patients, so it builds it: during the subject's own smiles one eye is
made to narrow, during eye closures one mouth corner is made to pull.  Each warp is a smooth local
displacement (a bilinear resampling, the same on every machine) centred on the region and fading out with
distance, so the face around it stays intact and the face tracker sees a plausible movement rather than a
pasted patch.

Each warp is exact where it matters: ``narrow_eye(..., reduction=0.4)`` moves the lid landmarks so that
the lid distance becomes 60 % of what it was; ``pull_mouth_corner(..., amount_iod=0.08)`` moves the
corner by exactly 0.08 inter-ocular distances.  Only a patch around the region is resampled.

Landmarks are MediaPipe's 478 points in normalised coordinates of the un-mirrored image; sides are the
patient's anatomical sides (``rehabcoach.vision.landmarks``).
"""

from __future__ import annotations

import math

import numpy as np

from rehabcoach.vision.landmarks import SIDE_LANDMARKS

# Gaussian spread of the eye warp, in eye widths: wide enough that both lids get (almost) the full
# compression, narrow enough that the brow and cheek barely move.
EYE_SPREAD_ALONG = 0.55
EYE_SPREAD_ACROSS = 0.45
# Gaussian spread of the mouth-corner warp, in inter-ocular distances (the corner region, not the lips).
MOUTH_SPREAD = 0.22
# Direction of a corner pull: mostly up, partly outwards, as zygomaticus pulls the modiolus.
MOUTH_PULL_UP = 0.8
MOUTH_PULL_OUT = 0.6
# The directions a pull can take, as (up, out) weights: the evaluation's usual one, and straight sideways, as
# risorius pulls, which the face mesh registers far less well on its own side (docs/evaluation.md, "Which mouth
# signal registers one corner's pull").
MOUTH_PULL_DIRECTIONS = {"up-and-out": (MOUTH_PULL_UP, MOUTH_PULL_OUT), "sideways": (0.0, 1.0)}
NEWTON_STEPS = 8
# A warp touches pixels out to this many spreads from its centre; beyond it the weight is < 1e-4.
PATCH_SPREADS = 4.3


def envelope(t: float, start: float, end: float, rise: float = 0.2) -> float:
    """0..1: how far a movement spanning [start, end] is engaged at time t.

    Raised-cosine ramps of ``rise`` seconds at each end, like a real muscle contraction (no jumps);
    the full amount holds in between.  Intervals shorter than two ramps peak below 1.
    """
    if t <= start or t >= end:
        return 0.0
    rise = max(1e-6, min(rise, (end - start) / 2))
    edge = min(t - start, end - t)
    if edge >= rise:
        return 1.0
    return 0.5 - 0.5 * math.cos(math.pi * edge / rise)


def pixel_points(landmarks: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Normalised landmarks -> (N, 2) pixel coordinates of ``image``."""
    height, width = image.shape[:2]
    return np.asarray(landmarks, dtype=np.float64)[:, :2] * np.array([width, height], dtype=np.float64)


def interocular_pixels(points: np.ndarray) -> float:
    """Distance between the eye centres (mid-points of the eye corners), as the measures use it."""
    centres = [
        (points[SIDE_LANDMARKS[side].eye_outer] + points[SIDE_LANDMARKS[side].eye_inner]) / 2
        for side in ("right", "left")
    ]
    return float(np.linalg.norm(centres[1] - centres[0]))


def eye_aperture_pixels(points: np.ndarray, side: str) -> float:
    """Mean lid distance over eye width, over the same lid pairs as the pipeline's eye_aperture."""
    lm = SIDE_LANDMARKS[side]
    width = np.linalg.norm(points[lm.eye_outer] - points[lm.eye_inner])
    lids = np.linalg.norm(points[list(lm.upper_lid)] - points[list(lm.lower_lid)], axis=1)
    return float(lids.mean() / width)


def _patch(image: np.ndarray, centre: np.ndarray, radius: float) -> tuple[int, int, int, int]:
    height, width = image.shape[:2]
    x0 = int(max(0, math.floor(centre[0] - radius)))
    x1 = int(min(width, math.ceil(centre[0] + radius) + 1))
    y0 = int(max(0, math.floor(centre[1] - radius)))
    y1 = int(min(height, math.ceil(centre[1] + radius) + 1))
    return x0, x1, y0, y1


def _reflect(index: np.ndarray, size: int) -> np.ndarray:
    """Indices past an edge mirrored back into the image, the edge pixel repeated (OpenCV's BORDER_REFLECT)."""
    index = np.where(index < 0, -index - 1, index)
    index = np.where(index >= size, 2 * size - index - 1, index)
    return np.clip(index, 0, size - 1)


def _remap_patch(image: np.ndarray, box: tuple[int, int, int, int], map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """A copy of ``image`` whose ``box`` is resampled from full-image coordinates (map_x, map_y).

    Bilinear interpolation in float64, rounded to the nearest grey level: the same as ``cv2.remap`` with
    INTER_LINEAR and BORDER_REFLECT to within a grey level, but exact IEEE arithmetic, so every machine
    and every OpenCV build warps a frame to the same bytes.  ``cv2.remap`` interpolates in fixed point, and
    OpenCV 4.11 and 5.1 gave frames differing by up to 2 grey levels on about 0.4 % of the pixels, which the
    face tracker turns into different evaluation figures (docs/evaluation.md, "Latest figures").
    """
    x0, x1, y0, y1 = box
    height, width = image.shape[:2]
    left, top = np.floor(map_x), np.floor(map_y)
    fx, fy = map_x - left, map_y - top
    if image.ndim == 3:
        fx, fy = fx[..., None], fy[..., None]
    xa, ya = left.astype(np.intp), top.astype(np.intp)
    xb, yb = _reflect(xa + 1, width), _reflect(ya + 1, height)
    xa, ya = _reflect(xa, width), _reflect(ya, height)
    # Only the sampled pixels become float64, not the whole frame (a 1080p frame is 50 MB in float64).
    def corner(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return image[rows, cols].astype(np.float64)

    upper = corner(ya, xa) * (1.0 - fx) + corner(ya, xb) * fx
    lower = corner(yb, xa) * (1.0 - fx) + corner(yb, xb) * fx
    resampled = upper * (1.0 - fy) + lower * fy
    out = image.copy()
    out[y0:y1, x0:x1] = np.clip(np.rint(resampled), 0, np.iinfo(image.dtype).max).astype(image.dtype)
    return out


def narrow_eye(image: np.ndarray, landmarks: np.ndarray, side: str, reduction: float) -> np.ndarray:
    """Return a copy of ``image`` in which the given eye's opening is reduced by ``reduction`` (0..0.95).

    Content is squeezed towards the eye's own centre line (the line through the corners, moved to the
    middle of the lids), perpendicular to that line, so head tilt is respected.  The squeeze factor at a
    point is ``1 - r * w`` with ``w`` a Gaussian around the eye: it is defined forwards (where a source
    point goes), which stays one-to-one for any r < 1, and inverted per pixel with Newton's method.
    """
    if not 0.0 <= reduction < 0.96:
        raise ValueError("reduction must be in [0, 0.96)")
    if reduction == 0.0:
        return image.copy()
    points = pixel_points(landmarks, image)
    lm = SIDE_LANDMARKS[side]
    outer, inner = points[lm.eye_outer], points[lm.eye_inner]
    eye_width = float(np.linalg.norm(outer - inner))
    if eye_width < 2.0:
        return image.copy()
    along = (inner - outer) / eye_width
    across = np.array([-along[1], along[0]])
    lids = np.concatenate([points[list(lm.upper_lid)], points[list(lm.lower_lid)]])
    centre = (outer + inner) / 2
    centre = centre + across * float(np.mean((lids - centre) @ across))  # onto the lids' middle line
    spread_u, spread_v = EYE_SPREAD_ALONG * eye_width, EYE_SPREAD_ACROSS * eye_width

    # Strength so that the lid landmarks end up exactly at (1 - reduction) of their distance to the line.
    lid_u = (lids - centre) @ along
    lid_v_out = (1 - reduction) * ((lids - centre) @ across)
    lid_w = np.exp(-0.5 * (lid_u / spread_u) ** 2 - 0.5 * (lid_v_out / ((1 - reduction) * spread_v)) ** 2)
    strength = min(0.97, reduction / max(float(lid_w.mean()), 1e-3))

    box = _patch(image, centre, PATCH_SPREADS * max(spread_u, spread_v))
    xs, ys = np.meshgrid(np.arange(box[0], box[1], dtype=np.float64), np.arange(box[2], box[3], dtype=np.float64))
    du, dv = xs - centre[0], ys - centre[1]
    u = du * along[0] + dv * along[1]
    v_out = du * across[0] + dv * across[1]
    weight_u = np.exp(-0.5 * (u / spread_u) ** 2)
    # Solve v_out = v * (1 - s * wu * exp(-v^2 / 2 sv^2)) for the source offset v.
    a = strength * weight_u
    v = v_out / np.maximum(1 - a, 1e-3)
    for _ in range(NEWTON_STEPS):
        g = np.exp(-0.5 * (v / spread_v) ** 2)
        f = v * (1 - a * g) - v_out
        df = 1 - a * g * (1 - (v / spread_v) ** 2)
        v = v - f / np.maximum(df, 1e-3)
    shift = v - v_out
    return _remap_patch(image, box, xs + shift * across[0], ys + shift * across[1])


def close_eyes(image: np.ndarray, landmarks: np.ndarray, closure: float = 0.9) -> np.ndarray:
    """Both eyes gently closed: ``narrow_eye`` on each side by ``closure`` (used where a clip has none)."""
    out = narrow_eye(image, landmarks, "right", closure)
    return narrow_eye(out, landmarks, "left", closure)


def mouth_pull_direction(points: np.ndarray, side: str, direction: str = "up-and-out") -> np.ndarray:
    """Unit vector (pixels) of a corner pull, by ``MOUTH_PULL_DIRECTIONS``: up towards the eyes and outwards
    from the mouth's middle, or outwards only."""
    weight_up, weight_out = MOUTH_PULL_DIRECTIONS[direction]
    right, left = SIDE_LANDMARKS["right"], SIDE_LANDMARKS["left"]
    eyes_mid = (points[right.eye_outer] + points[right.eye_inner] + points[left.eye_outer] + points[left.eye_inner]) / 4
    mouth_mid = (points[right.mouth_corner] + points[left.mouth_corner]) / 2
    up = eyes_mid - mouth_mid
    up /= max(np.linalg.norm(up), 1e-9)
    out = points[SIDE_LANDMARKS[side].mouth_corner] - mouth_mid
    out = out - up * float(out @ up)  # outwards = across the face, square to "up"
    out /= max(np.linalg.norm(out), 1e-9)
    pull = weight_up * up + weight_out * out
    return pull / np.linalg.norm(pull)


def pull_mouth_corner(image: np.ndarray, landmarks: np.ndarray, side: str, amount_iod: float,
                      direction: str = "up-and-out") -> np.ndarray:
    """Return a copy of ``image`` in which one mouth corner is pulled by ``amount_iod`` IODs, up and out
    (or, with ``direction="sideways"``, straight out).

    A point q moves to ``q + D * w(q)`` with ``w`` a Gaussian around the corner (w = 1 at the corner,
    so the corner moves by exactly D).  The inverse needed by the resampling is found by fixed-point
    iteration, which converges because D stays well below the spread.
    """
    if not 0.0 <= amount_iod <= 0.3:
        raise ValueError("amount_iod must be in [0, 0.3]")
    if amount_iod == 0.0:
        return image.copy()
    points = pixel_points(landmarks, image)
    iod = interocular_pixels(points)
    if iod < 4.0:
        return image.copy()
    corner = points[SIDE_LANDMARKS[side].mouth_corner]
    shift = mouth_pull_direction(points, side, direction) * amount_iod * iod
    spread = MOUTH_SPREAD * iod
    box = _patch(image, corner + shift / 2, PATCH_SPREADS * spread + float(np.linalg.norm(shift)))
    xs, ys = np.meshgrid(np.arange(box[0], box[1], dtype=np.float64), np.arange(box[2], box[3], dtype=np.float64))
    src_x, src_y = xs.copy(), ys.copy()
    for _ in range(NEWTON_STEPS * 2):
        w = np.exp(-0.5 * ((src_x - corner[0]) ** 2 + (src_y - corner[1]) ** 2) / spread**2)
        src_x, src_y = xs - shift[0] * w, ys - shift[1] * w
    return _remap_patch(image, box, src_x, src_y)


def move_points_like_mouth_pull(points: np.ndarray, side: str, amount_iod: float,
                                direction: str = "up-and-out") -> np.ndarray:
    """Where ``pull_mouth_corner`` sends given pixel points (the forward map), for tests and overlays."""
    iod = interocular_pixels(points)
    corner = points[SIDE_LANDMARKS[side].mouth_corner]
    shift = mouth_pull_direction(points, side, direction) * amount_iod * iod
    w = np.exp(-0.5 * np.sum((points - corner) ** 2, axis=1) / (MOUTH_SPREAD * iod) ** 2)
    return points + w[:, None] * shift[None, :]
