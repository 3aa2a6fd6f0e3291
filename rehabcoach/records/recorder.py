"""Writes a session to the store as it happens: each completed rep in its own transaction.

A crash, ``kill -9`` or power cut therefore loses at most the rep in progress.  When storage fails
(database locked, disk full, server gone), the recorder keeps the writes in memory, in order, says so
in plain words (``status``), retries every ``retry_interval`` seconds and with every new write, and
flushes the queue when storage returns.  If storage is still down when the session ends, the queue is
written to a private "unsaved" file in the local data folder and replayed into the store by the next
session (or ``rehabcoach records flush``); only if that fails too is anything lost, and the status says so.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal, get_args

from rehabcoach import __version__
from rehabcoach.clock import Clock, SystemClock
from rehabcoach.coaching import events as engine_events
from rehabcoach.coaching.types import Baseline, MovementEvent, RegionPeak, RepSummary
from rehabcoach.errors import UserError
from rehabcoach.files import write_private_atomic
from rehabcoach.records import running, sessions
from rehabcoach.records.location import data_dir, ensure_private_dir
from rehabcoach.records.models import Profile, from_iso, to_iso, utc_now
from rehabcoach.records.store import Store
from rehabcoach.vision.types import HeadPose

UNSAVED_FOLDER = "unsaved"


@dataclass(frozen=True)
class StorageStatus:
    ok: bool
    saved_reps: int
    pending: int  # writes waiting in memory
    message: str  # plain words, for the patient and the therapist
    lost: int = 0  # repetitions that could be saved neither in the records nor locally: gone


# The writes a session is made of, in the order they come: one begin, at most one baseline, then reps and
# marks, one end.  Kept as they are in the unsaved files (write_unsaved), so the words never change.
WriteKind = Literal["begin", "baseline", "rep", "mark", "end"]
WRITE_KINDS: tuple[WriteKind, ...] = get_args(WriteKind)


@dataclass(frozen=True)
class _Write:
    kind: WriteKind
    data: dict


class SessionRecorder:
    def __init__(self, store: Store, profile: Profile, routine_id: str, *, supervised: bool = False,
                 prescription_id: int | None = None, wall_clock: Callable[[], datetime] = utc_now,
                 clock: Clock | None = None, retry_interval: float = 5.0,
                 on_status: Callable[[StorageStatus], None] | None = None, unsaved_dir: Path | None = None,
                 exercises: Sequence = ()):
        self.store = store
        self.profile = profile
        self.routine_id = routine_id
        self.session_uuid = str(uuid.uuid4())
        self.supervised = supervised
        self.prescription_id = prescription_id
        self._wall_clock = wall_clock
        self._clock = clock or SystemClock()
        self.retry_interval = retry_interval
        self._on_status = on_status
        self._unsaved_dir = unsaved_dir
        # exercise id -> the measure its target moves (kept with each rep for charts and the movement check)
        self._target_measures = {ex.id: ex.target.measure for ex in exercises if getattr(ex, "target", None)}
        self._queue: list[_Write] = []
        self._lock = threading.RLock()
        self._saved_reps = 0
        self._last_error: UserError | None = None
        self._last_attempt: float | None = None
        self._started = False
        self._finished = False
        self._face_seen = False  # a baseline or a rep: the coach saw the face at least once
        self.end_reason: str | None = None  # set by finish(): why the session stopped, if not by choice
        # Held while the session runs (records.running); next to the unsaved folder when one is given.
        self._running = running.RunningMark(
            unsaved_dir.parent / running.RUNNING_FOLDER if unsaved_dir else running.running_folder(),
            self.session_uuid)
        self.origin_s = 0.0  # engine-clock time of the session start; subtracted from stored times
        self.status = StorageStatus(True, 0, 0, "Not started.")

    # -- what the session engine calls --------------------------------------------------------
    def handle(self, event: object) -> None:
        """Listener for ``SessionEngine.subscribe``: records what matters, retries on every event."""
        if isinstance(event, engine_events.SessionStarted):
            if not self._started:
                self.origin_s = event.at  # stored times count from the start of the session
                self.start()
        elif isinstance(event, engine_events.CalibrationDone):
            self._face_seen = True
            self.baseline_measured(event.baseline)
        elif isinstance(event, engine_events.RepCompleted):
            self._face_seen = True
            self.rep_completed(event.summary)
        elif isinstance(event, engine_events.SessionFinished):
            movement = any(ex.reps_planned for ex in event.summary.exercises)
            if movement and not self._face_seen:
                # Not practice done under the coach's eye: never "completed", never counted as adherence.
                self.finish("stopped", reason="no_face")
            else:
                self.finish("completed" if event.summary.completed else "stopped")
        else:
            self.retry()

    def start(self, baseline: Baseline | None = None) -> StorageStatus:
        if self._started:
            raise RuntimeError("the session was already started")
        if self._finished:
            raise RuntimeError("the session is over")
        self._started = True
        replay_unsaved(self.store, self._unsaved_dir)  # an earlier session's writes go first
        try:  # sessions whose app was killed: closed as interrupted, not left "in progress" for ever
            running.close_interrupted(self.store, self._running.path.parent)
        except UserError:
            pass  # storage unreachable: the next start closes them
        self._running.acquire()
        start = sessions.SessionStart(
            uuid=self.session_uuid, profile_id=self.profile.id, routine_id=self.routine_id,
            started_at=self._wall_clock(), app_version=__version__, supervised=self.supervised,
            prescription_id=self.prescription_id, baseline=baseline,
        )
        return self._submit(_Write("begin", _start_data(start)))

    def baseline_measured(self, baseline: Baseline) -> StorageStatus:
        self._ensure_started()
        return self._submit(_Write("baseline", {"session": self.session_uuid, "baseline": asdict(baseline)}))

    def rep_completed(self, summary: RepSummary, target_measure: str | None = None) -> StorageStatus:
        self._ensure_started()
        target_measure = target_measure or self._target_measures.get(summary.exercise_id)
        summary = _shifted(summary, self.origin_s)
        return self._submit(_Write("rep", {
            "session": self.session_uuid, "uuid": str(uuid.uuid4()), "summary": asdict(summary),
            "recorded_at": to_iso(self._wall_clock()), "target_measure": target_measure,
        }))

    def mark(self, at_s: float, note: str) -> StorageStatus:
        """A therapist's note at ``at_s`` (the engine's clock, like the events' times)."""
        self._ensure_started()
        return self._submit(_Write("mark", {
            "session": self.session_uuid, "uuid": str(uuid.uuid4()), "at_s": at_s - self.origin_s, "note": note,
            "created_at": to_iso(self._wall_clock()),
        }))

    def finish(self, status: str = "completed", reason: str | None = None) -> StorageStatus:
        """End the session; anything still unsaved goes to the local unsaved folder.

        ``reason``: why a stopped session stopped when not by the patient's choice ('no_face').
        """
        if self._finished:
            return self.status
        self._ensure_started()
        self._finished = True
        self.end_reason = reason
        self._submit(_Write("end", {"session": self.session_uuid, "ended_at": to_iso(self._wall_clock()),
                                    "status": status, "reason": reason}))
        with self._lock:
            if self._queue:
                self._spool()
        self._running.release()
        return self.status

    def retry(self, force: bool = False) -> StorageStatus:
        """Try the queued writes again (call it from the engine's tick; it waits ``retry_interval``)."""
        with self._lock:
            if self._queue and (force or self._retry_due()):
                self._flush()
            return self.status

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def started(self) -> bool:
        return self._started

    @property
    def finished(self) -> bool:
        return self._finished

    # -- internals ----------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if not self._started:  # subscribed after the engine started: the session row still comes first
            self.start()

    def _retry_due(self) -> bool:
        return self._last_attempt is None or self._clock.now() - self._last_attempt >= self.retry_interval

    def _submit(self, write: _Write) -> StorageStatus:
        with self._lock:
            self._queue.append(write)
            self._flush()
            return self.status

    def _flush(self) -> None:
        self._last_attempt = self._clock.now()
        error: UserError | None = None
        while self._queue:
            write = self._queue[0]
            try:
                saved_rep = apply_write(self.store, write)
            except UserError as exc:  # a StorageError, or the database cannot be used (newer schema...)
                error = exc
                break
            self._queue.pop(0)
            if saved_rep:
                self._saved_reps += 1
        self._last_error = error
        self._set_status()

    def _set_status(self, spooled_to: Path | None = None, spool_error: str | None = None) -> None:
        reps_waiting = sum(1 for w in self._queue if w.kind == "rep")
        if not self._queue:
            message = f"Saved: {self._saved_reps} repetition{'s' if self._saved_reps != 1 else ''}."
            self.status = StorageStatus(True, self._saved_reps, 0, message)
        elif spooled_to is not None:
            self.status = StorageStatus(False, self._saved_reps, len(self._queue),
                                        f"The records could not be reached ({self._last_error}). This session was "
                                        f"kept in {spooled_to} and will be saved next time.")
        elif spool_error is not None:
            self.status = StorageStatus(False, self._saved_reps, len(self._queue),
                                        f"This session could not be saved ({self._last_error}; {spool_error}). "
                                        f"{reps_waiting} repetition(s) will be lost when you close the app.",
                                        lost=reps_waiting)
        else:
            what = f"{reps_waiting} repetition{'s are' if reps_waiting != 1 else ' is'}" if reps_waiting else \
                "this session's details are"
            self.status = StorageStatus(False, self._saved_reps, len(self._queue),
                                        f"Saving is paused: {self._last_error} You can keep practising: {what} kept "
                                        "in memory and will be saved when the records are reachable again.")
        if self._on_status is not None:
            self._on_status(self.status)

    def _spool(self) -> None:
        folder = self._unsaved_dir or data_dir() / UNSAVED_FOLDER
        try:
            path = write_unsaved(folder, self.session_uuid, self._queue)
        except (OSError, UserError) as exc:
            self._set_status(spool_error=f"the local copy failed too: {getattr(exc, 'strerror', None) or exc}")
            return
        self._set_status(spooled_to=path)


