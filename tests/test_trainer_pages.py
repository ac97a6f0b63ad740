"""The trainer's scenario library, coverage and workbench."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from coach.storage import Role
from tests.conftest import PASSWORD, ROOT


def trainer_app(store) -> AppTest:
    trainer = store.create_user("tina", "Tina Trainer", Role.TRAINER, PASSWORD)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["auth_user_id"] = trainer.id
    return app.run()


def test_scenario_library_and_coverage(store) -> None:
    app = trainer_app(store)
    app.switch_page("app_pages/scenarios.py").run()
    assert not app.exception
    library, matrix = app.dataframe[0].value, app.dataframe[1].value
    assert len(library) >= 8 and set(library["Status"]) == {"valid, playable"}
    assert "TR001" in library.set_index("Id").loc["lost-book-charge-maplewood", "Rules exercised"]
    assert matrix.loc["lost-book-charge-maplewood", "TR001"] == "PF"
    assert app.success[0].value == "Every rule is exercised by at least one scenario."


def test_workbench_validates_autoplays_and_plays_the_template(store) -> None:
    app = trainer_app(store)
    app.switch_page("app_pages/workbench.py").run()
    app.button(key="workbench_template").click().run()
    assert not app.exception
    assert app.success[0].value == "Valid and playable."
    autoplay = app.dataframe[0].value.set_index("walkthrough")
    assert autoplay.loc["ideal", "score"] == 100.0
    assert "TR001" in autoplay.loc["transfer-without-asking", "failed rules"]
    app.button(key="workbench_play_button").click().run()
    attempt = app.session_state["console_attempt"]
    assert attempt.scenario.id == "my-new-scenario" and app.title[0].value == attempt.scenario.title
    stored = store.load_attempt(store.find_user("tina"), attempt.attempt_id)
    assert "my-new-scenario" in stored.scenario_text  # the attempt names the exact draft played


def test_workbench_reports_problems_by_line(store) -> None:
    app = trainer_app(store)
    app.switch_page("app_pages/workbench.py").run()
    app.button(key="workbench_template").click().run()
    broken = app.text_area(key="workbench_text").value.replace("    status: available", "    status: asleep")
    app.text_area(key="workbench_text").input(broken).run()
    assert "problem(s) to fix" in app.error[0].value
    assert any(text.value.startswith("line 20, column 13: 'status' must be one of") for text in app.text)
    assert not app.dataframe


def test_workbench_edits_a_copy_of_a_shipped_scenario(store) -> None:
    app = trainer_app(store)
    app.switch_page("app_pages/workbench.py").run()
    app.selectbox(key="workbench_existing").set_value("mill-photos-followup").run()
    assert "id: mill-photos-followup" in app.text_area(key="workbench_text").value
    assert app.dataframe[0].value.set_index("walkthrough").loc["ideal", "score"] == 100.0


def test_trainees_cannot_use_the_workbench(store) -> None:
    trainee = store.create_user("terry", "Terry", Role.TRAINEE, PASSWORD)
    page = AppTest.from_file(str(ROOT / "app_pages" / "workbench.py"), default_timeout=30)
    from app_pages.ui import STATE_DEFAULTS

    for key, value in STATE_DEFAULTS.items():
        page.session_state[key] = value
    page.session_state["auth_user_id"] = trainee.id
    page.run()
    assert [error.value for error in page.error] == ["This page is not available to you."]
