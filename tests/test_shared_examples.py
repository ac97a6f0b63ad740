"""The worked examples in ../shared/examples score exactly as expected.json says."""

from __future__ import annotations

import io
import json

import pytest

from coach.cli import main
from tests.conftest import SHARED

EXPECTED = SHARED / "examples" / "expected.json"
NAMES = sorted(json.loads(EXPECTED.read_text())) if EXPECTED.is_file() else []


@pytest.mark.parametrize("name", NAMES)
def test_shared_example_scores_as_expected(name: str, shared_examples) -> None:
    expected = json.loads(EXPECTED.read_text())[name]
    out, err = io.StringIO(), io.StringIO()
    status = main(
        [
            "score",
            "--scenario", str(shared_examples / "scenarios" / f"{expected['scenario']}.yaml"),
            str(shared_examples / "transcripts" / f"{name}.json"),
        ],
        out,
        err,
    )
    assert status == 0, err.getvalue()
    card = json.loads(out.getvalue())
    assert card["scenario"] == expected["scenario"]
    assert card["outcome"] == expected["outcome"]
    assert card["score"] == expected["score"]
    assert card["passed"] == expected["passed"]
    assert {rule["code"]: rule["verdict"] for rule in card["rules"]} == expected["verdicts"]


def test_shared_examples_are_present(shared_examples) -> None:
    assert len(NAMES) >= 6


def test_shared_scenarios_validate(shared_examples) -> None:
    assert main(["validate", str(shared_examples / "scenarios")], io.StringIO(), io.StringIO()) == 0
