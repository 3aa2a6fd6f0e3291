"""The layers hold and the code is lint-clean: import-linter and ruff run with the suite.

The contracts live in pyproject.toml ([tool.importlinter]; among them: rehabcoach never imports the lab, lab/);
docs/architecture.md explains the layers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _contract(kind: str, forbidding: str | None = None) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"]
                   if c["type"] == kind and (forbidding is None or c["forbidden_modules"] == [forbidding])]
    return contract


def _top_level_modules() -> set[str]:
    package = ROOT / "rehabcoach"
    names = {path.stem for path in package.glob("*.py")} - {"__init__", "__main__"}
    names |= {path.parent.name for path in package.glob("*/__init__.py")}
    return {f"rehabcoach.{name}" for name in names}


def test_the_import_contracts_hold():
    # The package is analysed as it is on disk: a new import from a lower layer into a higher one, or of
    # PySide6 outside rehabcoach.ui, fails here with the chain of imports that breaks the contract.
    result = _run("-c", "from importlinter.cli import lint_imports; raise SystemExit(lint_imports(no_cache=True, no_logo=True))")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_of_the_package_has_a_layer():
    # A new top-level module or folder that no contract names would be checked by nothing.
    layered = {name.strip() for layer in _contract("layers")["layers"] for name in layer.split("|")}
    assert _top_level_modules() - layered == set(), "add it to a layer in pyproject.toml [tool.importlinter]"
    assert layered - _top_level_modules() == set(), "a layer names a module that no longer exists"
    without_qt = set(_contract("forbidden", "PySide6")["source_modules"])
    assert without_qt == _top_level_modules() - {"rehabcoach.ui"}


def test_the_command_line_loads_qt_only_when_a_command_needs_it():
    # The contract lets two commands import rehabcoach.ui, inside their run functions; registering every
    # command (what `rehabcoach analyze ...` does before it runs) must not load Qt.
    result = _run(
        "-c",
        "import sys; from rehabcoach.cli.main import build_parser; build_parser(); "
        "print(sorted(name for name in sys.modules if name.startswith(('PySide6', 'rehabcoach.ui'))))",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_ruff_finds_nothing():
    result = _run("-m", "ruff", "check", "--no-cache", "rehabcoach", "lab", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


# Modules mypy does not check yet, as "rehabcoach/path/module.py": none today, the Qt shell included
# (docs/architecture.md, "Type checking").
MYPY_NOT_YET: set[str] = set()


def test_mypy_is_given_the_whole_package():
    # Every module is checked, the Qt shell's too: a new one from its first day.
    listed = [ROOT / entry for entry in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
              ["tool"]["mypy"]["files"]]
    unchecked = []
    for path in sorted((ROOT / "rehabcoach").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in MYPY_NOT_YET and not any(path == entry or entry in path.parents for entry in listed):
            unchecked.append(relative)
    assert unchecked == [], "add them to pyproject.toml [tool.mypy] files (and make them check clean)"


def test_mypy_finds_nothing_in_the_checked_package(tmp_path):
    # The files are listed in pyproject.toml [tool.mypy]: the whole package, the Qt shell (rehabcoach.ui) included.
    result = _run("-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr
