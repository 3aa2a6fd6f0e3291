"""When to repeat a spoken warning: a cooldown so the voice helps without nagging.

The screen shows every warning at once; the voice only speaks when nothing was said about any
warning for ``global_seconds`` and nothing about this side's region for ``per_region_seconds``.
"""

from __future__ import annotations


class ReminderCooldown:
    def __init__(self, global_seconds: float = 8.0, per_region_seconds: float = 15.0):
        self.global_seconds = global_seconds
        self.per_region_seconds = per_region_seconds
        self._last_any: float | None = None
        self._last_by_key: dict[tuple[str, str], float] = {}

    def allow(self, region: str, side: str, now: float) -> bool:
        """True (and remember it) when a reminder about ``region`` on ``side`` may be spoken now."""
        if self._last_any is not None and now - self._last_any < self.global_seconds:
            return False
        last = self._last_by_key.get((region, side))
        if last is not None and now - last < self.per_region_seconds:
            return False
        self._last_any = now
        self._last_by_key[(region, side)] = now
        return True

    def reset(self) -> None:
        self._last_any = None
        self._last_by_key.clear()
