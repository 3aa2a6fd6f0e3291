"""Writing the user's files: atomically (never half-written), all or none, and readable by the user only.

Also the rules every output path follows (``check_output``): it must be a name this system can hold,
in a folder that exists, not a device or a folder, and never one of the command's own inputs, so a
typing slip (``--json video.mp4``, ``--json /dev/full``) is refused before any work is done.
"""

from __future__ import annotations

import os
import re
import stat
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from rehabcoach.errors import UserError

NAME_MAX = 255  # bytes in one file or folder name (ext4, APFS, NTFS in characters)
PATH_MAX = 4000  # bytes in a whole path (Linux allows 4096)
MAX_DEPTH = 64  # folders deep; routine libraries and bundles nest a few


def path_problem(text: str) -> str | None:
    """Why ``text`` cannot name a file on this system (NUL, unencodable, too long or deep), or None.

    Checked before the path reaches the operating system, whose own complaints (``ValueError:
    embedded null byte``, ``OSError: [Errno 36]``, ``UnicodeEncodeError``) are not messages for people.
    """
    if "\0" in text:
        return "it holds a NUL character"
    try:
        encoded = os.fsencode(text)
    except UnicodeEncodeError:
        return "it holds characters that no file name can have"
    parts = [part for part in re.split(rb"[\\/]+", encoded) if part]
    if any(len(part) > NAME_MAX for part in parts):
        return f"a name in it is longer than {NAME_MAX} bytes"
    if len(encoded) > PATH_MAX:
        return f"it is longer than {PATH_MAX} bytes"
    if len(parts) > MAX_DEPTH:
        return f"it is more than {MAX_DEPTH} folders deep"
    return None


def check_output(path: str | os.PathLike, option: str, *, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """The output ``path`` of ``option`` (e.g. ``--json``), or a UserError saying why it cannot be written.

    Refused: an impossible name, a missing folder, an existing file that is not a regular file (a
    device, a folder, a pipe: replacing it would destroy it, writing to it would lose the output),
    and any of the command's ``inputs`` (writing there would destroy what is being read).
    """
    text = os.fspath(path)
    problem = path_problem(text)
    if problem:
        raise UserError(f"{option} {text!r}: {problem}")
    target = Path(text).expanduser()
    try:
        if not target.absolute().parent.is_dir():
            raise UserError(f"{option} {text}: the folder {target.parent} does not exist")
        if target.exists() and not target.is_file():
            raise UserError(f"{option} {text}: not a regular file (a folder or a device); give a file name")
        for source in inputs:
            if _same_file(target, Path(os.fspath(source)).expanduser()):
                raise UserError(f"{option} {text}: that is the input {source}; writing there would destroy it")
    except OSError as exc:
        raise UserError(f"{option} {text}: {exc.strerror or exc}") from exc
    return target


def check_distinct_outputs(outputs: Sequence[tuple[str, str | os.PathLike | None]]) -> None:
    """Two options of one command must not name the same file (the second would replace the first)."""
    given = [(option, Path(os.fspath(path)).expanduser()) for option, path in outputs if path]
    for index, (option, path) in enumerate(given):
        for other_option, other in given[:index]:
            if _same_file(path, other):
                raise UserError(f"{option} and {other_option} name the same file {path}; give two different files")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.absolute().resolve() == b.absolute().resolve()
    except (OSError, RuntimeError):
        return False


def write_private_atomic(path: str | os.PathLike, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it into place.

    The file is created with mode 0600.  A failure (no such folder, no permission, disk full) raises a
    UserError naming the file, and leaves any previous version of the file untouched.
    """
    return write_all_private_atomic([(path, data)], encoding=encoding)[0]


def write_all_private_atomic(outputs: Sequence[tuple[str | os.PathLike, str | bytes]], *,
                             encoding: str = "utf-8") -> list[Path]:
    """Write several files so that all of them are written, or none is.

    Every file is first written in full (and synced) to a private temporary file next to it; only
    when all are on disk are they renamed into place.  A failure while writing (a full disk, a
    missing folder) removes the temporary files and leaves every previous file untouched.  Renames
    within a folder do not need space, so the last step does not fail for want of it.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in outputs:
            path = Path(path)
            _check_target(path)
            temporary = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
            staged.append((temporary, path))
            payload = data.encode(encoding) if isinstance(data, str) else data
            try:
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
        for temporary, path in staged:
            try:
                os.replace(temporary, path)
            except OSError as exc:
                raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    return [path for _, path in staged]


def _check_target(path: Path) -> None:
    problem = path_problem(str(path))
    if problem:
        raise UserError(f"cannot write {str(path)!r}: {problem}")
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    # Renaming over a device node or a folder would destroy it (as root, `--json /dev/full` replaced the device).
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise UserError(f"cannot write {path}: it is not a regular file (a folder or a device)")
