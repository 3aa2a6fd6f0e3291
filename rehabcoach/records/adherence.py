"""Adherence: sessions done against what the prescription asks, over a date range."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rehabcoach.records.models import PrescriptionRecord, SessionRecord, local_day


@dataclass(frozen=True)
class RoutineAdherence:
    routine_id: str
    times: int
    per: str  # "day" or "week"
    first_day: date
    last_day: date
    expected: float  # sessions asked for over the days the prescription was in force in the range
    completed: int
    unfinished: int  # stopped early, or interrupted (the app closed or crashed)

    @property
    def share(self) -> float | None:
        """Completed / expected (may exceed 1); None when nothing was expected."""
        return self.completed / self.expected if self.expected > 0 else None

    @property
    def frequency(self) -> str:
        return f"{self.times} × per {self.per}"


def adherence(prescription: PrescriptionRecord, sessions: Iterable[SessionRecord], first: date,
              last: date) -> list[RoutineAdherence]:
    """Per prescribed routine, for the days from ``first`` to ``last`` (both included) that the
    prescription covers.  Sessions are counted by the local day they started."""
    start = max(first, prescription.starts_on)
    end = min(last, prescription.ends_on) if prescription.ends_on else last
    days = max(0, (end - start).days + 1)
    sessions = [s for s in sessions if start <= local_day(s.started_at) <= end]
    result = []
    for item in prescription.document.get("routines", []):
        times, per = int(item["times"]), item["per"]
        expected = times * days if per == "day" else times * days / 7.0
        mine = [s for s in sessions if s.routine_id == item["routine"]]
        result.append(RoutineAdherence(
            routine_id=item["routine"], times=times, per=per, first_day=start, last_day=end,
            expected=round(expected, 2), completed=sum(1 for s in mine if s.status == "completed"),
            unfinished=sum(1 for s in mine if s.status != "completed"),
        ))
    return result
