"""A pixel-based eye-opening signal, for the eye-signal comparison (issue 8, item 3's last candidate).

The face mesh spreads one eye's narrowing into both eyes' landmarks (docs/evaluation.md, "What the face
tracker sees of a warp"): its lid points are regressed from the whole face.  This signal looks at each
eye's own pixels instead, and takes from the mesh only what it places well, the two eye corners:

- each frame, a small grey patch is cut out around each eye, aligned with its corners (PATCH_ALONG eye
  widths along the corner line, PATCH_ACROSS across it), so head roll, distance and position drop out;
- the rest template is the mean patch over the calibration frames;
- the signal is the vertical scale (about the corner line) and shift that best match the template to the
  frame's patch (normalised cross-correlation over a grid of both): 1 at rest, below 1 as the lids close in.

"Restricted to where it is stable": the match uses only the patch's middle band, which holds the lids, the
iris and the sclera at every scale searched, and no pixel outside the patch is ever compared.

This is an offline study tool on the evaluation's replays, not part of the app.  One caution when reading
its results: the evaluation's warp (lab/warps.py) narrows an eye by a smooth vertical compression towards
the eye's centre line, which is close to what this signal models, so it may flatter it against a real lid
moving over a fixed iris.
"""

from __future__ import annotations

from typing import Iterable

import cv2
import numpy as np

from rehabcoach.vision.landmarks import SIDE_LANDMARKS

PATCH_W, PATCH_H = 64, 48  # pixels of the aligned patch
PATCH_ALONG = 1.6  # eye widths covered along the corner line
PATCH_ACROSS = 1.2  # eye widths covered across it
SCALES = np.linspace(0.5, 1.25, 31)  # vertical scales searched (1 = as at rest)
SHIFTS = np.linspace(-0.08, 0.08, 9)  # vertical shifts searched, in eye widths
BAND = (0.2, 0.8)  # the rows compared: the middle 60 % of the patch (lids, iris, sclera at every scale)
COLUMNS = (0.12, 0.88)  # and the columns that stay inside the patch's borders


def eye_patch(grey: np.ndarray, outer: np.ndarray, inner: np.ndarray) -> np.ndarray | None:
    """The patch around one eye, in pixels of ``grey``: x along outer->inner, y across (downwards)."""
    along = inner - outer
    width = float(np.hypot(*along))
    if width < 4:
        return None
    u = along / width
    v = np.array([-u[1], u[0]])
    if v[1] < 0:  # across points down the image
        v = -v
    centre = (outer + inner) / 2
    sx, sy = PATCH_ALONG * width / PATCH_W, PATCH_ACROSS * width / PATCH_H
    # Output pixel (x, y) -> source point centre + (x - W/2) sx u + (y - H/2) sy v.
    matrix = np.array([[u[0] * sx, v[0] * sy, 0.0], [u[1] * sx, v[1] * sy, 0.0]])
    matrix[:, 2] = centre - matrix[:, 0] * PATCH_W / 2 - matrix[:, 1] * PATCH_H / 2
    return cv2.warpAffine(grey, matrix, (PATCH_W, PATCH_H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE).astype(np.float32)


def _band(patch: np.ndarray) -> np.ndarray:
    r0, r1 = (int(round(b * PATCH_H)) for b in BAND)
    c0, c1 = (int(round(c * PATCH_W)) for c in COLUMNS)
    return patch[r0:r1, c0:c1]


def _normalised(rows: np.ndarray) -> np.ndarray:
    rows = rows - rows.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norm > 1e-6, norm, 1.0)


class ScaleMatcher:
    """Matches frames' patches against one eye's rest template over the (scale, shift) grid."""

    def __init__(self, template: np.ndarray):
        variants, grid = [], []
        for scale in SCALES:
            for shift in SHIFTS:
                # Template row y is seen at centre + scale (y - centre) + shift in the frame: sample the
                # template at the inverse position of each frame row.
                dy = shift * PATCH_H / PATCH_ACROSS
                matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0 / scale, -(PATCH_H / 2) / scale + PATCH_H / 2 - dy / scale]])
                variant = cv2.warpAffine(template, matrix, (PATCH_W, PATCH_H),
                                         flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
                variants.append(_band(variant).ravel())
                grid.append(scale)
        self._variants = _normalised(np.array(variants))
        self._scales = np.array(grid)

    def scale(self, patch: np.ndarray) -> float:
        scores = self._variants @ _normalised(_band(patch).ravel()[None, :])[0]
        return float(self._scales[int(np.argmax(scores))])


def eye_patches(images: Iterable[tuple[int, np.ndarray]], landmarks: np.ndarray, image_size: tuple[int, int],
                positions: dict[int, int]) -> np.ndarray:
    """Every replay frame's two eye patches, (N, 2, PATCH_H, PATCH_W) uint8 (right eye first); NaN-free:
    a frame without a face gets an all-zero patch and is told apart by its landmarks.  ``images``:
    (replay frame index, BGR image); ``landmarks``: the replay's kept landmarks (normalised);
    ``positions``: landmark index -> column in ``landmarks``."""
    count = len(landmarks)
    out = np.zeros((count, 2, PATCH_H, PATCH_W), np.uint8)
    width, height = image_size
    for index, image in images:
        if index >= count or not np.isfinite(landmarks[index]).all():
            continue
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        for k, side in enumerate(("right", "left")):
            lm = SIDE_LANDMARKS[side]
            outer = np.asarray(landmarks[index, positions[lm.eye_outer], :2], float) * (width, height)
            inner = np.asarray(landmarks[index, positions[lm.eye_inner], :2], float) * (width, height)
            patch = eye_patch(grey, outer, inner)
            if patch is not None:
                out[index, k] = np.clip(np.round(patch), 0, 255).astype(np.uint8)
    return out


def eye_scales(patches: np.ndarray, has_face: np.ndarray, rest_frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per side, each frame's vertical scale against the mean patch of the rest frames (NaN without a
    face).  ``rest_frames``: boolean mask of the calibration frames."""
    out = {}
    for k, side in enumerate(("right", "left")):
        values = np.full(len(patches), np.nan)
        rest = rest_frames & has_face
        if rest.any():
            matcher = ScaleMatcher(patches[rest, k].astype(np.float32).mean(axis=0))
            for index in np.nonzero(has_face)[0]:
                values[index] = matcher.scale(patches[index, k].astype(np.float32))
        out[side] = values
    return out
