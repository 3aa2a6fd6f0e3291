"""Labelled evaluation cases built from real recordings: what was induced, where, on which side.

No footage of patients is available, so cases are made from ordinary recordings of faces:

1. a first pass of the face pipeline over each clip gives per-frame landmarks and blendshapes;
2. the subject's own smiles (mouthSmileLeft/Right high) and deliberate eye closures (eyeBlink high on
   both eyes for longer than a blink) are found in those traces;
3. a case replays the clip through :class:`WarpedSource`, which warps frames on the fly (no video is
   written): one eye narrows during the smiles (exercise ``gentle-smile``) or the puckers (``lip-pucker``),
   or one mouth corner pulls during the closures (``gentle-eye-closure``).  The clips hold few deliberate
   closures, so both eyes are also closed by a warp in quiet stretches of each clip ("synthetic" closures);
4. controls replay the same clips without the synkinesis warp, for each affected side (for
   gentle-eye-closure both with the warped closures and untouched).

The first seconds of a replay are the calibration window of ``analyze``.  When a clip does not start
with a resting face, a resting stretch found later in the clip is looped in front of it.

Two kinds of cases (``Case.kind``):

- **natural**: the clip plays at its own speed; the induced movements last as long as the subject's own
  smiles or closures (0.3-0.9 s pieces and longer), or, in the "brief" cases, 0.4-0.8 s at their peak;
- **held**: one smile, pucker or eye closure of the clip is stretched into a 3-5 s hold, as a patient holds
  it in an exercise: after a resting lead-in (the calibration) and the movement's natural onset, the clip
  frames around its peak are played back and forth (ping-pong), then the natural release follows.  The
  unwanted movement is induced during the hold.

Each induced case has a control "twin" that replays exactly the same frames without the synkinesis warp:
the registered strength of an induced movement (its grade) is the warped replay against that twin.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from lab import warps as _warps_module
from lab.warps import close_eyes, envelope, narrow_eye, pull_mouth_corner
from rehabcoach.files import write_private_atomic
from rehabcoach.resources import file_sha256
from rehabcoach.vision.catalogue import SIDES, Side
from rehabcoach.vision.landmarks import CONTOURS
from rehabcoach.vision.sources import FrameSource, open_source
from rehabcoach.vision.types import Frame

Interval = tuple[float, float]

# Smiles: both mouthSmile blendshapes at least this high, for at least this long.
SMILE_LEVEL = 0.5
SMILE_MIN_SECONDS = 0.6
# Deliberate closures: both eyeBlink blendshapes this high for longer than any ordinary blink.
CLOSURE_LEVEL = 0.5
CLOSURE_MIN_SECONDS = 0.6  # longer than a blink, even a slow one (blinks here last 0.2-0.45 s)
MERGE_GAP_SECONDS = 0.25  # a dip shorter than this does not split a smile or a closure
# A resting face: no smile, no pucker and the eyes open (the calibrator itself rejects turned heads and
# movement, but not a pucker held still: 42-60 % of the frames d10, d13 and d20 once calibrated on were puckers,
# which moved their mouth baselines by up to 0.10 IOD).
REST_SMILE_MAX = 0.2
REST_BLINK_MAX = 0.45
REST_PUCKER_MAX = 0.25
CALIBRATION_SECONDS = 1.5  # as the judge runs analyze: --calibration-seconds 1.5
MIN_CALIBRATION_WINDOW = 0.6
# Synthetic closures: held this long, placed in quiet stretches, at least this far apart.
SYNTHETIC_CLOSURE_SECONDS = 1.6
SYNTHETIC_CLOSURE_GAP = 1.2
SYNTHETIC_CLOSURE_AMOUNT = 0.9
# Smiles longer than this are split into induced pieces with untouched smiling between them.
SPLIT_LONGER_THAN = 4.0
SPLIT_PIECE_SECONDS = 1.8
SPLIT_GAP_SECONDS = 1.5
RAMP_SECONDS = 0.2  # movements engage and release over this long (see warps.envelope)
# Amounts cycle over these values from one induced movement to the next.
EYE_REDUCTIONS = (0.35, 0.42, 0.5)
MOUTH_PULLS_IOD = (0.06, 0.08, 0.1)

# Held cases: the hold lasts one of these (cycling), the frames within HOLD_WINDOW of the movement's peak
# are played back and forth, after ONSET_LEAD of clip before the movement starts and followed by
# RELEASE_TAIL after it ends.  The unwanted movement starts HELD_INDUCE_DELAY into the hold and ramps over
# HELD_RAMP_SECONDS, as a synkinesis builds while the patient holds the movement.
HOLD_SECONDS = (3.0, 4.0, 5.0)
HOLD_WINDOW = 0.25
ONSET_LEAD = 0.6
RELEASE_TAIL = 0.6
REST_AFTER_CALIBRATION = 0.4  # resting frames between the end of calibration and the onset
HELD_INDUCE_DELAY = 0.3
HELD_RAMP_SECONDS = 0.3
HELD_PER_CLIP = 2  # held carriers per clip and exercise (the replays are the slow part)
# Held closures placed on a quiet face: the eyes close over this ramp (a gentle closure, not a blink).
HELD_CLOSURE_RAMP = 0.4
# Pixel narrowing of the eye (held cases), cycling: the tracker registers about 40 % of a pixel warp and
# leaks part of it into the other eye, so these spread the registered excess over both grades (~8 %, ~15 %).
HELD_EYE_REDUCTIONS = (0.25, 0.5, 0.32, 0.6, 0.4)  # registered excess about 0.3x: ~7.5, 15, 10, 18, 12 %
HELD_MOUTH_PULLS_IOD = (0.06, 0.09, 0.12)
# Puckers: mouthPucker this high for this long, with the eyes open and no smile.
PUCKER_LEVEL = 0.5
PUCKER_MIN_SECONDS = 0.4

EXERCISE_REGION = {"gentle-smile": "eye", "lip-pucker": "eye", "gentle-eye-closure": "mouth"}
EXERCISE_SHORT = {"gentle-smile": "smile", "lip-pucker": "pucker", "gentle-eye-closure": "closure"}

# The clips used (see ../shared/media/ATTRIBUTION.md) and what each offers.
CLIPS: dict[str, str] = {
    "liveportrait__driving_d0.mp4": "man, neutral then one broad smile (3 s)",
    "liveportrait__driving_d9.mp4": "man with glasses at home: blinks, smiles, pucker, brows",
    "liveportrait__driving_d10.mp4": "young woman: blinks, smiles, pucker, brows, surprise",
    "liveportrait__driving_d13.mp4": "man with glasses, portrait phone video: smiles, pucker, brows",
    "liveportrait__driving_d6.mp4": "woman, exaggerated faces: winks, one-sided smiles, pucker",
    "pyfeat__WolfgangLanger_Pexels.mp4": "woman: crying with closed eyes and smiles, then big smiles",
    "openwillis__not_expressive.mp4": "man, 1080p webcam, quiet neutral face",
    "openwillis__baseline.mp4": "same man, 3.5 s neutral",
    "liveportrait__driving_d11.mp4": "small girl: talking, pucker, brows up",
    "liveportrait__driving_d12.mp4": "man with glasses: laughing with the eyes nearly shut, pucker, surprise",
    "liveportrait__driving_d19.mp4": "man with glasses, studio: big closed-lip smiles",
    "liveportrait__driving_d20.mp4": "young man outdoors: talking, pucker, slight smiles",
    "liveportrait__source_s18.mp4": "woman indoors, mostly neutral with blinks",
    "liveportrait__source_s20.mp4": "woman, portrait video, neutral with blinks",
    "liveportrait__source_s29.mp4": "woman outdoors, constant smile, small face in a tall frame",
    "sadtalker__WDA_AlexandriaOcasioCortez_000.mp4": "politician speaking: speech, blinks, smiles",
    "spectre__MEAD_M026_level_3_disgusted_018.mp4": "actor speaking with disgust: squint, nose wrinkle",
    "spectre__MEAD_M030_level_3_angry_016.mp4": "actor speaking with anger: frown, tense mouth",
    "spectre__MEAD_W023_level_2_surprised_010.mp4": "actress speaking surprised: brows up, blink",
}

# Clips kept OUT of tuning: the engine is tuned on the others ("tune") and checked on these, reported
# separately.  Chosen to span the kinds of footage: two old clips (a phone portrait video with glasses and
# smiles; crying and broad smiles) and three new ones (talking with puckers; a constant smile in a small
# face; speech with surprise).
CHECK_CLIPS = frozenset({
    "liveportrait__driving_d13.mp4",
    "pyfeat__WolfgangLanger_Pexels.mp4",
    "liveportrait__driving_d20.mp4",
    "liveportrait__source_s29.mp4",
    "spectre__MEAD_W023_level_2_surprised_010.mp4",
})
SETS = ("tune", "check", "all")


def clip_set(clip: str) -> str:
    """"check" for the held-out clips, "tune" for the others."""
    return "check" if clip in CHECK_CLIPS else "tune"


def clips_in_set(which: str) -> list[str]:
    if which not in SETS:
        raise ValueError(f"set must be one of {SETS}")
    return [clip for clip in CLIPS if which == "all" or clip_set(clip) == which]

# Landmarks kept with each replay's cached face frames, for comparing eye signals offline
# (eye_signals.py): both eye contours, both irises (468-477 in the 478-point model), nose tip, nasion and
# the mouth corners.
KEPT_LANDMARKS: tuple[int, ...] = tuple(sorted(
    set(CONTOURS[("eye", "right")]) | set(CONTOURS[("eye", "left")]) | set(range(468, 478)) | {1, 168, 61, 291}))


# -- first pass ---------------------------------------------------------------------------------------
@dataclass
class ClipTrace:
    """What the face pipeline saw in an untouched clip, frame by frame."""

    name: str
    fps: float
    times: np.ndarray  # (N,) seconds
    face: np.ndarray  # (N,) bool
    landmarks: np.ndarray  # (N, 478, 3) float32, NaN where no face
    smile: np.ndarray  # (N, 2) mouthSmile right, left (patient's sides); NaN where no face
    blink: np.ndarray  # (N, 2) eyeBlink right, left
    eye_aperture: np.ndarray  # (N, 2) pipeline measure, right, left
    mouth_corner_lift: np.ndarray  # (N, 2)
    pucker: np.ndarray | None = None  # (N,) mouthPucker; None in traces made without it

    @property
    def duration(self) -> float:
        return len(self.times) / self.fps

    def save(self, path: Path) -> None:
        """Write whole or not at all, readable by the user only: it describes a face."""
        buffer = io.BytesIO()
        np.savez_compressed(buffer, name=self.name, fps=self.fps, times=self.times, face=self.face,
                            landmarks=self.landmarks, smile=self.smile, blink=self.blink,
                            eye_aperture=self.eye_aperture, mouth_corner_lift=self.mouth_corner_lift,
                            pucker=self.pucker_level())
        write_private_atomic(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> "ClipTrace":
        with np.load(path) as data:
            return cls(name=str(data["name"]), fps=float(data["fps"]), times=data["times"], face=data["face"],
                       landmarks=data["landmarks"], smile=data["smile"], blink=data["blink"],
                       eye_aperture=data["eye_aperture"], mouth_corner_lift=data["mouth_corner_lift"],
                       pucker=data["pucker"] if "pucker" in data else None)

    def pucker_level(self) -> np.ndarray:
        return np.zeros(len(self.times)) if self.pucker is None else np.asarray(self.pucker, dtype=np.float64)


def cache_folder() -> Path:
    """First-pass results are kept outside the repository, private to the user."""
    folder = Path(tempfile.gettempdir()) / f"rehabcoach-eval-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _fingerprint(*sources: str | bytes) -> str:
    digest = hashlib.sha1()
    for source in sources:
        digest.update(source if isinstance(source, bytes) else source.encode())
    return digest.hexdigest()[:12]


def _mediapipe_version() -> str:
    try:
        from importlib.metadata import version

        return version("mediapipe")
    except Exception:  # not installed as a distribution (a bundle): the app's version labels the cache
        return "unknown"


# Bumped when what a first pass or a replay cache holds changes shape.
CACHE_FORMAT = "3: pucker, kept landmarks"


def _measure_code() -> str:
    from rehabcoach.vision import catalogue, landmarker, landmarks, measures, pipeline

    try:
        return _fingerprint(f"mediapipe {_mediapipe_version()}|{CACHE_FORMAT}",
                            *(Path(m.__file__).read_bytes() for m in (catalogue, landmarker, landmarks, measures, pipeline)))
    except (OSError, TypeError):
        # A frozen desktop bundle carries compiled modules only: label the cache by the app's version.
        from rehabcoach import __version__

        return _fingerprint(f"rehabcoach {__version__}")


# Fingerprints of the code that decides what a replay's face frames hold, taken once, as the modules are
# loaded: a file edited while an evaluation runs must not label frames computed by the old code as new.
_MEASURE_CODE = _measure_code()


def measure_code_version() -> str:
    """The loaded measure code's fingerprint: a cached first pass made by other code (the measures are
    still being tuned) is not reused."""
    return _MEASURE_CODE


@functools.lru_cache(maxsize=None)
def _content_digest(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(Path(path))


def clip_identity(path: Path) -> str:
    """What names a clip in the caches: its content.  The shared media folder is provided again at times, with
    new file times and the same bytes; a key on the file's time made every replay be computed again (20
    minutes).  Hashed once per process for each file state (the clips are small: all of them in well under
    a second)."""
    stat = path.stat()
    return _content_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def first_pass(path: Path, *, pipeline_factory=None, use_cache: bool = True) -> ClipTrace:
    """Run the face pipeline over an untouched clip (cached by its content and the measure code)."""
    key = _fingerprint(clip_identity(path), measure_code_version())
    cached = cache_folder() / f"{path.stem}-{key}.npz"
    if use_cache and cached.is_file():
        return ClipTrace.load(cached)
    if pipeline_factory is None:
        from rehabcoach.vision.pipeline import FacePipeline as pipeline_factory
    times, face, lms, smile, blink, aperture, lift, pucker = [], [], [], [], [], [], [], []
    nan2 = (np.nan, np.nan)
    with open_source(path) as source, pipeline_factory() as pipeline:
        fps = source.fps
        for frame in source:
            ff = pipeline.process(frame)
            times.append(frame.timestamp)
            face.append(ff.face)
            if ff.face and ff.landmarks is not None:
                lms.append(ff.landmarks.astype(np.float32))
                b = ff.blendshapes
                smile.append((b.get("mouthSmileRight", np.nan), b.get("mouthSmileLeft", np.nan)))
                blink.append((b.get("eyeBlinkRight", np.nan), b.get("eyeBlinkLeft", np.nan)))
                pucker.append(b.get("mouthPucker", np.nan))
                aperture.append((ff.value("eye_aperture", "right"), ff.value("eye_aperture", "left")))
                lift.append((ff.value("mouth_corner_lift", "right"), ff.value("mouth_corner_lift", "left")))
            else:
                lms.append(np.full((478, 3), np.nan, dtype=np.float32))
                smile.append(nan2), blink.append(nan2), aperture.append(nan2), lift.append(nan2)
                pucker.append(np.nan)
    trace = ClipTrace(name=path.name, fps=fps, times=np.array(times), face=np.array(face, dtype=bool),
                      landmarks=np.array(lms, dtype=np.float32), smile=np.array(smile, dtype=np.float64),
                      blink=np.array(blink, dtype=np.float64), eye_aperture=np.array(aperture, dtype=np.float64),
                      mouth_corner_lift=np.array(lift, dtype=np.float64), pucker=np.array(pucker, dtype=np.float64))
    if use_cache:
        trace.save(cached)
    return trace


# -- finding movements in traces --------------------------------------------------------------------
def find_intervals(times: np.ndarray, active: np.ndarray, *, min_seconds: float,
                   merge_gap: float = MERGE_GAP_SECONDS) -> list[Interval]:
    """Runs of ``active`` frames as [start, end) intervals in seconds.

    Runs separated by less than ``merge_gap`` are joined first; runs shorter than ``min_seconds``
    are dropped.  A run's end is the time of the frame after its last active frame.
    """
    times = np.asarray(times, dtype=np.float64)
    active = np.asarray(active, dtype=bool)
    if len(times) == 0:
        return []
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    runs: list[list[float]] = []
    start = None
    for i, on in enumerate(active):
        if on and start is None:
            start = times[i]
        if not on and start is not None:
            runs.append([start, times[i]])
            start = None
    if start is not None:
        runs.append([start, times[-1] + step])
    merged: list[list[float]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < merge_gap:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [(a, b) for a, b in merged if b - a >= min_seconds - 1e-9]


def smile_intervals(trace: ClipTrace) -> list[Interval]:
    level = np.nan_to_num(np.nanmin(trace.smile, axis=1) if trace.smile.size else np.zeros(0), nan=0.0)
    return find_intervals(trace.times, level >= SMILE_LEVEL, min_seconds=SMILE_MIN_SECONDS)


def closure_intervals(trace: ClipTrace) -> list[Interval]:
    level = np.nan_to_num(np.nanmin(trace.blink, axis=1) if trace.blink.size else np.zeros(0), nan=0.0)
    return find_intervals(trace.times, level >= CLOSURE_LEVEL, min_seconds=CLOSURE_MIN_SECONDS)


def shared_seconds(interval: Interval, others: Sequence[Interval]) -> float:
    """How much of ``interval`` lies inside any of ``others`` (which do not overlap each other)."""
    return sum(max(0.0, min(interval[1], b) - max(interval[0], a)) for a, b in others)


def smiles_with_open_eyes(trace: ClipTrace) -> list[Interval]:
    """Smiles that can carry an induced eye narrowing: not mostly spent with the eyes shut (crying,
    laughing), where there is no opening left to narrow."""
    closures = closure_intervals(trace)
    return [iv for iv in smile_intervals(trace) if shared_seconds(iv, closures) <= 0.5 * (iv[1] - iv[0])]


def closures_with_resting_mouth(trace: ClipTrace) -> list[Interval]:
    """Deliberate closures fit for gentle-eye-closure: the mouth at rest, not smiling through them."""
    smiles = smile_intervals(trace)
    return [iv for iv in closure_intervals(trace) if shared_seconds(iv, smiles) <= 0.2 * (iv[1] - iv[0])]


def resting(trace: ClipTrace) -> np.ndarray:
    """Per frame: a face at rest (no smile, no pucker, eyes open)."""
    smile = np.nan_to_num(trace.smile, nan=1.0).max(axis=1)
    blink = np.nan_to_num(trace.blink, nan=1.0).max(axis=1)
    pucker = np.nan_to_num(trace.pucker_level(), nan=1.0)
    return trace.face & (smile < REST_SMILE_MAX) & (blink < REST_BLINK_MAX) & (pucker < REST_PUCKER_MAX)


def calibration_window(trace: ClipTrace, seconds: float = CALIBRATION_SECONDS) -> Interval | None:
    """None when the clip's own first ``seconds`` are at rest enough to calibrate on; otherwise the
    longest resting stretch (up to ``seconds``) to loop in front of the clip.

    "Enough" means at least 70 % resting frames and no smile: the calibrator skips blinks by itself.
    """
    rest = resting(trace)
    head = trace.times < seconds
    smile_free = np.nan_to_num(trace.smile[head], nan=0.0).max(initial=0.0) < REST_SMILE_MAX
    if head.any() and smile_free and rest[head].mean() >= 0.7:
        return None
    runs = find_intervals(trace.times, rest, min_seconds=MIN_CALIBRATION_WINDOW, merge_gap=0.0)
    if not runs:
        return None  # nothing better: calibrate on the start and say so in the report
    start, end = max(runs, key=lambda r: r[1] - r[0])
    # Keep clear of the edges of the run, where a movement is starting or ending.
    margin = min(0.1, (end - start - MIN_CALIBRATION_WINDOW) / 2)
    start, end = start + margin, end - margin
    return (start, min(end, start + seconds))


def quiet_stretches(trace: ClipTrace, after: float) -> list[Interval]:
    """Stretches (clip time, from ``after``) with a face and no smile or deliberate closure, for placing
    synthetic closures.  Blinks are allowed: real patients blink too."""
    smile = np.nan_to_num(trace.smile, nan=1.0).max(axis=1)
    quiet = trace.face & (smile < REST_SMILE_MAX) & (trace.times >= after)
    for start, end in closure_intervals(trace):
        quiet &= (trace.times < start - 0.3) | (trace.times >= end + 0.3)
    return find_intervals(trace.times, quiet, min_seconds=SYNTHETIC_CLOSURE_SECONDS + 0.4, merge_gap=0.0)


def split_long(intervals: Sequence[Interval], *, longer_than: float = SPLIT_LONGER_THAN,
               piece: float = SPLIT_PIECE_SECONDS, gap: float = SPLIT_GAP_SECONDS) -> list[Interval]:
    """Long smiles carry several induced narrowings with untouched smiling in between, as when the eye
    narrows during only part of a hold: the engine must then also let the warning go while the smile
    goes on."""
    pieces: list[Interval] = []
    for start, end in intervals:
        if end - start <= longer_than:
            pieces.append((start, end))
            continue
        t = start
        while t + piece <= end + 1e-9:
            pieces.append((round(t, 3), round(t + piece, 3)))
            t += piece + gap
    return pieces


def place_closures(stretches: Sequence[Interval], *, seconds: float = SYNTHETIC_CLOSURE_SECONDS,
                   gap: float = SYNTHETIC_CLOSURE_GAP) -> list[Interval]:
    """Closures of ``seconds`` placed in each stretch, 0.2 s in from its start and ``gap`` apart."""
    placed: list[Interval] = []
    for start, end in stretches:
        t = start + 0.2
        while t + seconds + 0.2 <= end:
            placed.append((round(t, 3), round(t + seconds, 3)))
            t += seconds + gap
    return placed


def pucker_intervals(trace: ClipTrace) -> list[Interval]:
    """Puckers fit for lip-pucker: mouthPucker high with the eyes open and no smile (speech drives
    mouthPucker high too, but in flickers shorter than PUCKER_MIN_SECONDS)."""
    smile = np.nan_to_num(np.nanmax(trace.smile, axis=1) if trace.smile.size else np.zeros(0), nan=1.0)
    level = np.nan_to_num(trace.pucker_level(), nan=0.0)
    active = trace.face & (level >= PUCKER_LEVEL) & (smile < SMILE_LEVEL) & eyes_open(trace)
    return find_intervals(trace.times, active, min_seconds=PUCKER_MIN_SECONDS)


def eyes_open(trace: ClipTrace) -> np.ndarray:
    """Per frame: neither eye's eyeBlink reaches CLOSURE_LEVEL (a frame without the blendshapes counts as shut)."""
    blink = np.nan_to_num(np.nanmax(trace.blink, axis=1) if trace.blink.size else np.zeros(0), nan=1.0)
    return blink < CLOSURE_LEVEL


