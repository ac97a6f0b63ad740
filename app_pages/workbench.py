"""The trainer's workbench: write or upload a scenario, see it validated by line, autoplay it, play it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.ui import begin_attempt, require_role, scenario_library
from coach.attempt import Mode
from coach.coverage import scenario_coverage
from coach.problems import BadInput
from coach.scenario import LoadedScenario, parse_scenario
from coach.scoring import matcher_for, score
from coach.simulator import ActionRefused, play_walkthrough
from coach.storage import Role
from coach.yamlsafe import MAX_BYTES

TEMPLATE = (Path(__file__).resolve().parent.parent / "coach" / "scenario_template.yaml").read_text(encoding="utf-8")


def load_template() -> None:
    st.session_state.workbench_text = TEMPLATE


def load_existing() -> None:
    chosen = scenario_library().get(st.session_state.workbench_existing)
    if chosen is not None:
        st.session_state.workbench_text = chosen.text


def load_upload() -> None:
    upload = st.session_state.workbench_upload
    if upload is None:
        return
    if upload.size > MAX_BYTES:
        st.session_state.workbench_upload_problem = f"{upload.name} is larger than {MAX_BYTES // 1024} KiB"
        return
    try:
        st.session_state.workbench_text = upload.getvalue().decode("utf-8")
        st.session_state.workbench_upload_problem = None
    except UnicodeDecodeError:
        st.session_state.workbench_upload_problem = f"{upload.name} is not UTF-8 text"


def play_draft(loaded: LoadedScenario) -> None:
    st.session_state.workbench_play = begin_attempt(loaded, Mode.PRACTICE, user)


def validate(text: str) -> LoadedScenario | None:
    """Show every problem by line; return the scenario when it is valid."""
    try:
        loaded = parse_scenario(text, "draft.yaml")
    except BadInput as bad:
        st.error(f"{len(bad.problems)} problem(s) to fix:")
        for problem in bad.problems:
            where = f"line {problem.line}, column {problem.column}: " if problem.line else ""
            st.text(f"{where}{problem.message}")
        return None
    if loaded.scenario.script is None:
        st.warning("Valid for scoring, but it has no `script`, so it cannot be played.")
    elif "ideal" not in loaded.scenario.walkthroughs:
        st.warning("Valid, but it has no `ideal` walkthrough to autoplay.")
    else:
        st.success("Valid and playable.")
    return loaded


def autoplay(loaded: LoadedScenario) -> None:
    """Every walkthrough played by itself and scored: does the scenario teach what it should?"""
    scenario = loaded.scenario
    rows, cards = [], {}
    for name, steps in scenario.walkthroughs.items():
        try:
            events = play_walkthrough(scenario, matcher_for(scenario), steps).events
        except ActionRefused as refusal:
            rows.append({"walkthrough": name, "score": None, "passed": None, "failed rules": f"cannot play: {refusal}"})
            continue
        card = score(scenario, events)
        cards[name] = card
        failed = [r.rule.code for r in card.results if r.verdict.outcome.value == "fail"]
        rows.append({"walkthrough": name, "score": card.score, "passed": card.passed, "failed rules": ", ".join(failed)})
    if not rows:
        return
    st.subheader("Autoplay")
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    ideal = cards.get("ideal")
    if ideal is not None and ideal.score != 100.0:
        st.warning("The ideal walkthrough does not score 100: the scenario or its ideal actions need another look.")
    for name, card in cards.items():
        with st.expander(f"{name}: every verdict"):
            for result in card.results:
                st.text(f"{result.verdict.outcome.value:>4}  {result.rule.code} {result.rule.name}: {result.verdict.message}")
    exercised = scenario_coverage(loaded)
    shown = [code for code, found in exercised.verdicts.items() if found]
    st.caption("Rules this scenario exercises: " + (", ".join(shown) if shown else "none"))


user = require_role(Role.TRAINER, Role.COORDINATOR)
if st.session_state.get("workbench_play"):
    attempt_id = st.session_state.workbench_play
    st.session_state.workbench_play = None
    st.switch_page("app_pages/console.py", query_params={"attempt": attempt_id})

st.title("Scenario workbench")
st.caption("Write a scenario in YAML (docs/scenarios.md explains every key), see it checked line by line, "
           "autoplay its walkthroughs, then play it yourself.")
start, existing, upload = st.columns(3)
start.button("Start from the template", on_click=load_template, key="workbench_template")
with existing:
    choices = {loaded.scenario.id: loaded.scenario.title for loaded in scenario_library().playable()}
    st.selectbox("Edit a copy of", list(choices), format_func=choices.get, index=None, key="workbench_existing",
                 on_change=load_existing, placeholder="a shipped scenario")
upload.file_uploader("Upload a YAML file", type=["yaml", "yml"], key="workbench_upload", on_change=load_upload)
if st.session_state.get("workbench_upload_problem"):
    st.error(st.session_state.workbench_upload_problem)

text = st.text_area("Scenario (YAML)", key="workbench_text", height=480)
if text.strip():
    loaded = validate(text)
    if loaded is not None:
        st.download_button("Download", text, file_name=f"{loaded.scenario.id}.yaml", mime="text/yaml",
                           key="workbench_download")
        if loaded.scenario.script is not None:
            st.button("Play this draft in the console", type="primary", on_click=play_draft, args=(loaded,),
                      key="workbench_play_button")
            autoplay(loaded)
