"""Where the records live: the private data folder, database URLs, and the network-share check.

A database is named by a URL: ``sqlite:///absolute/path.db`` (the default, in the user's data
folder) or ``postgresql://user@host/dbname`` for a clinic whose workstations share one server.
A plain file path is accepted as shorthand for SQLite.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rehabcoach.errors import UserError

DATA_DIR_ENV = "REHABCOACH_DATA_DIR"
DATABASE_ENV = "REHABCOACH_DATABASE"
DEFAULT_DB_FILE = "records.db"

# Filesystem types on which SQLite's locking cannot be trusted (see https://sqlite.org/useovernet.html).
NETWORK_FS_TYPES = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
     "lustre", "gpfs", "davfs", "fuse.sshfs", "fuse.rclone", "fuse.glusterfs", "fuse.davfs2", "fuse.s3fs",
     "fuse.gcsfuse", "fuse.cephfs", "fuse.smbnetfs", "fuse.curlftpfs",
     "fuse.gvfsd-fuse", "fuse.gvfs-fuse-daemon"}  # GNOME's mounts of SMB/SFTP/WebDAV shares
)


def data_dir() -> Path:
    """The user's private RehabCoach data folder (not created here)."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "RehabCoach"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "RehabCoach"
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "rehabcoach"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the user; tighten it if it already exists.

    Every folder created here is 0700, the missing parents too (``mkdir(parents=True)`` would make
    them with the default mode: ``bundles/`` in the data folder was world-readable that way).
    """
    try:
        missing = []
        for folder in [path, *path.parents]:
            if folder.exists():
                break
            missing.append(folder)
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(20, "not a folder", str(path))
        if sys.platform != "win32" and (path.stat().st_mode & 0o077):
            path.chmod(0o700)
    except OSError as exc:
        raise UserError(f"cannot create the data folder {path}: {exc.strerror or exc}") from exc
    return path


@dataclass(frozen=True)
class DatabaseLocation:
    kind: str  # "sqlite" or "postgresql"
    url: str  # as given (may hold a password: show only `display`)
    path: Path | None = None  # SQLite file

    @property
    def display(self) -> str:
        return redact(self.url)


def default_url() -> str:
    return sqlite_url(data_dir() / DEFAULT_DB_FILE)


def sqlite_url(path: Path) -> str:
    return "sqlite:///" + str(path.absolute()).lstrip("/")


def database_url(explicit: str | None = None) -> str:
    """The database to use: ``--database``, then $REHABCOACH_DATABASE, then SQLite in the data folder."""
    for value in (explicit, os.environ.get(DATABASE_ENV)):
        if value and value.strip():
            return value.strip()
    return default_url()


def parse_url(url: str) -> DatabaseLocation:
    text = url.strip()
    scheme = text.split(":", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(text)
        if not parts.path.strip("/") and "dbname=" not in parts.query:
            raise UserError(f"database URL {redact(text)} names no database (postgresql://user@host/DBNAME)")
        return DatabaseLocation("postgresql", text)
    if scheme == "sqlite":
        rest = text[len("sqlite://"):]
        if not rest.startswith("/"):
            raise UserError(f"database URL {text!r}: write sqlite:///absolute/path/to/file.db")
        path = Path("/" + rest.lstrip("/"))  # sqlite:///abs and SQLAlchemy's sqlite:////abs alike
        return DatabaseLocation("sqlite", sqlite_url(path), path)
    if scheme:
        raise UserError(f"database URL {redact(text)}: unsupported kind '{scheme}' (use sqlite:/// or postgresql://)")
    path = Path(text).expanduser().absolute()  # a bare path means SQLite
    return DatabaseLocation("sqlite", sqlite_url(path), path)


def redact(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable database URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def filesystem_type(path: Path, mounts_text: str | None = None) -> str | None:
    """The type of the filesystem holding ``path`` (Linux /proc/mounts), or None when unknown."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text()
        except OSError:
            return None
    target = path.resolve() if path.exists() else path.absolute()
    best: tuple[int, str] | None = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        try:
            inside = target.is_relative_to(mount_point)
        except ValueError:
            continue
        if inside and (best is None or len(mount_point) > best[0]):
            best = (len(mount_point), fields[2])
    return best[1] if best else None


def is_network_filesystem(fs_type: str | None) -> bool:
    if not fs_type:
        return False
    return fs_type in NETWORK_FS_TYPES or fs_type.startswith(("nfs", "smb", "cifs"))


def check_local_filesystem(db_path: Path, mounts_text: str | None = None) -> None:
    """Refuse an SQLite file on a network share: its locks are unreliable there and records get corrupted."""
    folder = db_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    fs_type = filesystem_type(folder, mounts_text)
    if is_network_filesystem(fs_type):
        raise UserError(
            f"{db_path} is on a network share ({fs_type}). SQLite files must stay on a local disk: "
            "on a share, two computers writing at once can corrupt the records. To share records between "
            "workstations, use a PostgreSQL server: --database postgresql://user@server/rehabcoach"
        )
