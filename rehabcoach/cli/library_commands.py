"""``rehabcoach list``, ``validate`` and ``schema``: the commands about the exercise library.

``validate`` rule for references: a routine's exercise ids are looked up first among the files being
validated, then in the app's own library, so a therapist can check a prescription bundle that only
holds routines built on the standard exercises.
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path

from pydantic.json_schema import models_json_schema

from rehabcoach.errors import UserError
from rehabcoach.resources import resource_path
from rehabcoach.routines.loader import (
    LIBRARY_FOLDERS,
    Library,
    check_files,
    find_routine_files,
    load_library,
    resolve_exercise,
    resolve_routine,
)
from rehabcoach.routines.mistakes import Mistake, summary_line
from rehabcoach.routines.models import Exercise, Routine

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CATEGORIES: tuple[str, ...] = typing.get_args(Exercise.model_fields["category"].annotation)


def register(subparsers, parser: argparse.ArgumentParser) -> None:
    listing = subparsers.add_parser(
        "list", help="list the exercises and routines", description="List the exercises and routines of the library."
    )
    listing.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
    listing.add_argument("--library", type=Path, metavar="DIR",
                         help="library folder (holding exercises/); default: the one installed with the app")
    listing.set_defaults(run=run_list)

    validate = subparsers.add_parser(
        "validate",
        help="check exercise and routine files, reporting every mistake",
        description="Check exercise and routine YAML files (folders are searched recursively) and print every "
        "mistake as PATH:LINE:COLUMN: FIELD: MESSAGE. Exercise ids used by routines are looked up among the "
        "files checked, then in the app's own library. A file whose name differs from its id gets a warning. "
        "Exits with 1 if there is any mistake.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a YAML file or a folder")
    validate.set_defaults(run=run_validate)

    schema = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of the routine format",
        description="Print the JSON Schema of exercise and routine files, for editors' completion and checks "
        "(e.g. save it and add `# yaml-language-server: $schema=routine.schema.json` to a file).",
    )
    schema.add_argument("--kind", choices=("exercise", "routine", "all"), default="all",
                        help="which kind of file (default: all, either kind)")
    schema.set_defaults(run=run_schema)


# --- list ---------------------------------------------------------------------------------------


def minutes_seconds(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def library_listing(library: Library) -> dict:
    exercises = []
    for exercise in sorted(library.exercises.values(), key=lambda e: (CATEGORIES.index(e.category), e.id)):
        seconds = resolve_exercise(exercise).duration_seconds
        exercises.append({
            "id": exercise.id, "title": exercise.title, "category": exercise.category,
            "duration_seconds": round(seconds, 1), "duration": minutes_seconds(seconds),
        })
    routines = []
    for routine in sorted(library.routines.values(), key=lambda r: r.id):
        seconds = sum(r.duration_seconds for r in resolve_routine(library, routine.id))
        routines.append({
            "id": routine.id, "title": routine.title, "exercises": len(routine.items),
            "exercise_ids": [item.exercise for item in routine.items],
            "duration_seconds": round(seconds, 1), "duration": minutes_seconds(seconds),
        })
    return {"exercises": exercises, "routines": routines}


def run_list(args: argparse.Namespace) -> int:
    listing = library_listing(load_library(args.library))
    if args.json:
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return 0
    print(f"Exercises ({len(listing['exercises'])})")
    id_width = max((len(e["id"]) for e in listing["exercises"] + listing["routines"]), default=0)
    for category in CATEGORIES:
        group = [e for e in listing["exercises"] if e["category"] == category]
        if group:
            print(f"\n  {category.capitalize()}")
        for e in group:
            print(f"    {e['id']:<{id_width}}  {e['duration']:>6}  {e['title']}")
    print(f"\nRoutines ({len(listing['routines'])})")
    for r in listing["routines"]:
        count = f"{r['exercises']} exercise{'s' if r['exercises'] != 1 else ''}"
        print(f"    {r['id']:<{id_width}}  {r['duration']:>6}  {r['title']} ({count})")
    print("\nDurations are estimates (minutes:seconds).")
    return 0


# --- validate -----------------------------------------------------------------------------------


def run_validate(args: argparse.Namespace) -> int:
    files, mistakes = find_routine_files(args.paths)
    result = check_files(files, known_exercises=_installed_exercises(excluding=files))
    mistakes = sorted(mistakes + result.mistakes, key=Mistake.sort_key)
    for mistake in mistakes:
        print(mistake)
    print(summary_line(mistakes, len(files)))
    return 1 if any(not m.warning for m in mistakes) else 0


def _installed_exercises(excluding: list[Path]) -> dict[str, Exercise]:
    """The app library's valid exercises, other than the files being validated (their mistakes are not ours)."""
    try:
        root = resource_path("library")
    except UserError:
        return {}
    folders = [root / name for name in LIBRARY_FOLDERS if (root / name).is_dir()]
    skip = {path.resolve() for path in excluding}
    files, _ = find_routine_files(folders)
    result = check_files([f for f in files if f.resolve() not in skip])
    return {f.model.id: f.model for f in result.loaded if isinstance(f.model, Exercise)}


# --- schema -------------------------------------------------------------------------------------


def routine_format_schema(kind: str = "all") -> dict:
    if kind == "exercise":
        return {"$schema": JSON_SCHEMA_DIALECT, **Exercise.model_json_schema()}
    if kind == "routine":
        return {"$schema": JSON_SCHEMA_DIALECT, **Routine.model_json_schema()}
    _, definitions = models_json_schema([(Exercise, "validation"), (Routine, "validation")])
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "RehabCoach exercise or routine file",
        "oneOf": [{"$ref": "#/$defs/Exercise"}, {"$ref": "#/$defs/Routine"}],
        "$defs": definitions["$defs"],
    }


def run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(routine_format_schema(args.kind), indent=2))
    return 0
