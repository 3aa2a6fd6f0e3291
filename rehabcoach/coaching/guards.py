"""Guards: catching an unwanted movement (synkinesis) while staying quiet the rest of the time.

A per-frame threshold on a measure raises a false alarm every few seconds (blinks, speech, a head turn,
a natural smile narrowing both eyes).  The monitor therefore asks more of a deviation before it warns:

1. it is measured against the person's own calibrated baseline, and never below the baseline's own noise;
2. it is smoothed over a few frames, and frames without a face or with the head turned far from the
   calibrated pose are ignored (they neither start nor extend a warning);
3. when the affected side is known, the other side is a second reference: the affected side must move
   clearly more than the other side (healthy faces narrow both eyes when smiling); for the eyes, the squint
   blendshape must not say that the other eye squints more;
4. ordinary blinks (fast, both eyes) are skipped;
5. it must persist (debounce): for the guard's minimum duration when it just passes the threshold, less
   when it passes it clearly (a deviation twice the threshold warns in half the time), and once raised
   it only ends when the deviation has fallen well below the threshold for a moment (hysteresis), so
   warnings do not flicker;
6. a warning only starts while the guard is ``armed``: while the exercise asks for its movement (live,
   from the session's phases) or while that movement is under way (headless; see monitor.py). The eye
   narrowing WITH a smile is synkinesis; the same narrowing on its own, a blink, is not.

Warnings are per region and side: several guards on one region (mouth-corner lift and excursion) make
one warning, named after the measure that deviates most.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal, Sequence

from rehabcoach.coaching.types import ActiveWarning, Baseline, MovementEvent, RegionPeak, ResolvedGuard
from rehabcoach.vision.catalogue import MEASURES, SIDES, Side
from rehabcoach.vision.types import FaceFrame

# Frames turned further than this from the calibrated pose are unreliable.  The domain notes suggest
# 10-12 degrees; with depth-corrected de-rotation the left/right eye-opening ratio moved by under 6 % per
# 10 degrees of yaw on the recordings in ../shared/media, so 15 degrees keeps head-turn errors far below
# any threshold while not blinding the coach to the small turns that come with a wink or a smile.
POSE_LIMIT_DEG = 15.0
SMOOTHING_FRAMES = 5  # median over this many frames (~0.17 s) removes landmark jitter and blink edges
NOISE_FACTOR = 4.0  # a threshold is never below this many resting-noise sigmas


@dataclass(frozen=True)
class ReferenceRule:
    """How the other side serves as a reference once the affected side is known.

    A side warns when its own movement passes ``own_share`` of the threshold AND exceeds the other
    side's movement by ``margin_share`` of the threshold and by ``proportional`` times the other side's
    movement.  Regions differ because healthy faces differ: both eyes narrow together when smiling
    (21.6 % +/- 13.4 % in controls), so for the eyes the difference between the sides is the signal and
    the own threshold can be relaxed; a healthy mouth corner stays still while the eyes close, and natural
    smiles are never quite symmetric, so elsewhere the affected side must clearly out-move the other.
    """

    own_share: float
    margin_share: float
    proportional: float


# Chosen with `python -m lab evaluate` (docs/evaluation.md, "Each engine change and its effect"): stricter
# settings cut false alarms on the controls only by missing the ~8 % narrowings the coach exists to catch.  The
# eye's own floor, 0.35 x 0.25 = 0.0875 of relative narrowing, sits just above that grade (0.45 put it at 0.11).
REFERENCE_RULES = {
    "eye": ReferenceRule(own_share=0.35, margin_share=0.2, proportional=0.0),
}
DEFAULT_REFERENCE_RULE = ReferenceRule(own_share=0.5, margin_share=0.3, proportional=1.0)
RELEASE_RATIO = 0.6  # a warning ends below this share of its threshold (hysteresis) ...
RELEASE_SECONDS = 0.3  # ... sustained for this long
# A pending deviation survives a dip as long as a raised warning does (it charges only while over the threshold,
# so the dip adds no persistence).  A held movement pulses: at 0.15 s, dips in held puckers and closures reset
# deviations that were building up; at 0.3 s two more held movements are warned and no false alarm is added
# (docs/evaluation.md, "Each engine change and its effect").
PENDING_GAP_SECONDS = RELEASE_SECONDS
# A warning raised again on the same region and side within this long of the previous one's end is the same
# unwanted movement coming back, not a new one: one event (one episode) runs from the first start to the last end.
# A held movement pulses (the back-and-forth of a held closure let d9's mouth corner warn four times in 3.6 s,
# with gaps of 0.5-0.8 s), and a therapist reading "moved 4 times" would count four movements where there was one.
# The display is unchanged: each raising shows and each release clears the warning.  Measured (docs/evaluation.md):
# 1 s merges 5 of the tune set's 36 false alarms into others, the check set and every sensitivity unchanged; 0.5 s
# merges none, 0.75 s one; from 2 s a false alarm just before an induced movement merges into its detection.
EPISODE_GAP_SECONDS = 1.0
# Persistence scales with strength: a pending deviation charges at the rate of how many times its threshold
# it reaches (capped), and warns once the charge reaches the guard's minimum duration.  Just over the
# threshold it takes the full min_duration (0.5 s in the library); twice over, half of it.  The cap keeps a
# floor of min_duration / 4 (0.125 s, 4 frames at 30 fps: longer than the 5-frame median lets one bad frame
# through), so even a strong deviation must last a few frames.
PERSISTENCE_RATIO_CAP = 4.0
UNRELIABLE_END_SECONDS = 0.6  # an active warning ends when the face is lost or turned away this long
BLINK_LEVEL = 0.45  # both eyes closing by this much at once is blink-like ...
BLINK_MAX_SECONDS = 0.5  # ... unless it lasts longer (a deliberate closure)

REGION_NOUNS = {"eye": "eye", "brow": "eyebrow", "mouth": "mouth corner", "cheek": "cheek", "nose": "nose"}


def amount_in_direction(deviation: float, direction: str) -> float:
    """How far a signed deviation goes in the given direction (negative: the other way)."""
    if direction == "increase":
        return deviation
    if direction == "decrease":
        return -deviation
    return abs(deviation)


# The eye's opening as the guards see it once the affected side is known: the lid measure averaged with the
# eyeSquint blendshape.  The face mesh spreads one eye's narrowing into both eyes' lid landmarks; the squint
# blendshape of the narrowing eye responds more on its own side.  On the evaluation's induced one-sided
# narrowings against the same frames untouched (docs/evaluation.md, "Which eye signal"), the difference
# between the sides of this mean separated best: AUC 0.89 against 0.86 for the lid measure alone.  It is a
# signal for comparing the sides only: on its own the squint also rises in the other eye during a real wink
# (liveportrait d3: +0.47 in the open eye), so without the other side as a reference the lids decide.
EYE_SQUINT_SHARE = 0.5
_SQUINT = {"left": "eyeSquintLeft", "right": "eyeSquintRight"}


def eye_signal(lids: float, squint_rise: float | None) -> float:
    """The eye's guarded deviation from the lids' relative deviation and the squint's rise over rest."""
    if squint_rise is None or lids <= -BLINK_LEVEL:
        # An eye closing (a blink, a wink) is the lids' business: the squint says nothing of a shut eye.
        return lids
    # A squint rising by s narrows the eye as much as the lids closing by a share s of their rest opening.
    return (1 - EYE_SQUINT_SHARE) * lids - EYE_SQUINT_SHARE * squint_rise


