"""Trainers can switch a rule off or change its severity for one scenario."""

from __future__ import annotations

import textwrap

import pytest

from coach.events import parse_transcript
from coach.problems import BadInput
from coach.scenario import parse_scenario
from coach.scoring import SWITCHED_OFF, score

SCENARIO = textwrap.dedent(
    """\
    id: settings
    title: Rule settings
    patron: {name: Sam, library: lakeside, email: null, question: "Five articles?"}
    libraries:
      lakeside: {name: Lakeside Community College Library, goodbye: null}
    expect: {route: [followup_by_me]}
    """
)
EVENTS = [
    {"t": 0, "type": "patron_says", "text": "I need five peer-reviewed articles."},
    {"t": 10, "type": "say", "text": "When do you need this information by?"},
    {"t": 30, "type": "resolve", "code": "followup_by_me"},
]


def card_with(settings: str):
    scenario = parse_scenario(SCENARIO + settings, "s.yaml").scenario
    events = parse_transcript({"scenario": "settings", "events": EVENTS}, "t").events
    return score(scenario, events)


def result(card, code: str):
    return next(r for r in card.results if r.rule.code == code)


def test_default_scoring() -> None:
    card = card_with("")
    # RT001 3 + FU003 2 pass; FU001 3 + FU002 2 + FU004 1 + CL002 2 fail -> 5/13
    assert card.score == 38.5 and not card.passed


def test_switched_off_rule_is_listed_as_not_applicable() -> None:
    card = card_with("rules: {FU001: off, FU002: off, FU004: off, CL002: off}\n")
    assert result(card, "FU001").verdict.outcome.value == "n/a"
    assert result(card, "FU001").verdict.message == SWITCHED_OFF
    assert [r.rule.code for r in card.results] == sorted(r.rule.code for r in card.results)  # still every rule
    assert card.score == 100.0 and card.passed


def test_changed_severity_changes_the_weight_and_the_critical_check() -> None:
    card = card_with("rules: {FU001: minor, FU002: minor, FU004: off, CL002: off}\n")
    assert result(card, "FU001").rule.severity.value == "minor"
    assert result(card, "FU001").as_json()["severity"] == "minor"
    # RT001 3 + FU003 2 pass; FU001 1 + FU002 1 fail -> 5/7; no critical failed now
    assert card.score == 71.4 and not card.passed


def test_unknown_rule_and_setting_are_located() -> None:
    with pytest.raises(BadInput) as raised:
        parse_scenario(SCENARIO + "rules:\n  ZZ999: off\n  TR001: sometimes\n", "s.yaml")
    assert [str(problem) for problem in raised.value.problems] == [
        "s.yaml:9:10: 'TR001' must be one of: off, critical, major, minor (got 'sometimes')"
    ]
    with pytest.raises(BadInput) as raised:
        parse_scenario(SCENARIO + "rules:\n  ZZ999: off\n", "s.yaml")
    assert str(raised.value.problems[0]).startswith("s.yaml:8:3: there is no rule ZZ999")
