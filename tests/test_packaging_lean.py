"""The two libraries the Linux bundle rebuilds smaller (packaging/lean_bundle.py) give the same answers as
the originals, checked here against the wheels in this environment, in a few seconds:

- cv2 on the BLAS shim (NumPy's OpenBLAS) solves, inverts, decomposes and multiplies as cv2 on its own
  OpenBLAS, and the shim is what serves it;
- Qt on the trimmed ICU data sorts, converts, case-maps and names time zones exactly as on the full data.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SITE = Path(importlib.util.find_spec("numpy").submodule_search_locations[0]).parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle's libraries")


def _lean():
    spec = importlib.util.spec_from_file_location("lean_bundle", REPO / "packaging" / "lean_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (scripts/setup.sh test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _run(code: str, env: dict | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


# -- the BLAS shim -------------------------------------------------------------------------------------
# Every OpenCV function below reaches one of the 19 BLAS/LAPACK routines cv2 imports (LD_DEBUG=bindings
# shows all 19 bound): products (gemm), LU/Cholesky/QR/SVD solves, inverses, SVD, determinant, eigenvalues.
LINEAR_ALGEBRA = r"""
import json, numpy as np, cv2
rng = np.random.default_rng(7)
found = {}
for dt in (np.float32, np.float64):
    tol = 1e-3 if dt == np.float32 else 1e-9
    a = rng.standard_normal((40, 40)).astype(dt); b = rng.standard_normal((40, 3)).astype(dt)
    spd = (a @ a.T + 40 * np.eye(40)).astype(dt)
    big = rng.standard_normal((300, 200)).astype(dt)
    found[f"gemm {dt.__name__}"] = bool(np.allclose(cv2.gemm(big, big.T, 1.0, None, 0.0), big.astype(np.float64) @ big.T,
                                                    rtol=1e-4, atol=1e-2 if dt == np.float32 else 1e-8))
    for name, flag, mat in (("lu", cv2.DECOMP_LU, a), ("cholesky", cv2.DECOMP_CHOLESKY, spd), ("qr", cv2.DECOMP_QR, a),
                            ("svd", cv2.DECOMP_SVD, a), ("eig", cv2.DECOMP_EIG, spd)):
        ok, x = cv2.solve(mat, b, flags=flag)
        found[f"solve {name} {dt.__name__}"] = ok and bool(np.allclose(x, np.linalg.solve(mat.astype(np.float64), b), atol=tol * 100))
    tall = rng.standard_normal((60, 5)).astype(dt); rhs = rng.standard_normal((60, 2)).astype(dt)
    ok, x = cv2.solve(tall, rhs, flags=cv2.DECOMP_QR)
    expected = np.linalg.lstsq(tall.astype(np.float64), rhs, rcond=None)[0]
    found[f"least squares {dt.__name__}"] = ok and bool(np.allclose(x, expected, atol=tol * 100))
    _, inverse = cv2.invert(a, flags=cv2.DECOMP_LU)
    found[f"invert {dt.__name__}"] = bool(np.allclose(inverse @ a, np.eye(40), atol=tol * 100))
    _, inverse = cv2.invert(spd, flags=cv2.DECOMP_CHOLESKY)
    found[f"invert cholesky {dt.__name__}"] = bool(np.allclose(inverse @ spd, np.eye(40), atol=tol * 100))
    w, u, vt = cv2.SVDecomp(big)
    found[f"svd {dt.__name__}"] = bool(np.allclose(w.ravel(), np.linalg.svd(big.astype(np.float64), compute_uv=False), rtol=1e-3)
                                       and np.allclose((u * w.ravel()) @ vt, big, atol=tol * 1000))
    found[f"determinant {dt.__name__}"] = bool(np.isclose(cv2.determinant(a), np.linalg.det(a.astype(np.float64)), rtol=1e-2))
