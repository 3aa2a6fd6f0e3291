"""Three ways the Linux bundle sheds weight without losing anything the app does (used by rehabcoach.spec
and build-linux.sh; each is checked by tests/test_packaging_lean.py and the bundle tests):

- ``build_blas_shim``: OpenCV's own OpenBLAS (39 MB + libgfortran) replaced by a 17 kB library that hands
  cv2's 19 BLAS/LAPACK calls to NumPy's OpenBLAS (see linux/cv2_blas_shim.c);
- ``trim_icu_data``: Qt's ICU data library (32 MB) without the data only other ICU functions read;
- ``strip_symbols``: symbol tables and debugging data out of the libraries that no wheel repair tool
  (auditwheel/patchelf) has rewritten.

Run as a script: ``python packaging/lean_bundle.py strip BUNDLE_DIR`` (build-linux.sh does).
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


# -- one OpenBLAS --------------------------------------------------------------------------------------
def _dynamic_symbols(library: Path, defined: bool) -> set[str]:
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(library)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def build_blas_shim(cv2_extension: Path, cv2_blas: Path, numpy_blas: Path, out_dir: Path) -> Path:
    """Compile linux/cv2_blas_shim.c into OUT_DIR/<cv2_blas's file name>: a library with the SONAME of
    OpenCV's OpenBLAS that calls NumPy's (numpy_blas, found at run time in numpy.libs/ beside it).

    Refuses (RuntimeError) when cv2 needs a routine of its OpenBLAS that the shim does not provide, so an
    OpenCV upgrade that starts using another one stops the build instead of failing at run time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shim = out_dir / cv2_blas.name
    subprocess.run(
        ["gcc", "-O2", "-shared", "-fPIC", "-o", str(shim), f"-Wl,-soname,{cv2_blas.name}",
         str(HERE / "linux" / "cv2_blas_shim.c"), f"-L{numpy_blas.parent}", f"-l:{numpy_blas.name}",
         # numpy.libs/ beside the shim in the bundle's top folder; its own folder for a copy elsewhere
         "-Wl,-rpath,$ORIGIN/numpy.libs:$ORIGIN", "-Wl,--no-undefined"],
        check=True,
    )
    needed = _dynamic_symbols(cv2_extension, defined=False) & _dynamic_symbols(cv2_blas, defined=True)
    missing = sorted(needed - _dynamic_symbols(shim, defined=True))
    if missing:
        raise RuntimeError(f"{cv2_extension.name} needs {', '.join(missing)} from {cv2_blas.name}, which "
                           f"packaging/linux/cv2_blas_shim.c does not forward yet: add them there")
    return shim


# -- ICU data ------------------------------------------------------------------------------------------
# Qt 6 Core calls 31 ICU functions (nm -D --undefined-only libQt6Core.so.6 | grep _73): collation
# (QCollator, locale-aware sorting, e.g. of file names in Qt's file dialog), character set converters
# (QStringConverter for encodings Qt does not implement itself), time zone names and calendars (QTimeZone),
# and case mapping for a locale (QLocale::toUpper). None of them reads the data below, which only ICU's
# other services use (break iterators, unit/currency/language/region names, transliteration, number
# spelling, IDNA/stringprep, spoof checks, character names); no other library in the bundle links ICU.
ICU_UNUSED_TREES = ("brkitr", "unit", "curr", "lang", "region", "translit", "rbnf")
ICU_UNUSED_SUFFIXES = (".spp", ".cfu")
ICU_UNUSED_NAMES = ("unames.icu",)
ICU_ALIGN = 16  # ICU's own packages align every item to 16 bytes