def apply_write(store: Store, write: _Write) -> bool:
    """Perform one queued write; True when it stored a new rep."""
    data = write.data
    if write.kind == "begin":
        sessions.begin_session(store, _start_from(data))
    elif write.kind == "baseline":
        sessions.set_baseline(store, data["session"], _baseline_from(data["baseline"]))
    elif write.kind == "rep":
        return sessions.record_rep(store, data["session"], data["uuid"], _summary_from(data["summary"]),
                                   from_iso(data["recorded_at"]), data.get("target_measure"))
    elif write.kind == "mark":
        sessions.add_mark(store, data["session"], data["uuid"], data["at_s"], data["note"],
                          from_iso(data["created_at"]))
    elif write.kind == "end":
        sessions.end_session(store, data["session"], from_iso(data["ended_at"]), data["status"], data.get("reason"))
    else:
        raise ValueError(f"unknown write {write.kind!r}")
    return False


def write_unsaved(folder: Path, session_uuid: str, writes: list[_Write]) -> Path:
    ensure_private_dir(folder)
    text = json.dumps({"format": "rehabcoach-unsaved-1", "writes": [asdict(w) for w in writes]})
    return write_private_atomic(folder / f"{session_uuid}.json", text)


def replay_unsaved(store: Store, folder: Path | None = None) -> int:
    """Write sessions kept locally while storage was down; returns how many files were saved.

    Best effort: a file stays where it is when storage is still unavailable.
    """
    folder = folder or data_dir() / UNSAVED_FOLDER
    if not folder.is_dir():
        return 0
    done = 0
    for path in sorted(folder.glob("*.json")):
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
            writes = [_Write(_write_kind(w["kind"]), w["data"]) for w in content["writes"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable: leave it for a person to look at rather than delete it
        try:
            for write in writes:
                apply_write(store, write)
        except UserError:
            return done
        path.unlink(missing_ok=True)
        done += 1
    return done


def _write_kind(text: object) -> WriteKind:
    for kind in WRITE_KINDS:
        if text == kind:
            return kind
    raise ValueError(f"unknown write {text!r}")  # a file from elsewhere: left for a person to look at


def _shifted(summary: RepSummary, origin: float) -> RepSummary:
    if not origin:
        return summary
    events = [replace(e, start_s=e.start_s - origin, end_s=e.end_s - origin) for e in summary.events]
    return replace(summary, started_s=summary.started_s - origin, ended_s=summary.ended_s - origin, events=events)


def _start_data(start: sessions.SessionStart) -> dict:
    data = asdict(start)
    data["started_at"] = to_iso(start.started_at)
    return data


def _start_from(data: dict) -> sessions.SessionStart:
    values = dict(data)
    values["started_at"] = from_iso(values["started_at"])
    values["baseline"] = _baseline_from(values["baseline"]) if values.get("baseline") else None
    return sessions.SessionStart(**values)


def _baseline_from(data: dict) -> Baseline:
    return Baseline(measures=data["measures"], noise=data["noise"], pose=HeadPose(**data["pose"]),
                    frames=data["frames"], blendshapes=data.get("blendshapes", {}))


def _summary_from(data: dict) -> RepSummary:
    values = dict(data)
    values["events"] = [MovementEvent(**e) for e in values.get("events", [])]
    values["region_peaks"] = tuple(RegionPeak(**p) for p in values.get("region_peaks", ()))
    return RepSummary(**values)


_STOP = object()


@dataclass(frozen=True)
class _Mark:
    at_s: float
    note: str


class BackgroundRecorder:
    """A SessionRecorder on its own thread: the window's listener only queues events, so a slow or
    unreachable database server never freezes the picture (a connection attempt can take seconds).

    Events are written in order.  While nothing arrives, queued writes are retried every
    ``poll_seconds`` (the recorder's own ``retry_interval`` still applies).  The thread ends after the
    session's ``SessionFinished`` or :meth:`close`.
    """

    def __init__(self, recorder: SessionRecorder, poll_seconds: float = 1.0):
        import queue

        self.recorder = recorder
        self.poll_seconds = poll_seconds
        self._events: "queue.Queue[object]" = queue.Queue()
        self._empty = queue.Empty
        self.error: BaseException | None = None  # a bug in writing (not a storage fault), kept for the caller
        self._thread = threading.Thread(target=self._run, name="rehabcoach-recorder", daemon=True)
        self._thread.start()

    def handle(self, event: object) -> None:
        self._events.put(event)

    def mark(self, at_s: float, note: str) -> None:
        """Queue a therapist's note at session time ``at_s``."""
        self._events.put(_Mark(at_s, note))

    @property
    def status(self) -> StorageStatus:
        return self.recorder.status

    @property
    def end_reason(self) -> str | None:
        return self.recorder.end_reason

    def close(self, timeout: float = 30.0) -> StorageStatus:
        """Write what is queued (an unfinished session ends as stopped), then stop the thread."""
        if self._thread.is_alive():
            self._events.put(_STOP)
            self._thread.join(timeout)
        return self.recorder.status

    def _run(self) -> None:
        while True:
            try:
                event = self._events.get(timeout=self.poll_seconds)
            except self._empty:
                self._guarded(self.recorder.retry)
                continue
            if event is _STOP:
                if self.recorder.started and not self.recorder.finished:
                    self._guarded(lambda: self.recorder.finish("stopped"))
                return
            if isinstance(event, _Mark):
                self._guarded(lambda: self.recorder.mark(event.at_s, event.note))
                continue
            self._guarded(lambda: self.recorder.handle(event))
            if isinstance(event, engine_events.SessionFinished):
                return

    def _guarded(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - keep recording the rest; the caller can show it
            self.error = exc
