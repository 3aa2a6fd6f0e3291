"""Every sentence the session engine shows or speaks, in one place.

Patients are often tired and some see poorly, so cues are short, plain and kind; the wording of a
warning comes from the guard monitor (``ActiveWarning.message``, e.g. "Your left eye is narrowing")
and the advice for what to do about it depends on the movement being practised.
"""

from __future__ import annotations

from collections.abc import Sequence

from rehabcoach.coaching.guards import REGION_NOUNS
from rehabcoach.coaching.types import ActiveWarning, ResolvedTarget

GET_READY = "Get ready"
HOLD = "Hold"
RELAX = "Relax"
EXERCISE_DONE = "Well done. Let your face rest."
SESSION_DONE = "That is the end of the session. Well done."
SESSION_STOPPED = "Session stopped."
PAUSED = "Paused"
RESUMED = "Let's continue"
CALIBRATION_START = "Let's measure your resting face. Look at the camera and let your face rest."
CALIBRATION_DONE = "Thank you. Calibration done."
FACE_LOST = "I can't see your face: move back into view."
# "as you did at the start": the guards compare with the calibrated pose, which calibration keeps within 15 degrees
# of facing the camera but not exactly facing it.  Said when the way back is not known (no pose).
FACE_TURNED = "Your head is turned: face the camera as you did at the start, so I can see the movement."
# The way back, by the axis the head moved furthest on since calibration and the sign of that change (HeadPose's
# conventions: yaw > 0 turned to the patient's left, pitch > 0 chin down, roll > 0 towards the right shoulder).
_TURNED_WORDS: dict[tuple[str, int], str] = {
    ("yaw", 1): "Your head is turned to your left: turn it back a little",
    ("yaw", -1): "Your head is turned to your right: turn it back a little",
    ("pitch", 1): "Your chin is down: lift it a little",
    ("pitch", -1): "Your chin is up: lower it a little",
    ("roll", 1): "Your head leans to your right: straighten it a little",
    ("roll", -1): "Your head leans to your left: straighten it a little",
}
CAMERA_MISSING = (
    "This exercise needs the camera, and no camera is working. Choose another camera, "
    "or continue with the massage and relaxation exercises only."
)
NOT_A_DIAGNOSIS = "RehabCoach supports your therapy; it does not diagnose. Stop an exercise if it hurts."

# What to do in the move phase, by (measure, direction) of the exercise's target.
_MOVE_WORDS: dict[tuple[str, str], str] = {
    ("mouth_corner_excursion", "increase"): "Smile gently",
    ("mouth_corner_lift", "increase"): "Smile gently",
    ("mouth_corner_lift", "decrease"): "Turn the corners of your mouth down gently",
    ("lip_width", "decrease"): "Pucker your lips gently",
    ("lip_width", "increase"): "Stretch your lips gently",
    ("eye_aperture", "decrease"): "Close your eyes gently",
    ("eye_aperture", "increase"): "Open your eyes wide, gently",
    ("brow_height", "increase"): "Raise your eyebrows gently",
    ("brow_height", "decrease"): "Frown gently",
    ("nose_wrinkle", "increase"): "Wrinkle your nose gently",
    ("cheek_raise", "increase"): "Lift your cheeks gently",
}

# What to do when an unwanted movement appears: soften the practised movement when it is the smile or
# the pucker (the movements that drag the eye along), otherwise relax the region that moved.
_SOFTEN_BY_TARGET: dict[tuple[str, str], str] = {
    ("mouth_corner_excursion", "increase"): "soften the smile",
    ("mouth_corner_lift", "increase"): "soften the smile",
    ("lip_width", "increase"): "soften the smile",
    ("lip_width", "decrease"): "soften the pucker",
}
_RELAX_BY_REGION: dict[str, str] = {
    "eye": "keep your eyes soft",
    "mouth": "keep your mouth relaxed",
    "brow": "keep your forehead relaxed",
    "cheek": "keep your cheeks relaxed",
    "nose": "keep your nose relaxed",
}
_DEFAULT_ADVICE = "make the movement smaller and slower"


def way_back(axis: str, change: float) -> str | None:
    """Which way the head moved (``change`` degrees on ``axis``) and what undoes it, e.g. "Your chin is down:
    lift it a little"; None for an axis without words."""
    return _TURNED_WORDS.get((axis, 1 if change > 0 else -1))


def face_turned(axis: str, change: float) -> str:
    """What to do when the head has moved ``change`` degrees on ``axis`` from its calibrated pose."""
    words = way_back(axis, change)
    return f"{words}, so I can see the movement." if words else FACE_TURNED


def move_cue(target: ResolvedTarget | None) -> str:
    """The target's plain words, spoken at the start of each move phase."""
    if target is None:
        return "Now move gently"
    return _MOVE_WORDS.get((target.measure, target.direction), "Now move gently")


def advice(target: ResolvedTarget | None, warning: ActiveWarning) -> str:
    """What the patient can do about ``warning`` while practising ``target``."""
    if target is None or target.region == warning.region:  # the practised region over-moves on one side
        return _DEFAULT_ADVICE
    soften = _SOFTEN_BY_TARGET.get((target.measure, target.direction))
    return soften or _RELAX_BY_REGION.get(warning.region, _DEFAULT_ADVICE)


def warning_sentence(target: ResolvedTarget | None, warning: ActiveWarning) -> str:
    """The spoken reminder: "Your left eye is narrowing: soften the smile"."""
    return f"{warning.message.rstrip('.')}: {advice(target, warning)}"


# Both sides of a region at once, as the list of other regions names them ("Also: cheeks and nose") ...
_BOTH_SIDES: dict[str, str] = {"eye": "eyes", "brow": "eyebrows", "mouth": "mouth corners", "cheek": "cheeks",
                               "nose": "nose"}
# ... and in a line of their own ("Both cheeks are moving"), where that name does not fit the sentence.
_BOTH_SIDES_IN_A_LINE: dict[str, str] = {"nose": "sides of your nose"}
# A tired patient acts on one or two messages, not six, and a laptop screen has room for two.
MAX_WARNING_LINES = 2


def warning_lines(target: ResolvedTarget | None, warnings: Sequence[ActiveWarning]) -> list[str]:
    """What the screen shows for the active warnings: a line per region (both sides together when both
    move), at most MAX_WARNING_LINES; past that, the last line names the other regions that move."""
    by_region: dict[str, list[ActiveWarning]] = {}
    for warning in warnings:
        by_region.setdefault(warning.region, []).append(warning)
    lines, names = [], []
    for region, found in by_region.items():
        if len({w.side for w in found}) > 1:
            both = (f"Both {_BOTH_SIDES_IN_A_LINE.get(region, _BOTH_SIDES[region])} are moving" if region in _BOTH_SIDES
                    else f"Both sides are moving ({region})")
            lines.append(f"{both}: {advice(target, found[0])}")
            names.append(_BOTH_SIDES.get(region, region))
        else:
            lines.append(warning_sentence(target, found[0]))
            names.append(f"{found[0].side} {REGION_NOUNS.get(region, region)}")
    if len(lines) > MAX_WARNING_LINES:
        rest = names[MAX_WARNING_LINES - 1:]
        lines = lines[: MAX_WARNING_LINES - 1] + [f"Also: {', '.join(rest[:-1])} and {rest[-1]}"]  # 2 or more
    return lines
