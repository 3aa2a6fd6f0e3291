"""Read one routine file as plain data, safely, remembering where every key and value was written.

The file is only *composed* by ruamel.yaml (turned into a tree of nodes with line/column marks);
plain Python values are then built here from mappings, sequences and standard scalars.  No YAML
constructor ever sees a tag it would turn into an object, so ``!!python/object`` and friends are
reported, never executed.  Anchors and aliases are refused as well: routine files do not need them,
and refusing them rules out "billion laughs" expansion.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rehabcoach.routines.mistakes import Location, Mistake, field_path

MAX_FILE_BYTES = 1 << 20  # a routine file is a few kB; anything near this is not a routine file
MAX_DEPTH = 32

_STANDARD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STANDARD + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}

Position = tuple[int, int]  # 0-based line and column, as ruamel.yaml marks them

# Characters YAML does not allow anywhere in a file (https://yaml.org/spec/1.2.2/#51-character-set).
_NOT_YAML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Characters no text in a routine may hold, even written as escapes ("\e[31m"): they act on terminals
# and screens (colours, cursor moves, reordered lines) instead of being read.
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@dataclass
class SourceMap:
    """Where each key and value of a document was written, by location (keys and list indices)."""

    values: dict[Location, Position] = field(default_factory=lambda: {(): (0, 0)})
    keys: dict[Location, Position] = field(default_factory=dict)
    # Values reported while reading (empty, control characters): not reported again by the models.
    reported: set[Location] = field(default_factory=set)

    def value_position(self, loc: Location) -> Position:
        """Position of the value at ``loc``, or of the closest enclosing value that exists."""
        loc = tuple(loc)
        while loc not in self.values:
            loc = loc[:-1]
        return self.values[loc]

    def key_position(self, loc: Location) -> Position:
        """Position of the key naming ``loc`` (a list item has no key: its value is used instead)."""
        loc = tuple(loc)
        if loc in self.keys:
            return self.keys[loc]
        return self.value_position(loc)


@dataclass
class YamlDocument:
    data: dict[str, Any]
    source: SourceMap


def read_yaml_mapping(path: Path) -> tuple[YamlDocument | None, list[Mistake]]:
    """Parse ``path`` into a mapping; on any problem return None and every mistake found."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Mistake(path, f"file is {size / 1e6:.1f} MB; routine files must be under 1 MB")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Mistake(path, f"cannot read the file: {exc.strerror or exc}")]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) > 1 and raw.count(b"\0") * 4 > len(raw)):
        return None, [Mistake(path, "the file is UTF-16 or UTF-32 text: save it as UTF-8 in your editor",
                              line=1, column=1)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Mistake(path, "the file is not UTF-8 text: save it as UTF-8 in your editor", line=line, column=column)
        ]
    bad = _NOT_YAML.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return None, [Mistake(path, f"the file holds a control character (U+{ord(bad.group()):04X}), which YAML "
                              "does not allow: delete it", line=line, column=column)]
    if _flow_depth(text) > MAX_DEPTH:
        return None, [Mistake(path, "the file is nested too deeply to be a routine file")]
    yaml = YAML(typ="rt")
    try:
        # ruamel.yaml reports some doubts as Python warnings, which would reach stderr raw: none of
        # them matters for a routine file (values are checked here and by the models).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Mistake(path, f"YAML syntax: {_one_line(message)}", line=line, column=column)]
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Mistake(path, f"YAML syntax: {_one_line(str(exc))}", line=line, column=column)]
    except RecursionError:
        return None, [Mistake(path, "the file is nested too deeply to be a routine file", line=1, column=1)]
    if root is None:
        return None, [Mistake(path, "the file is empty: it should start with 'kind: exercise' or 'kind: routine'")]
    if not isinstance(root, MappingNode):
        what = "a list" if isinstance(root, SequenceNode) else "a single value"
        return None, [
            Mistake(
                path, f"the file holds {what}; it must be a mapping of keys, starting with 'kind: exercise' or "
                "'kind: routine'", line=root.start_mark.line + 1, column=root.start_mark.column + 1,
            )
        ]
    builder = _Builder(path, yaml)
    with warnings.catch_warnings():  # building values may warn too (see compose above)
        warnings.simplefilter("ignore")
        data = builder.build(root, ())
    if builder.fatal:
        return None, builder.mistakes
    return YamlDocument(data, builder.source), builder.mistakes


def _one_line(message: str) -> str:
    return " ".join(message.split())


