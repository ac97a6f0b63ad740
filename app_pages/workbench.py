"""The trainer's workbench: write, open or upload a scenario, see it validated by line, autoplay it,
play it, save it as a new version and publish it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.ui import app_store, autoplayed, begin_attempt, checked_scenario, publish_version, require_role
from coach.wording import plural
from coach.attempt import Mode
from coach.catalogue import DraftProblem, EditorBase, draft_identity, publication_problems, save_draft
from coach.coverage import scenario_coverage
from coach.scenario import LoadedScenario
from coach.simulator import ActionRefused
from coach.storage import Conflict, NotFound, Role, ScenarioVersion, User
from coach.yamlsafe import MAX_BYTES

TEMPLATE = (Path(__file__).resolve().parent.parent / "coach" / "scenario_template.yaml").read_text(encoding="utf-8")


# -- actions (callbacks run before the page is drawn again) ---------------------------


def start_editing(text: str, base: EditorBase | None) -> None:
    st.session_state.workbench_text = text
    st.session_state.workbench_base = base
    st.session_state.workbench_conflict = None
    st.session_state.workbench_notice = None


def load_template() -> None:
    start_editing(TEMPLATE, None)


def open_scenario(user: User) -> None:
    scenario_id = st.session_state.workbench_open
    if scenario_id is None:
        return
    newest = app_store().scenario_history(user, scenario_id).versions[0]
    start_editing(newest.text, EditorBase(scenario_id, newest.number))


def load_upload() -> None:
    upload = st.session_state.workbench_upload
    if upload is None:
        return
    if upload.size > MAX_BYTES:
        st.session_state.workbench_upload_problem = f"{upload.name} is larger than {MAX_BYTES // 1024} KiB"
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.session_state.workbench_upload_problem = f"{upload.name} is not UTF-8 text"
        return
    st.session_state.workbench_upload_problem = None
    start_editing(text, None)  # saving an upload of an existing scenario asks first


def keep_edit() -> None:
    st.session_state.workbench_text = st.session_state.workbench_editor


def save(user: User, anyway: bool = False) -> ScenarioVersion | None:
    """Save the text as the next version; None if it was refused (the reason is on the page)."""
    text = st.session_state.workbench_text
    base = st.session_state.workbench_base
    store = app_store()
    try:
        if anyway:  # on top of whatever is newest now
            scenario_id = draft_identity(text)[0]
            base = EditorBase(scenario_id, store.scenario_history(user, scenario_id).versions[0].number)
        saved = save_draft(store, user, text, st.session_state.workbench_note, base)
    except DraftProblem as problem:
        st.session_state.workbench_notice = ("error", str(problem))
        return None
    except Conflict as conflict:
        st.session_state.workbench_conflict = str(conflict)
        st.session_state.workbench_notice = None
        return None
    version = saved.version
    st.session_state.workbench_base = EditorBase(version.scenario_id, version.number)
    st.session_state.workbench_conflict = None
    st.session_state.workbench_note = ""
    st.session_state.workbench_notice = (
        "success",
        f"Saved as version {version.number} of {version.scenario_id}." if saved.created
        else f"Nothing changed: this is version {version.number} of {version.scenario_id}, saved before.",
    )
    return version


def save_and_publish(user: User) -> None:
    version = save(user)
    if version is not None:
        st.session_state.workbench_notice = publish_version(user, version)


def play_draft(loaded: LoadedScenario, user: User) -> None:
    st.session_state.workbench_play = begin_attempt(loaded, Mode.PRACTICE, user)


# -- the page ---------------------------------------------------------------------------


def starting_points(user: User) -> None:
    start, existing, upload = st.columns(3)
    start.button("Start from the template", on_click=load_template, key="workbench_template")
    with existing:
        titles = {entry.scenario_id: entry.latest.title for entry in app_store().list_scenarios(user)}
        st.selectbox("Open a scenario (its newest version)", list(titles), format_func=titles.get, index=None,
                     key="workbench_open", on_change=open_scenario, args=(user,), placeholder="from the library")
    upload.file_uploader("Upload a YAML file", type=["yaml", "yml"], key="workbench_upload", on_change=load_upload,
                         max_upload_size=max(1, MAX_BYTES // 2**20))  # in MB: the browser says and enforces it
    if st.session_state.workbench_upload_problem:
        st.error(st.session_state.workbench_upload_problem)


def what_is_edited(text: str) -> None:
    """Which scenario and version a save would make, so nobody overwrites a scenario by surprise."""
    base = st.session_state.workbench_base
    try:
        scenario_id = draft_identity(text)[0]
    except DraftProblem:
        scenario_id = None
    if base is None:
        st.caption(f"A new scenario{f' ({scenario_id})' if scenario_id else ''}: saving makes its version 1.")
    elif scenario_id == base.scenario_id:
        st.caption(f"Editing version {base.number} of {base.scenario_id}: saving makes version {base.number + 1}.")
    else:
        st.caption(f"The id is no longer {base.scenario_id}: saving makes a new scenario"
                   f"{f' ({scenario_id})' if scenario_id else ''}, and {base.scenario_id} stays as it is.")


def validate(text: str) -> LoadedScenario | None:
    """Show every problem by line; return the scenario when it is valid."""
    checked = checked_scenario(text)
    if checked.loaded is None:
        st.error(f"{plural(len(checked.problems), 'problem')} to fix:")
        for problem in checked.problems:
            where = f"line {problem.line}, column {problem.column}: " if problem.line else ""
            st.text(f"{where}{problem.message}")
        return None
    if checked.loaded.scenario.script is None:
        st.warning("Valid for scoring, but it has no `script`, so it cannot be played.")
    elif "ideal" not in checked.loaded.scenario.walkthroughs:
        st.warning("Valid, but it has no `ideal` walkthrough to autoplay.")
    else:
        st.success("Valid and playable.")
    return checked.loaded


def save_and_publish_buttons(user: User, loaded: LoadedScenario | None) -> None:
    st.text_input("What changed (saved with the version)", key="workbench_note", max_chars=500)
    problems = ["it does not load"] if loaded is None else publication_problems(loaded, autoplayed(loaded.text))
    save_button, publish_button = st.columns(2)
    save_button.button("Save draft", on_click=save, args=(user,), key="workbench_save",
                       help="Saves a new version, even one with problems; trainees do not see it.")
    publish_button.button("Save and publish", type="primary", on_click=save_and_publish, args=(user,),
                          key="workbench_publish", disabled=bool(problems),
                          help="Trainees practise the published version of each scenario.")
    if problems:
        st.caption("To publish, fix this: " + "; ".join(problems) + ".")
    if st.session_state.workbench_conflict:
        st.warning(st.session_state.workbench_conflict)
        st.button("Save as its next version anyway", on_click=save, args=(user, True), key="workbench_save_anyway")
    if st.session_state.workbench_notice:  # shown once, after the action that caused it
        kind, message = st.session_state.workbench_notice
        st.session_state.workbench_notice = None
        (st.success if kind == "success" else st.error)(message)


def autoplay_results(loaded: LoadedScenario) -> None:
    """Every walkthrough played by itself and scored: does the scenario teach what it should?"""
    played = autoplayed(loaded.text)
    if not played.results:
        return
    rows = []
    for name, card in played.results.items():
        if isinstance(card, ActionRefused):
            rows.append({"walkthrough": name, "score": None, "passed": None, "failed rules": f"cannot play: {card}"})
        else:
            failed = [r.rule.code for r in card.results if r.verdict.outcome.value == "fail"]
            rows.append({"walkthrough": name, "score": card.score, "passed": card.passed,
                         "failed rules": ", ".join(failed)})
    st.subheader("Autoplay")
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    problems = played.problems()
    if problems:
        st.warning(f"{plural(len(problems), 'walkthrough problem')}: the scenario or its walkthroughs need another look.")
        for name, problem in problems:
            st.text(f"{name} {problem}")
    for name, card in played.cards().items():
        with st.expander(f"{name}: every verdict"):
            for result in card.results:
                st.text(f"{result.verdict.outcome.value:>4}  {result.rule.code} {result.rule.name}: {result.verdict.message}")
    exercised = scenario_coverage(loaded, played)
    shown = [code for code, found in exercised.verdicts.items() if found]
    st.caption("Rules this scenario exercises: " + (", ".join(shown) if shown else "none"))


EDITOR_LINE_HEIGHT = 21  # px; the numbers in the gutter are drawn at the same height
EDITOR_GUTTER = 48  # px
EDITOR_SPARE_LINES = 200  # numbered beyond the text, for lines typed before the next rerun


def editor_style(line_count: int) -> str:
    """CSS for the YAML editor: a monospaced font, lines that never wrap, and line numbers in a
    gutter drawn as the text area's background (an SVG that scrolls with the text), so a problem's
    "line 12" can be found at a glance. Only numbers go into it, never the edited text."""
    lines = line_count + EDITOR_SPARE_LINES
    numbers = "".join(f"<text x='{EDITOR_GUTTER - 10}' y='{8 + EDITOR_LINE_HEIGHT * n - 6}'>{n}</text>"
                      for n in range(1, lines + 1))
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{EDITOR_GUTTER}' height='{16 + EDITOR_LINE_HEIGHT * lines}'>"
           f"<rect width='{EDITOR_GUTTER - 4}' height='100%' fill='#f0f2f6'/>"
           f"<g font-family='monospace' font-size='13' fill='#808495' text-anchor='end'>{numbers}</g></svg>")
    # Percent-encoded: the page's HTML sanitiser drops a <style> whose text holds "<".
    svg = svg.replace("%", "%25").replace("#", "%23").replace("<", "%3C").replace(">", "%3E")
    return (f"<style>.st-key-workbench_editor textarea {{font-family: 'Source Code Pro', ui-monospace, monospace; "
            f"font-size: 14px; line-height: {EDITOR_LINE_HEIGHT}px; padding: 8px 8px 8px {EDITOR_GUTTER + 6}px; "
            f"white-space: pre; overflow-wrap: normal; overflow-x: auto; "
            f'background: url("data:image/svg+xml;utf8,{svg}") no-repeat left top local;}}</style>')


user = require_role(Role.TRAINER, Role.COORDINATOR)
if st.session_state.workbench_play:
    attempt_id = st.session_state.workbench_play
    st.session_state.workbench_play = None
    st.switch_page("app_pages/console.py", query_params={"attempt": attempt_id})

st.title("Scenario workbench")
st.caption("Write a scenario in YAML (docs/scenarios.md explains every key), see it checked line by line, "
           "autoplay its walkthroughs, play it yourself, then save it and publish it for trainees.")
try:
    starting_points(user)
except NotFound:  # the account lost the trainer role meanwhile
    st.error("The scenario library is not available to you.")
    st.stop()

text = st.session_state.workbench_text
what_is_edited(text)
# The editor's own key is dropped whenever another page runs; the text lives on in workbench_text.
st.session_state.workbench_editor = text
st.html(editor_style(text.count("\n") + 1))
st.text_area("Scenario (YAML)", key="workbench_editor", height=480, on_change=keep_edit)
if text.strip():
    loaded = validate(text)
    save_and_publish_buttons(user, loaded)
    if loaded is not None:
        st.download_button("Download", text, file_name=f"{loaded.scenario.id}.yaml", mime="text/yaml",
                           key="workbench_download")
        if loaded.scenario.script is not None:
            st.button("Play this draft in the console", on_click=play_draft, args=(loaded, user),
                      key="workbench_play_button")
            autoplay_results(loaded)
