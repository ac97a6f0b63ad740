"""The shipped scenarios, loaded once and validated."""

from __future__ import annotations

from pathlib import Path

from coach.problems import BadInput, Problem
from coach.scenario import LoadedScenario, load_scenario

SCENARIO_FOLDER = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioLibrary:
    """Every valid scenario of a folder by id, and the problems of the invalid ones. Immutable."""

    def __init__(self, folder: Path = SCENARIO_FOLDER) -> None:
        scenarios: dict[str, LoadedScenario] = {}
        problems: list[Problem] = []
        for file in sorted(folder.glob("*.y*ml")):
            try:
                loaded = load_scenario(file)
            except BadInput as bad:
                problems.extend(bad.problems)
                continue
            scenarios.setdefault(loaded.scenario.id, loaded)
        self._scenarios = scenarios
        self.problems = tuple(problems)

    def playable(self) -> list[LoadedScenario]:
        """Scenarios with a script, by title."""
        found = [s for s in self._scenarios.values() if s.scenario.script is not None]
        return sorted(found, key=lambda loaded: loaded.scenario.title.casefold())

    def get(self, scenario_id: str) -> LoadedScenario | None:
        return self._scenarios.get(scenario_id)