# -- cases ----------------------------------------------------------------------------------------------
# The induced mouth pulls, by the warp's direction (lab/warps.py, MOUTH_PULL_DIRECTIONS).
PULL_KINDS = {"pull_mouth": "up-and-out", "pull_mouth_sideways": "sideways"}


@dataclass(frozen=True)
class Movement:
    """One movement applied by a warp, in replay time (seconds from the start of the replay)."""

    kind: str  # "narrow_eye", "pull_mouth" (up and out), "pull_mouth_sideways" or "close_eyes"
    side: Side | None  # None for close_eyes (both eyes)
    start: float
    end: float
    amount: float  # reduction (eyes) or IODs (mouth)
    ramp: float = RAMP_SECONDS

    def level(self, t: float) -> float:
        return self.amount * envelope(t, self.start, self.end, self.ramp)

    @property
    def onset(self) -> float:
        """When the warp reaches half its amount (the middle of the raised-cosine ramp): the movement's
        onset for latency."""
        return self.start + min(self.ramp, (self.end - self.start) / 2) / 2


@dataclass(frozen=True)
class Case:
    name: str
    clip: str  # file name in the media folder
    exercise: str  # "gentle-smile", "lip-pucker" or "gentle-eye-closure"
    affected_side: Side
    control: bool  # True: nothing induced, every event on the affected side is a false alarm
    calibration: Interval | None  # clip-time resting window looped in front of the clip, or None
    lead_in: float  # seconds of looped calibration footage before the clip starts (0 when None)
    movements: tuple[Movement, ...] = ()
    closures: str = ""  # "real", "synthetic", "real+synthetic" or "" (gentle-smile)
    kind: str = "natural"  # "natural" (the clip at its own speed) or "held" (a movement stretched to a hold)
    # Clip frame index of every replay frame (held cases); None: the lead-in loop, then the whole clip.
    timeline: tuple[int, ...] | None = None
    fps: float = 0.0  # the clip's frame rate (needed with a timeline)
    twin: str = ""  # the control replaying the same frames without the synkinesis warp (for grading)

    @property
    def region(self) -> str:
        return EXERCISE_REGION[self.exercise]

    @property
    def set(self) -> str:
        return clip_set(self.clip)

    @property
    def induced_movements(self) -> list[Movement]:
        """The synkinesis this case must detect; empty for controls."""
        wanted = PULL_KINDS if self.exercise == "gentle-eye-closure" else ("narrow_eye",)
        return [m for m in self.movements if m.kind in wanted and m.side == self.affected_side]

    @property
    def induced(self) -> list[Interval]:
        """The induced movements' intervals, in replay time."""
        return [(m.start, m.end) for m in self.induced_movements]

    def clip_index(self, t: float, fps: float) -> int:
        """Replay time -> index of the clip frame shown (negative inside a looped lead-in)."""
        i = int(round(t * fps))
        if self.timeline is not None:
            return self.timeline[min(max(i, 0), len(self.timeline) - 1)]
        return int(round((t - self.lead_in) * fps))

    def clip_time(self, t: float) -> float:
        """Replay time -> time in the original clip (negative inside the looped calibration lead-in)."""
        if self.timeline is not None and self.fps:
            return self.clip_index(t, self.fps) / self.fps
        return t - self.lead_in

    def describe_calibration(self) -> str:
        seconds = f"{CALIBRATION_SECONDS:g}"
        if self.calibration is None:
            return f"clip start (first {seconds} s)"
        a, b = self.calibration
        if self.timeline is not None:
            return f"clip {a:.2f}-{b:.2f} s looped as the resting lead-in of the hold"
        return f"clip {a:.2f}-{b:.2f} s looped in front ({self.lead_in:.2f} s)"


