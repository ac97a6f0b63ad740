"""Practice-mode hints fire on the action that breaks a rule, and only then."""

from __future__ import annotations

from pathlib import Path

from coach.events import parse_transcript
from coach.hints import hints_for
from coach.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent / "rules" / "scenarios"


def events(name: str, raw: list[dict]):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml").scenario
    return scenario, parse_transcript({"scenario": scenario.id, "events": raw}, "t").events


def codes(hints) -> list[str]:
    return [hint.rule.code for hint in hints]


def test_transfer_without_contact_or_explanation_is_hinted_at_once() -> None:
    scenario, log = events("account", [
        {"t": 0, "type": "patron_says", "text": "Why can't I renew?"},
        {"t": 5, "type": "say", "text": "Let me look."},
        {"t": 9, "type": "transfer", "to": "kim"},
    ])
    assert codes(hints_for(scenario, log, 1)) == []
    hints = hints_for(scenario, log, 2)
    assert codes(hints) == ["TR001", "TR002"]
    assert "Contact the other staff person first!" in hints[0].tip


def test_good_transfer_gives_no_hint() -> None:
    scenario, log = events("account", [
        {"t": 0, "type": "patron_says", "text": "Why can't I renew?"},
        {"t": 5, "type": "im", "to": "kim", "text": "Can you take a patron?"},
        {"t": 9, "type": "staff_says", "from": "kim", "channel": "im", "text": "Yes", "accepts": True},
        {"t": 12, "type": "say", "text": "I'm going to transfer you to Kim at your library, who can see your account."},
        {"t": 20, "type": "transfer", "to": "kim"},
    ])
    assert all(hints_for(scenario, log, index) == [] for index in (1, 3, 4))


def test_end_after_handover_and_follow_up_without_email() -> None:
    scenario, log = events("account", [
        {"t": 0, "type": "patron_says", "text": "Why can't I renew?"},
        {"t": 20, "type": "transfer", "to": "kim"},
        {"t": 25, "type": "joined", "who": "kim"},
        {"t": 30, "type": "end"},
    ])
    assert "TR004" in codes(hints_for(scenario, log, 3))
    scenario, log = events("research", [
        {"t": 0, "type": "patron_says", "text": "I need five peer-reviewed articles."},
        {"t": 30, "type": "resolve", "code": "followup_by_me"},
    ])
    assert codes(hints_for(scenario, log, 1)) == ["FU001", "FU002", "FU003", "FU004"]


def test_mid_chat_messages_are_not_nagged_about_the_goodbye() -> None:
    scenario, log = events("flag", [
        {"t": 0, "type": "patron_says", "text": "My card does not work for databases."},
        {"t": 5, "type": "say", "text": "Let me check the card record."},
    ])
    assert hints_for(scenario, log, 1) == []
