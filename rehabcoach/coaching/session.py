"""The session engine: one clock-driven state machine that steps a patient through a routine.

It is the single source of truth: the window renders :attr:`SessionEngine.state` and forwards the
patient's commands; the voice and the records store listen to its events (``subscribe``).  It knows
nothing about Qt, cameras or threads: call it from one thread, give it the time through an injected
:class:`~rehabcoach.clock.Clock`, feed it face frames, and call :meth:`tick` regularly (a few times a
second is enough; every frame is fine).

Flow per exercise:
- massage and relaxation: each step runs by countdown (``seconds``) or a fixed time per rep;
- movement: calibration first if there is no baseline yet (it needs the camera), the instruction
  steps, then per rep ``get_ready -> move -> hold -> relax``, then ``done``.  Guards run during move
  and hold only (speech and blinks outside the movement are not synkinesis); a hold waits while the
  face is out of view (short losses are tolerated).

Pausing during a rep's move or hold abandons that rep: on resume it starts again with "Get ready",
because half a hold is not a rep.

Where the session is lives in one immutable :class:`~rehabcoach.coaching.position.Position`; the pure
functions of ``position.py`` say where it goes next, and the engine does what that takes (closes the books
of a rep or an exercise, sets up the monitors, emits the events, asks for the cues).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Literal, Protocol, Sequence

from rehabcoach.clock import Clock
from rehabcoach.coaching import cues, position
from rehabcoach.coaching.calibration import CalibrationStatus, Calibrator
from rehabcoach.coaching.events import (
    CalibrationDone,
    ExerciseCompleted,
    ExerciseStarted,
    Listener,
    MovementPhase,
    PhaseChanged,
    RepCompleted,
    Screen,
    ScreenChanged,
    SessionEvent,
    SessionFinished,
    SessionStarted,
    SpeakRequest,
    SpeechPriority,
    StepChanged,
    WarningEnded,
    WarningStarted,
)
from rehabcoach.coaching.guards import GuardMonitor
from rehabcoach.coaching.monitor import ARM_SETTLE_SECONDS, FACE_LOST_AFTER_SECONDS, FaceLoss, GuardFactory, MovementMonitor, TargetFactory
from rehabcoach.coaching.position import (
    REP_PHASES,
    Move,
    Position,
    ReturnPoint,
    StartReps,
    ToExercise,
    ToPhase,
    ToStep,
    counted_rep,
    is_movement,
    planned_reps,
    progress,
)
from rehabcoach.coaching.reminders import ReminderCooldown
from rehabcoach.coaching.summary import ExerciseStatus, ExerciseTally, SessionSummary
from rehabcoach.coaching.target import TargetMeter
from rehabcoach.coaching.types import ActiveWarning, Baseline, MovementEvent, RepSummary
from rehabcoach.vision.catalogue import Side
from rehabcoach.vision.types import FaceFrame

if TYPE_CHECKING:  # the loader imports nothing from here; keep the dependency one-way at runtime too
    from rehabcoach.routines.resolve import ResolvedExercise

log = logging.getLogger(__name__)

FACE_REMINDER_KEY = ("face", "-")
TURNED_REMINDER_KEY = ("face", "turned")
# While the guards are armed, a head turned past their pose limit for this long is told the way back: the guards
# do not judge such frames (guards.turned_from_calibration), so an unwanted movement would go unwarned.  Shorter
# turns end by themselves.  Measured on the evaluation's untouched controls, armed as `analyze` arms them (13.4
# minutes): 84 turned stretches, 52 shorter than 0.5 s (a head hovering at the limit for a few frames, d12), 20 of
# 0.5-1.0 s (WolfgangLanger laughing and talking), 12 longer (s20's tilted closures, 1.3-5.4 s; a 3.7 s turn).  At
# 0.5 s the 0.5-1.0 s turns would flash on the screen and start a sentence that is still being spoken when the head
# is back; from 1.0 s only the sustained turns are told (0.9 a minute of armed time there).
TURNED_NOTICE_AFTER_SECONDS = 1.0
SKIPPED_BY_THE_PATIENT = "skipped by the patient"
NO_CAMERA = "no camera"
PHASE_CUES: dict[MovementPhase, str] = {"get_ready": cues.GET_READY, "hold": cues.HOLD, "relax": cues.RELAX,
                                        "done": cues.EXERCISE_DONE}  # and "move": what the target asks for
SCREEN_MESSAGES: dict[Screen, str] = {"camera_missing": cues.CAMERA_MISSING, "summary": cues.NOT_A_DIAGNOSIS}


@dataclass(frozen=True)
class SessionSettings:
    affected_side: Side | None = None
    camera_available: bool = True
    get_ready_seconds: float = 2.0
    move_seconds: float = 1.5
    done_seconds: float = 3.0  # long enough to hear "Well done" before the next exercise's cue
    seconds_per_rep: float = 4.0  # massage/relaxation steps given as a number of reps
    face_lost_grace: float = FACE_LOST_AFTER_SECONDS  # shorter face losses are ignored (monitor.py)
    countdown_from: int = 3  # the hold is counted down aloud from this number
    reminder_global_seconds: float = 8.0
    reminder_per_region_seconds: float = 15.0
    calibration_reminder_seconds: float = 6.0
    # Calibration asks for a face big enough, centred and lit (coaching.calibration).  Off for a recording,
    # which cannot move closer or turn on a light: its face is taken where it is.
    placement_checks: bool = True


@dataclass(frozen=True)
class SessionState:
    """An immutable snapshot of everything the window shows."""

    screen: Screen
    started: bool
    finished: bool
    exercise: ResolvedExercise | None  # None once the session is over
    exercise_index: int  # 0-based
    exercise_total: int
    step_index: int | None  # 0-based; None during reps, calibration and summary
    step_count: int
    step_text: str  # the instruction shown large
    step_cue: str
    phase: MovementPhase | None  # movement exercises only
    phase_seconds: float | None  # full length of the current step/phase
    phase_seconds_remaining: float | None
    rep: int | None  # 1-based: movement rep, or massage rep of a step counted in reps
    reps: int | None
    paused: bool
    needs_face: bool  # calibration or a movement exercise: frames are worth processing
    camera_available: bool
    face_lost: bool
    face_lost_reason: str | None
    # The head has been turned too far from its calibrated pose, while the guards are armed, for the coach
    # to see an unwanted movement (TURNED_NOTICE_AFTER_SECONDS); the reason says what to do.
    face_turned: bool
    face_turned_reason: str | None
    calibration: CalibrationStatus | None
    baseline_ready: bool
    target_levels: dict[Side, float]  # fraction of the target reached now (0..1)
    target_best: dict[Side, float]  # best fraction this rep
    guard_levels: dict[Side, float]  # how close to a warning this frame (1 = threshold; {} when unarmed)
    guards_armed: bool  # an unwanted movement may be warned about now (the tone sounds only then)
    warnings: tuple[ActiveWarning, ...]
    progress: float  # 0..1 through the whole routine
    elapsed_s: float  # since start()
    message: str | None  # a sentence for the patient when the screen needs one (camera missing, summary)
    summary: SessionSummary | None


@dataclass
class _RepTracking:
    started_s: float = 0.0
    events: list[MovementEvent] = field(default_factory=list)
    face_missing_s: float = 0.0
    turned_away_s: float = 0.0


class Calibrating(Protocol):
    """What the engine needs of a calibrator (Calibrator, or a scripted one in tests)."""

    @property
    def baseline(self) -> Baseline | None: ...
    def feed(self, frame: FaceFrame) -> CalibrationStatus: ...


# Paused, and how to go on: where it was, or (paused in a rep's move or hold) with that rep again.
Pause = Literal["resume_here", "restart_rep"]


class SessionEngine:
    def __init__(
        self,
        exercises: Sequence[ResolvedExercise],
        clock: Clock,
        settings: SessionSettings | None = None,
        *,
        baseline: Baseline | None = None,
        calibrator_factory: Callable[[], Calibrating] | None = None,
        guard_factory: GuardFactory = GuardMonitor,
        target_factory: TargetFactory = TargetMeter,
    ):
        if not exercises:
            raise ValueError("a session needs at least one exercise")
        self.exercises = list(exercises)
        self.clock = clock
        self.settings = settings or SessionSettings()
        self._calibrator_factory = calibrator_factory or (
            lambda: Calibrator(placement=self.settings.placement_checks))
        self._guard_factory = guard_factory
        self._target_factory = target_factory
        self._listeners: list[Listener] = []
        self._pending: list[SessionEvent] = []
        self._dispatching = False
        self._interrupted_in_batch = False

        self.baseline = baseline
        self._camera = self.settings.camera_available
        self._movement_without_camera_declined = False  # "continue with massage/relaxation only"
        self._tallies = [ExerciseTally(ex.id, ex.title, ex.category, planned_reps(ex)) for ex in self.exercises]
        self._warning_reminders = ReminderCooldown(
            self.settings.reminder_global_seconds, self.settings.reminder_per_region_seconds
        )
        self._other_reminders = ReminderCooldown(self.settings.calibration_reminder_seconds, 0.0)

        self._started_at: float | None = None
        self._ended_at: float | None = None
        self._finished = False
        self._summary: SessionSummary | None = None
        self._last_now: float | None = None
        self._pause: Pause | None = None
        self._position = Position()  # where in the routine: replaced, never changed (position.py)

        # Face and monitors.
        self._calibrator: Calibrating | None = None
        self._calibration: CalibrationStatus | None = None
        self._monitor: MovementMonitor | None = None
        self._warnings: dict[tuple[str, Side], ActiveWarning] = {}
        self._target_levels: dict[Side, float] = {}
        self._guard_levels: dict[Side, float] = {}
        self._rep_tracking = _RepTracking()
        self._face_loss = FaceLoss(grace=self.settings.face_lost_grace)
        self._face_lost_announced = False
        self._turned_since: float | None = None  # while armed: when the head turned past the pose limit
        self._turned_words = cues.FACE_TURNED  # what to do about it, from the latest turned frame
        self._last_turned_at = 0.0
        self._turned_announced = False
        self._last_frame_ts: float | None = None

    # -- listeners --------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` for every event from now on; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, event: SessionEvent) -> None:
        self._pending.append(event)

    def _speak(self, text: str, priority: SpeechPriority, *, interrupt: bool | None = None) -> None:
        if interrupt is None:
            interrupt = priority in ("phase", "warning")
        # Only the first cue of one change interrupts: "Calibration done" followed at once by the
        # exercise's first cue must be heard, not cut off by it.
        if interrupt and self._interrupted_in_batch:
            interrupt = False
        self._interrupted_in_batch = self._interrupted_in_batch or interrupt
        self._emit(SpeakRequest(text=text, priority=priority, interrupt=interrupt))

    def _flush(self) -> None:
        # Listeners run after the state is consistent; a listener calling a command re-enters here and
        # its events are appended to the same queue, so the order of events is the order of changes.
        # A failing listener (a display bug) must not cost another (the records store) its events:
        # every listener gets every event, then the first failure is raised.
        if self._dispatching:
            return
        self._interrupted_in_batch = False
        self._dispatching = True
        failure: BaseException | None = None
        try:
            while self._pending:
                event = self._pending.pop(0)
                for listener in list(self._listeners):
                    try:
                        listener(event)
                    except Exception as exc:
                        log.exception("session listener %r failed on %s", listener, type(event).__name__)
                        failure = failure or exc
        finally:
            self._dispatching = False
        if failure is not None:
            raise failure

    # -- commands ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._started_at is not None:
            return
        now = self.clock.now()
        self._started_at = self._last_now = now
        self._emit(SessionStarted(at=now, exercise_ids=tuple(ex.id for ex in self.exercises)))
        self._enter_exercise(0)
        self._flush()

    def tick(self) -> None:
        """Advance timers to the clock's current time."""
        self._advance(self.clock.now())
        self._flush()

    def on_face_frame(self, frame: FaceFrame) -> None:
        now = self.clock.now()
        self._advance(now)
        if self._active:
            self._note_face(frame, now)
            if self._position.screen == "calibration" and self._calibrator is not None:
                self._feed_calibration(self._calibrator, frame, now)
            elif self._position.watched:
                self._feed_monitors(frame, now)
        self._flush()

    def pause(self) -> None:
        if not self._active:
            return
        in_a_rep = self._position.watched
        if in_a_rep:
            self._abandon_rep()
        self._pause = "restart_rep" if in_a_rep else "resume_here"
        self._speak(cues.PAUSED, "info", interrupt=True)
        self._flush()

    def resume(self) -> None:
        if self._pause is None or self._finished:
            return
        pause, self._pause = self._pause, None
        self._last_now = self.clock.now()  # the paused time never counts
        if pause == "restart_rep":
            self._enter_phase("get_ready", self._position.rep)
        else:
            self._speak(cues.RESUMED, "info", interrupt=True)
        self._flush()

    def skip(self) -> None:
        """Next step; after the last step (or during the reps, calibration, a missing camera) the next exercise."""
        self._navigate(position.skip)

    def previous(self) -> None:
        """Previous step; from the first step (or the reps) back to the start of the previous exercise."""
        self._navigate(position.previous)

    def repeat(self) -> None:
        """Start the current exercise again from its first step."""
        self._navigate(lambda _exercise, here: ToExercise(here.index))

    def skip_exercise(self, reason: str = SKIPPED_BY_THE_PATIENT) -> None:
        """Leave the current exercise whatever its step or phase; it counts as skipped (reps done are kept).

        ``reason`` says why in the summary: the patient's choice, unless the coach gave up (no face).
        """
        self._navigate(lambda _exercise, here: ToExercise(here.index + 1, leaving="skipped"), reason=reason)

    def _navigate(self, where: Callable[[ResolvedExercise, Position], Move], reason: str = SKIPPED_BY_THE_PATIENT) -> None:
        if not self._active_or_paused:
            return
        self._unpause_silently()
        self._go(where(self._exercise, self._position), reason=reason)
        self._flush()

    def set_guard_threshold(self, measure: str, threshold: float) -> None:
        """A therapist's adjustment during a supervised session: from now on, the current exercise's
        guards on ``measure`` warn at ``threshold`` (and its reps record that value)."""
        exercise = self._exercise
        guards = tuple(replace(g, threshold=threshold) if g.measure == measure else g for g in exercise.guards)
        self.exercises[min(self._position.index, len(self.exercises) - 1)] = replace(exercise, guards=guards)
        if self._monitor is not None:
            self._monitor.guards.retune(guards)  # from the next frame on

    def recalibrate(self) -> None:
        """Measure the resting face again, then carry on where we were (the current step or rep restarts)."""
        if not self._active_or_paused:
            return
        self._unpause_silently()
        self._abandon_rep()
        self._position = replace(self._position, return_to=self._position.here())
        if self._camera:
            self._enter_calibration()
        else:
            self._set_screen("camera_missing")
        self._flush()

    def stop(self) -> None:
        """End the session now; the summary marks it as stopped."""
        if self._started_at is None or self._finished:
            return
        self._abandon_rep()
        self._leave_exercise("stopped", None)
        self._finish(completed=False)
        self._flush()

    def camera_lost(self) -> None:
        self._camera = False
        here = self._position
        if self._active_or_paused and here.screen in ("calibration", "movement"):
            self._abandon_rep()
            # Calibration already knows where to go back to; elsewhere, back to this step or rep.
            return_to = here.return_to if here.screen == "calibration" else here.here()
            self._position = replace(here, return_to=return_to)
            self._set_screen("camera_missing")
            self._speak(cues.CAMERA_MISSING, "phase")
        self._flush()

    def camera_restored(self) -> None:
        """A camera works again (maybe another one): calibrate, then carry on."""
        self._camera = True
        self._movement_without_camera_declined = False
        if self._active_or_paused and self._position.screen == "camera_missing":
            self._unpause_silently()
            self.baseline = None  # a different camera or position: the old baseline no longer fits
            self._enter_calibration()
        self._flush()

    def continue_without_camera(self) -> None:
        """Skip every movement exercise from here on; massage and relaxation go on."""
        self._movement_without_camera_declined = True
        if self._active_or_paused and self._position.screen == "camera_missing":
            self._unpause_silently()
            self._leave_exercise("skipped", NO_CAMERA)
            self._enter_exercise(self._position.index + 1)
        self._flush()

    # -- state ------------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def summary(self) -> SessionSummary | None:
        return self._summary

    @property
    def state(self) -> SessionState:
        now = self.clock.now()
        here = self._position
        exercise = None if self._finished else self._exercise
        step_text = step_cue = ""
        rep = reps = None
        if exercise is not None:
            if here.step is not None:
                step = exercise.steps[here.step]
                step_text, step_cue = step.instruction, step.cue
            elif here.phase is not None:
                step_text = _phase_cue(exercise, here.phase)
            rep, reps = counted_rep(exercise, here)
        seconds = here.duration if here.screen in ("step", "movement") else None
        lost = self._face_loss.lost(now) and here.needs_face
        turned = self._face_turned(now) and not lost
        return SessionState(
            screen=here.screen,
            started=self._started_at is not None,
            finished=self._finished,
            exercise=exercise,
            exercise_index=min(here.index, len(self.exercises) - 1),
            exercise_total=len(self.exercises),
            step_index=here.step,
            step_count=len(exercise.steps) if exercise is not None else 0,
            step_text=step_text,
            step_cue=step_cue,
            phase=here.phase if here.screen == "movement" else None,
            phase_seconds=seconds,
            phase_seconds_remaining=max(0.0, seconds - here.elapsed) if seconds is not None else None,
            rep=rep,
            reps=reps,
            paused=self._pause is not None,
            needs_face=here.needs_face,
            camera_available=self._camera,
            face_lost=lost,
            face_lost_reason=cues.FACE_LOST if lost else None,
            face_turned=turned,
            face_turned_reason=self._turned_words if turned else None,
            calibration=self._calibration,
            baseline_ready=self.baseline is not None,
            target_levels=dict(self._target_levels),
            guard_levels=dict(self._guard_levels) if self._guards_armed else {},
            guards_armed=self._guards_armed,
            target_best=self._monitor.target_best if self._monitor is not None else {},
            warnings=tuple(self._warnings.values()),
            progress=1.0 if self._finished or exercise is None else progress(exercise, here, len(self.exercises)),
            elapsed_s=(now if self._ended_at is None else self._ended_at) - self._started_at
            if self._started_at is not None else 0.0,
            message=SCREEN_MESSAGES.get(here.screen),
            summary=self._summary,
        )

    # -- internals: time --------------------------------------------------------------------------
    @property
    def _active(self) -> bool:
        return self._started_at is not None and not self._finished and self._pause is None

    @property
    def _active_or_paused(self) -> bool:
        return self._started_at is not None and not self._finished

    @property
    def _exercise(self) -> ResolvedExercise:
        return self.exercises[min(self._position.index, len(self.exercises) - 1)]

    @property
    def _guards_armed(self) -> bool:
        """Guards are armed while the exercise asks for the movement: from shortly after the move cue to the
        end of the hold, however much or little the target moves (monitor.py)."""
        here = self._position
        if not here.watched or self._pause is not None or self._monitor is None:
            return False
        return here.phase == "hold" or here.elapsed >= ARM_SETTLE_SECONDS

    def _face_turned(self, now: float) -> bool:
        return (self._turned_since is not None and self._guards_armed
                and now - self._turned_since >= TURNED_NOTICE_AFTER_SECONDS - 1e-9)

    def _advance(self, now: float) -> None:
        if self._last_now is None or now <= self._last_now:
            return
        start, self._last_now = self._last_now, now
        # Several phases may end within one interval (a slow tick, a fast replay): walk through them.
        for _ in range(10_000):  # a bound against a zero-length phase; real phases last >= 1 s
            here = self._position
            if here.duration is None or here.screen not in ("step", "movement") or not self._active:
                return
            remaining = here.duration - here.elapsed
            counted = self._counted_time(start, now)
            if counted < remaining:
                self._count_face_missing(start, now)
                self._position, number = position.time_passed(self._exercise, here, counted, self.settings)
                if number is not None:
                    self._speak(str(number), "countdown")
                return
            # The phase ends inside this interval.  (If the face is lost the hold never gets here:
            # counted time stops growing, so the end is simply start + remaining.)
            end = start + remaining
            self._count_face_missing(start, end)
            self._position = replace(here, elapsed=here.duration)
            start = end
            self._go(position.time_up(self._exercise, self._position))

    def _counted_time(self, start: float, end: float) -> float:
        """Seconds of [start, end] that count towards the current phase: the hold waits for the face."""
        span = end - start
        missing_since = self._face_loss.missing_since
        here = self._position
        if here.phase == "hold" and here.screen == "movement" and missing_since is not None:
            lost_from = missing_since + self._face_loss.grace
            span -= max(0.0, end - max(start, lost_from))
        return span

    def _count_face_missing(self, start: float, end: float) -> None:
        missing_since = self._face_loss.missing_since
        if self._position.watched and missing_since is not None:
            self._rep_tracking.face_missing_s += max(0.0, end - max(start, missing_since))

    # -- internals: moving around the routine -----------------------------------------------------
    def _go(self, move: Move, *, reason: str = SKIPPED_BY_THE_PATIENT) -> None:
        """Do what comes next (position.py decides where): close the books, set up the monitors, enter."""
        if isinstance(move, ToStep):
            self._enter_step(move)
        elif isinstance(move, StartReps):
            self._prepare_monitors()
            self._enter_phase("get_ready", move.rep)
        elif isinstance(move, ToPhase):
            if move.rep_completed:
                self._complete_rep()
            if move.exercise_completed:
                self._leave_exercise("completed", None)
            self._enter_phase(move.phase, move.rep)
        else:
            self._abandon_rep()
            if move.leaving is not None:
                self._leave_exercise(move.leaving, reason if move.leaving == "skipped" else None)
            self._enter_exercise(move.index)

    def _set_screen(self, screen: Screen) -> None:
        if screen != self._position.screen:
            self._position = replace(self._position, screen=screen)
            self._emit(ScreenChanged(screen=screen, exercise_index=self._position.index))

    def _enter_exercise(self, index: int) -> None:
        self._clear_monitors()
        self._target_levels = {}
        if index >= len(self.exercises):
            self._finish(completed=True)
            return
        exercise = self.exercises[index]
        tally = self._tallies[index]
        tally.status, tally.skipped_reason = "in_progress", None  # a repeated exercise is in progress again
        self._face_loss.missing_since = None
        self._emit(ExerciseStarted(index=index, exercise_id=exercise.id, title=exercise.title,
                                   category=exercise.category, at=self.clock.now()))
        self._position = replace(self._position, index=index, rep=0)
        start = ReturnPoint(index, 0, "instruction", 1)
        entry = position.entry(exercise, camera=self._camera, calibrated=self.baseline is not None,
                               movement_declined=self._movement_without_camera_declined)
        if entry == "skip":
            self._leave_exercise("skipped", NO_CAMERA)
            self._enter_exercise(index + 1)
        elif entry == "wait_for_camera":
            self._position = replace(self._position, return_to=start, phase=None, step=None)
            self._set_screen("camera_missing")
            self._speak(cues.CAMERA_MISSING, "phase")
        elif entry == "calibrate":
            self._position = replace(self._position, return_to=start)
            self._enter_calibration()
        else:
            self._go_to(start)

    def _go_to(self, point: ReturnPoint) -> None:
        """Enter an exercise, or resume it after calibration or a camera change."""
        exercise = self.exercises[point.index]
        self._position = replace(self._position, return_to=None)
        self._set_screen("movement" if is_movement(exercise) else "step")
        self._go(position.resume_at(exercise, self._position, point))

    def _enter_step(self, move: ToStep) -> None:
        exercise = self._exercise
        step = exercise.steps[move.step]
        seconds = position.step_seconds(step, self.settings)
        self._position = position.at_step(exercise, self._position, move, self.settings)
        self._emit(StepChanged(exercise_id=exercise.id, step_index=move.step, instruction=step.instruction,
                               cue=step.cue, seconds=seconds))
        if self._position.screen == "movement":
            self._emit(PhaseChanged(exercise_id=exercise.id, phase="instruction", rep=None,
                                    seconds=seconds, cue=step.cue, at=self.clock.now()))
        self._speak(step.cue, "phase")

    def _enter_phase(self, phase: MovementPhase, rep: int) -> None:
        exercise = self._exercise
        seconds = position.phase_seconds(exercise, phase, self.settings)
        self._position = position.at_phase(exercise, self._position, phase, rep, self.settings)
        self._guard_levels = {}
        if phase == "move":
            self._rep_tracking = _RepTracking(started_s=self.clock.now())
            self._turned_since = None  # a turn is counted within one rep (move and hold), never across two
            if self._monitor is not None:
                self._monitor.begin_rep()
        elif phase == "hold" and self._monitor is not None:
            self._monitor.begin_hold()  # the rep's result is the best reached during the hold
        cue = _phase_cue(exercise, phase)
        self._emit(PhaseChanged(exercise_id=exercise.id, phase=phase, rep=rep if phase in REP_PHASES else None,
                                seconds=seconds, cue=cue, at=self.clock.now()))
        self._speak(cue, "phase")

    def _enter_calibration(self) -> None:
        self._position = replace(self._position, phase=None, step=None, duration=None)
        self._calibrator = self._calibrator_factory()
        self._calibration = None
        self._face_loss.missing_since = None
        self._set_screen("calibration")
        self._speak(cues.CALIBRATION_START, "phase")

    def _leave_exercise(self, status: ExerciseStatus, reason: str | None) -> None:
        """Close the current exercise's books (completed, skipped part-way, or stopped)."""
        index = self._position.index
        if index >= len(self.exercises):
            return
        tally = self._tallies[index]
        if tally.status != "in_progress":
            return
        if status == "skipped" and is_movement(self._exercise) and len(tally.reps) >= tally.reps_planned:
            status = "completed"
        tally.status = status
        tally.skipped_reason = reason
        self._emit(ExerciseCompleted(summary=tally.summary()))

    def _finish(self, *, completed: bool) -> None:
        now = self.clock.now()
        started = self._started_at if self._started_at is not None else now  # commands need a started session
        self._clear_monitors()
        self._finished, self._ended_at = True, now
        self._pause = None
        self._position = replace(self._position, phase=None, step=None, duration=None)
        self._summary = SessionSummary(
            started_s=started, ended_s=now, completed=completed,
            affected_side=self.settings.affected_side,
            exercises=tuple(t.summary() for t in self._tallies),
            note=cues.NOT_A_DIAGNOSIS,
        )
        self._set_screen("summary")
        self._speak(cues.SESSION_DONE if completed else cues.SESSION_STOPPED, "phase")
        self._emit(SessionFinished(summary=self._summary))

    def _unpause_silently(self) -> None:
        # A navigation command while paused also resumes; the new step's cue says where we are.
        self._pause = None
        self._last_now = self.clock.now()

    # -- internals: face, calibration, monitors ---------------------------------------------------
    def _note_face(self, frame: FaceFrame, now: float) -> None:
        self._face_loss.note(now, frame.face)
        if frame.face:
            self._face_lost_announced = False
            return
        if self._position.needs_face and self._face_loss.lost(now) and not self._face_lost_announced:
            self._face_lost_announced = True
            if self._other_reminders.allow(*FACE_REMINDER_KEY, now):
                self._speak(cues.FACE_LOST, "warning")

    def _feed_calibration(self, calibrator: Calibrating, frame: FaceFrame, now: float) -> None:
        previous = self._calibration
        status = calibrator.feed(frame)
        self._calibration = status
        baseline = calibrator.baseline if status.done else None
        if baseline is not None:
            self.baseline = baseline
            self._emit(CalibrationDone(baseline=baseline, at=now))
            self._speak(cues.CALIBRATION_DONE, "phase")
            here = self._position
            self._go_to(here.return_to or ReturnPoint(here.index, 0, "instruction", 1))
        elif status.problem is not None and status.problem != "no_face" and (
            previous is None or previous.problem != status.problem
        ):
            # "no_face" is already said by the face-lost reminder.
            if self._other_reminders.allow("calibration", status.problem, now):
                self._speak(status.message, "info")

    def _prepare_monitors(self) -> None:
        exercise = self._exercise
        if self.baseline is None:  # the reps begin only after calibration (_enter_exercise sees to it)
            raise RuntimeError("a movement exercise's reps need a baseline")
        self._monitor = MovementMonitor(exercise.guards, exercise.target, self.baseline, self.settings.affected_side,
                                        guard_factory=self._guard_factory, target_factory=self._target_factory)

    def _clear_monitors(self) -> None:
        self._monitor = None
        self._warnings.clear()

    def _feed_monitors(self, frame: FaceFrame, now: float) -> None:
        self._last_frame_ts = frame.timestamp
        if self._monitor is None:
            return
        reading = self._monitor.update(frame, armed=self._guards_armed)
        if reading.turned and frame.pose is not None:  # the way back to the pose the monitor judged the turn against
            self._turned_words = cues.face_turned(*frame.pose.largest_change(self._monitor.baseline.pose))
        self._note_turned(reading.armed and reading.turned, now)
        self._target_levels = reading.target_levels
        self._guard_levels = reading.guard_levels
        self._record_ended(self._monitor.pop_finished())
        current = {(w.region, w.side): w for w in reading.warnings}
        exercise, rep = self._exercise, self._position.rep
        for key, warning in current.items():
            if key not in self._warnings:
                self._emit(WarningStarted(exercise_id=exercise.id, rep=rep, warning=warning))
                if self._warning_reminders.allow(warning.region, warning.side, now):
                    self._speak(cues.warning_sentence(exercise.target, warning), "warning")
        self._warnings = current

    def _note_turned(self, turned: bool, now: float) -> None:
        """Count and tell the time the guards, armed, could not judge because the head was turned."""
        if not turned:
            self._turned_since = None
            self._turned_announced = False
            return
        if self._turned_since is None:
            self._turned_since = now
        else:  # the time between two turned frames of one stretch: a camera stall before it is not counted
            self._rep_tracking.turned_away_s += now - self._last_turned_at
        self._last_turned_at = now
        if self._face_turned(now) and not self._turned_announced:
            self._turned_announced = True
            if self._other_reminders.allow(*TURNED_REMINDER_KEY, now):
                self._speak(self._turned_words, "info")

    def _record_ended(self, events: list[MovementEvent]) -> None:
        for event in events:
            self._rep_tracking.events.append(event)
            self._tallies[self._position.index].events.append(event)
            self._emit(WarningEnded(exercise_id=self._exercise.id, rep=self._position.rep, event=event))

    def _close_warnings(self) -> None:
        if self._monitor is not None:
            end = self._last_frame_ts if self._last_frame_ts is not None else self.clock.now()
            self._record_ended(self._monitor.finish(end))
        self._warnings.clear()

    def _complete_rep(self) -> None:
        self._close_warnings()
        exercise = self._exercise
        summary = RepSummary(
            exercise_id=exercise.id,
            rep=self._position.rep,
            started_s=self._rep_tracking.started_s,
            ended_s=self.clock.now(),
            target_reached=self._monitor.target_best if self._monitor is not None else {},
            events=list(self._rep_tracking.events),
            thresholds={guard.measure: guard.threshold for guard in exercise.guards},
            face_missing_s=round(self._rep_tracking.face_missing_s, 3),
            turned_away_s=round(self._rep_tracking.turned_away_s, 3),
            region_peaks=self._monitor.region_peaks() if self._monitor is not None else (),
        )
        self._tallies[self._position.index].reps.append(summary)
        self._emit(RepCompleted(summary=summary))

    def _abandon_rep(self) -> None:
        """Leave a rep part-way: its warnings are closed and kept, the rep does not count."""
        if self._position.watched:
            self._close_warnings()
        self._warnings.clear()


def _phase_cue(exercise: ResolvedExercise, phase: MovementPhase) -> str:
    """What a movement phase says, aloud and large on the screen ("" for the instruction: its step says it)."""
    if phase == "move":
        return cues.move_cue(exercise.target)
    return PHASE_CUES.get(phase, "")