def _lead_in(window: Interval | None, fps: float, seconds: float = CALIBRATION_SECONDS) -> float:
    if window is None:
        return 0.0
    # A whole number of frames, just past the calibration window, so analyze ends calibration on the
    # first frame of the clip itself.
    return int(np.ceil(seconds * fps)) / fps


def _natural_carriers(trace: ClipTrace, exercise: str, scored_from: float,
                      lead: float) -> tuple[list[Interval], str, list[Movement]]:
    """The movements of one clip that carry natural-speed induced ones, in clip time, with the kind of
    closures ("real", "synthetic" or both; "" for smiles) and the warped closures every replay shows."""
    if exercise == "gentle-smile":
        return split_long([iv for iv in smiles_with_open_eyes(trace) if iv[1] > scored_from + 0.3]), "", []
    if exercise == "lip-pucker":
        return split_long([iv for iv in pucker_intervals(trace) if iv[1] > scored_from + 0.3]), "", []
    # The subject's own closures, plus warped ones in quiet stretches: these clips hold few real
    # deliberate closures (people blink, but rarely keep their eyes shut).
    real = [iv for iv in closures_with_resting_mouth(trace) if iv[1] > scored_from + 0.3]
    synthetic = place_closures(quiet_stretches(trace, after=scored_from + 0.3))
    kind = "+".join(name for name, found in (("real", real), ("synthetic", synthetic)) if found)
    background = [Movement("close_eyes", None, a + lead, b + lead, SYNTHETIC_CLOSURE_AMOUNT) for a, b in synthetic]
    return sorted(real + synthetic), kind, background


