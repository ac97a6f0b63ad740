"""The scorecard: score and verdict at a glance, every rule with its evidence and tip."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import begin_attempt, escape_markdown, show_chat_line
from coach.attempt import Attempt
from coach.rules import Outcome
from coach.scoring import Scorecard
from coach.transcript_view import RESOLUTION_LABELS, LineKind, lines_of

VERDICT_ICONS = {Outcome.PASS: "✅", Outcome.FAIL: "❌", Outcome.NOT_APPLICABLE: "➖"}
OUTCOME_LABELS = {**RESOLUTION_LABELS, "transfer": "Transferred", "none": "No resolution code"}


def try_again(previous: Attempt) -> None:
    begin_attempt(previous.loaded, previous.mode, previous.trainee)
    st.session_state.scorecard_try_again = True


def summary(card: Scorecard, attempt: Attempt) -> None:
    st.title(f"Scorecard: {attempt.scenario.title}")
    score, verdict, outcome = st.columns(3)
    score.metric("Score", "–" if card.score is None else f"{card.score:.1f}")
    verdict.metric("Result", "Passed" if card.passed else "Not passed")
    outcome.metric("Outcome", OUTCOME_LABELS[card.outcome])
    failed = [r for r in card.results if r.verdict.outcome is Outcome.FAIL]
    if card.passed and not failed:
        st.success("Every rule that applied was followed. Well done!")
    elif card.passed:
        st.info(f"Passed, with {len(failed)} thing(s) to work on below.")
    else:
        st.error(f"Not passed yet: {len(failed)} rule(s) failed. Read the tips below and try again.")


def rule_results(card: Scorecard, attempt: Attempt) -> None:
    lines = lines_of(attempt.scenario, attempt.events)
    for result in card.results:
        verdict = result.verdict
        label = f"{VERDICT_ICONS[verdict.outcome]} {result.rule.code} {result.rule.name} · {result.rule.severity.value}"
        with st.expander(label, expanded=verdict.outcome is Outcome.FAIL):
            st.text(verdict.message)
            if verdict.outcome is not Outcome.NOT_APPLICABLE:
                st.markdown(f"*Tip from “{escape_markdown(result.rule.seed.title)}”:* "
                            f"“{escape_markdown(result.rule.quote)}”")
            for index in verdict.evidence:
                show_chat_line(lines[index], highlight=f"{'decided' if verdict.outcome is Outcome.PASS else 'broke'} "
                                                      f"{result.rule.code}")


def full_transcript(card: Scorecard, attempt: Attempt) -> None:
    marks: dict[int, list[str]] = {}
    for result in card.results:
        for index in result.verdict.evidence:
            icon = VERDICT_ICONS[result.verdict.outcome]
            marks.setdefault(index, []).append(f"{icon} {result.rule.code}")
    with st.expander("The whole transcript, with the lines that decided each rule"):
        for line in lines_of(attempt.scenario, attempt.events):
            highlight = ", ".join(marks.get(line.index, [])) or None
            if line.kind in (LineKind.PRIVATE, LineKind.ACTION):
                st.caption(f"{line.clock} · {escape_markdown(line.who)}: {escape_markdown(line.text)}"
                           + (f" — {highlight}" if highlight else ""))
            else:
                show_chat_line(line, highlight)


if st.session_state.get("scorecard_try_again"):
    st.session_state.scorecard_try_again = False
    st.switch_page("app_pages/console.py")

card: Scorecard | None = st.session_state.scorecard_card
attempt: Attempt | None = st.session_state.scorecard_attempt
if card is None or attempt is None:
    st.title("Scorecard")
    st.info("Finish a chat to see its scorecard here.")
    st.page_link("app_pages/console.py", label="Practice a chat", icon="💬")
else:
    summary(card, attempt)
    st.button("Try this scenario again", type="primary", on_click=try_again, args=(attempt,), key="scorecard_retry")
    rule_results(card, attempt)
    full_transcript(card, attempt)
