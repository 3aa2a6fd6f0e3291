"""What the commands print reaches the terminal as text, never as commands to it, and never crashes it.

A title, a file name or a message may hold characters a terminal acts on (escape sequences that
recolour, move the cursor or rewrite the title bar; bidirectional overrides that reorder a line) or
characters its encoding cannot show (a patient's console set to ASCII, a lone surrogate from a file
name).  Every line the commands print goes through :class:`TerminalText`, which writes those as
visible ``\\uXXXX`` escapes: readable, the same in JSON (where ``\\u009b`` is a valid escape), and inert.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import sys
from collections.abc import Iterator

# C0 controls except tab, newline and carriage return (progress bars use \r), DEL and C1 controls,
# bidirectional overrides and isolates, and lone surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_ERROR_HANDLER = "rehabcoach-escape"


def _escape(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:  # as a surrogate pair, as JSON writes it
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def escape_unsafe(text: str) -> str:
    """``text`` with every character a terminal would act on written as a visible escape."""
    return UNSAFE.sub(lambda match: _escape(match.group()), text)


def _unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):  # registered for writing only
        raise error
    return "".join(_escape(char) for char in error.object[error.start:error.end]), error.end


codecs.register_error(_ERROR_HANDLER, _unencodable)


class TerminalText:
    """A text stream wrapper: unsafe characters escaped, unencodable ones too (see the module doc)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        safe = escape_unsafe(text)
        encoding = getattr(self._stream, "encoding", None) or "utf-8"
        try:
            safe.encode(encoding)
        except UnicodeEncodeError:
            safe = safe.encode(encoding, _ERROR_HANDLER).decode(encoding)
        except LookupError:
            pass
        self._stream.write(safe)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name):  # isatty, fileno, encoding, buffer: the wrapped stream's
        return getattr(self._stream, name)


@contextlib.contextmanager
def terminal_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr wrapped in :class:`TerminalText` for the duration (restored after)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = TerminalText(saved[0]) if saved[0] is not None else None
    sys.stderr = TerminalText(saved[1]) if saved[1] is not None else None
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
