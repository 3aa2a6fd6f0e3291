"""A wheel (`pip install .`, not editable) carries the exercise library, and the app finds it there.

Builds the wheel without network (needs setuptools 70.1+, from the `packaging` extra) and installs it
into a bare virtual environment; about 10-20 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = "rehabcoach-{version}.data/data/share/rehabcoach/"

pytestmark = pytest.mark.slow


def _library_files() -> set[str]:
    """What a user's library needs: every file of exercises/ and assets/, minus the tools that draw the
    illustrations and the Windows/macOS icon formats (those go into the desktop builds)."""
    files = set()
    for folder in ("exercises", "routines", "assets"):
        for path in (REPO / folder).rglob("*") if (REPO / folder).is_dir() else []:
            rel = path.relative_to(REPO)
            if path.is_file() and "tools" not in rel.parts and "__pycache__" not in rel.parts \
                    and path.suffix not in {".ico", ".icns", ".pyc"}:
                files.add(rel.as_posix())
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    if (major, minor) < (70, 1):
        message = "setuptools 70.1+ is needed to build a wheel offline: pip install -e '.[packaging]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("rehabcoach-*.whl")
    return built


def test_wheel_carries_every_library_file_and_no_tools(wheel):
    from rehabcoach import __version__

    prefix = DATA.format(version=__version__)
    with zipfile.ZipFile(wheel) as archive:
        carried = {name[len(prefix):] for name in archive.namelist() if name.startswith(prefix)}
    expected = _library_files()
    assert expected, "the checkout has no library"
    missing = sorted(expected - carried)
    assert not missing, f"add these folders to [tool.setuptools.data-files] in pyproject.toml: {missing}"
    assert not any(name.endswith(".py") for name in carried)


def test_a_plain_pip_install_finds_its_library_under_share(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # resources.py needs nothing beyond the standard library, so a bare environment can answer.
    lookup = subprocess.run(
        [str(python), "-c", "from rehabcoach.resources import resource_path; print(resource_path('library'))"],
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )
    assert lookup.returncode == 0, lookup.stderr[-3000:]
    library = Path(lookup.stdout.strip())
    assert library == env_dir / "share" / "rehabcoach"
    assert (library / "exercises" / "movement" / "gentle-smile.yaml").is_file()
    assert (library / "assets" / "icons" / "rehabcoach.svg").is_file()
