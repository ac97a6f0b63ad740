"""Text is text on every page: every field a person fills in (scenario titles and texts, library,
staff and patron names, display names, usernames, cohorts, notes, chat) is given Markdown that would
fetch an image, link out or format, and no page may render any of it.

Every string of every element the pages send is read from its protobuf message. Streamlit renders
Markdown in all of them but a few plain ones (`st.text`, `st.code`, selectbox options, what is typed
into inputs); in the rest, the hostile text may appear only escaped: inside inline code, or with its
Markdown characters backslash-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from coach.catalogue import publish
from coach.storage import Role
from tests.conftest import PASSWORD, ROOT, sign_in
from tests.test_console import Console

LINK, IMAGE = "[go](http://evil.example/a)", "![p](http://evil.example/p.png)"
# Markdown and HTML, Streamlit's directives, LaTeX, a right-to-left override and a zero-width space
EXTRAS = ":material/skull: \u202eRTL\u200bwww.evil.example"
HOSTILE = f"{IMAGE} {LINK} <b>b</b> **strong** :red[r] $x$ {EXTRAS}"
NAME = f"{IMAGE} {LINK} :red[r] $x$"  # display names and cohorts: at most 100 characters
# what must not survive outside inline code: addresses, Markdown or HTML left unescaped, bidi controls
FORBIDDEN = re.compile(r"evil\.example|<b>|\*\*strong|:red\[|(?<!\\)\$x|\]\(|!\[|(?<!\\):material/skull|\u202e")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
# (element type, field) pairs that Streamlit shows as plain text
PLAIN = {
    ("text", "body"), ("code", "codeText"), ("selectbox", "options"), ("selectbox", "rawValues"),
    ("multiselect", "options"), ("multiselect", "rawValues"), ("text_input", "value"),
    ("text_input", "default"), ("text_area", "value"), ("text_area", "default"),
}
SHIPPED_ID, SCENARIO_ID = "fire-alarm-handoff", "hostile-fire-alarm"


def strings(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, key if not path else f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, path)


def rendered_hostile_text(app: AppTest) -> list[str]:
    """Each place where hostile text would render as Markdown: 'type.field: text'. Fails when the
    page shows no hostile text at all (escaped or not): then it checked nothing."""
    found, shown = [], 0

    def walk(node: object) -> None:
        nonlocal shown
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", None)
        if proto is not None and kind is not None:
            for field, text in strings(MessageToDict(proto)):
                shown += "evil.example" in text
                if (kind, field.split(".")[0]) in PLAIN:
                    continue
                if FORBIDDEN.search(INLINE_CODE.sub("", text)):
                    found.append(f"{kind}.{field}: {text[:160]}")
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(app._tree)
    assert shown, "the page shows none of the hostile values"
    return found


def hostile_scenario() -> str:
    data = yaml.safe_load((ROOT / "scenarios" / f"{SHIPPED_ID}.yaml").read_text(encoding="utf-8"))
    data["id"], data["title"] = SCENARIO_ID, f"Fire alarm {HOSTILE}"
    data["patron"]["name"] = f"Marcus {HOSTILE}"
    data["patron"]["question"] = f"{data['patron']['question']} {HOSTILE}"
    for library in data["libraries"].values():
        library["name"] = f"{library['name']} {HOSTILE}"
    for member in data["staff"]:
        member["name"] = f"{member['name']} {HOSTILE}"

    def rename_departments(value: object) -> None:  # in the staff list and wherever a step names one
        if isinstance(value, dict):
            if isinstance(value.get("department"), str):
                value["department"] = f"{value['department']} {HOSTILE}"
            for item in value.values():
                rename_departments(item)
        elif isinstance(value, list):
            for item in value:
                rename_departments(item)

    rename_departments(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.fixture
def hostile_world(store):
    coordinator = store.create_user("cora", f"Cora {NAME}", Role.COORDINATOR, PASSWORD, f"staff {NAME}")
    trainee = store.create_user("www.evil.example", f"Tess {NAME}", Role.TRAINEE, PASSWORD, f"fall {NAME}")
    store.create_user("tina", f"Tina {NAME}", Role.TRAINER, PASSWORD, f"trainers {NAME}")
    saved = store.save_scenario_draft(coordinator, SCENARIO_ID, f"Fire alarm {HOSTILE}", hostile_scenario(),
                                      f"note {HOSTILE}", None)
    publish(store, coordinator, saved.version)
    return coordinator, trainee


def test_the_hostile_scenario_is_what_the_pages_show(hostile_world, store) -> None:
    coordinator, _ = hostile_world
    (version,) = [v for v in store.published_scenario_versions(coordinator) if v.scenario_id == SCENARIO_ID]
    assert HOSTILE in version.title and version.text.count("evil.example") >= 10


def test_a_trainee_practising_never_sees_hostile_text_rendered(hostile_world, store) -> None:
    _, trainee = hostile_world
    console = Console(store, trainee.username)
    problems: list[str] = []

    def look(step: str) -> None:
        problems.extend(f"{step}: {found}" for found in rendered_hostile_text(console.app))

    look("picker")
    console.start(SCENARIO_ID, "practice")
    look("console")
    console.say(f"Hello {HOSTILE}")
    look("after a message")
    console.app.radio(key="console_panel").set_value("Info")
    console.run()
    look("info tab")
    console.press("console_transfer")
    look("transfer pop-up")
    console.app.segmented_control(key="console_transfer_tab").set_value("Agent")
    console.run()
    look("agent tab")
    console.press("console_cancel_transfer")
    console.app.radio(key="console_panel").set_value("Staff")
    console.run()
    look("staff list")
    console.im("helen", f"Can you take a patron? {HOSTILE}")
    console.wait(20)
    look("after an IM")
    console.app.text_area(key="console_notes").input(f"Note {HOSTILE}")
    console.press("console_save_notes")
    look("after a note")
    console.finish()
    look("scorecard")
    for page in ("attempts.py", "replay.py", "account.py", "rule_catalogue.py"):
        console.app.switch_page(f"app_pages/{page}").run()
        look(page)
    assert not problems, "\n".join(problems)


PAGES_OF = {
    "coordinator": ["dashboard.py", "trainee.py", "attempts.py", "accounts.py", "scenarios.py", "workbench.py",
                    "account.py", "replay.py", "rule_catalogue.py"],
    "trainer": ["scenarios.py", "workbench.py", "attempts.py", "account.py", "rule_catalogue.py"],
}


@pytest.mark.parametrize(("username", "page"), [
    (username, page) for username, pages in (("cora", PAGES_OF["coordinator"]), ("tina", PAGES_OF["trainer"]))
    for page in pages
])
def test_coordinators_and_trainers_never_see_hostile_text_rendered(hostile_world, store, username: str,
                                                                   page: str) -> None:
    coordinator, trainee = hostile_world
    viewer = store.find_user(username)
    played = Console(store, trainee.username)
    played.start(SCENARIO_ID, "assessment").say(f"Hi {HOSTILE}")
    played.app.text_area(key="console_notes").input(f"Note {HOSTILE}")
    played.press("console_save_notes").finish()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    sign_in(app, store, viewer)
    app.run()
    app.switch_page(f"app_pages/{page}")
    if page == "replay.py":
        (finished,) = store.list_attempts(coordinator)
        app.query_params["attempt"] = finished.id
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    problems = rendered_hostile_text(app)
    if page == "workbench.py":
        app.selectbox(key="workbench_open").select(SCENARIO_ID).run()
        assert "evil.example" in app.text_area(key="workbench_editor").value
        problems += rendered_hostile_text(app)
    assert not problems, "\n".join(problems)