def squint_rise(baseline: Baseline, frame: FaceFrame, side: Side) -> float | None:
    """How far the eye's squint blendshape is above its calibrated rest (None without the blendshapes)."""
    name = _SQUINT[side]
    squint, rest = frame.blendshapes.get(name), baseline.blendshapes.get(name)
    return None if squint is None or rest is None else squint - rest


# Of the two halves of that mean, the squint is the one that knows its side: an eye does not warn while its
# squint has risen less than the other eye's.  A large lid excess can otherwise outweigh a squint that points the
# other way, as in d9's natural puckers; an induced narrowing raises its own eye's squint
# (against the same frames untouched, by 0.12 at the median of the evaluation's 82 induced eye narrowings).
# The lids get no such say: the mesh leaks one eye's narrowing into the other's lids, and in some induced
# narrowings (d13's held pucker) the other eye's lids closed more while the squint rose only on the narrowed
# side.  Measured in docs/evaluation.md ("Each engine change").
def other_eye_squints_more(squints: dict[Side, float], side: Side) -> bool:
    """True when both eyes' squint rises are known and the other eye's is the larger."""
    own, other = squints.get(side), squints.get(_other(side))
    return own is not None and other is not None and own < other


def warning_message(region: str, side: Side, measure: str, deviation: float) -> str:
    info = MEASURES[measure]
    words = info.increase_words if deviation >= 0 else info.decrease_words
    return f"Your {side} {REGION_NOUNS.get(region, region)} is {words}"


