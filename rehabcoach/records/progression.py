"""When to suggest the next progression level of a movement exercise (docs/routine-format.md).

A suggestion, never a change: the patient (or their therapist) decides, and a prescription can lock
the level.  The rule is this project's own choice, not a published one; it follows the consensus
idea that a movement is made harder only once it is controlled (few unwanted movements) and reached:

- at least ``SESSIONS_NEEDED`` sessions that practised the exercise since its level was set, each
  with at least ``MIN_REPS`` repetitions of it;
- over those sessions, at most ``MAX_WARNINGS_PER_REP`` unwanted movements per repetition (one in
  five) and, when the exercise has a target, at least ``MIN_TARGET_REACHED`` of it reached on average.

A repetition counts only when the coach could judge it: one done with the head turned too far from its
calibrated pose for a fifth of it or more (``coaching.summary.mostly_not_judged``) has few warnings because
no warning could start, not because the movement was controlled.

Sessions do not record the level they were done at, so the caller passes ``since``: when the current
level was set (sessions before it were done at another level and must not count).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rehabcoach.coaching.summary import mostly_not_judged
from rehabcoach.records.models import PrescriptionRecord, Profile, RepRecord, SessionRecord
from rehabcoach.records.store import Store
from rehabcoach.routines.loader import Library
from rehabcoach.routines.models import Exercise, side_words

SESSIONS_NEEDED = 3
MIN_REPS = 3
MAX_WARNINGS_PER_REP = 0.2
MIN_TARGET_REACHED = 0.8


@dataclass(frozen=True)
class LevelSuggestion:
    exercise_id: str
    current: int
    suggested: int
    name: str  # the suggested level's name
    about: str  # what is different at that level, for the patient
    sessions: int
    warnings_per_rep: float

    @property
    def message(self) -> str:
        return (f"Your last {self.sessions} sessions of this exercise at level {self.current} went well, with few "
                f"unwanted movements. You could try level {self.suggested}, \"{self.name}\": {self.about} "
                "Ask your therapist if you are not sure.")


def suggest_level(exercise: Exercise, sessions: Iterable[SessionRecord], current: int, *,
                  locked: bool = False, since: datetime | None = None) -> LevelSuggestion | None:
    """The next level to suggest for ``exercise``, practised at level ``current``; None to stay."""
    movement = exercise.movement
    levels = movement.levels if movement is not None else []
    if locked or movement is None or not levels or current >= len(levels):
        return None
    recent = []
    for session in sorted(sessions, key=lambda s: s.started_at):
        if since is not None and session.started_at < since:
            continue
        reps = [rep for rep in session.reps if rep.exercise_id == exercise.id and _judged(rep)]
        if len(reps) >= MIN_REPS:
            recent.append(reps)
    recent = recent[-SESSIONS_NEEDED:]
    if len(recent) < SESSIONS_NEEDED:
        return None
    reps = [rep for session_reps in recent for rep in session_reps]
    warnings_per_rep = sum(len(rep.events) for rep in reps) / len(reps)
    if warnings_per_rep > MAX_WARNINGS_PER_REP:
        return None
    if movement.target is not None:
        reached = [min(rep.target_reached.values()) for rep in reps if rep.target_reached]
        if not reached or statistics.fmean(reached) < MIN_TARGET_REACHED:
            return None
    following = levels[current]  # levels are numbered from 1: this is level current + 1
    return LevelSuggestion(exercise.id, current, current + 1, following.name, side_words(following.about, None),
                           len(recent), round(warnings_per_rep, 2))


def _judged(rep: RepRecord) -> bool:
    return not mostly_not_judged(rep.turned_away_s, rep.ended_s - rep.started_s)


def suggestions_for(store: Store, profile: Profile, library: Library, exercise_ids: Iterable[str],
                    prescription: PrescriptionRecord | None = None) -> list[LevelSuggestion]:
    """Level suggestions for this patient's exercises (e.g. those of the session just finished)."""
    from rehabcoach.records.prescription_store import exercise_plan, prescribed_override
    from rehabcoach.records.sessions import load_sessions

    history = None
    found = []
    for exercise_id in dict.fromkeys(exercise_ids):
        exercise = library.exercises.get(exercise_id)
        if exercise is None or exercise.movement is None or not exercise.movement.levels:
            continue
        override = prescribed_override(prescription, exercise_id)
        current = exercise_plan(library, exercise_id, profile, prescription).level or 1
        own = profile.levels.get(exercise_id)
        since = own[1] if own is not None and own[0] == current else \
            (prescription.imported_at if prescription is not None and override is not None and override.level == current
             else None)
        history = history if history is not None else load_sessions(store, profile.id)
        suggestion = suggest_level(exercise, history, current, since=since,
                                   locked=bool(override is not None and override.lock_level))
        if suggestion is not None:
            found.append(suggestion)
    return found