def _induced_kind(exercise: str) -> tuple[str, tuple[float, ...]]:
    """The synkinesis warp a natural-speed case of ``exercise`` induces, and the amounts it cycles through."""
    if exercise in ("gentle-smile", "lip-pucker"):
        return "narrow_eye", EYE_REDUCTIONS
    return "pull_mouth", MOUTH_PULLS_IOD


def build_cases(trace: ClipTrace, *, exercises: Sequence[str] = ("gentle-smile", "gentle-eye-closure"),
                sides: Sequence[Side] = SIDES, controls: bool = True) -> list[Case]:
    """Every natural-speed case one clip offers: for each exercise and side, the induced case (if the clip
    has the movement it needs) and a control.  A lip-pucker case's control is the untouched clip (the name
    untouched_cases gives it): no warped movement plays in the background, as for smiles, and the untouched
    clip is a control of lip-pucker whether or not the clip has puckers."""
    window = calibration_window(trace)
    lead = _lead_in(window, trace.fps)
    scored_from = CALIBRATION_SECONDS if window is None else 0.0  # clip time after which analyze scores
    stem = clip_stem(trace.name)
    cases: list[Case] = []
    for exercise in exercises:
        carriers, closures_kind, background = _natural_carriers(trace, exercise, scored_from, lead)
        kind, amounts = _induced_kind(exercise)
        for side in sides:
            induced = [Movement(kind, side, max(a, scored_from) + lead, b + lead, amounts[i % len(amounts)])
                       for i, (a, b) in enumerate(carriers)]
            short = EXERCISE_SHORT[exercise]
            control = f"{stem}-{short}-{side}-{'untouched' if exercise == 'lip-pucker' else 'control'}"
            if induced:
                cases.append(Case(f"{stem}-{short}-{side}", trace.name, exercise, side, False, window, lead,
                                  tuple(background + induced), closures_kind, fps=trace.fps, twin=control))
            if controls and (exercise == "gentle-smile" or carriers):
                cases.append(Case(control, trace.name, exercise, side, True, window, lead,
                                  tuple(background), closures_kind, fps=trace.fps))
            if controls and background:
                # The untouched clip too: its own blinks, smiles and speech, nothing warped at all.
                cases.append(Case(f"{stem}-{short}-{side}-untouched", trace.name, exercise, side, True, window,
                                  lead, (), "", fps=trace.fps))
    return cases


