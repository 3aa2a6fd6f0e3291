"""Load the exercise library and extra routine files, checking everything before anything is used.

Rules (docs/routine-format.md explains them to authors):
- A file is an exercise or a routine (its ``kind``).  Folders are searched recursively for
  ``*.yaml`` / ``*.yml``; hidden files and folders are skipped.
- The *library folder* of a file, which its ``illustration`` is relative to, is the parent of the
  nearest enclosing folder named ``exercises``; without one, the file's own folder (so a therapist's
  prescription bundle, a plain folder of files, works as it is).  Illustrations must stay inside it:
  no absolute paths, no ``..``, no symbolic links leading out.
- Ids are unique across all exercises and routines loaded together.
- A file whose name differs from its id gets a *warning* (it still loads): the id is what
  routines and commands use, the name only helps people find the file.
- Routine items must name a known exercise; their overrides must make sense for it (reps, hold,
  rest and thresholds only on movement exercises; thresholds only for measures it guards).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rehabcoach.errors import UserError
from rehabcoach.files import path_problem
from rehabcoach.resources import resource_path
from rehabcoach.routines.mistakes import Mistake, field_path
from rehabcoach.routines.models import Exercise, Routine
from rehabcoach.routines.resolve import ResolvedExercise, resolve_exercise, resolve_routine
from rehabcoach.routines.suggestions import did_you_mean, hint_text
from rehabcoach.routines.validation import validate_document
from rehabcoach.routines.yaml_source import SourceMap, read_yaml_mapping, text_problem

__all__ = [
    "CheckResult", "Library", "LoadedFile", "ResolvedExercise", "check_files", "find_routine_files",
    "library_folder_of", "load_library", "resolve_exercise", "resolve_routine",
]

ROUTINE_SUFFIXES = (".yaml", ".yml")
# Folders of a library that hold routine files (exercises and routines may sit in either).
LIBRARY_FOLDERS = ("exercises", "routines")
_OVERRIDES = ("reps", "hold_seconds", "rest_seconds", "thresholds", "level")


def library_folder_of(path: Path) -> Path:
    """The folder an exercise file's illustration path is relative to (see the module rules)."""
    absolute = path.absolute()
    for parent in absolute.parents:
        if parent.name == "exercises":
            return parent.parent
    return absolute.parent


def find_routine_files(paths: Iterable[Path]) -> tuple[list[Path], list[Mistake]]:
    """Expand files and folders (recursively) into routine files; a missing path is a mistake."""
    files: list[Path] = []
    mistakes: list[Mistake] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        try:
            found = _files_at(path)
        except (OSError, ValueError) as exc:  # a name too long, no permission: reported, the others still checked
            mistakes.append(Mistake(path, f"cannot read it: {getattr(exc, 'strerror', None) or exc}"))
            continue
        if found is None:
            problem = "not a file or a folder" if path.exists() else "no such file or folder"
            mistakes.append(Mistake(path, problem))
            continue
        if not found:
            mistakes.append(Mistake(path, "no .yaml or .yml files in this folder"))
        for candidate in found:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files, mistakes


def _files_at(path: Path) -> list[Path] | None:
    """The routine files a path names (a folder, searched recursively), or None if it is neither."""
    if path.is_dir():
        return sorted(
            candidate
            for candidate in path.rglob("*")
            if candidate.suffix.lower() in ROUTINE_SUFFIXES
            and candidate.is_file()
            and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
        )
    if path.is_file():
        return [path]
    return None


@dataclass
class LoadedFile:
    path: Path
    model: Exercise | Routine
    source: SourceMap


@dataclass
class CheckResult:
    files: list[Path]
    loaded: list[LoadedFile] = field(default_factory=list)  # files that passed their own checks
    mistakes: list[Mistake] = field(default_factory=list)  # errors and warnings, sorted
    broken_ids: set[str] = field(default_factory=set)  # ids of files that failed their own checks

    @property
    def errors(self) -> list[Mistake]:
        return [m for m in self.mistakes if not m.warning]


