"""Draws the exercise illustrations (assets/exercises/<id>.svg) in one consistent style.

Usage (from the repository root; plain Python, no dependencies):
    python3 assets/tools/draw_illustrations.py assets/exercises            # every picture
    python3 assets/tools/draw_illustrations.py assets/exercises gentle-smile  # just one

To add a picture for a new exercise, add a function decorated with @picture whose name is the
exercise id with underscores; the <title> comes from the exercise's YAML file.

A friendly front-view face, seen the way you see another person: the patient's LEFT side is on
the RIGHT of the picture.  Blue arrows show a massage stroke or a movement (a blue dot marks where
the fingertips start); an orange glow marks the region that should move; a dashed magenta ring
labelled "keep still" marks a region that must stay still.

The marks carry ids that say what they show, so tests/test_library_content.py can check each picture
against its exercise: ``moves-<region>-N`` (an orange glow: the target's region), ``keep-still-<region>-N``
(a ring: a guarded region) and ``arrows-<area>-N`` (arrows over a part of the face or body the
exercise's text names).  Regions are those of rehabcoach/vision/catalogue.py; areas are plain words (neck, cheek, ...).

Only plain SVG 1.1 / Tiny features that QtSvg renders: no markers, no CSS, no filters, no scripts,
no external references, no raster images.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

INK = "#1F2328"
SKIN = "#F6D7B8"
HAIR = "#5B4636"
ARROW = "#0B5CD5"
TARGET = "#FF9F1C"
GUARD = "#C2006B"
WHITE = "#FFFFFF"
BG = "#FFFFFF"

# Base geometry of the face (picture coordinates, before any group transform).
EYE_Y = 178
EYE_X = {"right": 150, "left": 250}  # by the patient's sides: their right eye is on the LEFT of the picture
BROW_Y = 138
MOUTH_Y = 288
FACE = (200, 190, 122, 152)  # cx, cy, rx, ry


def f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


class Drawing:
    def __init__(self, title: str):
        self.title = title
        self.below: list[str] = []  # background, body
        self.face: list[str] = []  # face (inside the face transform)
        self.above: list[str] = []  # arrows, labels (picture coordinates)
        self.transform = ""
        self._ids: dict[str, int] = {}

    def mark_id(self, kind: str, name: str) -> str:
        """A unique id such as ``keep-still-eye-1`` (several marks may show the same region)."""
        key = f"{kind}-{name}"
        self._ids[key] = self._ids.get(key, 0) + 1
        return f"{key}-{self._ids[key]}"

    # ----- composition -------------------------------------------------------------------------
    def svg(self) -> str:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 400 400" width="400" height="400">',
            f"  <title>{self.title}</title>",
            f'  <rect x="0" y="0" width="400" height="400" rx="24" fill="{BG}"/>',
        ]
        parts += ["  " + p for p in self.below]
        if self.transform:
            parts.append(f'  <g transform="{self.transform}">')
            parts += ["    " + p for p in self.face]
            parts.append("  </g>")
        else:
            parts += ["  " + p for p in self.face]
        parts += ["  " + p for p in self.above]
        parts.append("</svg>")
        return "\n".join(parts) + "\n"


# ----- face parts ------------------------------------------------------------------------------

def head(d: Drawing, neck: bool = True) -> None:
    cx, cy, rx, ry = FACE
    if neck:
        # Filled and outlined separately so the neck has no bottom edge where it meets the shoulders.
        d.face.append(f'<path d="M 158 300 L 152 404 L 248 404 L 242 300 Z" fill="{SKIN}"/>')
        d.face.append(f'<path d="M 158 300 L 152 404 M 242 300 L 248 404" fill="none" stroke="{INK}" stroke-width="6"/>')
    for x in (cx - rx - 4, cx + rx + 4):
        d.face.append(f'<ellipse cx="{f(x)}" cy="196" rx="20" ry="34" fill="{SKIN}" stroke="{INK}" stroke-width="6"/>')
    d.face.append(f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="{SKIN}" stroke="{INK}" stroke-width="6"/>')
    # Hair: a cap over the top of the head that leaves the forehead visible.
    d.face.append(
        f'<path d="M 80 142 C 70 50 150 30 200 34 C 250 30 330 50 320 142 C 310 92 280 68 200 66 C 120 68 90 92 80 142 Z" '
        f'fill="{HAIR}" stroke="{INK}" stroke-width="6" stroke-linejoin="round"/>'
    )


def glow(d: Drawing, cx: float, cy: float, rx: float, ry: float) -> None:
    """The region that should move: drawn under the features so they stay crisp."""
    d.face.append(f'<ellipse cx="{f(cx)}" cy="{f(cy)}" rx="{f(rx)}" ry="{f(ry)}" fill="{TARGET}" fill-opacity="0.55"/>')


def eyes(d: Drawing, state: str = "open") -> None:
    for x in EYE_X.values():
        if state == "closed":
            d.face.append(
                f'<path d="M {x-30} {EYE_Y} Q {x} {EYE_Y+16} {x+30} {EYE_Y}" fill="none" stroke="{INK}" stroke-width="7" stroke-linecap="round"/>'
            )
            for dx in (-18, 0, 18):  # lashes make a closed eye readable at a glance
                y0 = EYE_Y + (8 if dx == 0 else 6)
                d.face.append(
                    f'<line x1="{x+dx}" y1="{y0}" x2="{x+dx*1.3}" y2="{y0+10}" stroke="{INK}" stroke-width="5" stroke-linecap="round"/>'
                )
            continue
        h = {"open": 20, "wide": 28, "soft": 14}[state]
        d.face.append(
            f'<path d="M {x-30} {EYE_Y} Q {x} {EYE_Y-2*h} {x+30} {EYE_Y} Q {x} {EYE_Y+2*h*0.8} {x-30} {EYE_Y} Z" '
            f'fill="{WHITE}" stroke="{INK}" stroke-width="6" stroke-linejoin="round"/>'
        )
        r = min(12, h * 0.7)
        d.face.append(f'<circle cx="{x}" cy="{EYE_Y}" r="{f(r)}" fill="{INK}"/>')


def brows(d: Drawing, state: str = "rest") -> None:
    for side, x in EYE_X.items():
        inner = 1 if side == "right" else -1  # direction from this eye towards the nose
        if state == "raised":
            y_in, y_mid, y_out = BROW_Y - 22, BROW_Y - 34, BROW_Y - 22
        elif state == "frown":
            y_in, y_mid, y_out = BROW_Y + 12, BROW_Y + 2, BROW_Y - 4
        else:
            y_in, y_mid, y_out = BROW_Y, BROW_Y - 10, BROW_Y
        x_in = x + inner * (26 if state != "frown" else 22)
        x_out = x - inner * 34
        d.face.append(
            f'<path d="M {x_out} {y_out} Q {x} {y_mid - 6} {x_in} {y_in}" fill="none" stroke="{INK}" stroke-width="11" stroke-linecap="round"/>'
        )
    if state == "frown":  # two short frown lines between the brows
        for dx in (-7, 7):
            d.face.append(
                f'<line x1="{200+dx}" y1="{BROW_Y-6}" x2="{200+dx}" y2="{BROW_Y+14}" stroke="{INK}" stroke-width="4" stroke-linecap="round"/>'
            )
    if state == "raised":  # forehead lines
        for y in (84, 98):
            d.face.append(
                f'<path d="M 160 {y} Q 200 {y-6} 240 {y}" fill="none" stroke="{INK}" stroke-width="4" stroke-linecap="round"/>'
            )


def nose(d: Drawing, wrinkle: bool = False) -> None:
    stroke = f'fill="none" stroke="{INK}" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"'
    d.face.append(f'<path d="M 190 200 Q 186 226 182 236" {stroke}/>')  # one side of the bridge, lit from the side
    d.face.append(f'<path d="M 184 238 Q 176 250 188 254 Q 200 260 212 254 Q 224 250 216 238" {stroke}/>')
    if wrinkle:  # "bunny lines": short slanted creases on both sides of the nose
        for sx in (-1, 1):
            for dy in (0, 12):
                d.face.append(
                    f'<line x1="{200 + sx*24}" y1="{214+dy}" x2="{200 + sx*14}" y2="{204+dy}" stroke="{INK}" stroke-width="4" stroke-linecap="round"/>'
                )


def mouth(d: Drawing, state: str = "rest") -> None:
    y = MOUTH_Y
    line = f'fill="none" stroke="{INK}" stroke-width="8" stroke-linecap="round"'
    if state == "rest":
        d.face.append(f'<path d="M 164 {y} Q 200 {y+8} 236 {y}" {line}/>')
    elif state == "smile":  # closed-lip smile: corners up
        d.face.append(f'<path d="M 156 {y-10} Q 200 {y+22} 244 {y-10}" {line}/>')
    elif state == "small-smile":
        d.face.append(f'<path d="M 162 {y-4} Q 200 {y+14} 238 {y-4}" {line}/>')
    elif state == "down":
        d.face.append(f'<path d="M 164 {y+8} Q 200 {y-8} 236 {y+8}" {line}/>')
        d.face.append(f'<path d="M 182 {y+6} Q 200 {y+2} 218 {y+6} L 216 {y+12} Q 200 {y+8} 184 {y+12} Z" fill="{WHITE}" stroke="{INK}" stroke-width="3"/>')
    elif state == "open-smile":
        d.face.append(
            f'<path d="M 148 {y-14} Q 200 {y-2} 252 {y-14} Q 236 {y+40} 200 {y+42} Q 164 {y+40} 148 {y-14} Z" fill="{INK}" stroke="{INK}" stroke-width="6" stroke-linejoin="round"/>'
        )
        d.face.append(f'<path d="M 160 {y-10} Q 200 {y} 240 {y-10} L 234 {y+6} Q 200 {y+14} 166 {y+6} Z" fill="{WHITE}"/>')
    elif state == "ee":
        d.face.append(
            f'<path d="M 150 {y-4} Q 200 {y-14} 250 {y-4} Q 200 {y+22} 150 {y-4} Z" fill="{INK}" stroke="{INK}" stroke-width="6" stroke-linejoin="round"/>'
        )
        d.face.append(f'<path d="M 164 {y-4} Q 200 {y-10} 236 {y-4} L 236 {y+2} Q 200 {y+10} 164 {y+2} Z" fill="{WHITE}"/>')
    elif state == "oo":
        d.face.append(f'<ellipse cx="200" cy="{y+2}" rx="24" ry="26" fill="#D9826B" stroke="{INK}" stroke-width="6"/>')
        d.face.append(f'<ellipse cx="200" cy="{y+2}" rx="10" ry="13" fill="{INK}"/>')
    elif state == "pucker":
        d.face.append(
            f'<path d="M 178 {y} Q 200 {y-22} 222 {y} Q 200 {y+22} 178 {y} Z" fill="#D9826B" stroke="{INK}" stroke-width="6" stroke-linejoin="round"/>'
        )
        d.face.append(f'<line x1="186" y1="{y}" x2="214" y2="{y}" stroke="{INK}" stroke-width="4" stroke-linecap="round"/>')
    elif state == "down-lip":  # the lower lip lowered to show the bottom teeth; the corners stay level
        d.face.append(f'<path d="M 164 {y} Q 200 {y-4} 236 {y}" {line}/>')
        d.face.append(f'<path d="M 176 {y+4} Q 200 {y+30} 224 {y+4} Z" fill="{INK}" stroke="{INK}" stroke-width="5" stroke-linejoin="round"/>')
        d.face.append(f'<path d="M 182 {y+6} L 218 {y+6} L 214 {y+14} Q 200 {y+16} 186 {y+14} Z" fill="{WHITE}"/>')
    elif state == "puff":  # lips closed, cheeks full of air
        d.face.append(f'<path d="M 178 {y} Q 200 {y+6} 222 {y}" {line}/>')
        for sx in (-1, 1):
            d.face.append(f'<path d="M {200 + sx*92} {y-56} Q {200 + sx*136} {y-20} {200 + sx*96} {y+24}" fill="none" stroke="{INK}" stroke-width="6" stroke-linecap="round"/>')
    elif state == "pressed":  # lips pressed together for p or b
        d.face.append(f'<path d="M 172 {y+2} Q 200 {y+6} 228 {y+2}" fill="none" stroke="{INK}" stroke-width="11" stroke-linecap="round"/>')
    elif state == "ah":
        d.face.append(f'<ellipse cx="200" cy="{y+14}" rx="30" ry="36" fill="{INK}" stroke="{INK}" stroke-width="6"/>')
        d.face.append(f'<path d="M 178 {y-8} Q 200 {y-14} 222 {y-8} L 220 {y-2} Q 200 {y-6} 180 {y-2} Z" fill="{WHITE}"/>')
    elif state == "slightly-open":
        d.face.append(f'<ellipse cx="200" cy="{y+6}" rx="24" ry="12" fill="{INK}"/>')
    else:
        raise ValueError(state)


def face(d: Drawing, *, eye_state="open", brow_state="rest", mouth_state="rest", wrinkle=False, neck=True) -> None:
    head(d, neck=neck)
    d.face.append("<!--features-->")  # glows are inserted here, under the features
    brows(d, brow_state)
    eyes(d, eye_state)
    nose(d, wrinkle)
    mouth(d, mouth_state)


def target(d: Drawing, cx: float, cy: float, rx: float, ry: float, region: str) -> None:
    """Insert a glow under the features (after the head, before the features) on the region that moves."""
    i = d.face.index("<!--features-->")
    d.face.insert(i, f'<g id="{d.mark_id("moves", region)}"><ellipse cx="{f(cx)}" cy="{f(cy)}" rx="{f(rx)}" '
                     f'ry="{f(ry)}" fill="{TARGET}" fill-opacity="0.6"/></g>')


def finish(d: Drawing) -> None:
    d.face = [p for p in d.face if p != "<!--features-->"]


# ----- overlays ---------------------------------------------------------------------------------

def _head_at(x: float, y: float, dx: float, dy: float, size: float = 24) -> str:
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    px, py = -uy, ux
    back_x, back_y = x - ux * size, y - uy * size
    pts = [(x + ux * 4, y + uy * 4), (back_x + px * size * 0.62, back_y + py * size * 0.62), (back_x - px * size * 0.62, back_y - py * size * 0.62)]
    return f'<polygon points="{" ".join(f"{f(a)},{f(b)}" for a, b in pts)}" fill="{ARROW}" stroke="{ARROW}" stroke-width="3" stroke-linejoin="round"/>'


def arrow(d: Drawing, start, end, control=None, *, dot: bool = False, width: float = 9, head: float = 24) -> None:
    """A straight or gently curved (quadratic) arrow; the head follows the end tangent."""
    (x0, y0), (x1, y1) = start, end
    n = math.hypot(x1 - (control or start)[0], y1 - (control or start)[1]) or 1.0
    tx, ty = (x1 - (control or start)[0]) / n, (y1 - (control or start)[1]) / n
    # Stop the shaft short of the tip so the round cap does not poke through the head.
    sx, sy = x1 - tx * head * 0.8, y1 - ty * head * 0.8
    if control:
        cx, cy = control
        path = f"M {f(x0)} {f(y0)} Q {f(cx)} {f(cy)} {f(sx)} {f(sy)}"
    else:
        path = f"M {f(x0)} {f(y0)} L {f(sx)} {f(sy)}"
    d.above.append(f'<path d="{path}" fill="none" stroke="{WHITE}" stroke-width="{f(width+6)}" stroke-linecap="round"/>')
    d.above.append(f'<path d="{path}" fill="none" stroke="{ARROW}" stroke-width="{f(width)}" stroke-linecap="round"/>')
    d.above.append(_head_at(x1, y1, tx, ty, head))
    if dot:
        d.above.append(f'<circle cx="{f(x0)}" cy="{f(y0)}" r="10" fill="{ARROW}" stroke="{WHITE}" stroke-width="3"/>')


def circle_arrow(d: Drawing, cx: float, cy: float, r: float, *, start_deg: float = 200, sweep_deg: float = 280, clockwise: bool = True, width: float = 7, head: float = 18) -> None:
    """A small circling arrow: massage in small circles here."""
    sign = 1 if clockwise else -1
    a0 = math.radians(start_deg)
    a1 = math.radians(start_deg + sign * sweep_deg)
    x0, y0 = cx + r * math.cos(a0), cy + r * math.sin(a0)
    # end the shaft slightly before the tip angle
    a_shaft = a1 - sign * (head * 0.8) / r
    xs, ys = cx + r * math.cos(a_shaft), cy + r * math.sin(a_shaft)
    x1, y1 = cx + r * math.cos(a1), cy + r * math.sin(a1)
    large = 1 if sweep_deg - math.degrees(head * 0.8 / r) > 180 else 0
    sweep_flag = 1 if clockwise else 0
    path = f"M {f(x0)} {f(y0)} A {f(r)} {f(r)} 0 {large} {sweep_flag} {f(xs)} {f(ys)}"
    d.above.append(f'<path d="{path}" fill="none" stroke="{WHITE}" stroke-width="{f(width+6)}" stroke-linecap="round"/>')
    d.above.append(f'<path d="{path}" fill="none" stroke="{ARROW}" stroke-width="{f(width)}" stroke-linecap="round"/>')
    tx, ty = -math.sin(a1) * sign, math.cos(a1) * sign
    d.above.append(_head_at(x1, y1, tx, ty, head))


def label(d: Drawing, x: float, y: float, text: str, color: str = GUARD, size: int = 24) -> None:
    w = len(text) * size * 0.6 + 20
    d.above.append(
        f'<rect x="{f(x - w/2)}" y="{f(y - size*0.85)}" width="{f(w)}" height="{f(size*1.25)}" rx="{f(size*0.6)}" fill="{WHITE}" stroke="{color}" stroke-width="3"/>'
    )
    d.above.append(
        f'<text x="{f(x)}" y="{f(y + size*0.12)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="{size}" font-weight="bold" fill="{color}" text-anchor="middle">{text}</text>'
    )


# Where each guarded region's "keep still" ring goes (picture coordinates of an untransformed face).
RINGS: dict[str, list[tuple[float, float, float, float]]] = {
    "eye": [(EYE_X["right"], EYE_Y, 46, 32), (EYE_X["left"], EYE_Y, 46, 32)],
    "brow": [(EYE_X["right"], BROW_Y - 8, 48, 20), (EYE_X["left"], BROW_Y - 8, 48, 20)],
    "cheek": [(112, 242, 30, 26), (288, 242, 30, 26)],
    "nose": [(200, 232, 30, 34)],
    "mouth": [(200, MOUTH_Y + 4, 72, 36)],
}


def keep_still(d: Drawing, regions: list[str], lx: float, ly: float) -> None:
    """Dashed rings on the regions that must stay still, and one "keep still" label."""
    for region in regions:
        d.above.append(f'<g id="{d.mark_id("keep-still", region)}">')
        for cx, cy, rx, ry in RINGS[region]:
            d.above.append(
                f'<ellipse cx="{f(cx)}" cy="{f(cy)}" rx="{f(rx)}" ry="{f(ry)}" fill="none" stroke="{WHITE}" stroke-width="9"/>'
            )
            d.above.append(
                f'<ellipse cx="{f(cx)}" cy="{f(cy)}" rx="{f(rx)}" ry="{f(ry)}" fill="none" stroke="{GUARD}" stroke-width="5" stroke-dasharray="14 9"/>'
            )
        d.above.append("</g>")
    label(d, lx, ly, "keep still")


def guard_eyes(d: Drawing) -> None:
    keep_still(d, ["eye"], 200, 112)


def guard_mouth(d: Drawing) -> None:
    keep_still(d, ["mouth"], 200, 372)


class arrows:
    """``with arrows(d, "neck"):`` groups the arrows drawn inside it: a stroke or movement over that area.

    The area is a region of the catalogue (eye, brow, mouth, cheek, nose) or a plain word the
    exercise's text uses (neck, jaw, chin, ...).
    """

    def __init__(self, d: Drawing, area: str):
        self.d, self.area = d, area

    def __enter__(self):
        self.d.above.append(f'<g id="{self.d.mark_id("arrows", self.area)}">')

    def __exit__(self, *exc):
        self.d.above.append("</g>")


def body(d: Drawing, scale: float) -> None:
    """Shoulders and upper chest under a face drawn at ``scale`` (centred; see ``small_face``)."""
    top = 400 * scale - 8  # just above the bottom of the scaled neck, which is drawn over it
    d.below.append(
        f'<path d="M 24 404 Q 30 {f(top+30)} 120 {f(top+10)} L 170 {f(top)} L 230 {f(top)} L 280 {f(top+10)} Q 370 {f(top+30)} 376 404 Z" '
        f'fill="#9CC3E6" stroke="{INK}" stroke-width="6" stroke-linejoin="round"/>'
    )


def small_face(d: Drawing, scale: float) -> None:
    """Draw the face smaller, centred at the top, to leave room for the neck and shoulders."""
    body(d, scale)
    d.transform = f"translate({f(200 - 200 * scale)} 0) scale({scale})"


def close_up(d: Drawing, scale: float, mouth_y: float) -> None:
    """Zoom in on the lower face: the mouth lands at ``mouth_y`` in the picture."""
    d.transform = f"translate({f(200 - 200 * scale)} {f(mouth_y - MOUTH_Y * scale)}) scale({scale})"


# ===== the pictures ===============================================================================

PICTURES = {}


def picture(fn):
    PICTURES[fn.__name__.replace("_", "-")] = fn
    return fn


def mirror(points):
    return [(400 - x, y) for x, y in points]


def both_arrows(d, start, end, control=None, **kw):
    """The same stroke on both sides of the face, mirrored."""
    arrow(d, start, end, control, **kw)
    (s,), (e,) = mirror([start]), mirror([end])
    c = mirror([control])[0] if control else None
    arrow(d, s, e, c, **kw)


# ----- massage -----------------------------------------------------------------------------------

@picture
def forehead_strokes(d):
    face(d)
    with arrows(d, "forehead"):
        both_arrows(d, (172, 116), (172, 72), dot=True)
        both_arrows(d, (186, 146), (98, 140), (140, 118), dot=True)


@picture
def eye_circles(d):
    face(d)
    with arrows(d, "eye"):
        circle_arrow(d, EYE_X["right"], EYE_Y, 45, start_deg=-20, sweep_deg=280, clockwise=False)
        circle_arrow(d, EYE_X["left"], EYE_Y, 45, start_deg=200, sweep_deg=280, clockwise=True)


@picture
def cheek_strokes(d):
    face(d)
    with arrows(d, "cheek"):
        both_arrows(d, (176, 228), (96, 212), (130, 232), dot=True)
        circle_arrow(d, 126, 264, 22, start_deg=-90, sweep_deg=290, clockwise=False, width=6, head=15)
        circle_arrow(d, 274, 264, 22, start_deg=-90, sweep_deg=290, clockwise=True, width=6, head=15)


@picture
def smile_line_massage(d):
    face(d)
    with arrows(d, "smile-line"):
        both_arrows(d, (176, 240), (150, 296), (156, 262), dot=True)


@picture
def lip_and_chin_massage(d):
    close_up(d, 1.3, 240)
    face(d)
    with arrows(d, "lip"):
        both_arrows(d, (186, 214), (132, 232), (160, 206), dot=True)
        both_arrows(d, (186, 272), (132, 254), (160, 280), dot=True)
    with arrows(d, "chin"):
        circle_arrow(d, 200, 308, 15, start_deg=-90, sweep_deg=290, clockwise=True, width=7, head=16)


NECK_SCALE = 0.72


@picture
def neck_strokes(d):
    small_face(d, NECK_SCALE)
    face(d)
    # Down the SIDES of the neck, from below the ears to the collarbones; the front of the throat
    # (the middle of the neck) stays free, as the text says.
    with arrows(d, "neck"):
        both_arrows(d, (172, 250), (160, 336), (162, 292), dot=True, width=8, head=20)


@picture
def inner_cheek_stretch(d):
    face(d)
    # The thumb inside one cheek (dashed, because it is hidden); the text says which side comes first.
    (ax, ay), (bx, by) = (236, 292), (290, 262)
    angle = math.degrees(math.atan2(by - ay, bx - ax))
    length = math.hypot(bx - ax, by - ay)
    cx, cy = (ax + bx) / 2, (ay + by) / 2
    d.above.append(
        f'<rect x="{f(cx - length/2 - 15)}" y="{f(cy - 15)}" width="{f(length + 30)}" height="30" rx="15" '
        f'transform="rotate({f(angle)} {f(cx)} {f(cy)})" fill="{WHITE}" fill-opacity="0.7" '
        f'stroke="{ARROW}" stroke-width="5" stroke-dasharray="10 6"/>'
    )
    d.above.append(
        f'<rect x="{f(bx - 18)}" y="{f(by - 9)}" width="22" height="18" rx="8" transform="rotate({f(angle)} {f(bx)} {f(by)})" '
        f'fill="none" stroke="{ARROW}" stroke-width="4"/>'
    )
    with arrows(d, "cheek"):
        arrow(d, (308, 254), (356, 232))
    # No R/L labels: the steps name the patient's affected side ({affected}), which may be either.
    label(d, 282, 352, "thumb inside", color=ARROW, size=22)


@picture
def jaw_and_ear_strokes(d):
    face(d)
    with arrows(d, "ear"):
        circle_arrow(d, 104, 200, 15, start_deg=-90, sweep_deg=290, clockwise=False, width=6, head=15)
        circle_arrow(d, 296, 200, 15, start_deg=-90, sweep_deg=290, clockwise=True, width=6, head=15)
    with arrows(d, "jaw"):
        both_arrows(d, (100, 236), (168, 330), (104, 306), dot=True)


# ----- relaxation --------------------------------------------------------------------------------

@picture
def belly_breathing(d):
    small_face(d, 0.62)
    face(d, eye_state="closed")
    # Belly rises on the breath in, sinks on the breath out.
    with arrows(d, "belly"):
        arrow(d, (176, 384), (176, 318))
        arrow(d, (224, 318), (224, 384))
    # Breath out through soft lips (face coordinates scaled: mouth at about (200, 180)).
    for i, dy in enumerate((-10, 2, 14)):
        d.above.append(
            f'<path d="M {228+i*3} {180+dy} q 14 -8 28 0 t 28 0" fill="none" stroke="{ARROW}" stroke-width="5" stroke-linecap="round"/>'
        )


@picture
def face_body_scan(d):
    face(d, eye_state="closed")
    # A slow scan from the forehead down to the neck: dots mark each stop.
    d.above.append(f'<path d="M 364 70 L 364 352" fill="none" stroke="{ARROW}" stroke-width="7" stroke-dasharray="4 12" stroke-linecap="round"/>')
    with arrows(d, "neck"):
        arrow(d, (364, 330), (364, 392), width=7, head=20)
    for y in (100, 178, 240, 290, 350):
        d.above.append(f'<circle cx="364" cy="{y}" r="9" fill="{ARROW}" stroke="{WHITE}" stroke-width="3"/>')
    d.above.append(f'<rect x="70" y="170" width="260" height="16" rx="8" fill="{ARROW}" fill-opacity="0.25"/>')


@picture
def jaw_release(d):
    face(d, mouth_state="slightly-open")
    with arrows(d, "jaw"):
        both_arrows(d, (122, 292), (128, 350), dot=True)


@picture
def shoulder_and_face_relaxation(d):
    small_face(d, 0.72)
    face(d, eye_state="closed")
    with arrows(d, "shoulder"):
        both_arrows(d, (82, 272), (82, 338), dot=True)


@picture
def soft_face_rest(d):
    d.below.append(f'<ellipse cx="200" cy="200" rx="176" ry="186" fill="#DCEBFA"/>')
    d.below.append(f'<ellipse cx="200" cy="200" rx="156" ry="168" fill="#C4DDF6"/>')
    face(d, eye_state="closed")


# ----- movement ----------------------------------------------------------------------------------

def eye_glows(d):
    for x in EYE_X.values():
        target(d, x, EYE_Y, 48, 30, "eye")


def mouth_glow(d, rx=80, ry=38, cy=MOUTH_Y + 2):
    target(d, 200, cy, rx, ry, "mouth")


def brow_glows(d):
    for x in EYE_X.values():
        target(d, x, BROW_Y - 26, 50, 26, "brow")


def fingertips(d, points):
    """Blue fingertip dots resting on the part that should stay still (touch, not pressure)."""
    for x, y in points:
        d.above.append(f'<circle cx="{f(x)}" cy="{f(y)}" r="9" fill="{ARROW}" stroke="{WHITE}" stroke-width="3"/>')


EYE_FINGERTIPS = [(EYE_X["right"] - 34, EYE_Y + 34), (EYE_X["left"] + 34, EYE_Y + 34)]
MOUTH_FINGERTIPS = [(148, MOUTH_Y), (252, MOUTH_Y)]


def draw_gentle_smile(d):
    face(d, mouth_state="smile")
    mouth_glow(d)
    with arrows(d, "mouth"):
        both_arrows(d, (150, 272), (132, 244))


@picture
def gentle_smile(d):
    draw_gentle_smile(d)
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


@picture
def small_smile_with_eye_control(d):
    face(d, mouth_state="small-smile")
    mouth_glow(d, rx=70, ry=32)
    with arrows(d, "mouth"):
        both_arrows(d, (152, 280), (142, 260), width=7, head=18)
    guard_eyes(d)


def draw_open_mouth_smile(d):
    face(d, mouth_state="open-smile")
    mouth_glow(d, rx=88, ry=44, cy=MOUTH_Y + 12)
    with arrows(d, "mouth"):
        both_arrows(d, (146, 268), (120, 256), width=8, head=20)


@picture
def open_mouth_smile(d):
    draw_open_mouth_smile(d)
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


def draw_eye_closure(d):
    face(d, eye_state="closed")
    eye_glows(d)
    with arrows(d, "eye"):
        both_arrows(d, (150, 148), (150, 176), width=8, head=20)


@picture
def gentle_eye_closure(d):
    draw_eye_closure(d)
    guard_mouth(d)
    fingertips(d, MOUTH_FINGERTIPS)


def blink_arrows(d):
    with arrows(d, "eye"):
        for x in (94, 306):  # down and up again: a blink
            arrow(d, (x, 178), (x, 148), width=7, head=18)
            arrow(d, (x, 178), (x, 208), width=7, head=18)


@picture
def slow_blink(d):
    face(d, eye_state="closed")
    eye_glows(d)
    blink_arrows(d)
    keep_still(d, ["mouth", "cheek"], 200, 372)
    fingertips(d, MOUTH_FINGERTIPS)


def draw_brow_raise(d):
    face(d, brow_state="raised")
    brow_glows(d)
    with arrows(d, "brow"):
        both_arrows(d, (150, 96), (150, 56), width=8, head=20)


@picture
def brow_raise(d):
    draw_brow_raise(d)
    keep_still(d, ["eye", "mouth"], 200, 372)
    fingertips(d, MOUTH_FINGERTIPS)


@picture
def frown(d):
    face(d, brow_state="frown")
    target(d, 200, BROW_Y + 2, 92, 30, "brow")
    with arrows(d, "brow"):
        both_arrows(d, (112, 106), (160, 132), (132, 108), width=8, head=20)
    keep_still(d, ["eye", "cheek", "mouth"], 200, 372)


def draw_snarl(d):
    face(d, wrinkle=True, mouth_state="rest")
    target(d, 200, 236, 44, 30, "nose")
    with arrows(d, "nose"):
        both_arrows(d, (166, 266), (160, 226), width=8, head=20)


@picture
def snarl(d):
    draw_snarl(d)
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


def draw_lip_pucker(d):
    face(d, mouth_state="pucker")
    mouth_glow(d, rx=70, ry=36)
    with arrows(d, "mouth"):
        both_arrows(d, (132, MOUTH_Y), (168, MOUTH_Y))


@picture
def lip_pucker(d):
    draw_lip_pucker(d)
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


@picture
def oo_sound(d):
    face(d, mouth_state="oo")
    mouth_glow(d, rx=70, ry=40)
    with arrows(d, "mouth"):
        both_arrows(d, (130, MOUTH_Y + 2), (166, MOUTH_Y + 2))
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


@picture
def ee_sound(d):
    face(d, mouth_state="ee")
    mouth_glow(d, rx=86, ry=34)
    with arrows(d, "mouth"):
        both_arrows(d, (150, MOUTH_Y), (110, MOUTH_Y))
    guard_eyes(d)


@picture
def lower_lip_down(d):
    face(d, mouth_state="down-lip")
    target(d, 200, MOUTH_Y + 14, 40, 20, "mouth")
    with arrows(d, "lip"):  # the lower lip moves; the mouth's corners are what keeps still
        arrow(d, (200, 318), (200, 352), width=8, head=20)
    # The corners stay still: small rings on the corners only, with the eyes.
    keep_still(d, ["eye"], 200, 112)
    d.above.append(f'<g id="{d.mark_id("keep-still", "mouth")}">')
    for x in (156, 244):
        d.above.append(f'<circle cx="{x}" cy="{MOUTH_Y}" r="20" fill="none" stroke="{WHITE}" stroke-width="9"/>')
        d.above.append(f'<circle cx="{x}" cy="{MOUTH_Y}" r="20" fill="none" stroke="{GUARD}" stroke-width="5" stroke-dasharray="10 7"/>')
    d.above.append("</g>")
    fingertips(d, [(128, MOUTH_Y - 8), (272, MOUTH_Y - 8)])


@picture
def cheek_puff(d):
    face(d, mouth_state="puff")
    for sx in (-1, 1):  # the puffed cheeks bulge out
        target(d, 200 + sx * 78, 262, 34, 30, "cheek")
    with arrows(d, "cheek"):
        both_arrows(d, (112, 262), (70, 262), width=7, head=18)
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


@picture
def lip_sounds(d):
    face(d, mouth_state="pressed")
    mouth_glow(d, rx=60, ry=28)
    label(d, 200, 372, "pa  ba  pa", color=ARROW)
    guard_eyes(d)
    fingertips(d, EYE_FINGERTIPS)


@picture
def ah_sound(d):
    face(d, mouth_state="ah")
    mouth_glow(d, rx=56, ry=50, cy=MOUTH_Y + 14)
    with arrows(d, "mouth"):
        arrow(d, (200, 346), (200, 384), width=8, head=20)
    keep_still(d, ["eye", "brow"], 200, 40)


@picture
def smile_through_blinks(d):
    face(d, eye_state="closed", mouth_state="small-smile")
    mouth_glow(d, rx=70, ry=32)
    blink_arrows(d)
    keep_still(d, ["cheek"], 200, 372)


@picture
def emotional_expressions(d):
    face(d, brow_state="raised", mouth_state="small-smile")
    mouth_glow(d, rx=70, ry=32)
    brow_glows(d)
    guard_eyes(d)
    label(d, 200, 372, "surprised · friendly · content", color=ARROW, size=18)


# ----- the five-movement check: the same movements, every other region watched --------------------

@picture
def check_brow_raise(d):
    draw_brow_raise(d)
    keep_still(d, ["eye", "cheek", "nose", "mouth"], 200, 372)


@picture
def check_eye_closure(d):
    draw_eye_closure(d)
    keep_still(d, ["brow", "cheek", "nose", "mouth"], 200, 372)


@picture
def check_open_mouth_smile(d):
    draw_open_mouth_smile(d)
    keep_still(d, ["eye", "brow", "nose"], 200, 40)


@picture
def check_snarl(d):
    draw_snarl(d)
    keep_still(d, ["eye", "brow", "mouth"], 200, 40)


@picture
def check_lip_pucker(d):
    draw_lip_pucker(d)
    keep_still(d, ["eye", "brow", "cheek", "nose"], 200, 40)


def titles(library: Path) -> dict[str, str]:
    """Exercise titles from the YAML files, for each picture's <title> (read by screen readers)."""
    found = {}
    for path in library.glob("exercises/*/*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("title:"):
                found[path.stem] = line.split(":", 1)[1].strip().strip('"').replace('"', "")
    return found


def main():
    out = Path(sys.argv[1])
    wanted = sys.argv[2:] or list(PICTURES)
    names = titles(Path(__file__).resolve().parents[2])
    for pid in wanted:
        d = Drawing(names.get(pid, pid).replace("&", "and").replace("<", "").replace(">", ""))
        PICTURES[pid](d)
        finish(d)
        (out / f"{pid}.svg").write_text(d.svg(), encoding="utf-8")
        print(out / f"{pid}.svg")


if __name__ == "__main__":
    main()