# Brief induced movements (issue 8: natural-speed cases are induced movements of 0.3-0.9 s, as in ordinary
# smiles).  The natural cases above last as long as their carrier (up to 3 s), so these replay the same
# frames with a brief one instead, at the carrier's peak: lengths cycle through BRIEF_SECONDS, with
# BRIEF_RAMP_SECONDS ramps (a quick contraction; even the shortest holds its full amount for 0.1 s).
BRIEF_SECONDS = (0.4, 0.6, 0.8)
BRIEF_RAMP_SECONDS = 0.15


def _brief_start(trace: ClipTrace, carrier: Interval, seconds: float, level: np.ndarray, open_eyes: np.ndarray) -> float:
    """Where a brief narrowing of ``seconds`` goes in a smile: centred on the smile's strongest frame among
    those whose window has both eyes open throughout (``open_eyes``: a narrowing during a blink is a blink,
    and these clips blink inside their smiles), else on the strongest frame."""
    a, b = carrier
    smile = np.nan_to_num(level, nan=-1.0)
    best, best_level = None, -np.inf
    # The frames whose window of ``seconds`` around them fits inside the carrier.
    fitting = (trace.times >= a + seconds / 2 - 1e-9) & (trace.times + seconds / 2 <= b + 1e-9)
    for i in np.nonzero(fitting)[0]:
        if smile[i] <= best_level:
            continue
        start = trace.times[i] - seconds / 2
        if open_eyes[(trace.times >= start) & (trace.times <= start + seconds)].all():
            best, best_level = float(start), smile[i]
    if best is None:
        best = _peak(trace, carrier, level) - seconds / 2
    return min(max(best, a), b - seconds)


