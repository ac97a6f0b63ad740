"""Which rules each scenario exercises: its walkthroughs played and scored.

A rule is exercised by a scenario when one of its walkthroughs gets a `pass` or a `fail`
from it (not `n/a`); a scenario that exercises a rule both ways shows trainees the right
and the wrong way. Rules no scenario exercises are the gaps of a scenario library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coach.rules import RULES
from coach.scenario import LoadedScenario
from coach.scoring import matcher_for, score
from coach.simulator import play_walkthrough


@dataclass(frozen=True, slots=True)
class ScenarioCoverage:
    scenario_id: str
    title: str
    verdicts: dict[str, frozenset[str]]  # rule code -> the verdicts ("pass", "fail") its walkthroughs got

    def exercises(self, code: str) -> bool:
        return bool(self.verdicts.get(code))


@dataclass(frozen=True, slots=True)
class Coverage:
    scenarios: tuple[ScenarioCoverage, ...]

    def uncovered(self) -> list[str]:
        """Rule codes that no scenario exercises."""
        return [rule.code for rule in RULES if not any(s.exercises(rule.code) for s in self.scenarios)]

    def as_json(self) -> dict:
        return {
            "scenarios": [
                {"id": s.scenario_id, "title": s.title,
                 "rules": {code: sorted(found) for code, found in s.verdicts.items() if found}}
                for s in self.scenarios
            ],
            "uncovered": self.uncovered(),
        }


def scenario_coverage(loaded: LoadedScenario) -> ScenarioCoverage:
    scenario = loaded.scenario
    found: dict[str, set[str]] = {rule.code: set() for rule in RULES}
    if scenario.script is not None:
        matcher = matcher_for(scenario)
        for steps in scenario.walkthroughs.values():
            card = score(scenario, play_walkthrough(scenario, matcher, steps).events)
            for result in card.results:
                if result.verdict.outcome.value != "n/a":
                    found[result.rule.code].add(result.verdict.outcome.value)
    return ScenarioCoverage(scenario.id, scenario.title, {code: frozenset(v) for code, v in found.items()})


def coverage(scenarios: Iterable[LoadedScenario]) -> Coverage:
    return Coverage(tuple(scenario_coverage(loaded) for loaded in scenarios))
