"""Validate one parsed routine file against the pydantic models, reporting every mistake at its line.

pydantic gives each error a location (``('movement', 'guards', 0, 'threshold')``); the source map
built while reading the YAML turns that back into a line and column.  Messages are reworded for the
people who write these files (therapists), with a "did you mean" hint where one helps.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from rehabcoach.routines.mistakes import Location, Mistake, field_path
from rehabcoach.routines.models import Exercise, Routine
from rehabcoach.routines.suggestions import did_you_mean
from rehabcoach.routines.yaml_source import Position, YamlDocument

MODELS_BY_KIND: dict[str, type[Exercise] | type[Routine]] = {"exercise": Exercise, "routine": Routine}
# pydantic's wording for wrong types, in the words of the people who write routine files.
_PLAIN_TYPE_MESSAGES = {
    "model_type": "should be a section of indented 'key: value' lines",
    "model_attributes_type": "should be a section of indented 'key: value' lines",
    "dict_type": "should be a section of indented 'key: value' lines",
    "list_type": "should be a list: one item per line, each starting with '- '",
    "string_type": "should be text",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "bool_type": "should be true or false",
    "date_type": "should be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "should be a date (YYYY-MM-DD)",
    "date_parsing": "should be a date (YYYY-MM-DD)",
}
_KEY_MARKER = "[key]"  # pydantic's last location part when a dict *key* (not its value) is wrong


def validate_document(doc: YamlDocument, path: Path) -> tuple[Exercise | Routine | None, list[Mistake]]:
    kind = doc.data.get("kind")
    if not isinstance(kind, str) or kind not in MODELS_BY_KIND:
        return None, [_kind_mistake(doc, path, kind)]
    model = MODELS_BY_KIND[kind]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, _mistakes_from_errors(exc.errors(include_url=False), model, doc, path)


def _kind_mistake(doc: YamlDocument, path: Path, kind: Any) -> Mistake:
    if "kind" not in doc.data:
        line, column = doc.source.value_position(())
        return Mistake(path, "missing 'kind': start the file with 'kind: exercise' or 'kind: routine'",
                       line=line + 1, column=column + 1, field="kind")
    line, column = doc.source.value_position(("kind",))
    return Mistake(path, f"{_shown(kind)} is not a kind of file; use 'exercise' or 'routine'",
                   line=line + 1, column=column + 1, field="kind", hint=did_you_mean(kind, MODELS_BY_KIND))


def _mistakes_from_errors(errors: Sequence[ErrorDetails], model: type[BaseModel], doc: YamlDocument,
                          path: Path) -> list[Mistake]:
    # A misspelled required key shows up twice: as an unknown key and as a missing one.  Report it
    # once, as the unknown key with its "did you mean" hint.
    hinted_missing: set[Location] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            hint = _key_hint(model, tuple(error["loc"]))
            if hint:
                hinted_missing.add(tuple(error["loc"][:-1]) + (hint,))
    mistakes = []
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "missing" and loc in hinted_missing:
            continue
        if loc in doc.source.reported:
            continue  # "'reps' has no value", "a control character" were said while reading the file
        mistakes.append(_mistake_from_error(error, loc, model, doc, path))
    return mistakes


def _mistake_from_error(error: ErrorDetails, loc: Location, model: type[BaseModel], doc: YamlDocument, path: Path) -> Mistake:
    kind = error["type"]
    value = error.get("input")
    hint = None
    on_key = bool(loc) and loc[-1] == _KEY_MARKER
    if on_key:
        loc = loc[:-1]
    position: Position
    if kind == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'"
        hint = _key_hint(model, loc)
        position = doc.source.key_position(loc)
    elif kind == "missing":
        message = f"required key '{loc[-1]}' is missing"
        position = doc.source.key_position(loc[:-1])
    elif kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        what = "key" if on_key else "value"
        message = f"{_shown(value)} is not an allowed {what}; use one of: {', '.join(allowed)}"
        hint = did_you_mean(value, allowed)
        position = doc.source.key_position(loc) if on_key else doc.source.value_position(loc)
    elif kind == "string_pattern_mismatch" and loc and loc[-1] in ("id", "exercise"):
        message = f"{_shown(value)} is not a valid id: use lower-case letters and digits in words joined by hyphens"
        hint = _slug(value)
        position = doc.source.value_position(loc)
    elif kind == "value_error":  # raised by the models' own checks, about a whole section
        message = str(error["msg"]).removeprefix("Value error, ")
        position = _section_position(doc, loc, message)
    else:
        message = _PLAIN_TYPE_MESSAGES.get(kind, str(error["msg"]))
        if isinstance(value, (str, int, float, bool)) or value is None:
            message += f" (it is {_shown(value)})"
        position = doc.source.key_position(loc) if on_key else doc.source.value_position(loc)
    return Mistake(path, message, line=position[0] + 1, column=position[1] + 1, field=field_path(loc), hint=hint)


def _section_position(doc: YamlDocument, loc: Location, message: str) -> Position:
    """Point a section-level error at the first key it names that is present, else at the section's key."""
    for name in re.findall(r"'([a-z_]+)'", message):
        if loc + (name,) in doc.source.keys:
            return doc.source.keys[loc + (name,)]
    return doc.source.key_position(loc)


def _key_hint(model: type[BaseModel], loc: Location) -> str | None:
    owner = _model_at(model, loc[:-1])
    return did_you_mean(loc[-1], owner.model_fields) if owner else None


def _model_at(model: type[BaseModel], loc: Location) -> type[BaseModel] | None:
    """The pydantic model describing the mapping at ``loc`` (follows fields, list items, optionals)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """``Movement | None`` -> ``Movement``; ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _slug(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", value.strip().lower()).strip("-")
    return slug if len(slug) >= 2 and slug != value else None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as written in YAML, not Python's True
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "nothing" if value is None else str(value)