def brief_cases(trace: ClipTrace, *, exercises: Sequence[str] = ("gentle-smile", "gentle-eye-closure"),
                sides: Sequence[Side] = SIDES) -> list[Case]:
    """For each exercise and side with natural-speed carriers, a case inducing a brief movement at each
    carrier's peak (the smile's strongest frame with the eyes open; a closure's middle), graded against the
    natural case's control twin, which replays the same frames."""
    window = calibration_window(trace)
    lead = _lead_in(window, trace.fps)
    scored_from = CALIBRATION_SECONDS if window is None else 0.0
    stem = clip_stem(trace.name)
    smile_level = np.nanmin(trace.smile, axis=1) if trace.smile.size else np.zeros(len(trace.times))
    open_eyes = eyes_open(trace)
    cases: list[Case] = []
    for exercise in exercises:
        carriers, closures_kind, background = _natural_carriers(trace, exercise, scored_from, lead)
        kind, amounts = _induced_kind(exercise)
        short = EXERCISE_SHORT[exercise]
        for k, side in enumerate(sides):
            induced: list[Movement] = []
            for i, (a, b) in enumerate(carriers):
                a = max(a, scored_from)
                seconds = min(BRIEF_SECONDS[(i + k) % len(BRIEF_SECONDS)], b - a)
                if seconds < 2 * BRIEF_RAMP_SECONDS:
                    continue
                start = _brief_start(trace, (a, b), seconds, smile_level, open_eyes) if exercise == "gentle-smile" \
                    else (a + b - seconds) / 2
                induced.append(Movement(kind, side, round(float(start + lead), 4), round(float(start + seconds + lead), 4),
                                        amounts[(i + k) % len(amounts)], BRIEF_RAMP_SECONDS))
            if induced:
                cases.append(Case(f"{stem}-{short}-{side}-brief", trace.name, exercise, side, False, window, lead,
                                  tuple(background + induced), closures_kind, fps=trace.fps,
                                  twin=f"{stem}-{short}-{side}-control"))
    return cases


def clip_stem(name: str) -> str:
    return Path(name).stem.split("__")[-1]


def untouched_cases(trace: ClipTrace, exercises: Sequence[str] = ("lip-pucker",)) -> list[Case]:
    """The untouched clip as a control of exercises that have no natural-speed cases of their own
    (the frames are those of every other untouched replay of the clip, so the tracker runs once)."""
    window = calibration_window(trace)
    lead = _lead_in(window, trace.fps)
    return [Case(f"{clip_stem(trace.name)}-{EXERCISE_SHORT[exercise]}-{side}-untouched", trace.name, exercise, side,
                 True, window, lead, (), "", fps=trace.fps)
            for exercise in exercises for side in SIDES]


# -- held cases ---------------------------------------------------------------------------------------------
def ping_pong(first: int, last: int, count: int) -> list[int]:
    """``count`` frame indices going first..last..first..last (the turning frames are not repeated)."""
    if last <= first:
        return [first] * count
    cycle = list(range(first, last + 1)) + list(range(last - 1, first, -1))
    return [cycle[i % len(cycle)] for i in range(count)]


@dataclass(frozen=True)
class HeldTimeline:
    """A held replay's frames and where its parts fall, in replay time."""

    frames: tuple[int, ...]
    hold_start: float
    hold_end: float


def held_timeline(rest: Interval, fps: float, frame_count: int, carrier: Interval, peak: float,
                  hold_seconds: float) -> HeldTimeline:
    """Rest (the calibration, looped from ``rest``), the carrier's natural onset, a ping-pong hold of
    ``hold_seconds`` around ``peak`` (inside the carrier), then the natural release.  Times in clip seconds."""
    def index(t: float) -> int:
        return int(min(max(round(t * fps), 0), frame_count - 1))

    rest_first, rest_last = index(rest[0]), max(index(rest[1]) - 1, index(rest[0]))
    lead_count = int(np.ceil((CALIBRATION_SECONDS + REST_AFTER_CALIBRATION) * fps))
    lead = ping_pong(rest_first, rest_last, lead_count) if rest_last - rest_first < 3 else \
        [rest_first + i % (rest_last - rest_first + 1) for i in range(lead_count)]
    start, end = index(carrier[0]), max(index(carrier[1]) - 1, index(carrier[0]))
    peak_i = min(max(index(peak), start), end)
    window = int(round(HOLD_WINDOW * fps))
    w0, w1 = max(start, peak_i - window), min(end, peak_i + window)
    onset = list(range(index(carrier[0] - ONSET_LEAD), w0))
    hold = ping_pong(w0, w1, int(round(hold_seconds * fps)))
    # The release goes on from where the hold stopped, forwards to the end of the movement and beyond.
    release = list(range(hold[-1] + 1, index(carrier[1] + RELEASE_TAIL) + 1))
    frames = tuple(lead + onset + hold + release)
    hold_start = (len(lead) + len(onset)) / fps
    return HeldTimeline(frames, hold_start, hold_start + len(hold) / fps)


def _resting_window(trace: ClipTrace) -> Interval:
    window = calibration_window(trace)
    if window is not None:
        return window
    return (0.0, min(CALIBRATION_SECONDS, trace.duration))


def _peak(trace: ClipTrace, carrier: Interval, level: np.ndarray) -> float:
    inside = (trace.times >= carrier[0]) & (trace.times < carrier[1])
    if not inside.any():
        return (carrier[0] + carrier[1]) / 2
    values = np.where(inside, np.nan_to_num(level, nan=-1.0), -np.inf)
    return float(trace.times[int(np.argmax(values))])


