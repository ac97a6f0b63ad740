"""The scenarios x rules coverage: what each scenario's walkthroughs exercise, and the gaps."""

from __future__ import annotations

import io
import json

from coach.cli import main
from coach.coverage import coverage, scenario_coverage
from coach.library import ScenarioLibrary
from coach.rules import RULES
from coach.scenario import load_scenario
from tests.conftest import ROOT


def test_shipped_scenarios_cover_every_rule_both_ways() -> None:
    found = coverage(ScenarioLibrary().playable())
    assert found.uncovered() == []
    for rule in RULES:
        both = set().union(*(s.verdicts[rule.code] for s in found.scenarios))
        assert both == {"pass", "fail"}, rule.code


def test_a_transfer_scenario_exercises_transfer_rules_only() -> None:
    row = scenario_coverage(ScenarioLibrary().get("lost-book-charge-maplewood"))
    assert row.verdicts["TR001"] == {"pass", "fail"}
    assert not row.exercises("FU001") and not row.exercises("RX001")


def test_scenario_without_walkthroughs_exercises_nothing() -> None:
    row = scenario_coverage(load_scenario(ROOT / "tests" / "rules" / "scenarios" / "account.yaml"))
    assert not any(row.exercises(rule.code) for rule in RULES)
    assert coverage([load_scenario(ROOT / "tests" / "rules" / "scenarios" / "account.yaml")]).uncovered() == [
        rule.code for rule in RULES
    ]


def test_coverage_command() -> None:
    out = io.StringIO()
    assert main(["coverage", "--format", "json", str(ROOT / "scenarios")], out, io.StringIO()) == 0
    report = json.loads(out.getvalue())
    assert report["uncovered"] == [] and len(report["scenarios"]) >= 15 and report["problems"] == []
    out = io.StringIO()
    assert main(["coverage", str(ROOT / "scenarios" / "mill-photos-followup.yaml")], out, io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert lines[1].split()[0] == "mill-photos-followup" and "rules no scenario exercises:" in lines[-1]
    err = io.StringIO()
    assert main(["coverage", "nope/"], io.StringIO(), err) == 2 and "no such file" in err.getvalue()
