"""docs/routine-format.md stays in sync with the models: its examples are valid, and it names every
field and every measure the format knows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel
from ruamel.yaml import YAML

from rehabcoach.routines.models import Exercise, Guard, Level, Movement, Routine, RoutineItem, Step, Target
from rehabcoach.vision.catalogue import MEASURES

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "routine-format.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _yaml_examples(text: str) -> list[dict]:
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    return [data for data in (YAML(typ="safe").load(block) for block in blocks) if isinstance(data, dict)]


def test_every_example_is_a_valid_file(doc):
    examples = _yaml_examples(doc)
    kinds = sorted(example["kind"] for example in examples)
    assert kinds.count("exercise") >= 2 and kinds.count("routine") >= 1
    for example in examples:
        model = Exercise if example["kind"] == "exercise" else Routine
        model.model_validate(example)


def test_exercise_examples_match_the_library_files(doc):
    """The doc quotes real files; when a file changes, the quote must change with it."""
    yaml = YAML(typ="safe")
    for example in _yaml_examples(doc):
        if example["kind"] != "exercise":
            continue
        matches = list((REPO / "exercises").rglob(f"{example['id']}.yaml"))
        assert len(matches) == 1, example["id"]
        assert yaml.load(matches[0].read_text(encoding="utf-8")) == example


@pytest.mark.parametrize("model", [Exercise, Step, Movement, Level, Target, Guard, Routine, RoutineItem], ids=lambda m: m.__name__)
def test_every_field_is_documented(doc, model: type[BaseModel]):
    for name in model.model_fields:
        assert f"| `{name}` |" in doc, f"{model.__name__}.{name} is missing from {DOC.name}"


def test_every_measure_is_documented_with_its_scale(doc):
    for name, info in MEASURES.items():
        row = re.search(rf"^\| `{name}` \| {info.region} \| {info.scale} \|", doc, flags=re.MULTILINE)
        assert row, f"measure {name} ({info.region}, {info.scale}) is missing from the measure table"
