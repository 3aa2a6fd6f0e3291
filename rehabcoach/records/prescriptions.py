"""Prescriptions: what a therapist asks a patient to practise, written as YAML and checked like routines.

A prescription names routines and how often to do them, per-exercise overrides (reps, hold, rest,
guard thresholds) and notes.  It can bundle custom exercises, routines and illustrations: ``bundle``
lists files or folders relative to the prescription file, which must stay inside its folder.

Reading and error reporting reuse the routine loader's machinery (safe YAML with positions, pydantic
errors mapped to line/column/field with "did you mean" hints, override checks), so a therapist gets
the same quality of message for both kinds of file, and every mistake at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from rehabcoach.errors import UserError
from rehabcoach.files import path_problem
from rehabcoach.routines.loader import (
    Library,
    LoadedFile,
    _override_mistakes,
    check_files,
    find_routine_files,
    library_folder_of,
    load_library,
)
from rehabcoach.routines.mistakes import Mistake, field_path
from rehabcoach.routines.models import Exercise, Id, MeasureName, _Strict
from rehabcoach.routines.suggestions import did_you_mean
from rehabcoach.routines.validation import _mistakes_from_errors
from rehabcoach.routines.yaml_source import SourceMap, read_yaml_mapping, text_problem

MAX_BUNDLE_BYTES = 20 << 20  # illustrations are small drawings; this is far above any real bundle


class PrescribedRoutine(_Strict):
    routine: Id = Field(description="Id of a routine in the library or in the bundle.")
    times: int = Field(ge=1, le=10, description="How many sessions of this routine ...")
    per: Literal["day", "week"] = Field(description="... per day or per week.")


class ExerciseOverride(_Strict):
    """Per-exercise settings for this patient; they apply wherever the exercise appears."""

    reps: int | None = Field(None, ge=1, le=50)
    hold_seconds: float | None = Field(None, ge=1, le=60)
    rest_seconds: float | None = Field(None, ge=1, le=120)
    thresholds: dict[MeasureName, Annotated[float, Field(gt=0, le=2.0)]] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Guard threshold per measure (the measure's own scale)."
    )
    notes: str = Field("", max_length=2000)
    level: int | None = Field(None, ge=1, le=5, description="Progression level of the exercise for this patient.")
    lock_level: bool = Field(False, description="Keep this level: the app does not suggest stepping up.")

    @model_validator(mode="after")
    def _lock_needs_level(self) -> "ExerciseOverride":
        if self.lock_level and self.level is None:
            raise ValueError("'lock_level' needs a 'level' to keep")
        return self


class Prescription(_Strict):
    kind: Literal["prescription"]
    title: str = Field(min_length=2, max_length=120)
    patient: str | None = Field(None, max_length=60, description="Profile name it is meant for (checked on import).")
    prescribed_by: str = Field("", max_length=120)
    # Dates are written as text (YYYY-MM-DD) in the file and in the stored JSON: parsed, not strict.
    starts_on: date = Field(strict=False)
    ends_on: date | None = Field(None, strict=False)
    notes: str = Field("", max_length=5000, description="Shown to the patient and in reports.")
    routines: list[PrescribedRoutine] = Field(min_length=1, max_length=20)
    exercises: dict[Id, ExerciseOverride] = Field(default_factory=dict)  # type: ignore[valid-type]
    bundle: list[str] = Field(default_factory=list, max_length=200,
                              description="Files or folders (relative to this file) with custom exercises, "
                                          "routines and their illustrations.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> "Prescription":
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError(f"'ends_on' ({self.ends_on}) is before 'starts_on' ({self.starts_on})")
        return self


@dataclass
class CheckedPrescription:
    """A prescription that passed every check, with the library it was checked against."""

    path: Path
    model: Prescription
    library: Library  # the app's library plus the bundle
    files: dict[str, bytes] = field(default_factory=dict)  # bundle path (relative, '/') -> content
    text: str = ""


def check_prescription(path: Path | str, library_root: Path | None = None) -> CheckedPrescription:
    """Validate a prescription file and its bundle completely; raise UserError listing every mistake."""
    path = Path(path)
    mistakes: list[Mistake] = []
    doc, read_mistakes = read_yaml_mapping(path)
    mistakes += read_mistakes
    model = None
    if doc is not None:
        try:
            model = Prescription.model_validate(doc.data)
        except ValidationError as exc:
            mistakes += [_with_override_hint(m) for m in
                         _mistakes_from_errors(exc.errors(include_url=False), Prescription, doc, path)]
    if model is None or doc is None:
        raise _rejected(path, mistakes)

    library = load_library(library_root)
    loaded = _Place(path, doc.source)  # for the loader's position helpers
    root = path.parent.resolve()
    bundle_paths: list[Path] = []
    for index, written in enumerate(model.bundle):
        if text_problem(written):
            continue  # its control characters were reported while reading the file
        problem = _escape_problem(written, root)
        if problem:
            mistakes.append(_at(loaded, ("bundle", index), problem))
        else:
            bundle_paths.append(root.joinpath(*_parts(written)))
    files: dict[str, bytes] = {}
    if bundle_paths:
        found, missing = find_routine_files(bundle_paths)
        found = [f for f in found if f.resolve() != path.resolve()]  # a bundle of "." holds this file too
        mistakes += missing
        # A file that leads (through a symbolic link) out of the folder is refused before it is read:
        # its content must not reach the store, nor a message.
        outside = [f for f in found if not f.resolve().is_relative_to(root)]
        mistakes += [Mistake(f, f"a symbolic link leading outside the prescription's folder {root}; it was "
                             "not read: put the file itself in the bundle") for f in outside]
        found = [f for f in found if f not in outside]
        result = check_files(found, known_exercises=library.exercises, taken_ids=library.files)
        mistakes += result.errors
        for item in result.loaded:
            mistakes += _bundle_file(item, root, files)
            library.put(item.model, item.path)
    mistakes += _reference_mistakes(loaded, model, library)
    size = sum(len(content) for content in files.values())
    if size > MAX_BUNDLE_BYTES:
        mistakes.append(Mistake(path, f"the bundle holds {size / 1e6:.1f} MB; at most {MAX_BUNDLE_BYTES >> 20} MB"))
    if mistakes:
        raise _rejected(path, mistakes)
    return CheckedPrescription(path, model, library, files, path.read_text(encoding="utf-8-sig"))


def _with_override_hint(mistake: Mistake) -> Mistake:
    # The loader's hints follow model fields, not the values of a mapping such as ``exercises: {id: ...}``.
    match = re.fullmatch(r"exercises\.[a-z0-9-]+\.(\w+)", mistake.field)
    if mistake.hint or not match or not mistake.message.startswith("unknown key"):
        return mistake
    return replace(mistake, hint=did_you_mean(match.group(1), ExerciseOverride.model_fields))


def _rejected(path: Path, mistakes: list[Mistake]) -> UserError:
    errors = sorted((m for m in mistakes if not m.warning), key=Mistake.sort_key) or mistakes
    count = f"{len(errors)} mistake{'s' if len(errors) != 1 else ''}"
    return UserError(f"{path} was not imported ({count}; nothing was changed):\n" + "\n".join(f"  {m}" for m in errors))


@dataclass(frozen=True)
class _Place:
    """The prescription file and its source map: where its mistakes are reported."""

    path: Path
    source: SourceMap


def _at(loaded: _Place, loc: tuple, message: str, *, key: bool = False, hint: str | None = None) -> Mistake:
    line, column = loaded.source.key_position(loc) if key else loaded.source.value_position(loc)
    return Mistake(loaded.path, message, line=line + 1, column=column + 1, field=field_path(loc), hint=hint)


def _parts(written: str) -> list[str]:
    return [part for part in re.split(r"[\\/]+", written) if part not in ("", ".")]


def _escape_problem(written: str, root: Path) -> str | None:
    """Why a bundle path may not be used (absolute, '..', a link leading out, missing), or None."""
    problem = path_problem(written)
    if problem:
        return f"the bundle path cannot be used: {problem}"
    try:
        return _bundle_path_problem(written, root)
    except (OSError, RuntimeError, ValueError) as exc:  # too long with its folder, a symbolic link loop
        return f"the bundle path cannot be used: {getattr(exc, 'strerror', None) or exc}"


def _bundle_path_problem(written: str, root: Path) -> str | None:
    if Path(written).is_absolute() or written.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", written):
        return f"'{written}' is an absolute path; bundle paths are relative to the prescription's folder {root}"
    parts = _parts(written)
    if ".." in parts:
        return f"'{written}' goes up with '..'; the bundle must stay inside the prescription's folder {root}"
    if not parts:
        return "an empty bundle path"
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root):
        return f"'{written}' leads (through a symbolic link) to {target.resolve()}, outside {root}"
    if not target.exists():
        return f"'{written}' does not exist in {root}"
    return None


def _bundle_file(item: LoadedFile, root: Path, files: dict[str, bytes]) -> list[Mistake]:
    """Keep a bundled file (and an exercise's illustration); both must be inside the bundle folder."""
    mistakes: list[Mistake] = []
    resolved = item.path.resolve()
    if not resolved.is_relative_to(root):
        return [Mistake(item.path, f"this file is outside the prescription's folder {root}")]
    try:
        files[resolved.relative_to(root).as_posix()] = resolved.read_bytes()
    except OSError as exc:
        return [Mistake(item.path, f"cannot read the file: {exc.strerror or exc}")]
    if isinstance(item.model, Exercise):
        library_root = item.model._library_root or library_folder_of(item.path)  # set by the loader
        picture = (library_root / item.model.illustration).resolve()
        if not picture.is_relative_to(root):
            line, column = item.source.value_position(("illustration",))
            mistakes.append(Mistake(item.path, f"the illustration {picture} is outside the prescription's folder "
                                    f"{root}; put it in the bundle", line=line + 1, column=column + 1,
                                    field="illustration"))
        elif picture.is_file():
            try:
                files[picture.relative_to(root).as_posix()] = picture.read_bytes()
            except OSError as exc:
                line, column = item.source.value_position(("illustration",))
                mistakes.append(Mistake(item.path, f"cannot read the illustration {picture}: {exc.strerror or exc}",
                                        line=line + 1, column=column + 1, field="illustration"))
    return mistakes


def _reference_mistakes(loaded: _Place, model: Prescription, library: Library) -> list[Mistake]:
    mistakes = []
    for index, prescribed in enumerate(model.routines):
        if prescribed.routine not in library.routines:
            extra = " (it is an exercise; prescribe a routine that contains it)" \
                if prescribed.routine in library.exercises else ""
            mistakes.append(_at(loaded, ("routines", index, "routine"),
                                f"no routine with the id '{prescribed.routine}'{extra}",
                                hint=None if extra else did_you_mean(prescribed.routine, library.routines)))
    for exercise_id, override in model.exercises.items():
        exercise = library.exercises.get(exercise_id)
        if exercise is None:
            mistakes.append(_at(loaded, ("exercises", exercise_id), f"no exercise with the id '{exercise_id}'",
                                key=True, hint=did_you_mean(exercise_id, library.exercises)))
            continue
        mistakes += _override_mistakes(loaded, ("exercises", exercise_id), override, exercise)
    return mistakes