def held_cases(trace: ClipTrace, *, exercises: Sequence[str] = ("gentle-smile", "lip-pucker", "gentle-eye-closure"),
               per_clip: int = HELD_PER_CLIP, sides: Sequence[Side] = SIDES, first_side: int = 0) -> list[Case]:
    """Held cases of one clip: up to ``per_clip`` carriers per exercise, each stretched to a hold, with an
    induced movement on each of ``sides`` (one case per side; the amounts cycle, offset by
    ``first_side``), and their control twin (the same frames, nothing induced), scored for each side.

    Carriers: smiles with open eyes (gentle-smile), puckers (lip-pucker), the subject's deliberate closures
    with a resting mouth, else a closure warped onto a quiet stretch (gentle-eye-closure)."""
    rest = _resting_window(trace)
    stem = clip_stem(trace.name)
    n = len(trace.times)
    cases: list[Case] = []
    count = 0
    for exercise in exercises:
        short = EXERCISE_SHORT[exercise]
        synthetic = False
        if exercise == "gentle-smile":
            carriers = smiles_with_open_eyes(trace)
            level = np.nanmin(trace.smile, axis=1) if trace.smile.size else np.zeros(n)
        elif exercise == "lip-pucker":
            carriers = pucker_intervals(trace)
            level = trace.pucker_level()
        else:
            carriers = closures_with_resting_mouth(trace)
            level = np.nanmin(trace.blink, axis=1) if trace.blink.size else np.zeros(n)
            if not carriers:
                quiet = quiet_stretches(trace, after=0.0)
                carriers = [(a, b) for a, b in quiet if b - a >= 1.0][:1]
                synthetic = bool(carriers)
        # The longest carriers first: they hold the steadiest stretch around their peak.
        carriers = sorted(carriers, key=lambda iv: iv[0] - iv[1])[:per_clip]
        for i, carrier in enumerate(sorted(carriers)):
            hold_seconds = HOLD_SECONDS[count % len(HOLD_SECONDS)]
            count += 1
            background: list[Movement] = []
            if synthetic:
                # A quiet face, its middle played back and forth, with both eyes warped shut for the hold.
                mid = (carrier[0] + carrier[1]) / 2
                sub = (max(carrier[0], mid - 0.5), min(carrier[1], mid + 0.5))
                timeline = held_timeline(rest, trace.fps, n, sub, mid, hold_seconds + 2 * HELD_CLOSURE_RAMP)
                timeline = HeldTimeline(timeline.frames, timeline.hold_start + HELD_CLOSURE_RAMP,
                                        timeline.hold_end - HELD_CLOSURE_RAMP)
                background.append(Movement("close_eyes", None, round(timeline.hold_start - HELD_CLOSURE_RAMP, 4),
                                           round(timeline.hold_end + HELD_CLOSURE_RAMP, 4),
                                           SYNTHETIC_CLOSURE_AMOUNT, HELD_CLOSURE_RAMP))
            else:
                timeline = held_timeline(rest, trace.fps, n, carrier, _peak(trace, carrier, level), hold_seconds)
            start = round(timeline.hold_start + HELD_INDUCE_DELAY, 4)
            end = round(timeline.hold_end, 4)
            name = f"{stem}-held-{short}{i + 1}"
            common = dict(calibration=rest, lead_in=0.0, closures="synthetic" if synthetic else "",
                          kind="held", timeline=timeline.frames, fps=trace.fps)
            for k, side in enumerate(sides):
                # The two sides get different amounts, so both grades are populated on both sides.
                step = count + k + first_side
                if exercise == "gentle-eye-closure":
                    induced = Movement("pull_mouth", side, start, end,
                                       HELD_MOUTH_PULLS_IOD[step % len(HELD_MOUTH_PULLS_IOD)], HELD_RAMP_SECONDS)
                else:
                    induced = Movement("narrow_eye", side, start, end,
                                       HELD_EYE_REDUCTIONS[step % len(HELD_EYE_REDUCTIONS)], HELD_RAMP_SECONDS)
                cases.append(Case(f"{name}-{side}", trace.name, exercise, side, False,
                                  movements=tuple(background + [induced]), twin=f"{name}-control-{side}", **common))
            for control_side in SIDES:
                cases.append(Case(f"{name}-control-{control_side}", trace.name, exercise, control_side, True,
                                  movements=tuple(background), **common))
    return cases


# -- replaying a case -------------------------------------------------------------------------------
def with_mouth_pull(cases: Sequence[Case], direction: str) -> list[Case]:
    """The same cases with every induced mouth pull going in ``direction`` (a key of
    warps.MOUTH_PULL_DIRECTIONS): the same closures, sides, times and amounts, other replays."""
    kind = next(k for k, d in PULL_KINDS.items() if d == direction)
    return [replace(case, movements=tuple(replace(m, kind=kind) if m.kind in PULL_KINDS else m for m in case.movements))
            for case in cases]


def replay_frames(case: Case, frame_count: int, fps: float) -> list[int]:
    """The clip frame index of every replay frame."""
    if case.timeline is not None:
        return list(case.timeline)
    lead_frames = int(round(case.lead_in * fps))
    lead: list[int] = []
    if lead_frames and case.calibration is not None:
        a, b = case.calibration
        first, last = int(round(a * fps)), max(int(round(b * fps)), int(round(a * fps)) + 1)
        lead = [first + i % (last - first) for i in range(lead_frames)]
    return lead + list(range(frame_count))