def check_files(
    files: Iterable[Path],
    *,
    known_exercises: Mapping[str, Exercise] | None = None,
    taken_ids: Mapping[str, Path] | None = None,
) -> CheckResult:
    """Read, validate and cross-check routine files, collecting every mistake.

    ``known_exercises`` are exercises routines may use besides those in ``files`` (the library
    already loaded); ``taken_ids`` are ids, with their files, that ``files`` must not reuse.
    """
    result = CheckResult(files=list(files))
    for path in result.files:
        doc, mistakes = read_yaml_mapping(path)
        result.mistakes += mistakes
        model = None
        if doc is not None:
            model, mistakes = validate_document(doc, path)
            result.mistakes += mistakes
            written = doc.data.get("illustration")
            if doc.data.get("kind") == "exercise" and isinstance(written, str) and text_problem(written) is None:
                # checked even if other fields fail (a path with control characters is reported already)
                result.mistakes += _illustration_mistakes(path, doc.source, written, library_folder_of(path))
        if model is None or doc is None:
            # Its mistakes are reported already: do not also call its id unknown where routines use it.
            # The file name stands in for an id that could not be read (names should match ids).
            result.broken_ids.add(path.stem)
            if doc is not None and isinstance(doc.data.get("id"), str):
                result.broken_ids.add(doc.data["id"])
            continue
        loaded = LoadedFile(path, model, doc.source)
        if isinstance(model, Exercise):
            model._library_root = library_folder_of(path)
        result.mistakes += _file_name_warning(loaded)
        result.loaded.append(loaded)
    _check_unique_ids(result, dict(taken_ids or {}))
    exercises = dict(known_exercises or {})
    exercises.update({f.model.id: f.model for f in result.loaded if isinstance(f.model, Exercise)})
    for loaded in result.loaded:
        if isinstance(loaded.model, Routine):
            result.mistakes += _routine_item_mistakes(loaded, exercises, result.broken_ids)
    result.mistakes.sort(key=Mistake.sort_key)
    return result


def _at(path: Path, source: SourceMap, loc: tuple, message: str, *, key: bool = False, **extra) -> Mistake:
    line, column = source.key_position(loc) if key else source.value_position(loc)
    return Mistake(path, message, line=line + 1, column=column + 1, field=field_path(loc), **extra)


def _file_name_warning(loaded: LoadedFile) -> list[Mistake]:
    if loaded.path.stem == loaded.model.id:
        return []
    return [
        _at(loaded.path, loaded.source, ("id",),
            f"the file is named '{loaded.path.name}' but its id is '{loaded.model.id}'; "
            f"name it '{loaded.model.id}{loaded.path.suffix}' so people can find it", warning=True)
    ]


def _illustration_mistakes(path: Path, source: SourceMap, written: str, root: Path) -> list[Mistake]:
    written = written.strip()  # as the model reads it
    parts = [part for part in re.split(r"[\\/]+", written) if part not in ("", ".")]

    def mistake(message: str, hint: str | None = None) -> list[Mistake]:
        return [_at(path, source, ("illustration",), message, hint=hint)]

    problem = path_problem(written)
    if problem:
        return mistake(f"the illustration path cannot be used: {problem}")
    if Path(written).is_absolute() or written.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", written):
        return mistake(f"'{written}' is an absolute path; write it relative to the library folder {root}")
    if not parts:
        return mistake("the illustration path is empty: give the picture's path, e.g. assets/exercises/my-exercise.svg")
    if ".." in parts:
        return mistake(f"'{written}' goes up with '..'; illustrations must stay inside the library folder {root}")
    try:
        return _illustration_file_mistakes(written, parts, root, mistake)
    except (OSError, RuntimeError, ValueError) as exc:  # a name too long with its folder, a symbolic link loop
        return mistake(f"the illustration path cannot be used: {getattr(exc, 'strerror', None) or exc}")


def _illustration_file_mistakes(written: str, parts: list[str], root: Path, mistake) -> list[Mistake]:
    target = root.joinpath(*parts)
    resolved = target.resolve()
    if not resolved.is_relative_to(root.resolve()):
        return mistake(f"'{written}' leads (through a symbolic link) to {resolved}, outside the library "
                       f"folder {root}")
    if resolved.is_dir():
        return mistake(f"'{written}' is a folder; give the picture's file inside it")
    if not resolved.is_file():
        nearby = [p.name for p in target.parent.iterdir() if p.is_file()] if target.parent.is_dir() else []
        match = did_you_mean(target.name, nearby)
        hint = "/".join(parts[:-1] + [match]) if match else None
        return mistake(f"file not found: {target}", hint)
    return []


def _check_unique_ids(result: CheckResult, owners: dict[str, Path]) -> None:
    unique: list[LoadedFile] = []
    for loaded in result.loaded:
        other = owners.get(loaded.model.id)
        if other is not None:
            result.mistakes.append(
                _at(loaded.path, loaded.source, ("id",),
                    f"the id '{loaded.model.id}' is already used by {other}; ids must be unique")
            )
            continue
        owners[loaded.model.id] = loaded.path
        unique.append(loaded)
    result.loaded = unique


def _routine_item_mistakes(loaded: LoadedFile, exercises: Mapping[str, Exercise], broken: set[str]) -> list[Mistake]:
    mistakes: list[Mistake] = []
    routine: Routine = loaded.model  # type: ignore[assignment]
    for index, item in enumerate(routine.items):
        loc = ("items", index)
        exercise = exercises.get(item.exercise)
        if exercise is None and item.exercise in broken:
            continue
        if exercise is None:
            mistakes.append(_at(loaded.path, loaded.source, loc + ("exercise",),
                                f"no exercise with the id '{item.exercise}'",
                                hint=did_you_mean(item.exercise, exercises)))
            continue
        mistakes += _override_mistakes(loaded, loc, item, exercise)
    return mistakes


