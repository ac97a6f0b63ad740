"""One trainee: attempts over time, and the rules they keep failing."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages.ui import app_store, require_role
from coach.analytics import NO_FILTERS, filter_options, trainee_report
from coach.markdown_text import escape_markdown
from coach.storage import Role
from coach.wording import plural

user = require_role(Role.COORDINATOR)
st.title("Trainee")
options = filter_options(app_store(), user)
if options.trainees.empty:
    st.info("No trainees yet.")
    st.stop()
names = {row.id: f"{row.display_name} ({row.username})" for row in options.trainees.itertuples()}
trainee_id = st.selectbox("Trainee", list(names), format_func=names.get, key="trainee_choice")
report = trainee_report(app_store(), user, trainee_id, NO_FILTERS)
cohort = f" · cohort {escape_markdown(report.trainee.cohort)}" if report.trainee.cohort else ""
st.caption(f"{report.trainee.role.value}{cohort} · {plural(len(report.attempts), 'finished attempt')}")
if report.attempts.empty:
    st.info("This trainee has not finished an attempt yet.")
    st.stop()

over_time = alt.Chart(report.attempts).mark_line(point=True).encode(
    x=alt.X("finished_at:T", title=None),
    y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100])),
    color=alt.Color("passed:N", title="passed"),
    tooltip=["finished_at:T", "scenario_title", "mode", "score", "passed"],
)
st.subheader("Scores over time")
st.altair_chart(over_time, use_container_width=True)

st.subheader("Rules they keep failing")
failing = report.rules_failed[report.rules_failed["failed"] > 0]
if failing.empty:
    st.success("No rule failed in any finished attempt.")
else:
    st.dataframe(failing, hide_index=True, use_container_width=True)

st.subheader("Attempts")
st.dataframe(report.attempts.drop(columns=["attempt_id"]), hide_index=True, use_container_width=True)
labels = {row.attempt_id: f"{row.finished_at:%Y-%m-%d %H:%M} · {row.scenario_title} · {row.score}"
          for row in report.attempts.itertuples()}
chosen = st.selectbox("Open", list(labels), format_func=labels.get, key="trainee_attempt")
st.page_link("app_pages/replay.py", query_params={"attempt": chosen}, label="Replay this attempt", icon=":material/replay:")
