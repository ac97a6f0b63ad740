"""Practice-mode hints: the rule a trainee has just broken, with the tip behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.events import _Event
from coach.rules import RULES, Outcome, Rule
from coach.rules.base import MessageMemo
from coach.scenario import Scenario
from coach.scoring import score


@dataclass(frozen=True, slots=True)
class Hint:
    rule: Rule
    message: str

    @property
    def tip(self) -> str:
        return self.rule.quote


def hints_for(
    scenario: Scenario,
    events: Sequence[_Event],
    action_index: int,
    memo: MessageMemo | None = None,
) -> list[Hint]:
    """Rules that fail because of the trainee action at `action_index` (the latest one).

    Only failures that this kind of action decides on the spot are hinted (a Transfer
    before anyone agreed; End after a colleague entered), never ones that later actions
    could still put right.
    """
    kind = events[action_index].type
    deciding = [rule for rule in RULES if kind in rule.decided_by]
    if not deciding:
        return []
    card = score(scenario, events[: action_index + 1], rules=deciding, memo=memo)
    return [
        Hint(result.rule, result.verdict.message)
        for result in card.results
        if result.verdict.outcome is Outcome.FAIL
        and kind in result.rule.decided_by
        and action_index in result.verdict.evidence
    ]
