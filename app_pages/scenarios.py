"""The scenario library: every scenario with its status, the rules it exercises, its versions, and
the rules that no scenario covers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.ui import app_store, autoplayed, checked_scenario, publish_version, require_role
from coach.wording import plural
from coach.catalogue import EditorBase, LibraryStatus, VersionStatus, library_status, version_status
from coach.coverage import ScenarioCoverage, scenario_coverage
from coach.rules import RULES
from coach.storage import NotFound, Role, ScenarioEntry, ScenarioHistory, ScenarioVersion, User




def walkthrough_coverage(text: str) -> ScenarioCoverage | None:
    """The rules a valid scenario's walkthroughs pass and fail (None if it does not load)."""
    loaded = checked_scenario(text).loaded
    return None if loaded is None else scenario_coverage(loaded, autoplayed(text))


def who(username: str | None) -> str:
    return username or "the coach"


def published_label(version: ScenarioVersion | None) -> str:
    return "–" if version is None else f"v{version.number}"


# -- actions -------------------------------------------------------------------------


def open_in_workbench(version: ScenarioVersion) -> None:
    st.session_state.workbench_text = version.text
    st.session_state.workbench_base = EditorBase(version.scenario_id, version.number)
    st.session_state.workbench_conflict = None
    st.session_state.workbench_notice = None
    st.session_state.scenarios_open_version = version.id


def publish_chosen(user: User, version: ScenarioVersion) -> None:
    st.session_state.scenarios_notice = publish_version(user, version)


def withdraw(user: User, scenario_id: str) -> None:
    app_store().withdraw_scenario(user, scenario_id)
    st.session_state.scenarios_notice = ("success", f"{scenario_id} is withdrawn: trainees no longer see it. "
                                         "Their attempts stay; publish a version to bring it back.")


# -- the page ------------------------------------------------------------------------


def library_table(entries: list[ScenarioEntry]) -> None:
    rows = []
    for entry in entries:
        newest = checked_scenario(entry.latest.text)
        status = library_status(entry, newest.loaded is not None)
        practised = entry.published or (entry.latest if newest.loaded is not None else None)
        found = walkthrough_coverage(practised.text) if practised is not None else None
        rows.append({
            "Title": entry.latest.title,
            "Id": entry.scenario_id,
            "Role": newest.loaded.scenario.role.value if newest.loaded else "",
            "Status": status.value,
            "Published": published_label(entry.published),
            "Newest": f"v{entry.latest.number} · {entry.latest.saved_at:%Y-%m-%d} · {who(entry.latest.author)}",
            "Rules exercised": ", ".join(code for code in (r.code for r in RULES) if found and found.exercises(code)),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    st.caption("Status is the newest version's. Rules exercised: by the walkthroughs of the published version "
               "(of the newest, for a scenario never published).")
    for entry in entries:
        problems = checked_scenario(entry.latest.text).problems
        if problems:
            with st.expander(f"{entry.scenario_id} v{entry.latest.number}: {plural(len(problems), 'problem')}", icon=":material/error:"):
                for problem in problems:
                    st.text(f"line {problem.line}, column {problem.column}: {problem.message}")


def coverage_matrix(entries: list[ScenarioEntry]) -> None:
    st.subheader("Coverage: scenarios x rules")
    drafts = st.toggle("Count the newest valid versions instead of the published ones", key="scenarios_coverage_drafts")
    marks = {}
    for entry in entries:
        version = entry.latest if drafts else entry.published
        found = walkthrough_coverage(version.text) if version is not None else None
        if found is not None:
            marks[entry.scenario_id] = {
                code: "".join(mark for mark, verdict in (("P", "pass"), ("F", "fail")) if verdict in found.verdicts[code])
                for code in (rule.code for rule in RULES)
            }
    if not marks:
        st.caption("No scenario to count.")
        return
    matrix = pd.DataFrame.from_dict(marks, orient="index")
    st.caption("P: a walkthrough passes the rule; F: one fails it; PF: both. Blank: no walkthrough reaches it.")
    st.dataframe(matrix, use_container_width=True)
    uncovered = [code for code in matrix.columns if not matrix[code].astype(bool).any()]
    if uncovered:
        st.warning("Rules no scenario exercises: " + ", ".join(uncovered))
    else:
        st.success("Every rule is exercised by at least one scenario.")


def publication_log(history: ScenarioHistory) -> str:
    parts = [
        (f"v{p.version_number} published" if p.version_number is not None else "withdrawn")
        + f" {p.at:%Y-%m-%d %H:%M} by {who(p.by)}"
        for p in history.publications
    ]
    return "; ".join(parts) if parts else "never published"


def version_history(user: User, entries: list[ScenarioEntry]) -> None:
    st.subheader("Versions")
    titles = {entry.scenario_id: entry.latest.title for entry in entries}
    scenario_id = st.selectbox("Scenario", list(titles), format_func=lambda key: f"{titles[key]} ({key})",
                               key="scenarios_history_pick")
    try:
        history = app_store().scenario_history(user, scenario_id)
    except NotFound:  # the account lost the trainer role meanwhile
        st.error("This scenario's history is not available to you.")
        return
    statuses = {v.number: version_status(v, history, checked_scenario(v.text).loaded is not None)
                for v in history.versions}
    st.dataframe(
        pd.DataFrame({
            "Version": [v.number for v in history.versions],
            "Saved (UTC)": [v.saved_at.replace(tzinfo=None) for v in history.versions],
            "By": [who(v.author) for v in history.versions],
            "Note": [v.note or "" for v in history.versions],
            "Status": [statuses[v.number].value for v in history.versions],
            "Attempts": [history.attempts_by_number.get(v.number, 0) for v in history.versions],
        }),
        hide_index=True, use_container_width=True,
    )
    st.caption("Publications: " + publication_log(history) + ". Attempts keep the version they were played on.")
    by_number = {v.number: v for v in history.versions}
    number = st.selectbox("Version", list(by_number), format_func=lambda n: f"v{n} ({statuses[n].value})",
                          key=f"scenarios_version_pick_{scenario_id}")
    version = by_number[number]
    open_button, publish_button, withdraw_button, download = st.columns(4)
    open_button.button("Open in the workbench", on_click=open_in_workbench, args=(version,), key="scenarios_open")
    publish_button.button(
        "Publish this version", type="primary", on_click=publish_chosen, args=(user, version),
        key="scenarios_publish",
        disabled=statuses[number] in (VersionStatus.PUBLISHED, VersionStatus.INVALID),
    )
    withdraw_button.button("Withdraw from practice", on_click=withdraw, args=(user, scenario_id),
                           key="scenarios_withdraw", disabled=history.published_number is None)
    download.download_button("Download", version.text, file_name=f"{scenario_id}-v{number}.yaml", mime="text/yaml",
                             key="scenarios_download")
    if st.session_state.scenarios_notice:  # shown once, after the action that caused it
        kind, message = st.session_state.scenarios_notice
        st.session_state.scenarios_notice = None
        (st.success if kind == "success" else st.error)(message)


user = require_role(Role.TRAINER, Role.COORDINATOR)
if st.session_state.scenarios_open_version:
    st.session_state.scenarios_open_version = None
    st.switch_page("app_pages/workbench.py")

st.title("Scenarios")
entries = app_store().list_scenarios(user)
if not entries:
    st.info("The library is empty: write a scenario in the Workbench and save it.")
    st.page_link("app_pages/workbench.py", label="Workbench", icon=":material/build:")
    st.stop()
library_table(entries)
coverage_matrix(entries)
version_history(user, entries)