p = rng.standard_normal((6, 6)); known = np.array([5.0, 3.0, 1.0, -1.0, -2.0, -4.0])
values, _ = cv2.eigenNonSymmetric(p @ np.diag(known) @ np.linalg.inv(p))
found["eigenvalues"] = bool(np.allclose(np.sort(values.ravel()), np.sort(known), atol=1e-8))
found["libraries"] = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line})
print(json.dumps(found))
"""


def _cv2_blas() -> tuple[Path, Path, Path]:
    """(cv2's extension, the OpenBLAS it links, NumPy's OpenBLAS) in this environment, or skip."""
    cv2_dir = Path(importlib.util.find_spec("cv2").submodule_search_locations[0])
    extension = next(cv2_dir.glob("cv2*.so"), None)
    cv2_blas = next(iter(sorted(SITE.glob("opencv_*.libs/libopenblas*.so*"))), None)
    numpy_blas = next(iter(sorted(SITE.glob("numpy.libs/libscipy_openblas*.so"))), None)
    if not (extension and cv2_blas and numpy_blas):
        pytest.skip("this environment's OpenCV or NumPy wheel carries no OpenBLAS of its own")
    return extension, cv2_blas, numpy_blas


def test_cv2_on_the_blas_shim_computes_what_it_does_on_its_own_openblas(tmp_path):
    _need("gcc", "nm")
    extension, cv2_blas, numpy_blas = _cv2_blas()
    (tmp_path / "numpy.libs").symlink_to(numpy_blas.parent)  # beside the shim, as in the bundle
    shim = _lean().build_blas_shim(extension, cv2_blas, numpy_blas, tmp_path)
    assert shim.name == cv2_blas.name and shim.stat().st_size < 100_000  # 39 MB -> a few kB
    own = json.loads(_run(LINEAR_ALGEBRA))
    # Preloaded, the shim carries the SONAME cv2 asks for, so the loader never opens cv2's own OpenBLAS.
    shimmed = json.loads(_run(LINEAR_ALGEBRA, {"LD_PRELOAD": str(shim)}))
    assert set(own.pop("libraries")) == {str(cv2_blas.resolve()), str(numpy_blas.resolve())}
    assert set(shimmed.pop("libraries")) == {str(numpy_blas.resolve()), str(shim)}
    assert own == shimmed and all(own.values()), {k: (own[k], shimmed[k]) for k in own}


def test_blas_shim_refuses_an_opencv_that_needs_a_routine_it_does_not_forward(tmp_path):
    """A future cv2 calling, say, dsyev_ must stop the build, not crash the app when it first calls it."""
    _need("gcc", "nm")
    _, cv2_blas, numpy_blas = _cv2_blas()
    # NumPy's own extension links NumPy's OpenBLAS; posing as "cv2" with NumPy's OpenBLAS as "its" BLAS,
    # it needs routines (scipy_..64_) that the shim does not define.
    numpy_extension = next((SITE / "numpy" / "_core").glob("_multiarray_umath*.so"))
    with pytest.raises(RuntimeError, match=r"does not forward yet"):
        _lean().build_blas_shim(numpy_extension, numpy_blas, numpy_blas, tmp_path)


# -- the ICU data --------------------------------------------------------------------------------------
# What Qt asks ICU for (the 31 ICU functions libQt6Core imports): collation with tailorings in several
# languages and numeric sorting (QCollator), locale case mapping (Turkish dotted i), time zone names in
# three languages, the converters QStringConverter offers.
QT_ICU_ANSWERS = r"""
import json, os
from PySide6.QtCore import QCollator, QDateTime, QLocale, QStringConverter, QStringDecoder, QTimeZone
words = ["Zebra", "ähnlich", "apple", "Äpfel", "Øre", "örn", "ångström", "zoo", "file10", "file2", "Ärger",
         "çà", "ch", "cz", "i", "I", "ı", "İ", "日本", "中国", "한국"]
found = {}
for name in ["en_US", "de_DE", "sv_SE", "tr_TR", "fr_FR", "cs_CZ", "ja_JP", "zh_CN", "da_DK"]:
    collator = QCollator(QLocale(name)); collator.setNumericMode(True)
    found["sorted " + name] = sorted(words, key=collator.sortKey)
    found["upper " + name] = QLocale(name).toUpper("istanbul ılık ß")
    found["lower " + name] = QLocale(name).toLower("İSTANBUL IŞIK")
for zone in [b"Europe/Berlin", b"America/New_York", b"Asia/Kolkata"]:
    for name in ["en_US", "de_DE", "fr_FR"]:
        for kind in (QTimeZone.NameType.LongName, QTimeZone.NameType.ShortName, QTimeZone.NameType.OffsetName):
            found[f"{zone} {name} {kind}"] = QTimeZone(zone).displayName(QTimeZone.TimeType.StandardTime, kind, QLocale(name))
