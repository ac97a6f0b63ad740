"""Attempt replay: the transcript step by step, each rule's verdict pinned to the lines that decided it."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import (
    VERDICT_WORDS,
    app_store,
    loaded_version,
    require_role,
    show_pinned_line,
    verdict_pins,
    version_label,
)
from coach.markdown_text import escape_markdown
from coach.rules import Outcome
from coach.scoring import score
from coach.storage import NotFound, Role
from coach.transcript_view import lines_of

user = require_role(Role.TRAINEE, Role.TRAINER, Role.COORDINATOR)
attempt_id = st.query_params.get("attempt")
try:
    stored = app_store().load_attempt(user, attempt_id) if attempt_id else None
except NotFound:
    stored = None
if stored is None:
    st.title("Replay")
    st.info("Pick an attempt on the Attempts page to replay it.")
    st.page_link("app_pages/attempts.py", label="Attempts", icon=":material/folder_open:")
    st.stop()

scenario = loaded_version(stored).scenario
events = list(stored.events)
card = score(scenario, events, stored.summary.owner_username)
lines = lines_of(scenario, events)
pins = verdict_pins(card)

st.title(f"Replay: {escape_markdown(scenario.title)}")
st.caption(f"{escape_markdown(stored.summary.owner_username)} · {version_label(stored.summary)} · score "
           f"{'–' if card.score is None else card.score} · {'passed' if card.passed else 'not passed'}")
step = st.slider("Step", 1, len(events), len(events), key="replay_step") if len(events) > 1 else 1
shown, decided = st.columns([3, 2], gap="large")
with shown:
    for line in lines[:step]:
        show_pinned_line(line, pins)
with decided:
    st.subheader("Decided so far")
    settled = [r for r in card.results if r.verdict.evidence and max(r.verdict.evidence) < step]
    for result in settled:
        st.text(f"{VERDICT_WORDS[result.verdict.outcome]}: {result.rule.code} {result.rule.name}: {result.verdict.message}")
    if not settled:
        st.caption("No rule is decided yet at this step.")
    waiting = [r.rule.code for r in card.results if r.verdict.outcome is not Outcome.NOT_APPLICABLE and r not in settled]
    if waiting:
        st.caption("Decided later: " + ", ".join(waiting))