TrackState = Literal["idle", "pending", "active"]


@dataclass
class _RegionTrack:
    region: str
    side: Side
    state: TrackState = "idle"  # idle -> pending -> active
    start: float = 0.0
    last_over: float = 0.0
    last_t: float | None = None  # previous reliable frame's time, for the persistence charge
    charge: float = 0.0  # strength-weighted seconds over the threshold while pending
    level: float = 0.0  # this frame: how far the strongest guard is towards warning (1 = at the threshold)
    below_since: float | None = None
    peak_ratio: float = 0.0
    peak_deviation: float = 0.0
    peak_measure: str = ""
    peak_threshold: float = 0.0
    min_duration: float = 0.5
    message: str = ""
    # The last warning's event, kept back for EPISODE_GAP_SECONDS in case the movement comes back, with its peak ratio.
    ended: tuple[MovementEvent, float] | None = None


@dataclass
class _Peak:
    """The largest unwanted amount of one guard on one side, and its largest excess over the other side."""

    amount: float = 0.0
    excess: float | None = None


@dataclass
class _History:
    values: deque = field(default_factory=lambda: deque(maxlen=SMOOTHING_FRAMES))

    def push(self, value: float) -> float:
        self.values.append(value)
        ordered = sorted(self.values)
        return ordered[len(ordered) // 2]


class GuardMonitor:
    def __init__(self, guards: Sequence[ResolvedGuard], baseline: Baseline, affected_side: Side | None = None):
        self.guards = tuple(guards)
        self.baseline = baseline
        self.affected_side = affected_side
        self.reset()

    def reset(self) -> None:
        """Forget everything: a new repetition starts."""
        self._tracks: dict[tuple[str, Side], _RegionTrack] = {}
        for guard in self.guards:
            for side in guard.sides:
                key = (guard.region, side)
                track = self._tracks.setdefault(key, _RegionTrack(guard.region, side, min_duration=guard.min_duration))
                track.min_duration = min(track.min_duration, guard.min_duration)
        self._history: dict[tuple[str, Side], _History] = {}
        self._finished: list[MovementEvent] = []
        self._last_reliable: float | None = None
        self._frame_step = 0.0  # time between the last two reliable frames seen in a row
        self._unseen = False  # unreliable frames since the last reliable one
        self._blink_since: float | None = None
        # (guard index, side) -> [largest unwanted amount, largest excess over the other side], armed frames only.
        self._peaks: dict[tuple[int, Side], _Peak] = {}
        self.levels: dict[Side, float] = {}

    # -- public API -------------------------------------------------------------------------------
    def update(self, frame: FaceFrame, *, armed: bool = True) -> list[ActiveWarning]:
        """Evaluate one frame; ``armed`` says whether an unwanted movement may start a warning now."""
        t = frame.timestamp
        self.levels = {}
        self._close_episodes(t)
        if not self._reliable(frame):
            self._hold_unreliable(t)
            return self.active
        if self._last_reliable is not None and not self._unseen:
            self._frame_step = t - self._last_reliable
        self._last_reliable, self._unseen = t, False
        amounts, measured, squints = self._smoothed_amounts(frame)
        blink_like = self._blink_like(amounts, t)
        if armed:
            self._note_peaks(measured, skip_eyes=blink_like)
        for track in self._tracks.values():
            self._step(track, amounts, squints, t, skip_eyes=blink_like, armed=armed)
            if armed:
                self.levels[track.side] = max(self.levels.get(track.side, 0.0), track.level)
        return self.active

    def retune(self, guards: Sequence[ResolvedGuard]) -> None:
        """New thresholds for the same guards (a therapist's adjustment): they apply from the next frame."""
        self.guards = tuple(guards)

    def region_peaks(self) -> tuple[RegionPeak, ...]:
        """How far each guarded measure moved on each side while armed since the last reset."""
        peaks = []
        for (index, side), peak in sorted(self._peaks.items()):
            guard = self.guards[index]
            peaks.append(RegionPeak(region=guard.region, side=side, measure=guard.measure,
                                    peak_deviation=round(float(peak.amount), 4),
                                    excess_over_other=None if peak.excess is None else round(float(peak.excess), 4)))
        return tuple(peaks)

    @property
    def active(self) -> list[ActiveWarning]:
        return [
            ActiveWarning(region=tr.region, side=tr.side, measure=tr.peak_measure, since=tr.start,
                          deviation=tr.peak_deviation, message=tr.message)
            for tr in self._tracks.values() if tr.state == "active"
        ]

    def pop_finished(self) -> list[MovementEvent]:
        events, self._finished = self._finished, []
        return events

    def finish(self, timestamp: float) -> list[MovementEvent]:
        """Close every warning (end of the movement phase) and return all events not yet popped."""
        for track in self._tracks.values():
            if track.state == "active":
                self._end(track, timestamp)
            track.state = "idle"
        self._close_episodes(None)
        self._history.clear()
        self._blink_since = None
        return self.pop_finished()

    # -- internals --------------------------------------------------------------------------------
    def _reliable(self, frame: FaceFrame) -> bool:
        if not frame.face or not frame.measures:
            return False
        return not turned_from_calibration(frame, self.baseline)

    def _hold_unreliable(self, t: float) -> None:
        # Nothing is learnt from this frame, for or against: a deviation in progress survives a short gap but not
        # a long one.  A pending one waits as long as an active one (a head hovering at the pose limit in a lively
        # smile turns past it for a few frames at a time), but the time not seen does not count towards its
        # persistence.
        last = self._last_reliable
        self._unseen = True
        for track in self._tracks.values():
            if track.state == "pending":
                track.last_t = None
                if last is None or t - last > UNRELIABLE_END_SECONDS:
                    track.state = "idle"
            elif track.state == "active" and last is not None and t - last > UNRELIABLE_END_SECONDS:
                self._end(track, last)
        if last is not None and t - last > UNRELIABLE_END_SECONDS:
            self._history.clear()

    def _smoothed_amounts(self, frame: FaceFrame) -> tuple[dict, dict, dict[Side, float]]:
        """(unwanted amount, signed deviation) per (guard index, side), smoothed over a few frames: as the
        guards weigh it, and as the measure itself moved (the therapist's numbers; they differ only for
        the eyes, whose guarded signal also hears the squint); and each open eye's squint rise, smoothed."""
        weighed: dict[tuple[str, Side], float] = {}
        measured: dict[tuple[str, Side], float] = {}
        squints: dict[Side, float] = {}
        with_squint = self.affected_side is not None
        for measure in {guard.measure for guard in self.guards}:
            for side in SIDES:
                value = frame.value(measure, side)
                if value is None:
                    continue
                history = self._history.setdefault((measure, side), _History())
                deviation = self.baseline.deviation(measure, side, value)
                if measure == "eye_aperture" and with_squint:
                    rise = squint_rise(self.baseline, frame, side)
                    weighed[(measure, side)] = history.push(eye_signal(deviation, rise))
                    raw = self._history.setdefault((f"{measure} as measured", side), _History())
                    lids = measured[(measure, side)] = raw.push(deviation)
                    if rise is not None:
                        squint = self._history.setdefault(("eye squint", side), _History()).push(rise)
                        if lids > -BLINK_LEVEL:  # the squint says nothing of a shut eye
                            squints[side] = squint
                else:
                    weighed[(measure, side)] = measured[(measure, side)] = history.push(deviation)

        def per_guard(deviations: dict[tuple[str, Side], float]) -> dict[tuple[int, Side], tuple[float, float]]:
            return {
                (index, side): (amount_in_direction(deviations[(guard.measure, side)], guard.direction),
                                deviations[(guard.measure, side)])
                for index, guard in enumerate(self.guards)
                for side in SIDES
                if (guard.measure, side) in deviations
            }

        return per_guard(weighed), per_guard(measured), squints

    def _note_peaks(self, amounts: dict[tuple[int, Side], tuple[float, float]], *, skip_eyes: bool) -> None:
        for (index, side), (amount, _) in amounts.items():
            guard = self.guards[index]
            if side not in guard.sides or (skip_eyes and guard.region == "eye"):
                continue
            other = amounts.get((index, _other(side)))
            excess = None if other is None else amount - max(other[0], 0.0)
            peak = self._peaks.setdefault((index, side), _Peak())
            peak.amount = max(peak.amount, amount)
            if excess is not None:
                peak.excess = excess if peak.excess is None else max(peak.excess, excess)

    def _blink_like(self, amounts: dict[tuple[int, Side], tuple[float, float]], t: float) -> bool:
        both_closing = True
        seen = False
        for index, guard in enumerate(self.guards):
            if guard.measure != "eye_aperture":
                continue
            for side in SIDES:
                amount = amounts.get((index, side))
                if amount is None:
                    continue
                seen = True
                if -amount[1] < BLINK_LEVEL:
                    both_closing = False
        if not seen or not both_closing:
            self._blink_since = None
            return False
        if self._blink_since is None:
            self._blink_since = t
        return t - self._blink_since <= BLINK_MAX_SECONDS

    def _threshold(self, guard: ResolvedGuard, side: Side) -> float:
        noise = self.baseline.noise[guard.measure][side]
        if MEASURES[guard.measure].scale == "relative":
            base = self.baseline.measures[guard.measure][side]
            noise = noise / base if base > 1e-6 else 0.0
        return max(guard.threshold, NOISE_FACTOR * noise)

    def _step(self, track: _RegionTrack, amounts, squints: dict[Side, float], t: float, *, skip_eyes: bool,
              armed: bool) -> None:
        best_ratio, best = 0.0, None  # strongest guard of this region on this side
        holding = False  # at least one guard is still above its release level
        track.level = 0.0
        for index, guard in enumerate(self.guards):
            if guard.region != track.region or track.side not in guard.sides:
                continue
            own = amounts.get((index, track.side))
            if own is None:
                continue
            threshold = self._threshold(guard, track.side)
            amount, deviation = own
            own_needed, excess, needed = threshold, amount, 0.0
            other = amounts.get((index, _other(track.side))) if self.affected_side is not None else None
            if other is not None:
                rule = REFERENCE_RULES.get(track.region, DEFAULT_REFERENCE_RULE)
                other_amount = max(other[0], 0.0)
                own_needed = rule.own_share * threshold
                excess = amount - other_amount
                needed = max(rule.margin_share * threshold, rule.proportional * other_amount)
            over = amount > own_needed and excess > needed
            hold = amount > own_needed * RELEASE_RATIO and excess > needed * RELEASE_RATIO
            holding = holding or hold
            # How clearly it passes: the weaker of its two conditions (own movement, excess over the other side).
            ratio = amount / own_needed if needed <= 0 else min(amount / own_needed, excess / needed)
            if other is not None and guard.measure == "eye_aperture" and other_eye_squints_more(squints, track.side):
                # Not clearly this eye: nothing starts, and the tone stays at the threshold's loudness at most.
                over, ratio = False, min(ratio, 1.0)
            track.level = max(track.level, ratio)
            if over and ratio > best_ratio:
                best_ratio, best = ratio, (guard, deviation, threshold)
        previous_t, track.last_t = track.last_t, t
        if skip_eyes and track.region == "eye":
            # A blink: neither start nor extend nor end a warning on its account.
            track.level = 0.0
            return
        if not armed and track.state != "active":
            # Outside the practised movement nothing new starts; a warning already raised runs its course.
            track.state = "idle"
            return
        if best is not None:
            guard, deviation, threshold = best
            if track.state == "idle":
                track.state, track.start, track.peak_ratio, track.charge = "pending", t, 0.0, 0.0
            elif track.state == "pending":
                # Back from unseen frames, only this frame's own time counts.
                seen = t - previous_t if previous_t is not None else self._frame_step
                track.charge += seen * min(best_ratio, PERSISTENCE_RATIO_CAP)
            track.last_over = t
            track.below_since = None
            if best_ratio > track.peak_ratio:
                track.peak_ratio, track.peak_deviation = best_ratio, deviation
                track.peak_measure, track.peak_threshold = guard.measure, threshold
                track.message = warning_message(track.region, track.side, guard.measure, deviation)
            if track.state == "pending" and track.charge >= track.min_duration - 1e-9:
                track.state = "active"
                if track.ended is not None:  # back within EPISODE_GAP_SECONDS: the same episode goes on
                    (event, ratio), track.ended = track.ended, None
                    track.start = event.start_s
                    if ratio > track.peak_ratio:
                        track.peak_ratio, track.peak_deviation = ratio, event.peak
                        track.peak_measure, track.peak_threshold = event.measure, event.threshold
            return
        if track.state == "pending":
            if t - track.last_over > PENDING_GAP_SECONDS:
                track.state = "idle"
        elif track.state == "active":
            if holding:
                track.below_since = None
            else:
                if track.below_since is None:
                    track.below_since = t
                if t - track.below_since >= RELEASE_SECONDS:
                    self._end(track, track.below_since)

    def _end(self, track: _RegionTrack, end: float) -> None:
        # Kept back until the movement has stayed away for EPISODE_GAP_SECONDS (_close_episodes).
        track.ended = (MovementEvent(
            region=track.region, side=track.side, measure=track.peak_measure,
            start_s=track.start, end_s=max(end, track.start), peak=track.peak_deviation,
            threshold=track.peak_threshold,
        ), track.peak_ratio)
        track.state = "idle"
        track.below_since = None
        track.peak_ratio = 0.0

    def _close_episodes(self, now: float | None) -> None:
        """Give out the events of warnings that have stayed away for EPISODE_GAP_SECONDS (all of them: None)."""
        for track in self._tracks.values():
            if track.ended is not None and (now is None or now - track.ended[0].end_s > EPISODE_GAP_SECONDS):
                self._finished.append(track.ended[0])
                track.ended = None


def turned_from_calibration(frame: FaceFrame, baseline: Baseline) -> bool:
    """The head is turned, nodded or tilted further than POSE_LIMIT_DEG from its calibrated pose: the guards
    do not judge such a frame (its measures drift with the pose), so no warning can start during it."""
    return frame.pose is not None and frame.pose.distance(baseline.pose) > POSE_LIMIT_DEG


def _other(side: Side) -> Side:
    return "left" if side == "right" else "right"