found["date"] = QLocale("de_DE").toString(QDateTime.fromSecsSinceEpoch(1700000000, QTimeZone(b"Europe/Berlin")),
                                           QLocale.FormatType.LongFormat)
found["converters"] = sorted(QStringConverter.availableCodecs())
found["decoders"] = [QStringDecoder(name).isValid() for name in ["Shift_JIS", "GB18030", "ISO-8859-15", "KOI8-R", "Big5"]]
found["icu data"] = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libicudata" in line})
print(json.dumps(found, ensure_ascii=False))
"""


def _pyside_icu_data() -> Path:
    library = next(iter(sorted(SITE.glob("PySide6/Qt/lib/libicudata.so.*"))), None)
    if library is None:
        pytest.skip("this PySide6 has no ICU data library of its own")
    return library


def _qt_answers(icu_folder: Path | None) -> dict:
    answers = json.loads(_run(QT_ICU_ANSWERS, {"LD_LIBRARY_PATH": str(icu_folder)} if icu_folder else None))
    return answers


def test_qt_on_the_trimmed_icu_data_answers_as_on_the_full_data(tmp_path):
    _need("gcc", "readelf")
    full = _pyside_icu_data()
    trimmed = _lean().trim_icu_data(full, tmp_path / "trimmed")
    assert trimmed.name == full.name and trimmed.stat().st_size < full.stat().st_size * 0.6  # 32 MB -> 16 MB
    on_full, on_trimmed = _qt_answers(None), _qt_answers(trimmed.parent)
    # LD_LIBRARY_PATH comes before the RUNPATH of Qt's ICU libraries: the trimmed data is what Qt read.
    assert on_full.pop("icu data") == [str(full.resolve())]
    assert on_trimmed.pop("icu data") == [str(trimmed)]
    assert on_full["sorted sv_SE"][-6:-3] != on_full["sorted de_DE"][-6:-3]  # the tailorings are at work
    assert len(on_full["converters"]) > 100
    assert on_trimmed == on_full, {k: (on_full[k], on_trimmed.get(k)) for k in on_full if on_full[k] != on_trimmed.get(k)}


def test_the_icu_comparison_notices_missing_data(tmp_path, monkeypatch):
    """The same comparison with the collation tailorings removed too: Swedish sorting changes."""
    _need("gcc", "readelf")
    lean = _lean()
    monkeypatch.setattr(lean, "ICU_UNUSED_TREES", lean.ICU_UNUSED_TREES + ("coll",))
    trimmed = lean.trim_icu_data(_pyside_icu_data(), tmp_path / "too-trimmed")
    on_full, on_trimmed = _qt_answers(None), _qt_answers(trimmed.parent)
    assert on_trimmed["sorted sv_SE"] != on_full["sorted sv_SE"]


def test_icu_package_comes_apart_and_together_byte_for_byte():
    _need("readelf")
    lean = _lean()
    library = _pyside_icu_data()
    symbol, offset, size = lean._icu_symbol(library)
    data = library.read_bytes()[offset:offset + size]
    header, items = lean.icu_items(data)
    assert re.fullmatch(r"icudt\d+_dat", symbol) and len(items) > 1000
    assert lean.icu_package(header, items) == data
    assert lean.icu_item_unused("icudt73l/brkitr/word.brk") and lean.icu_item_unused("icudt73l/unames.icu")
    assert not lean.icu_item_unused("icudt73l/coll/sv.res") and not lean.icu_item_unused("icudt73l/ibm-943_P15A-2003.cnv")
    assert not lean.icu_item_unused("icudt73l/zone/de.res") and not lean.icu_item_unused("icudt73l/cnvalias.icu")


def test_strip_leaves_the_libraries_auditwheel_rewrote_alone():
    _need("readelf")
    lean = _lean()
    pillow = next((SITE / "PIL").glob("_imaging.cpython*.so"))
    kiwisolver = next((SITE / "kiwisolver").glob("_cext*.so"))
    assert lean._rewritten_by_wheel_repair(pillow)  # rpath into pillow.libs/
    assert lean._rewritten_by_wheel_repair(next(SITE.glob("numpy.libs/libscipy_openblas*.so")))
    assert not lean._rewritten_by_wheel_repair(kiwisolver)
