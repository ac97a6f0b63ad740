"""The scorecard: score and verdict at a glance, every rule with its evidence and tip."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import (
    app_store,
    begin_attempt,
    current_user,
    loaded_version,
    require_role,
    VERDICT_ICONS,
    VERDICT_WORDS,
    show_chat_line,
    show_pinned_line,
    verdict_pins,
)
from coach.attempt import Mode
from coach.markdown_text import escape_markdown
from coach.rules import Outcome
from coach.scenario import Scenario
from coach.scoring import RuleResult, Scorecard, score
from coach.storage import NotFound, Role, StoredAttempt, User
from coach.transcript_view import RESOLUTION_LABELS, Line, lines_of
from coach.wording import plural

OUTCOME_LABELS = {**RESOLUTION_LABELS, "transfer": "Transferred", "none": "No resolution code"}


def try_again(stored: StoredAttempt) -> None:
    loaded = loaded_version(stored)
    st.session_state.scorecard_try_again = begin_attempt(loaded, Mode(stored.summary.mode), current_user())


def summary(card: Scorecard, scenario: Scenario, stored: StoredAttempt) -> None:
    st.title(f"Scorecard: {escape_markdown(scenario.title)}")
    owner = stored.summary.owner_username
    finished = stored.summary.finished_at
    state = f"finished {finished:%Y-%m-%d %H:%M} UTC" if finished else "not finished yet"
    st.caption(f"{escape_markdown(owner)} · {stored.summary.mode} · {state} · scenario version "
               f"{stored.summary.content_hash[:12]}")
    score, verdict, outcome = st.columns(3)
    score.metric("Score", "–" if card.score is None else f"{card.score:.1f}")
    verdict.metric("Result", "Passed" if card.passed else "Not passed")
    outcome.metric("Outcome", OUTCOME_LABELS[card.outcome])
    failed = [r for r in card.results if r.verdict.outcome is Outcome.FAIL]
    if card.passed and not failed:
        st.success("Every rule that applied was followed. Well done!")
    elif card.passed:
        st.info(f"Passed, with {plural(len(failed), 'thing')} to work on below.")
    else:
        st.error(f"Not passed yet: {plural(len(failed), 'rule')} failed. Read the tips below and try again.")


def rule_results(card: Scorecard, scenario: Scenario, events: list) -> None:
    """Failed rules first, open, with their evidence; then passed ones; the rules that did not apply folded
    away at the end."""
    lines = lines_of(scenario, events)
    by_outcome = {outcome: [r for r in card.results if r.verdict.outcome is outcome] for outcome in Outcome}
    for result in by_outcome[Outcome.FAIL] + by_outcome[Outcome.PASS]:
        rule_result(result, lines)
    not_applicable = by_outcome[Outcome.NOT_APPLICABLE]
    if not_applicable:
        with st.expander(f"{plural(len(not_applicable), 'rule')} did not apply to this chat", icon=VERDICT_ICONS[Outcome.NOT_APPLICABLE]):
            for result in not_applicable:
                st.text(f"{result.rule.code} {result.rule.name}: {result.verdict.message}")


def rule_result(result: RuleResult, lines: list[Line]) -> None:
    verdict = result.verdict
    label = f"{VERDICT_WORDS[verdict.outcome]} · {result.rule.code} {result.rule.name} · {result.rule.severity.value}"
    with st.expander(label, expanded=verdict.outcome is Outcome.FAIL, icon=VERDICT_ICONS[verdict.outcome]):
        st.text(verdict.message)
        st.markdown(f"*Tip from “{escape_markdown(result.rule.seed.title)}”:* “{escape_markdown(result.rule.quote)}”")
        for index in verdict.evidence:
            show_chat_line(lines[index], highlight=f"{'decided' if verdict.outcome is Outcome.PASS else 'broke'} "
                                                  f"{result.rule.code}")


def full_transcript(card: Scorecard, scenario: Scenario, events: list) -> None:
    pins = verdict_pins(card)
    with st.expander("The whole transcript, with the lines that decided each rule"):
        for line in lines_of(scenario, events):
            show_pinned_line(line, pins)


def stored_attempt(user: User) -> StoredAttempt | None:
    attempt_id = st.query_params.get("attempt")
    if not attempt_id:
        return None
    try:
        return app_store().load_attempt(user, attempt_id)
    except NotFound:
        return None


user = require_role(Role.TRAINEE, Role.TRAINER, Role.COORDINATOR)
if st.session_state.scorecard_try_again:
    new_id = st.session_state.scorecard_try_again
    st.session_state.scorecard_try_again = None
    st.switch_page("app_pages/console.py", query_params={"attempt": new_id})

stored = stored_attempt(user)
if stored is None:
    st.title("Scorecard")
    st.info("Finish a chat to see its scorecard here, or pick one from your attempts.")
    st.page_link("app_pages/attempts.py", label="Attempts", icon=":material/folder_open:")
else:
    scenario = loaded_version(stored).scenario
    events = list(stored.events)
    card = score(scenario, events, stored.summary.owner_username)  # recomputed: always today's rules
    summary(card, scenario, stored)
    if stored.summary.owner_id == user.id:
        st.button("Try this scenario again", type="primary", on_click=try_again, args=(stored,), key="scorecard_retry")
    rule_results(card, scenario, events)
    full_transcript(card, scenario, events)
