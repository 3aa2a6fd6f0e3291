"""Practice: "start routine R for patient P", in one place, Qt-free.

The window, ``rehabcoach session`` and the window benchmark (``python -m lab bench-window``) all start a
session through :class:`PracticeService`, so they cannot disagree about what a patient practises or how
it is kept:

- who is practising: a profile in the records (read again before each session, so a threshold saved
  from the therapist panel or a level step applies at once) and its active prescription, or nobody;
- the session plan: a routine, or one exercise from the library, as this patient does it (prescription
  overrides, their thresholds and levels; a routine only the prescription bundles is added to the
  library first), or as the library has it when nobody is chosen;
- the recorder that stores the session rep by rep, and the engine listener that feeds it.  The window's
  runs on its own thread (``records.recorder.BackgroundRecorder``) so a slow or unreachable database
  never freezes the picture; a command's runs on the session's thread;
- what to say about storage: a problem, and the moment it is over; quiet while all is well.

Without records (no database asked for, or one that cannot be opened: ``records_problem`` says why)
practice works the same, unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rehabcoach.coaching.events import Listener
from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records
from rehabcoach.records.models import PrescriptionRecord, Profile
from rehabcoach.records.prescription_store import active_prescription, add_bundle, exercise_plan, session_plan
from rehabcoach.records.recorder import BackgroundRecorder, SessionRecorder, StorageStatus
from rehabcoach.records.store import Store
from rehabcoach.routines.loader import Library
from rehabcoach.routines.resolve import ResolvedExercise, resolve_exercise, resolve_routine
from rehabcoach.vision.catalogue import Side

EXERCISE_PREFIX = "exercise:"  # a single exercise started from the library is recorded as "exercise:ID"


@dataclass(frozen=True)
class SessionPlan:
    """What one session practises: the exercises as this patient does them, in order, and the id the
    records keep the session under (the routine's, or ``exercise:ID`` for one exercise)."""

    routine_id: str
    exercises: tuple[ResolvedExercise, ...]

    @classmethod
    def single(cls, exercise: ResolvedExercise) -> SessionPlan:
        return cls(f"{EXERCISE_PREFIX}{exercise.id}", (exercise,))


@dataclass(frozen=True)
class StorageNews:
    """A storage status worth saying: a problem, or the moment one is over."""

    message: str
    ok: bool
    # The same problem as the one said before (the same writes waiting): a status bar shows it again,
    # in case something else was written over it; a log need not repeat itself.
    repeated: bool


class Recorder(Protocol):
    """What the practice service records with: a SessionRecorder, or one on its own thread."""

    @property
    def status(self) -> StorageStatus: ...

    @property
    def end_reason(self) -> str | None: ...

    def handle(self, event: object) -> None: ...

    def mark(self, at_s: float, note: str) -> object: ...


class PracticeService:
    def __init__(self, library: Library, store: Store | None = None, *, records_problem: str | None = None,
                 record_in_background: bool = True):
        """``store``: the records (None: nothing is recorded; ``records_problem`` says why, when there
        should have been records).  ``record_in_background``: the recorder gets its own thread (the
        window); False records on the thread that runs the engine (a command)."""
        self.library = library
        self.store = store
        self.records_problem = records_problem
        self.record_in_background = record_in_background
        self.profile: Profile | None = None
        self.prescription: PrescriptionRecord | None = None
        self.supervised = False  # sessions started now are recorded as supervised (the therapist panel is open)
        self.recorder: Recorder | None = None  # the last session's, until the next one starts or close()
        self._news_listeners: list[Callable[[StorageNews], None]] = []
        self._last_status: StorageStatus | None = None

    @classmethod
    def open(cls, library: Library, database: str | None = None, *, record_in_background: bool = True) -> PracticeService:
        """The service on the records at ``database`` (None: $REHABCOACH_DATABASE or the default file).
        Records that cannot be opened (damaged, newer, a server that is down) leave a service that
        practises unrecorded and says why, rather than no app."""
        try:
            store = open_records(database)
        except UserError as exc:
            return cls(library, records_problem=str(exc), record_in_background=record_in_background)
        return cls(library, store, record_in_background=record_in_background)

    @property
    def uses_records(self) -> bool:
        """Records were asked for: they are open, or ``records_problem`` says why they could not be."""
        return self.store is not None or self.records_problem is not None

    # -- who is practising ----------------------------------------------------------------------
    def choose_profile(self, name: str | None) -> Profile | None:
        """Practise as the profile called ``name`` with its active prescription, or as nobody (None)."""
        if name is None:
            self.profile = self.prescription = None
            return None
        store = self._records()
        self.profile = profiles.get_profile(store, name)
        self.prescription = active_prescription(store, self.profile)
        return self.profile

    def affected_side(self, default: Side | None = None) -> Side | None:
        """The patient's affected side: their profile's when one is active (even "not known"), else ``default``."""
        return self.profile.affected_side if self.profile is not None else default

    def set_affected_side(self, side: Side) -> bool:
        """Keep ``side`` in the active profile; False when nobody is chosen (the caller keeps it elsewhere)."""
        if self.profile is None:
            return False
        self.profile = profiles.update_profile(self._records(), self.profile.name, affected_side=side)
        return True

    def records_status(self) -> str:
        """One sentence on what happens to the sessions practised now."""
        if self.store is None:
            if self.records_problem is None:
                return "Practising without records: nothing is recorded."
            return f"Records are not available, so nothing is recorded: {self.records_problem}"
        if self.profile is None:
            return "Practising without a profile: nothing is recorded."
        return f"Practising as {self.profile.name}; sessions are recorded."

    # -- the session plan -----------------------------------------------------------------------
    def plan_routine(self, routine_id: str) -> SessionPlan:
        """The routine as the patient practising does it."""
        profile = self._fresh_profile()
        if profile is None:
            return SessionPlan(routine_id, tuple(resolve_routine(self.library, routine_id)))
        store = self._records()
        if self.prescription is not None and routine_id not in self.library.routines:
            add_bundle(self.library, store, self.prescription)  # a routine the therapist bundled
        return SessionPlan(routine_id, tuple(session_plan(self.library, routine_id, profile, self.prescription)))

    def plan_exercise(self, exercise_id: str) -> SessionPlan:
        """One exercise from the library, on its own, as the patient practising does it."""
        profile = self._fresh_profile()
        if profile is None:
            return SessionPlan.single(resolve_exercise(self.library.exercise(exercise_id)))
        return SessionPlan.single(exercise_plan(self.library, exercise_id, profile, self.prescription))

    def _fresh_profile(self) -> Profile | None:
        # Thresholds and levels may have changed since the profile was chosen (therapist panel, level step).
        if self.profile is not None:
            self.profile = profiles.get_profile(self._records(), self.profile.name)
        return self.profile

    # -- recording ------------------------------------------------------------------------------
    def record(self, plan: SessionPlan) -> list[Listener]:
        """The engine listeners that keep this session in the patient's records: none when nobody is
        chosen or there are no records.  The previous session's recorder finishes its writes first."""
        self.close()
        if self.profile is None or self.store is None:
            return []
        recorder = SessionRecorder(
            self.store, self.profile, plan.routine_id, exercises=plan.exercises, supervised=self.supervised,
            prescription_id=self.prescription.id if self.prescription else None, on_status=self._tell,
        )
        self.recorder = BackgroundRecorder(recorder) if self.record_in_background else recorder
        return [self.recorder.handle]

    def mark(self, at_s: float, note: str) -> bool:
        """A therapist's note at session time ``at_s``, kept with the session; False when nothing is recorded."""
        if self.recorder is None:
            return False
        self.recorder.mark(at_s, note)
        return True

    def close(self) -> StorageStatus | None:
        """Let the session's recorder write what it holds (an unfinished session ends as stopped) and
        let it go; returns its last status (None: nothing was being recorded)."""
        recorder, self.recorder = self.recorder, None
        if isinstance(recorder, BackgroundRecorder):
            return recorder.close()
        if isinstance(recorder, SessionRecorder):
            if recorder.started and not recorder.finished:
                recorder.finish("stopped")
            return recorder.status
        return None

    # -- what to say about storage ----------------------------------------------------------------
    def on_storage_news(self, listener: Callable[[StorageNews], None]) -> None:
        """Call ``listener`` with each status worth saying.  It runs on the recorder's thread."""
        self._news_listeners.append(listener)

    def _tell(self, status: StorageStatus) -> None:
        last, self._last_status = self._last_status, status
        recovered = status.ok and last is not None and not last.ok
        if status.ok and not recovered:
            return  # all is well: nothing to say
        repeated = last is not None and (last.ok, last.pending) == (status.ok, status.pending)
        news = StorageNews(status.message, status.ok, repeated)
        for listener in self._news_listeners:
            listener(news)

    def _records(self) -> Store:
        if self.store is None:
            raise UserError(f"the records are not available: {self.records_problem or 'no database was given'}")
        return self.store