def _icu_symbol(library: Path) -> tuple[str, int, int]:
    """(symbol name, file offset, size) of the common data array icudtNN_dat in an ICU data library."""
    symbols = subprocess.run(["readelf", "-sW", str(library)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"\s([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\w+\s+\d+\s+(icudt\d+_dat)\b", symbols)
    if not found:
        raise RuntimeError(f"{library}: no icudtNN_dat symbol (not an ICU data library?)")
    address, size, name = int(found.group(1), 16), int(found.group(2), 0), found.group(3)
    sections = subprocess.run(["readelf", "-SW", str(library)], capture_output=True, text=True, check=True).stdout
    for line in sections.splitlines():
        row = re.search(r"\]\s+\S+\s+[A-Z_]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if row:
            start, offset, length = (int(row.group(i), 16) for i in (1, 2, 3))
            if start <= address < start + length:
                return name, offset + address - start, size
    raise RuntimeError(f"{library}: {name} is in no section")


def icu_items(data: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Split an ICU common data package ("CmnD") into its header and its (name, content) items."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    if data[2:4] != b"\xda\x27" or data[12:16] != b"CmnD":
        raise RuntimeError("not an ICU common data package")
    count = struct.unpack_from("<I", data, header_size)[0]
    entries = []
    for index in range(count):
        name_at, data_at = struct.unpack_from("<II", data, header_size + 4 + 8 * index)
        name_start = header_size + name_at
        name = data[name_start:data.index(b"\0", name_start)].decode("ascii")
        entries.append((name, header_size + data_at))
    items = []
    for index, (name, start) in enumerate(entries):
        end = entries[index + 1][1] if index + 1 < count else len(data)
        items.append((name, data[start:end]))
    return data[:header_size], items


def icu_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The inverse of icu_items: header, table of contents, names, then the items 16-byte aligned."""
    toc_size = 4 + 8 * len(items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    offset = toc_size + len(names)
    offset += -(len(header) + offset) % ICU_ALIGN
    toc, name_at, body = [struct.pack("<I", len(items))], toc_size, b""
    for name, content in items:
        toc.append(struct.pack("<II", name_at, offset + len(body)))
        name_at += len(name) + 1
        body += content + b"\xaa" * (-len(content) % ICU_ALIGN)  # ICU pads with 0xaa
    padding = b"\xaa" * (offset - toc_size - len(names))
    return header + b"".join(toc) + names + padding + body


def icu_item_unused(name: str) -> bool:
    """Whether no ICU function Qt calls reads this item (``icudt73l/brkitr/word.brk`` and the like)."""
    path = name.split("/", 1)[1] if "/" in name else name
    return (path.split("/", 1)[0] in ICU_UNUSED_TREES and "/" in path) or path.endswith(ICU_UNUSED_SUFFIXES) \
        or path in ICU_UNUSED_NAMES


def trim_icu_data(library: Path, out_dir: Path) -> Path:
    """OUT_DIR/<library's name>: the same ICU data library (SONAME and symbol) without the unused items."""
    symbol, offset, size = _icu_symbol(library)
    header, items = icu_items(library.read_bytes()[offset:offset + size])
    kept = [(name, content) for name, content in items if not icu_item_unused(name)]
    out_dir.mkdir(parents=True, exist_ok=True)
    package = out_dir / f"{symbol}.dat"
    package.write_bytes(icu_package(header, kept))
    source = out_dir / f"{symbol}.S"
    # What ICU's own genccode writes: the package as one read-only, 16-byte aligned array.
    source.write_text(f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n'
                      f'{symbol}:\n\t.incbin "{package}"\n\t.size {symbol}, . - {symbol}\n'
                      '\t.section .note.GNU-stack,"",@progbits\n')
    trimmed = out_dir / library.name
    soname = re.search(r"SONAME\).*\[(.+)\]", subprocess.run(["readelf", "-d", str(library)], capture_output=True,
                                                                text=True, check=True).stdout).group(1)
    subprocess.run(["gcc", "-shared", "-nostdlib", "-o", str(trimmed), f"-Wl,-soname,{soname}", str(source)],
                   check=True)
    return trimmed


# -- symbols -------------------------------------------------------------------------------------------
def _rewritten_by_wheel_repair(library: Path) -> bool:
    """auditwheel (patchelf) rewrites the libraries it grafts into a wheel (``pkg.libs/``, hashed names) and
    the modules that load them (an rpath into ``pkg.libs``); binutils' strip can break such files."""
    if library.parent.name.endswith(".libs") or re.search(r"-[0-9a-f]{8}\.so", library.name):
        return True
    dynamic = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True).stdout
    return ".libs" in "".join(re.findall(r"R(?:UN)?PATH.*\[(.*)\]", dynamic))


def strip_symbols(bundle: Path) -> tuple[int, int]:
    """strip --strip-unneeded (what Debian's dh_strip does to shared libraries: symbol tables and debugging
    data go, the dynamic symbols that linking needs stay) on every shared library of BUNDLE that no wheel
    repair tool rewrote. Returns (files stripped, bytes saved)."""
    count = saved = 0
    for library in sorted(bundle.rglob("*.so*")):
        if library.is_symlink() or not library.is_file() or _rewritten_by_wheel_repair(library):
            continue
        with library.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                continue
        before = library.stat().st_size
        subprocess.run(["strip", "--strip-unneeded", str(library)], check=True)
        count, saved = count + 1, saved + before - library.stat().st_size
    return count, saved


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "strip":
        files, bytes_saved = strip_symbols(Path(sys.argv[2]))
        print(f"lean_bundle: stripped {files} libraries, {bytes_saved / 1e6:.1f} MB less")
    else:
        sys.exit("usage: lean_bundle.py strip BUNDLE_DIR")
