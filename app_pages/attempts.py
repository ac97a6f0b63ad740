"""Attempts: a trainee's own, or everyone's for a coordinator; continue one or open its scorecard."""

import pandas as pd
import streamlit as st

from app_pages.ui import app_store, require_role, version_label
from coach.storage import Role

user = require_role(Role.TRAINEE, Role.TRAINER, Role.COORDINATOR)
everyone = user.role is Role.COORDINATOR
st.title("All attempts" if everyone else "My attempts")
summaries = app_store().list_attempts(user, limit=500)
if not summaries:
    st.info("No attempts yet.")
    st.page_link("app_pages/console.py", label="Practice a chat", icon=":material/forum:")
    st.stop()

table = pd.DataFrame(
    {
        "Trainee": [s.owner_username for s in summaries],
        "Scenario": [s.scenario_title for s in summaries],
        "Version": [version_label(s) for s in summaries],
        "Mode": [s.mode for s in summaries],
        "Started (UTC)": [s.started_at.replace(tzinfo=None) for s in summaries],
        "Finished (UTC)": [s.finished_at.replace(tzinfo=None) if s.finished_at else None for s in summaries],
        "Score": [s.score for s in summaries],
        "Passed": [s.passed for s in summaries],
    }
)
if not everyone:
    table = table.drop(columns="Trainee")
st.dataframe(table, hide_index=True, use_container_width=True)

st.subheader("Open one")
labels = {
    s.id: f"{s.scenario_title} · {s.owner_username} · {s.started_at:%Y-%m-%d %H:%M}"
    + (f" · {s.score}" if s.score is not None else " · unfinished")
    for s in summaries
}
chosen = st.selectbox("Attempt", list(labels), format_func=labels.get, key="attempts_choice")
chosen_summary = next(s for s in summaries if s.id == chosen)
if chosen_summary.finished_at is None and chosen_summary.owner_id == user.id:
    st.page_link("app_pages/console.py", query_params={"attempt": chosen}, label="Continue this chat", icon=":material/undo:")
st.page_link("app_pages/scorecard.py", query_params={"attempt": chosen}, label="See the scorecard", icon=":material/scoreboard:")
st.page_link("app_pages/replay.py", query_params={"attempt": chosen}, label="Replay it step by step", icon=":material/replay:")
