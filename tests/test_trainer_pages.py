"""The trainer's scenario library (status, coverage, versions) and workbench (validate, autoplay,
play, save, publish), driven through Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from coach.catalogue import EditorBase, save_draft
from coach.storage import Role
from tests.conftest import PASSWORD, ROOT, run_page_directly, sign_in

TEMPLATE = (ROOT / "coach" / "scenario_template.yaml").read_text(encoding="utf-8")
NEW_ID, NEW_TITLE = "hold-in-transit", "Robin's hold is stuck in transit"
MY_SCENARIO = (TEMPLATE.replace("id: my-new-scenario", f"id: {NEW_ID}")
               .replace("title: A patron asks why a hold has not arrived", f"title: {NEW_TITLE}"))
SHIPPED = "lost-book-charge-maplewood"


def logged_in(store, username: str, role: Role) -> AppTest:
    user = store.find_user(username) or store.create_user(username, username.title(), role, PASSWORD)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in(app, store, user)
    return app.run()


def workbench(store, username: str = "tina") -> AppTest:
    app = logged_in(store, username, Role.TRAINER)
    return app.switch_page("app_pages/workbench.py").run()


def library(store, username: str = "tina") -> AppTest:
    app = logged_in(store, username, Role.TRAINER)
    return app.switch_page("app_pages/scenarios.py").run()


def edit(app: AppTest, text: str) -> AppTest:
    return app.text_area(key="workbench_editor").input(text).run()


def click(app: AppTest, key: str) -> AppTest:
    app.button(key=key).click().run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> list[str]:
    return [element.value for element in app.text]


def published_titles(store) -> list[str]:
    """What a trainee is offered on the Practice page."""
    app = logged_in(store, "terry", Role.TRAINEE)
    return app.selectbox(key="console_pick").options


def library_rows(app: AppTest):
    return app.dataframe[0].value.set_index("Id")


# -- the library -------------------------------------------------------------------------


def test_scenario_library_and_coverage(store) -> None:
    app = library(store)
    assert not app.exception
    rows, matrix = library_rows(app), app.dataframe[1].value
    assert len(rows) >= 8 and set(rows["Status"]) == {"published"} and set(rows["Published"]) == {"v1"}
    assert rows.loc[SHIPPED, "Newest"].startswith("v1 · ") and rows.loc[SHIPPED, "Newest"].endswith(" · the coach")
    assert "TR001" in rows.loc[SHIPPED, "Rules exercised"]
    assert matrix.loc[SHIPPED, "TR001"] == "PF"
    assert app.success[0].value == "Every rule is exercised by at least one scenario."


def test_library_shows_drafts_invalid_versions_and_their_problems(store) -> None:
    app = library(store)  # the app imports the shipped scenarios
    trainer = store.find_user("tina")
    shipped = store.scenario_history(trainer, SHIPPED).versions[0]
    save_draft(store, trainer, shipped.text + "\n# clearer\n", "comment", EditorBase(SHIPPED, 1))
    save_draft(store, trainer, MY_SCENARIO.replace("status: available", "status: asleep"), "", None)
    rows = library_rows(app.run())
    assert rows.loc[SHIPPED, ["Status", "Published"]].tolist() == ["draft", "v1"]
    assert rows.loc[NEW_ID, ["Status", "Published"]].tolist() == ["invalid", "–"]
    assert any(f"{NEW_ID} v1: 1 problem" in expander.label for expander in app.expander)
    assert any(text.startswith("line 20, column 13: 'status' must be one of") for text in texts(app))


def test_coverage_can_count_drafts_instead_of_published_versions(store) -> None:
    trainer = store.create_user("tina", "Tina", Role.TRAINER, PASSWORD)
    save_draft(store, trainer, MY_SCENARIO, "", None)
    app = library(store)
    assert NEW_ID not in app.dataframe[1].value.index
    app.toggle(key="scenarios_coverage_drafts").set_value(True).run()
    assert app.dataframe[1].value.loc[NEW_ID, "TR001"] == "PF"


def test_history_publishes_an_older_version_withdraws_and_opens_one(store) -> None:
    trainer = store.create_user("tina", "Tina", Role.TRAINER, PASSWORD)
    save_draft(store, trainer, MY_SCENARIO, "first", None)
    app = library(store)
    app.selectbox(key="scenarios_history_pick").set_value(NEW_ID).run()
    history = app.dataframe[2].value
    assert history[["Version", "By", "Note", "Status", "Attempts"]].values.tolist() == [[1, "tina", "first", "draft", 0]]
    assert published_titles(store).count(f"{NEW_TITLE} (you take the chat)") == 0

    click(app, "scenarios_publish")
    assert app.success[-1].value.startswith(f"Version 1 of {NEW_ID} is published")
    assert app.dataframe[2].value["Status"].tolist() == ["published"]
    assert app.button(key="scenarios_publish").disabled
    assert f"{NEW_TITLE} (you take the chat)" in published_titles(store)

    click(app, "scenarios_withdraw")
    assert "withdrawn" in app.success[-1].value
    assert library_rows(app).loc[NEW_ID, "Status"] == "withdrawn"
    assert f"{NEW_TITLE} (you take the chat)" not in published_titles(store)

    click(app, "scenarios_open")
    assert app.title[0].value == "Scenario workbench"
    assert app.text_area(key="workbench_editor").value == MY_SCENARIO
    assert f"Editing version 1 of {NEW_ID}" in app.caption[1].value


def test_an_invalid_version_cannot_be_published_from_the_history(store) -> None:
    trainer = store.create_user("tina", "Tina", Role.TRAINER, PASSWORD)
    save_draft(store, trainer, MY_SCENARIO.replace("status: available", "status: asleep"), "", None)
    app = library(store)
    app.selectbox(key="scenarios_history_pick").set_value(NEW_ID).run()
    assert app.button(key="scenarios_publish").disabled


def test_publishing_from_the_history_says_why_a_version_is_refused(store) -> None:
    trainer = store.create_user("tina", "Tina", Role.TRAINER, PASSWORD)
    weak = MY_SCENARIO.replace('    - {type: im, to: casey, text: "Hi Casey, can you take a Home Town patron with a '
                               'hold stuck in transit?"}\n', "")
    save_draft(store, trainer, weak, "", None)
    app = library(store)
    app.selectbox(key="scenarios_history_pick").set_value(NEW_ID).run()
    click(app, "scenarios_publish")
    assert app.error[-1].value.startswith(f"Version 1 of {NEW_ID} is not published: its `ideal` walkthrough scores")
    assert store.scenario_history(trainer, NEW_ID).published_number is None


# -- the workbench -----------------------------------------------------------------------


def test_workbench_validates_autoplays_and_plays_the_template(store) -> None:
    app = click(workbench(store), "workbench_template")
    assert app.success[0].value == "Valid and playable."
    assert "A new scenario (my-new-scenario): saving makes its version 1." in [c.value for c in app.caption]
    autoplay = app.dataframe[0].value.set_index("walkthrough")
    assert autoplay.loc["ideal", "score"] == 100.0
    assert "TR001" in autoplay.loc["transfer-without-asking", "failed rules"]
    click(app, "workbench_play_button")
    attempt = app.session_state["console_attempt"]
    assert attempt.scenario.id == "my-new-scenario" and app.title[0].value == attempt.scenario.title
    stored = store.load_attempt(store.find_user("tina"), attempt.attempt_id)
    assert "my-new-scenario" in stored.scenario_text  # the attempt names the exact draft played
    assert stored.summary.version_number is None  # played, never saved


def test_workbench_reports_problems_by_line(store) -> None:
    app = click(workbench(store), "workbench_template")
    edit(app, app.text_area(key="workbench_editor").value.replace("    status: available", "    status: asleep"))
    assert app.error[0].value.endswith(("1 problem to fix:", "problems to fix:"))
    assert any(text.startswith("line 20, column 13: 'status' must be one of") for text in texts(app))
    assert not app.dataframe
    assert app.button(key="workbench_publish").disabled
    assert "To publish, fix this: it does not load." in [c.value for c in app.caption]


def test_workbench_reports_a_nul_byte_and_a_huge_file_without_breaking(store) -> None:
    app = click(workbench(store), "workbench_template")
    template = app.text_area(key="workbench_editor").value
    edit(app, template.replace("title: ", "title: a\0", 1))
    assert not app.exception
    assert any("the file contains a NUL character, which YAML does not allow; remove it" in text for text in texts(app))
    edit(app, template + "".join(f"extra{i}: 1\n" for i in range(12_000)))
    assert not app.exception
    assert any("values; a scenario needs far fewer" in text for text in texts(app))
    assert len(texts(app)) < 20, "one problem, not one per key"


def test_a_trainer_writes_saves_publishes_and_trainees_get_it(store) -> None:
    app = click(workbench(store), "workbench_template")
    edit(app, MY_SCENARIO)
    app.text_input(key="workbench_note").input("first version").run()
    click(app, "workbench_save")
    assert app.success[-1].value == f"Saved as version 1 of {NEW_ID}."
    assert f"Editing version 1 of {NEW_ID}: saving makes version 2." in [c.value for c in app.caption]
    assert f"{NEW_TITLE} (you take the chat)" not in published_titles(store), "a draft is not published"

    click(app, "workbench_publish")  # nothing changed: publishes version 1
    assert app.success[-1].value == f"Version 1 of {NEW_ID} is published: trainees practise it from now on."
    assert f"{NEW_TITLE} (you take the chat)" in published_titles(store)
    version = store.scenario_history(store.find_user("tina"), NEW_ID).versions[0]
    assert (version.number, version.author, version.note) == (1, "tina", "first version")


def test_saving_the_same_text_again_makes_no_new_version(store) -> None:
    app = click(workbench(store), "workbench_template")
    click(app, "workbench_save")
    click(app, "workbench_save")
    assert app.success[-1].value == "Nothing changed: this is version 1 of my-new-scenario, saved before."


def test_publish_waits_for_an_ideal_that_scores_100(store) -> None:
    app = click(workbench(store), "workbench_template")
    weak = MY_SCENARIO.replace('    - {type: im, to: casey, text: "Hi Casey, can you take a Home Town patron with a '
                               'hold stuck in transit?"}\n', "")
    edit(app, weak)
    assert app.button(key="workbench_publish").disabled
    assert any("its `ideal` walkthrough scores" in c.value and "TR001" in c.value for c in app.caption)
    click(app, "workbench_save")  # a draft may still be saved
    assert app.success[-1].value == f"Saved as version 1 of {NEW_ID}."


def test_an_edit_of_a_shipped_scenario_becomes_its_next_version(store) -> None:
    app = workbench(store)
    app.selectbox(key="workbench_open").set_value(SHIPPED).run()
    text = app.text_area(key="workbench_editor").value
    assert f"id: {SHIPPED}" in text
    assert f"Editing version 1 of {SHIPPED}: saving makes version 2." in [c.value for c in app.caption]
    assert app.dataframe[0].value.set_index("walkthrough").loc["ideal", "score"] == 100.0
    edit(app, text.replace("patience:", "patience: 400 #", 1))
    click(app, "workbench_publish")
    assert app.success[-1].value.startswith(f"Version 2 of {SHIPPED} is published")
    history = store.scenario_history(store.find_user("tina"), SHIPPED)
    assert history.published_number == 2 and [v.number for v in history.versions] == [2, 1]


def test_a_stale_edit_warns_and_can_be_saved_anyway(store) -> None:
    app = workbench(store)
    app.selectbox(key="workbench_open").set_value(SHIPPED).run()
    text = app.text_area(key="workbench_editor").value
    theo = store.create_user("theo", "Theo", Role.TRAINER, PASSWORD)
    save_draft(store, theo, text + "\n# Theo was here\n", "", EditorBase(SHIPPED, 1))  # meanwhile, elsewhere
    edit(app, text + "\n# Tina was here\n")
    click(app, "workbench_save")
    assert app.warning[0].value.startswith(f"Version 2 of '{SHIPPED}' was saved by theo")
    assert not app.success or not app.success[-1].value.startswith("Saved")
    click(app, "workbench_save_anyway")
    assert app.success[-1].value == f"Saved as version 3 of {SHIPPED}."
    assert not app.warning


def test_an_upload_with_a_taken_id_asks_before_it_becomes_a_new_version(store) -> None:
    app = workbench(store)
    shipped_text = (ROOT / "scenarios" / f"{SHIPPED}.yaml").read_text(encoding="utf-8")
    edit(app, shipped_text + "\n# uploaded copy\n")  # as an upload would leave it: no base version
    click(app, "workbench_save")
    assert f"A scenario with the id '{SHIPPED}' exists already" in app.warning[0].value
    click(app, "workbench_save_anyway")
    assert app.success[-1].value == f"Saved as version 2 of {SHIPPED}."


def test_a_changed_id_makes_a_new_scenario_and_says_so(store) -> None:
    app = workbench(store)
    app.selectbox(key="workbench_open").set_value(SHIPPED).run()
    text = app.text_area(key="workbench_editor").value
    edit(app, text.replace(f"id: {SHIPPED}", "id: lost-book-copy", 1))
    assert (f"The id is no longer {SHIPPED}: saving makes a new scenario (lost-book-copy), and {SHIPPED} stays "
            "as it is.") in [c.value for c in app.caption]
    click(app, "workbench_save")
    assert app.success[-1].value == "Saved as version 1 of lost-book-copy."


def test_a_draft_without_an_id_is_not_saved(store) -> None:
    app = workbench(store)
    edit(app, "title: Something new\n")
    click(app, "workbench_save")
    assert "A draft is filed under its scenario's id" in app.error[-1].value


def test_the_text_survives_a_visit_to_another_page(store) -> None:
    app = click(workbench(store), "workbench_template")
    edit(app, MY_SCENARIO)
    app.switch_page("app_pages/rule_catalogue.py").run()
    app.switch_page("app_pages/workbench.py").run()
    assert app.text_area(key="workbench_editor").value == MY_SCENARIO


# -- who may use them --------------------------------------------------------------------


@pytest.mark.parametrize("page", ["workbench.py", "scenarios.py"])
def test_trainees_cannot_use_the_trainer_pages(store, page: str) -> None:
    trainee = store.create_user("terry", "Terry", Role.TRAINEE, PASSWORD)
    app = run_page_directly(page, store, trainee)
    assert [error.value for error in app.error] == ["This page is not available to you."]


def test_coordinators_publish_too(store) -> None:
    app = logged_in(store, "cora", Role.COORDINATOR)
    app.switch_page("app_pages/workbench.py").run()
    edit(app, MY_SCENARIO)
    click(app, "workbench_publish")
    assert app.success[-1].value.startswith(f"Version 1 of {NEW_ID} is published")


def test_an_attempt_replays_on_the_version_it_was_played_on(store) -> None:
    app = workbench(store)
    tina = store.find_user("tina")
    terry = store.create_user("terry", "Terry", Role.TRAINEE, PASSWORD)
    [first] = [v for v in store.published_scenario_versions(terry) if v.scenario_id == SHIPPED]
    attempt_id = store.start_attempt(terry, first, "practice")
    app.selectbox(key="workbench_open").set_value(SHIPPED).run()
    renamed = app.text_area(key="workbench_editor").value.replace(f"title: {first.title}", "title: Renamed", 1)
    edit(app, renamed)
    click(app, "workbench_publish")
    assert store.scenario_history(tina, SHIPPED).published_number == 2

    replay = logged_in(store, "terry", Role.TRAINEE)
    replay.query_params["attempt"] = attempt_id
    replay.switch_page("app_pages/replay.py").run()
    assert replay.title[0].value == f"Replay: {first.title}"
    assert replay.caption[0].value.startswith("terry · v1 · ")
    attempts = logged_in(store, "terry", Role.TRAINEE).switch_page("app_pages/attempts.py").run()
    assert attempts.dataframe[0].value["Version"].tolist() == ["v1"]
