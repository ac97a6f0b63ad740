"""Scorecards: a pure function of (scenario, events) (SPEC §5)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.events import _Event
from coach.intents import IntentMatcher, default_matcher
from coach.rules import RULES, Context, Outcome, Rule, Severity, Verdict
from coach.rules.base import MessageMemo
from coach.scenario import Scenario

PASS_MARK = 80.0


def _ruleset_version() -> str:
    """A fingerprint of everything that decides a verdict: a cached scorecard with another
    fingerprint is stale and is recomputed from the events."""
    package = Path(__file__).resolve().parent
    sources = sorted((package / "rules").glob("*.py")) + [
        package / name
        for name in ("intents.py", "intent_text.py", "intent_model.npz", "emails.py", "goodbye.py", "scoring.py",
                     "events.py")
    ]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


RULESET_VERSION = _ruleset_version()


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: Rule
    verdict: Verdict

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.rule.code,
            "name": self.rule.name,
            "severity": self.rule.severity.value,
            "verdict": self.verdict.outcome.value,
            "evidence": list(self.verdict.evidence),
            "message": self.verdict.message,
        }


@dataclass(frozen=True, slots=True)
class Scorecard:
    scenario: str
    trainee: str | None
    outcome: str
    score: float | None
    passed: bool
    results: tuple[RuleResult, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "trainee": self.trainee,
            "outcome": self.outcome,
            "score": self.score,
            "passed": self.passed,
            "rules": [result.as_json() for result in self.results],
        }

    def verdicts(self) -> dict[str, str]:
        return {result.rule.code: result.verdict.outcome.value for result in self.results}


def compute_score(results: Sequence[RuleResult]) -> float | None:
    """100 × passed weight / applicable weight, one decimal (halves round up); None when nothing applies."""
    applicable = [r for r in results if r.verdict.outcome is not Outcome.NOT_APPLICABLE]
    total = sum(r.rule.severity.weight for r in applicable)
    if not total:
        return None
    passed = sum(r.rule.severity.weight for r in applicable if r.verdict.outcome is Outcome.PASS)
    exact = Decimal(100 * passed) / Decimal(total)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def is_passed(results: Sequence[RuleResult], score: float | None) -> bool:
    """No critical rule failed and the score is at least 80."""
    critical_failed = any(
        r.rule.severity is Severity.CRITICAL and r.verdict.outcome is Outcome.FAIL for r in results
    )
    return not critical_failed and score is not None and score >= PASS_MARK


@lru_cache(maxsize=64)
def _matcher_with(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> IntentMatcher:
    return IntentMatcher(dict(extra))


def matcher_for(scenario: Scenario) -> IntentMatcher:
    """The built-in phrase bank, extended by the scenario's own phrases when it has any."""
    if not scenario.phrases:
        return default_matcher()
    return _matcher_with(tuple(sorted((key, tuple(value)) for key, value in scenario.phrases.items())))


SWITCHED_OFF = "This rule is switched off for this scenario."


def _judge(rule: Rule, scenario: Scenario, context: Context) -> RuleResult:
    """A rule's verdict under the scenario's own settings: switched off, or another severity."""
    setting = scenario.rules.get(rule.code)
    if setting == "off":
        return RuleResult(rule, Verdict.not_applicable(SWITCHED_OFF))
    if setting is not None and setting != rule.severity.value:
        rule = replace(rule, severity=Severity(setting))
    return RuleResult(rule, rule.check(context))


def score(
    scenario: Scenario,
    events: Sequence[_Event],
    trainee: str | None = None,
    rules: Sequence[Rule] = RULES,
    memo: MessageMemo | None = None,
) -> Scorecard:
    """Judge a transcript against every rule and total the score.

    `memo` may be shared by the scorings of one growing transcript, so that each message
    is judged once."""
    context = Context(scenario, tuple(events), matcher_for(scenario), memo)
    results = tuple(_judge(rule, scenario, context) for rule in rules)
    total = compute_score(results)
    return Scorecard(
        scenario=scenario.id,
        trainee=trainee,
        outcome=context.outcome,
        score=total,
        passed=is_passed(results, total),
        results=results,
    )