def text_problem(text: str) -> str | None:
    """Why a text value cannot be shown to people (control characters, nothing visible), or None."""
    bad = _CONTROL_IN_TEXT.search(text)
    if bad:
        return (f"the text holds a control character (U+{ord(bad.group()):04X}); write only characters "
                "that can be read")
    if text and not text.isspace() and all(
            char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs", "Zl", "Zp") for char in text):
        return "the text holds only invisible characters; write words, or remove the key"
    return None


def _flow_depth(text: str) -> int:
    """Deepest nesting of [ and { brackets, roughly (brackets in text count too).

    ruamel.yaml takes quadratic time on deeply nested brackets (20 s for 5,000), so such a file is
    refused before parsing; real routine files nest a handful of levels.
    """
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and str(node.tag) == _STANDARD + "null"


class _Builder:
    def __init__(self, path: Path, yaml: YAML):
        self.path = path
        self.yaml = yaml
        self.source = SourceMap()
        self.mistakes: list[Mistake] = []
        self.fatal = False  # a mistake that makes the rest of the file untrustworthy (unsafe tag, alias)

    def _mistake(self, node: Node, loc: Location, message: str, *, fatal: bool) -> None:
        mark = node.start_mark
        self.mistakes.append(
            Mistake(self.path, message, line=mark.line + 1, column=mark.column + 1, field=field_path(loc))
        )
        self.fatal = self.fatal or fatal

    def build(self, node: Node, loc: Location) -> Any:
        self.source.values[loc] = (node.start_mark.line, node.start_mark.column)
        if getattr(node, "anchor", None):
            self._mistake(node, loc, f"anchors and aliases (&{node.anchor}, *{node.anchor}) are not allowed "
                          "in routine files: write the value out", fatal=True)
            return None  # never descend into a shared node: that is how alias bombs explode
        tag = str(node.tag)
        if tag not in _ALLOWED_TAGS:
            shown = "!!" + tag[len(_STANDARD):] if tag.startswith(_STANDARD) else tag
            self._mistake(node, loc, f"the tag '{shown}' is not allowed: routine files hold only text, numbers, "
                          "true/false, lists and mappings", fatal=True)
            return None
        if len(loc) > MAX_DEPTH:
            self._mistake(node, loc, "nested too deeply", fatal=True)
            return None
        expected_node = {_STANDARD + "map": MappingNode, _STANDARD + "seq": SequenceNode}.get(tag, ScalarNode)
        if not isinstance(node, expected_node):  # e.g. `!!str [1]` or `!!map text`
            self._mistake(node, loc, f"the tag '!!{tag[len(_STANDARD):]}' does not fit this value", fatal=True)
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                if _is_null(item):
                    self._mistake(item, loc + (index,), "an empty list item: write its value, or remove the line",
                                  fatal=False)
                    self.source.reported.add(loc + (index,))
            return [self.build(item, loc + (index,)) for index, item in enumerate(node.value)]
        if not isinstance(node, ScalarNode):  # a collection node with a scalar's tag was refused above
            return None
        try:
            value = self._scalar(node)
            problem = text_problem(value) if isinstance(value, str) else None
            if problem:
                self._mistake(node, loc, problem, fatal=False)
                self.source.reported.add(loc)
            return value
        except (ValueError, TypeError, LookupError, ArithmeticError, YAMLError):  # e.g. `!!int abc`
            self._mistake(node, loc, f"'{node.value}' is not a valid {tag[len(_STANDARD):]}", fatal=True)
            return None

    def _mapping(self, node: MappingNode, loc: Location) -> dict:
        result: dict = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or str(key_node.tag) not in _ALLOWED_TAGS:
                self._mistake(key_node, loc, "keys must be plain words", fatal=True)
                continue
            key = str(key_node.value)  # keys are names: `1:` or `null:` mean the text written, not a number
            if key in first_seen:
                self._mistake(key_node, loc + (key,), f"duplicate key '{key}' (first written on line "
                              f"{first_seen[key]}); only one is allowed", fatal=False)
            else:
                first_seen[key] = key_node.start_mark.line + 1
            self.source.keys[loc + (key,)] = (key_node.start_mark.line, key_node.start_mark.column)
            if _is_null(value_node):
                # `reps:` or `reps: ~` would silently mean "no override": say so instead.
                self._mistake(value_node, loc + (key,), f"'{key}' has no value: write one, or remove the line",
                              fatal=False)
                self.source.reported.add(loc + (key,))
            result[key] = self.build(value_node, loc + (key,))
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        if str(node.tag) == _STANDARD + "timestamp":
            return node.value  # a date typed into a text field stays the text the author wrote
        value = self.yaml.constructor.construct_object(node, deep=True)
        # ruamel's round-trip scalars (ScalarFloat, ScalarInt, LiteralScalarString) -> plain built-ins.
        for plain in (bool, int, float, str):
            if isinstance(value, plain):
                return plain(value)
        if isinstance(value, (datetime.date, datetime.datetime)):
            return node.value
        return value
