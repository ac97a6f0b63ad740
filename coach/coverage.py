"""Which rules each scenario exercises: its walkthroughs played and scored.

A rule is exercised by a scenario when one of its walkthroughs gets a `pass` or a `fail`
from it (not `n/a`); a scenario that exercises a rule both ways shows trainees the right
and the wrong way. Rules no scenario exercises are the gaps of a scenario library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.rules import RULES
from coach.scenario import LoadedScenario
from coach.scoring import Scorecard, matcher_for, score
from coach.simulator import ActionRefused, play_walkthrough


@dataclass(frozen=True, slots=True)
class Autoplay:
    """Every walkthrough of a scenario played by itself, in the scenario's order: its scorecard, or
    why the console refused one of its steps. A scenario without a script has none played."""

    loaded: LoadedScenario
    results: dict[str, Scorecard | ActionRefused]

    def cards(self) -> dict[str, Scorecard]:
        return {name: card for name, card in self.results.items() if isinstance(card, Scorecard)}

    def problems(self) -> list[tuple[str, str]]:
        """(walkthrough, what is wrong with it) for each walkthrough that does not do what it should: a
        step the console refuses, an `ideal` that does not score 100, an `expect` not met. Each message
        reads after "the walkthrough NAME"."""
        found = []
        for name, result in self.results.items():
            if isinstance(result, ActionRefused):
                found.append((name, f"cannot be played: the console refuses a step: {result}"))
                continue
            if name == "ideal" and (result.score != 100 or not result.passed):
                failed = ", ".join(r.rule.code for r in result.results if r.verdict.outcome.value == "fail")
                scored = "no score (no rule applies)" if result.score is None else f"{result.score:g}"
                found.append((name, f"scores {scored}, not 100" + (f" (it fails {failed})" if failed else "")))
            expect = self.loaded.scenario.walkthroughs[name].expect
            found += [(name, f"does not do what its `expect` says: {miss}")
                      for miss in expect.unmet(result.score, result.passed, result.verdicts())]
        return found


def autoplay(loaded: LoadedScenario) -> Autoplay:
    scenario = loaded.scenario
    results: dict[str, Scorecard | ActionRefused] = {}
    if scenario.script is not None:
        matcher = matcher_for(scenario)
        for name, walkthrough in scenario.walkthroughs.items():
            try:
                results[name] = score(scenario, play_walkthrough(scenario, matcher, walkthrough.steps).events)
            except ActionRefused as refusal:
                results[name] = refusal
    return Autoplay(loaded, results)


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


def scenario_coverage(loaded: LoadedScenario, played: Autoplay | None = None) -> ScenarioCoverage:
    """The verdicts each rule got from the scenario's walkthroughs (`played`, when already played)."""
    played = played or autoplay(loaded)
    found: dict[str, set[str]] = {rule.code: set() for rule in RULES}
    for card in played.cards().values():
        for result in card.results:
            if result.verdict.outcome.value != "n/a":
                found[result.rule.code].add(result.verdict.outcome.value)
    scenario = loaded.scenario
    return ScenarioCoverage(scenario.id, scenario.title, {code: frozenset(v) for code, v in found.items()})


def coverage(scenarios: Sequence[LoadedScenario], played: Sequence[Autoplay] | None = None) -> Coverage:
    """The coverage of scenarios (`played`: their walkthroughs, when already played, in the same order)."""
    scenarios = list(scenarios)
    plays = played if played is not None else [autoplay(loaded) for loaded in scenarios]
    return Coverage(tuple(scenario_coverage(loaded, plays_) for loaded, plays_ in zip(scenarios, plays)))
