"""One mistake in a routine file, located by file, line, column and field path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rehabcoach.routines.suggestions import hint_text

Location = tuple[str | int, ...]


def field_path(loc: Location) -> str:
    """``('movement', 'guards', 0, 'threshold')`` -> ``movement.guards[0].threshold``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class Mistake:
    """A problem the author of a routine file must fix (or, for a warning, should look at).

    ``line`` and ``column`` are 1-based; they are None for a problem with the file as a whole
    (missing, unreadable) where no position makes sense.
    """

    path: Path
    message: str
    line: int | None = None
    column: int | None = None
    field: str = ""
    hint: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        parts = [where]
        if self.warning:
            parts.append("warning")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts) + ": " + self.message + hint_text(self.hint)

    def sort_key(self) -> tuple:
        return (str(self.path), self.line or 0, self.column or 0, self.field, self.message)


def summary_line(mistakes: list[Mistake], files_checked: int) -> str:
    """"3 mistakes in 2 files" / "12 files OK" (warnings counted, but they do not fail a file)."""
    errors = [m for m in mistakes if not m.warning]
    warnings = len(mistakes) - len(errors)
    warning_text = f", {_plural(warnings, 'warning')}" if warnings else ""
    if errors:
        files = len({m.path for m in errors})
        return f"{_plural(len(errors), 'mistake')} in {_plural(files, 'file')}{warning_text}"
    return f"{_plural(files_checked, 'file')} OK{warning_text}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