class WarpedSource(FrameSource):
    """A clip replayed with a case's warps applied on the fly (the FrameSource interface of sources.py).

    The replay shows the clip frames ``replay_frames`` lists (a looped calibration lead-in then the whole
    clip; or a held case's timeline) at the clip's frame rate.  Warps use the first-pass landmarks of the
    same clip frame, so the warp follows the face; frames of the looped lead-in are never warped.
    """

    def __init__(self, path: Path, case: Case, trace: ClipTrace):
        self.path = Path(path)
        self.case = case
        self.trace = trace
        self.fps = trace.fps
        self.name = case.name
        self._order = replay_frames(case, len(trace.times), trace.fps)
        self.frame_count = len(self._order)
        self._lead_frames = int(round(case.lead_in * self.fps)) if case.timeline is None else 0
        self._open: list[FrameSource] = []

    def _decoded(self) -> Iterator[tuple[int, np.ndarray]]:
        """The clip frames in replay order, decoding the clip once, forwards: a frame the replay shows
        again later is kept until its last showing."""
        last_use: dict[int, int] = {}
        for position, index in enumerate(self._order):
            last_use[index] = position
        kept: dict[int, np.ndarray] = {}
        source = open_source(self.path)
        self._open.append(source)
        frames = iter(source)
        next_index = 0
        try:
            for position, index in enumerate(self._order):
                if index not in kept:
                    if index < next_index:  # shown before and not kept: cannot happen, but decode again
                        source.close()
                        source = open_source(self.path)
                        self._open.append(source)
                        frames, next_index = iter(source), 0
                    while next_index <= index:
                        frame = next(frames, None)
                        if frame is None:
                            return  # the clip is shorter than the timeline says
                        if last_use.get(next_index, -1) >= position:
                            kept[next_index] = frame.image
                        next_index += 1
                image = kept[index]
                if last_use[index] == position:
                    del kept[index]
                yield index, image
        finally:
            for opened in list(self._open):
                opened.close()
            self._open.clear()

    def __iter__(self) -> Iterator[Frame]:
        for index, (clip_index, image) in enumerate(self._decoded()):
            t = index / self.fps
            if index >= self._lead_frames:
                image = self.warp(image, clip_index, t)
            yield Frame(index=index, timestamp=t, image=image)

    def warp(self, image: np.ndarray, clip_index: int, t: float) -> np.ndarray:
        if clip_index >= len(self.trace.landmarks) or not self.trace.face[clip_index]:
            return image  # no landmarks to place the warp: the frame passes untouched
        landmarks = self.trace.landmarks[clip_index]
        for movement in self.case.movements:
            level = movement.level(t)
            if level <= 1e-3:
                continue
            if movement.kind == "close_eyes":
                image = close_eyes(image, landmarks, level)
            elif movement.kind == "narrow_eye":
                image = narrow_eye(image, landmarks, movement.side, level)
            elif movement.kind in PULL_KINDS:
                image = pull_mouth_corner(image, landmarks, movement.side, level, PULL_KINDS[movement.kind])
        return image

    def close(self) -> None:
        for source in list(self._open):
            source.close()
        self._open.clear()


# -- replaying what the tracker saw ----------------------------------------------------------------------
# The face tracker is the slow part and tuning the engine does not change what it sees, so the face frames
# of each replay are kept (privately, in the temp folder) and fed straight back on the next run.
def replay_key(case: Case, media: Path) -> str:
    """Everything that decides what the tracker sees in a case's replay (not which side is affected or
    which exercise is analysed when the frames are the same, as for the controls of a clip)."""
    return _fingerprint(
        clip_identity(media / case.clip),
        repr((case.calibration, round(case.lead_in, 6), case.movements, case.timeline)),
        _MEASURE_CODE,
        _REPLAY_CODE,
    )


@dataclass
class Replay:
    """What the tracker returned for every frame of a replay: the face frames (without their landmarks,
    which the engine does not use) and, apart, the KEPT_LANDMARKS of each frame (NaN without a face),
    for comparing eye signals offline."""

    frames: list
    landmarks: np.ndarray  # (N, len(KEPT_LANDMARKS), 3) float32, normalised image coordinates
    image_size: tuple[int, int]  # (width, height): the landmarks' x and y scale differently


def load_replay(key: str) -> Replay | None:
    path = cache_folder() / f"replay-{key}.pickle"
    if not path.is_file():
        return None
    import pickle

    try:
        with open(path, "rb") as handle:
            replay = pickle.load(handle)  # our own private file, written by save_replay
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return replay if isinstance(replay, Replay) else None


def save_replay(key: str, replay: Replay) -> None:
    import pickle

    write_private_atomic(cache_folder() / f"replay-{key}.pickle",
                         pickle.dumps(replay, protocol=pickle.HIGHEST_PROTOCOL))


def _replay_code() -> str:
    try:
        return _fingerprint(Path(_warps_module.__file__).read_bytes(),
                            *(inspect.getsource(obj) for obj in (WarpedSource, Movement, envelope, replay_frames)))
    except (OSError, TypeError):
        # A frozen desktop bundle carries compiled modules only: label the cache by the app's version.
        from rehabcoach import __version__

        return _fingerprint(f"rehabcoach replay {__version__}")


_REPLAY_CODE = _replay_code()


class RecordingPipeline:
    """Wraps a face pipeline and keeps every FaceFrame it returns, so the replay can be fed back later:
    the landmarks the engine does not need are dropped, the eye's and iris's are kept apart (Replay)."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.frames: list = []
        self._landmarks: list[np.ndarray] = []
        self._size: tuple[int, int] = (0, 0)

    def process(self, frame: Frame):
        import dataclasses

        face_frame = self.pipeline.process(frame)
        self.frames.append(dataclasses.replace(face_frame, landmarks=None))
        kept = np.full((len(KEPT_LANDMARKS), 3), np.nan, dtype=np.float32)
        if face_frame.face and face_frame.landmarks is not None and len(face_frame.landmarks) >= 478:
            kept = np.asarray(face_frame.landmarks, dtype=np.float32)[list(KEPT_LANDMARKS)]
        self._landmarks.append(kept)
        if face_frame.image_size != (0, 0):
            self._size = face_frame.image_size
        elif frame.image is not None and frame.image.ndim >= 2:
            self._size = (int(frame.image.shape[1]), int(frame.image.shape[0]))
        return face_frame

    def replay(self) -> Replay:
        landmarks = np.array(self._landmarks, dtype=np.float32).reshape(-1, len(KEPT_LANDMARKS), 3)
        return Replay(self.frames, landmarks, self._size)


class ReplayedSource(FrameSource):
    """The frames of a recorded replay, without images: ReplayedPipeline answers for them."""

    def __init__(self, name: str, fps: float, frames: list):
        self.name, self.fps, self._frames = name, fps, frames
        self.frame_count = len(frames)

    def __iter__(self) -> Iterator[Frame]:
        blank = np.zeros((1, 1, 3), dtype=np.uint8)
        for face_frame in self._frames:
            yield Frame(index=face_frame.index, timestamp=face_frame.timestamp, image=blank)


class ReplayedPipeline:
    def __init__(self, frames: list):
        self._frames = frames

    def process(self, frame: Frame):
        return self._frames[frame.index]