class Located(Protocol):
    """A file read with its source map: where a mistake in it is reported."""

    @property
    def path(self) -> Path: ...

    @property
    def source(self) -> SourceMap: ...


class Overrides(Protocol):
    """What a routine item and a prescription's settings for an exercise both override (checked alike)."""

    @property
    def model_fields_set(self) -> set[str]: ...

    @property
    def level(self) -> int | None: ...

    @property
    def thresholds(self) -> Mapping[str, float]: ...


def _override_mistakes(loaded: Located, loc: tuple, item: Overrides, exercise: Exercise) -> list[Mistake]:
    given = [name for name in _OVERRIDES if name in item.model_fields_set and getattr(item, name)]
    if exercise.movement is None:
        return [
            _at(loaded.path, loaded.source, loc + (name,),
                f"'{exercise.id}' is a {exercise.category} exercise: {name} only applies to movement exercises",
                key=True)
            for name in given
        ]
    guarded = sorted({guard.measure for guard in exercise.movement.guards})
    mistakes = []
    levels = len(exercise.movement.levels)
    if item.level is not None and item.level > levels:
        having = f"only levels 1 to {levels}" if levels else "no levels"
        mistakes.append(_at(loaded.path, loaded.source, loc + ("level",), f"'{exercise.id}' has {having}"))
    for measure in item.thresholds:
        if measure not in guarded:
            watched = ", ".join(guarded) if guarded else "nothing (it has no guards)"
            mistakes.append(
                _at(loaded.path, loaded.source, loc + ("thresholds", measure),
                    f"'{exercise.id}' has no guard on '{measure}'; its guards watch: {watched}",
                    key=True, hint=did_you_mean(measure, guarded))
            )
    return mistakes


class Library:
    """Exercises and routines by id, every file checked before anything is added."""

    def __init__(self) -> None:
        self.exercises: dict[str, Exercise] = {}
        self.routines: dict[str, Routine] = {}
        self.files: dict[str, Path] = {}  # id -> the file it was loaded from

    def add(self, *paths: Path | str) -> None:
        """Load more files or folders (e.g. a therapist's prescription bundle) on top of what is here.

        Its routines may use the exercises already loaded.  Nothing is added if any file has a
        mistake: a UserError lists them all.
        """
        files, mistakes = find_routine_files(Path(p) for p in paths)
        result = check_files(files, known_exercises=self.exercises, taken_ids=self.files)
        errors = sorted(mistakes + result.errors, key=Mistake.sort_key)
        if errors:
            count = f"{len(errors)} mistake{'s' if len(errors) > 1 else ''}"
            raise UserError(f"{count} in the routine files (fix them, or run `rehabcoach validate` on them):\n"
                            + "\n".join(f"  {m}" for m in errors))
        for loaded in result.loaded:
            self.put(loaded.model, loaded.path)

    def put(self, model: Exercise | Routine, path: Path) -> None:
        """Add one checked exercise or routine, read from ``path``."""
        if isinstance(model, Exercise):
            self.exercises[model.id] = model
        else:
            self.routines[model.id] = model
        self.files[model.id] = path

    def exercise(self, exercise_id: str) -> Exercise:
        if exercise_id in self.exercises:
            return self.exercises[exercise_id]
        raise UserError(self._unknown("exercise", exercise_id, self.exercises, self.routines, "routine"))

    def routine(self, routine_id: str) -> Routine:
        if routine_id in self.routines:
            return self.routines[routine_id]
        raise UserError(self._unknown("routine", routine_id, self.routines, self.exercises, "exercise"))

    @staticmethod
    def _unknown(kind: str, wanted: str, ids: Mapping, other_ids: Mapping, other_kind: str) -> str:
        if wanted in other_ids:
            return f"'{wanted}' is an {other_kind}, not a {kind}" if other_kind == "exercise" else \
                f"'{wanted}' is a {other_kind}, not an {kind}"
        listing = "; `rehabcoach list` shows them all"
        return f"no {kind} with the id '{wanted}'{hint_text(did_you_mean(wanted, ids))}{listing}"


def load_library(root: Path | str | None = None) -> Library:
    """The exercise library in ``root`` (default: the one installed with the app).

    Raises UserError listing every mistake if any file is wrong.
    """
    folder = Path(root) if root is not None else resource_path("library")
    if not folder.is_dir():
        raise UserError(f"library folder not found: {folder}")
    parts = [folder / name for name in LIBRARY_FOLDERS if (folder / name).is_dir()]
    if not parts:
        raise UserError(f"{folder} is not an exercise library: it has no exercises/ folder")
    library = Library()
    library.add(*parts)
    return library
