"""Build every Linux release file with packaging/release-linux.sh (the Linux job of
.github/workflows/release.yml) once, and use the bundle and the .deb as a user would (slow: 4-8 minutes).

The bundle runs with an empty environment from an empty folder, so it can only find its model, library
and assets inside itself.  The .deb is installed with dpkg, self-tested and removed when the test runs as
root (CI does, on a throw-away machine).  Runs in CI: scripts/setup.sh test installs the `packaging` extra.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from rehabcoach import __version__
from rehabcoach.drawn_face import REST, draw_face

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO / ".." / "shared" / "media"
# Issue 12's bar for the bundle (uncompressed); packaging/README.md has the measured size.
MAX_BUNDLE_MB = 350
APP_ID = "org.rehabcoach.RehabCoach"

pytestmark = pytest.mark.slow


def _load_check_bundle():
    spec = importlib.util.spec_from_file_location("check_bundle", REPO / "packaging" / "check_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> tuple[Path, Path, str]:
    """(bundle folder, .deb, build output): one build for every test of this module."""
    for module in ("PyInstaller", "build", "twine"):
        if importlib.util.find_spec(module) is None:
            message = f"{module} is not installed: pip install -e '.[packaging]' (scripts/setup.sh test does)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    build_dir = tmp_path_factory.mktemp("build")
    # gzip: several times faster than xz to pack 400 MB on two cores; the content is the same.
    result = subprocess.run(
        [str(REPO / "packaging" / "release-linux.sh")],
        env={**os.environ, "BUILD_DIR": str(build_dir), "DEB_COMPRESSION": "gzip", "PYTHON": sys.executable},
        capture_output=True, text=True, timeout=2400,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    dist = build_dir / "dist"
    return dist / "rehabcoach", dist / f"rehabcoach_{__version__}_amd64.deb", output


@pytest.fixture(scope="module")
def build(release) -> tuple[Path, str]:
    bundle, _, output = release
    return bundle, output


def _run_bundled(bundle: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The bundled program with an empty environment, from a folder that holds nothing of the project."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(bundle / "rehabcoach"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_build_script_checks_the_bundle_and_reports_its_size(build):
    bundle, output = build
    assert (bundle / "rehabcoach").is_file() and not (bundle.parent / "rehabcoach.old").exists()
    assert re.search(r"^self-test OK: .* from bundle$", output, re.MULTILINE), output[-3000:]
    size_mb = float(re.search(r"^bundle \S+: ([\d.]+) MB in \d+ files$", output, re.MULTILINE).group(1))
    assert 100 < size_mb < MAX_BUNDLE_MB


def test_bundle_self_test_passes_from_an_empty_folder_in_one_line(build, tmp_path):
    bundle, _ = build
    result = _run_bundled(bundle, "--self-test", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("self-test OK: model face_landmarker.task (sha256 ok")
    assert "warned on the left side only" in lines[0] and lines[0].endswith("from bundle")


def test_bundle_lists_the_library_it_carries(build, tmp_path):
    bundle, _ = build
    result = _run_bundled(bundle, "list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    listing = json.loads(result.stdout)
    bundled = {item["id"] for item in listing["exercises"] + listing["routines"]}
    in_checkout = {path.stem for folder in ("exercises", "routines") for path in (REPO / folder).rglob("*.yaml")}
    assert in_checkout and bundled == in_checkout


@pytest.mark.media
def test_bundle_reads_a_recording_with_its_own_ffmpeg(build, tmp_path):
    """Video decoding uses the FFmpeg libraries inside OpenCV's wheel, which the spec prunes."""
    video = MEDIA / "openwillis__baseline.mp4"
    if not video.is_file():
        pytest.skip(f"the test recordings are not here ({MEDIA})")
    bundle, _ = build
    report = tmp_path / "report.json"
    result = _run_bundled(bundle, "analyze", str(video.resolve()), "--exercise", "gentle-smile",
                          "--json", str(report), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    analysis = json.loads(report.read_text())
    assert analysis["frames"] == 104 and analysis["face_frames"] == 104  # 3.5 s of a face at 30 fps, 1080p


@pytest.mark.media
def test_bundled_analyze_runs_its_second_tracker_in_a_process_of_its_own(build, tmp_path):
    """A frozen program starts a worker process by running itself again (multiprocessing's spawn): the
    entry point must hand that run to the worker (freeze_support), not start the command line twice."""
    video = MEDIA / "liveportrait__driving_d9.mp4"  # 587 frames: long enough to be split
    if not video.is_file():
        pytest.skip(f"the test recordings are not here ({MEDIA})")
    bundle, _ = build
    reports = {}
    for trackers in ("1", "2"):
        reports[trackers] = tmp_path / f"report{trackers}.json"
        result = _run_bundled(bundle, "analyze", str(video.resolve()), "--exercise", "gentle-smile",
                              "--affected-side", "right", "--trackers", trackers, "--json", str(reports[trackers]),
                              cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "could not be used" not in result.stderr and "usage:" not in result.stderr
    one, two = (json.loads(reports[t].read_text()) for t in ("1", "2"))
    assert one["frames"] == two["frames"] == 587 and two["face_frames"] == one["face_frames"]
    assert [(e["region"], e["side"]) for e in two["events"]] == [(e["region"], e["side"]) for e in one["events"]]


def test_bundle_carries_no_leftovers_or_test_media(build):
    bundle, _ = build
    check = _load_check_bundle()
    assert check.problems(bundle, MEDIA if MEDIA.is_dir() else None) == []
    internal = bundle / "_internal"
    # The one OpenCV is the headless build: no Qt 5 anywhere, none linked by cv2, no plugin folder of its
    # own, nothing of the GUI build; Qt 6's platforms are in.
    (extension,) = (internal / "cv2").glob("cv2*.so")
    assert b"libQt5Core" not in extension.read_bytes()
    assert not (internal / "cv2" / "qt").exists() and not list(internal.rglob("libQt5*"))
    assert not (internal / "opencv_contrib_python.libs").exists()
    assert (internal / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so").is_file()
    # Left out on purpose: Qt's translations, networking plugins, matplotlib's sample data.
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    assert not (internal / "PySide6" / "Qt" / "plugins" / "tls").exists()
    assert not (internal / "matplotlib" / "mpl-data" / "sample_data").exists()
    # One OpenBLAS, NumPy's: cv2's is the small shim onto it (packaging/lean_bundle.py), and OpenCV's
    # libgfortran went with its OpenBLAS. Qt's ICU data is the trimmed one.
    (cv2_blas,) = [p for p in internal.glob("libopenblas*") if not p.is_symlink()]
    assert cv2_blas.stat().st_size < 100_000 and list(internal.glob("numpy.libs/libscipy_openblas*"))
    assert len([p for p in internal.rglob("libgfortran*") if not p.is_symlink()]) == 1
    assert (internal / "PySide6" / "Qt" / "lib" / "libicudata.so.73").stat().st_size < 20_000_000
    # Developer tools that pydantic's hook used to drag in.
    assert not (internal / "mypy").exists() and not (internal / "ast_serialize").exists()
    # The model travels with its licence text (Apache-2.0 requires it).
    assert "Apache License" in (internal / "rehabcoach" / "models" / "face_landmarker.LICENSE.txt").read_text()
    # Desktop integration files travel with the bundle for ./install.sh.
    assert (bundle / "share" / "applications" / "org.rehabcoach.RehabCoach.desktop").is_file()
    assert (bundle / "share" / "icons" / "hicolor" / "256x256" / "apps" / "org.rehabcoach.RehabCoach.png").is_file()


def test_bundle_install_script_adds_a_valid_menu_entry_and_removes_it(build, tmp_path):
    bundle, _ = build
    prefix = tmp_path / "local"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFIX": str(prefix)}
    added = subprocess.run([str(bundle / "install.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    entry = prefix / "share" / "applications" / "org.rehabcoach.RehabCoach.desktop"
    assert f'Exec="{bundle / "rehabcoach"}"' in entry.read_text().splitlines()
    if shutil.which("desktop-file-validate"):
        validated = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert validated.returncode == 0, validated.stdout
    version = subprocess.run([str(prefix / "bin" / "rehabcoach"), "--version"], capture_output=True, text=True,
                             env=env, timeout=120)
    assert version.stdout.startswith("rehabcoach ")
    removed = subprocess.run([str(bundle / "install.sh"), "--uninstall"], env=env, capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    assert not entry.exists() and not (prefix / "bin" / "rehabcoach").exists()
    assert not list((prefix / "share" / "icons").rglob("org.rehabcoach.RehabCoach.*"))


def test_bundled_app_window_keeps_running_on_a_drawn_camera(build, tmp_path):
    """The window starts (Qt 6 plugins, SVG, fonts all found in the bundle) and runs without a crash."""
    bundle, _ = build
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(5):
        cv2.imwrite(str(frames / f"{index:03d}.png"), draw_face(REST))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen([str(bundle / "rehabcoach"), "--source", str(frames)], cwd=tmp_path, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        app.wait(timeout=12)
    except subprocess.TimeoutExpired:
        pass  # still running after 12 s: what a working window does
    else:
        pytest.fail(f"the bundled app exited with {app.returncode}: {app.stderr.read()[-3000:]}")
    finally:
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
    assert "Traceback" not in app.stderr.read()


def test_bundle_writes_the_same_pdf_report_as_the_python_package(build, tmp_path):
    """The report uses Qt's text layout and PDF writer, matplotlib's SVG charts drawn with DejaVu Sans and
    Qt's SVG renderer: the bundle's PDF must say everything the installed package's says."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (scripts/setup.sh test installs poppler-utils)")
    from datetime import date

    from report_support import build_history

    from rehabcoach.records.backends import open_records

    bundle, _ = build
    url = f"sqlite:///{tmp_path / 'records.db'}"
    with open_records(url) as store:
        build_history(store, 12, date(2026, 11, 30))
    args = ["report", "--profile", "Anna Berg", "--from", "2026-11-01", "--to", "2026-11-30", "--database", url]
    bundled = _run_bundled(bundle, *args, "--pdf", str(tmp_path / "bundled.pdf"), cwd=tmp_path)
    assert bundled.returncode == 0, bundled.stderr[-3000:]
    assert "Traceback" not in bundled.stderr and "findfont" not in bundled.stderr, bundled.stderr[-3000:]
    packaged = subprocess.run([sys.executable, "-m", "rehabcoach.cli.main", *args, "--pdf", str(tmp_path / "packaged.pdf")],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"})
    assert packaged.returncode == 0, packaged.stderr[-3000:]

    def text(pdf: Path) -> list[str]:
        lines = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        return [line for line in lines.splitlines() if not line.startswith("Period:")]  # holds the creation time

    words = text(tmp_path / "bundled.pdf")
    assert "RehabCoach progress report" in words and "Gentle smile" in "\n".join(words)
    assert words == text(tmp_path / "packaged.pdf")


def test_bundle_keeps_records_on_a_postgresql_server(build, tmp_path):
    """A clinic's shared records go through psycopg (its own libpq and OpenSSL, and Python's ssl module,
    which psycopg imports: leaving ssl out of the bundle broke this)."""
    from records_support import postgres_server

    bundle, _ = build
    url = postgres_server().new_database()
    added = _run_bundled(bundle, "profile", "add", "Ann", "--affected-side", "left", "--database", url, cwd=tmp_path)
    assert added.returncode == 0, added.stderr[-3000:]
    listed = _run_bundled(bundle, "profile", "list", "--database", url, cwd=tmp_path)
    assert listed.returncode == 0 and "Ann" in listed.stdout, listed.stdout + listed.stderr[-3000:]


# -- the .deb -------------------------------------------------------------------------------------------
def _deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), field], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_deb_puts_the_bundle_under_usr_lib_and_the_desktop_files_in_their_standard_places(release):
    _, deb, output = release
    assert re.search(rf"^build-deb: {re.escape(str(deb))} ", output, re.MULTILINE), output[-2000:]
    assert _deb_field(deb, "Package") == "rehabcoach" and _deb_field(deb, "Version") == __version__
    assert _deb_field(deb, "Architecture") == "amd64"
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    entries = {line.split()[5].removeprefix("."): line for line in listing.splitlines()}
    for path in ("/usr/lib/rehabcoach/rehabcoach", "/usr/lib/rehabcoach/_internal/rehabcoach/models/face_landmarker.task",
                 f"/usr/share/applications/{APP_ID}.desktop", f"/usr/share/metainfo/{APP_ID}.metainfo.xml",
                 f"/usr/share/icons/hicolor/256x256/apps/{APP_ID}.png",
                 f"/usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg",
                 "/usr/share/doc/rehabcoach/copyright", "/usr/share/doc/rehabcoach/changelog.gz",
                 "/usr/share/man/man1/rehabcoach.1.gz"):
        assert path in entries, f"the .deb lacks {path}"
    assert "/usr/bin/rehabcoach -> ../lib/rehabcoach/rehabcoach" in entries["/usr/bin/rehabcoach"]
    assert all(" root/root " in line for line in entries.values())
    # The per-user menu installer of the unpacked bundle has no place in a system package.
    assert "/usr/lib/rehabcoach/install.sh" not in entries and "/usr/lib/rehabcoach/share/" not in entries


# lintian's checks that do not fit a self-contained bundle, each for a reason (measured on the real .deb):
LINTIAN_ACCEPTED = {
    # The bundle carries its own Python, Qt, OpenCV, FFmpeg, ... (the point of a bundle), as the wheels on
    # PyPI built them: Debian's own packages would link Debian's libraries instead.
    "embedded-library", "duplicate-font-file", "custom-library-search-path",
    "shared-library-lacks-prerequisites", "library-not-linked-against-libc",
    # The wheels' libraries come as their makers built them; stripping libraries that auditwheel has
    # patched can break them (only Python's own are stripped: build-linux.sh).
    "unstripped-binary-or-object",
    # PyInstaller's bootloader, as PyInstaller builds it.
    "hardening-no-pie",
    # libmount/libblkid (copied in by PyInstaller with GLib) mention sensible-pager; the app never pages.
    "missing-depends-on-sensible-utils",
}


def test_deb_passes_lintian_apart_from_what_a_bundle_is(release):
    if shutil.which("lintian") is None:
        message = "lintian is not installed (scripts/setup.sh test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    _, deb, _ = release
    result = subprocess.run(["lintian", "--tag-display-limit", "0", "--suppress-tags", ",".join(sorted(LINTIAN_ACCEPTED)),
                             str(deb)], capture_output=True, text=True, timeout=900)
    findings = [line for line in result.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert not findings, "\n".join(findings[:40])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_deb_installs_self_tests_and_removes_cleanly_leaving_user_data(release, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs as root on a throw-away machine)")
    if subprocess.run(["dpkg", "-s", "rehabcoach"], capture_output=True).returncode == 0:
        pytest.skip("a rehabcoach package is already installed on this machine; not touching it")
    _, deb, _ = release
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    try:
        installed = subprocess.run(["dpkg", "-i", str(deb)], capture_output=True, text=True, timeout=600)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        # `rehabcoach` is on PATH, and the installed program proves it has everything it needs.
        assert shutil.which("rehabcoach", path=env["PATH"]) == "/usr/bin/rehabcoach"
        result = subprocess.run(["rehabcoach", "--self-test"], cwd=home, env=env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.startswith("self-test OK:") and result.stdout.strip().endswith("from bundle")
        added = subprocess.run(["rehabcoach", "profile", "add", "Ann", "--affected-side", "left"], cwd=home,
                               env=env, capture_output=True, text=True, timeout=120)
        assert added.returncode == 0, added.stderr
    finally:
        removed = subprocess.run(["dpkg", "-r", "rehabcoach"], capture_output=True, text=True, timeout=600)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not Path("/usr/lib/rehabcoach").exists() and not Path("/usr/bin/rehabcoach").exists()
    assert not Path(f"/usr/share/applications/{APP_ID}.desktop").exists()
    # The patient's records are theirs: removing the program leaves them.
    assert (home / ".local" / "share" / "rehabcoach" / "records.db").is_file()
