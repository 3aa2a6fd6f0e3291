"""Histories of 1 to 90 sessions for the report tests, stored through the real write path.

Every session is a movement check (the five Sunnybrook movements, three reps each) or a daily practice
(gentle smile and snarl), with unwanted movements that shrink over time and the per-rep region peaks
(peak deviation and excess over the other side) that the engine records.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from records_support import CHECK_EXERCISES, event

from rehabcoach.coaching.types import RegionPeak, RepSummary
from rehabcoach.records import profiles, sessions

PRACTICE = [("gentle-smile", "mouth_corner_lift"), ("snarl", "nose_wrinkle")]


def peaks(progress: float, measure: str = "eye_aperture", region: str = "eye") -> tuple[RegionPeak, ...]:
    """The left (affected) side moves more than the right, and less as ``progress`` goes 0 -> 1: the eye
    opening by 40 % then 20 % of its resting value, a mouth corner by 4 % then 2 % of the eye distance
    (sizes in the unwanted direction, as the engine's guards record them)."""
    scale = 1.0 if measure == "eye_aperture" else 0.1
    left = (0.40 - 0.2 * progress) * scale
    right = 0.08 * scale
    return (RegionPeak(region, "left", measure, round(left, 4), round(left - right, 4)),
            RegionPeak(region, "right", measure, right, None if progress < 0.5 else 0.0))


def session_days(count: int, last: date, gap: int | None = None) -> list[date]:
    """``count`` session days ending on ``last``: daily for many, a few days apart for few."""
    gap = gap or (1 if count > 10 else 2 if count > 2 else 7)
    return [last - timedelta(days=gap * (count - 1 - i)) for i in range(count)]


def build_history(store, count: int, last: date, name: str = "Anna Berg", hour: int = 18, gap: int | None = None):
    """A profile with ``count`` sessions ending on ``last`` (``gap`` days apart; by default daily for
    many, a few days apart for few); every 7th one, the first included, is a movement check."""
    profile = profiles.add_profile(store, name, "left")
    days = session_days(count, last, gap)
    for index, day in enumerate(days):
        progress = index / max(1, count - 1)
        started = datetime(day.year, day.month, day.day, hour, 0).astimezone()
        uid = f"s-{index}"
        check = index % 7 == 0
        routine = "five-movement-check" if check else "daily-practice"
        sessions.begin_session(store, sessions.SessionStart(uid, profile.id, routine, started, "test"))
        plan = [(e, target, guarded, threshold) for e, target, guarded, threshold in CHECK_EXERCISES] if check \
            else [(e, target, "eye_aperture", 0.3) for e, target in PRACTICE]
        for number_in_session, (exercise, target, guarded, threshold) in enumerate(plan):
            for rep_number in (1, 2, 3):
                narrowing = -(threshold + 0.25 * (1 - progress) + 0.01)
                events = [event("eye", "left", "eye_aperture", 1.0, 1.5 + (1 - progress), narrowing, threshold)] \
                    if guarded == "eye_aperture" and rep_number != 2 else []
                region = "eye" if guarded == "eye_aperture" else "mouth"
                summary = RepSummary(exercise, rep_number, 10.0 * rep_number, 10.0 * rep_number + 8.0,
                                     {"left": 0.5 + 0.4 * progress, "right": 0.9}, events, {guarded: threshold},
                                     0.0, region_peaks=peaks(progress, guarded, region),
                                     # the last session's second reps: the head turned for part of them
                                     turned_away_s=1.25 if index == count - 1 and rep_number == 2 else 0.0)
                sessions.record_rep(store, uid, f"{uid}-{number_in_session}-{rep_number}", summary,
                                    started + timedelta(seconds=30 * rep_number), target)
        sessions.end_session(store, uid, started + timedelta(minutes=10), "completed")
    return profile, days
