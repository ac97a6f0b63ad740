"""Every rule against its own passing, failing and not-applicable fixtures, plus the catalogue's completeness."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from coach.events import TRAINEE_TYPES, check_references, parse_transcript
from coach.rules import RULES, RULES_BY_CODE, Severity
from coach.rules.base import RuleDoc, parse_rule_doc
from coach.scenario import Scenario, load_scenario
from coach.scoring import score

HERE = Path(__file__).resolve().parent / "rules"
FIXTURES = sorted((HERE / "fixtures").glob("*.yaml"))


@cache
def base_scenario(name: str) -> Scenario:
    return load_scenario(HERE / "scenarios" / f"{name}.yaml").scenario


def fixture_cases() -> list:
    cases = []
    for file in FIXTURES:
        for case in yaml.safe_load(file.read_text(encoding="utf-8")):
            cases.append(pytest.param(file.stem, case, id=f"{file.stem}-{case['verdict']}-{case['name']}"))
    return cases


@pytest.mark.parametrize(("code", "case"), fixture_cases())
def test_rule_fixture(code: str, case: dict) -> None:
    scenario = base_scenario(case["scenario"])
    transcript = parse_transcript({"scenario": scenario.id, "events": case["events"]}, case["name"])
    check_references(transcript, scenario, case["name"])
    result = next(r for r in score(scenario, transcript.events).results if r.rule.code == code)
    assert result.verdict.outcome.value == case["verdict"], result.verdict.message
    if "evidence" in case:
        assert list(result.verdict.evidence) == case["evidence"]
    assert result.verdict.message.strip()


def test_every_rule_has_passing_and_failing_fixtures() -> None:
    verdicts: dict[str, set[str]] = {}
    for file in FIXTURES:
        assert file.stem in RULES_BY_CODE, f"fixture file {file.name} names no rule"
        verdicts[file.stem] = {case["verdict"] for case in yaml.safe_load(file.read_text(encoding="utf-8"))}
    for rule in RULES:
        assert {"pass", "fail"} <= verdicts.get(rule.code, set()), f"{rule.code} needs pass and fail fixtures"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_documentation_is_complete(rule) -> None:
    assert re.fullmatch(r"[A-Z]{2}\d{3}", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    assert isinstance(rule.severity, Severity)
    assert rule.summary.strip()
    assert set(rule.decided_by) <= set(TRAINEE_TYPES), "hints can only follow trainee actions"
    assert rule.seed.contains(rule.quote), f"{rule.code}'s quote is not word for word in {rule.seed.file}"
    doc = rule.documentation  # raises, naming the section, when the docstring lacks one
    for section in (doc.title, doc.what_it_checks, doc.why_it_matters, doc.fails, doc.passes):
        assert section.strip(), f"{rule.code} has an empty section: {doc}"


def test_rule_docstrings_split_into_their_sections() -> None:
    doc = parse_rule_doc(
        "Do the thing.\n\n"
        "What it checks:\n    The trainee does\n    the thing.\n\n    Every time.\n\n"
        "Why it matters:\n    Patrons like it.\n"
        "Fails:\n    Not doing it.\n"
        "Passes:\n    Doing it: `say`.\n"
    )
    assert doc == RuleDoc(
        title="Do the thing.",
        what_it_checks="The trainee does the thing.\n\nEvery time.",  # lines joined, paragraphs kept
        why_it_matters="Patrons like it.",
        fails="Not doing it.",
        passes="Doing it: `say`.",
    )


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ("Title.\n\nWhat it checks:\n    x\nWhy it matters:\n    x\nFails:\n    x\n", "missing or empty: Passes"),
        ("Title.\n\nWhat it checks:\n    x\nWhy it matters:\nFails:\n    x\nPasses:\n    x\n",
         "missing or empty: Why it matters"),
        ("Title.\n\nWhat it checks:\n    x\nWhy it matters:\n    x\nFails:\n    x\nPasses:\n    x\nPasses:\n    y\n",
         "'Passes:' appears twice"),
        ("Title.\n\nWhat it does:\n    x\n", "unexpected line 'What it does:'"),
        ("Title.\n    stray\nWhat it checks:\n    x\n", "text before the first heading: 'stray'"),
    ],
)
def test_rule_docstrings_missing_a_section_are_refused(doc: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_rule_doc(doc)


def test_catalogue_is_in_code_order_with_spec_severities() -> None:
    expected = {
        "RT001": ("right-route", "critical"), "TR001": ("contact-before-transfer", "critical"),
        "TR002": ("explain-transfer", "major"), "TR003": ("apologize-when-transferring", "minor"),
        "TR004": ("leave-after-handover", "major"), "RX001": ("accept-transfer", "major"),
        "RX002": ("holding-message", "major"), "CL001": ("ask-if-answered", "major"),
        "CL002": ("goodbye-script", "major"), "FU001": ("email-before-follow-up", "critical"),
        "FU002": ("verify-email", "major"), "FU003": ("ask-deadline", "major"),
        "FU004": ("check-info-tab", "minor"), "FU005": ("record-typed-email", "major"),
        "FU006": ("note-when-flagging", "major"),
    }
    assert [rule.code for rule in RULES] == sorted(expected)
    assert {rule.code: (rule.name, rule.severity.value) for rule in RULES} == expected


def test_packaged_seeds_match_shared_copies() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not next to this checkout")
    for rule in RULES:
        assert (shared / rule.seed.file).read_text(encoding="utf-8") == rule.seed.text
