"""The coordinator's dashboard and trainee view, on attempts stored through the real store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from coach.library import ScenarioLibrary
from coach.scoring import RULESET_VERSION, matcher_for, score
from coach.simulator import play_walkthrough
from coach.storage import Role
from tests.conftest import PASSWORD, ROOT, run_page_directly, sign_in

PLAYS = [  # (trainee, cohort, scenario, walkthrough, mode)
    ("ana", "fall", "lost-book-charge-maplewood", "ideal", "assessment"),
    ("ana", "fall", "mill-photos-followup", "no-email-before-followup", "assessment"),
    ("ben", "spring", "lost-book-charge-maplewood", "transfer-without-contacting", "assessment"),
    ("ben", "spring", "mill-photos-followup", "ideal", "assessment"),
    ("ana", "fall", "mill-photos-followup", "ideal", "practice"),
]


@pytest.fixture
def played(store):
    library = ScenarioLibrary()
    users = {}
    for username, cohort, scenario_id, walkthrough, mode in PLAYS:
        user = users.get(username) or store.create_user(username, username.title(), Role.TRAINEE, PASSWORD, cohort)
        users[username] = user
        loaded = library.get(scenario_id)
        events = play_walkthrough(loaded.scenario, matcher_for(loaded.scenario),
                                  loaded.scenario.walkthroughs[walkthrough].steps).events
        attempt_id = store.start_attempt(user, store.save_scenario_version(loaded, loaded.text), mode)
        store.append_events(user, attempt_id, 0, events)
        store.finish_attempt(user, attempt_id, score(loaded.scenario, events, username), RULESET_VERSION)
    coordinator = store.create_user("maria", "Maria", Role.COORDINATOR, PASSWORD)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in(app, store, coordinator)
    return app.run()


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_dashboard_figures_and_cohort_filter(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert metric(app, "Finished attempts") == "4" and metric(app, "Pass rate") == "50%"
    app.multiselect(key="dashboard_cohorts").select("spring").run()
    assert metric(app, "Finished attempts") == "2"


def test_the_dashboard_shows_assessments_unless_the_coordinator_chooses_practice_or_both(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    assert app.radio(key="dashboard_mode").value == "Assessment"
    assert any(c.value.startswith("Assessment attempts only") for c in app.caption)
    assert metric(app, "Finished attempts") == "4"  # ana's practice attempt is left out
    app.radio(key="dashboard_mode").set_value("Practice").run()
    assert metric(app, "Finished attempts") == "1" and metric(app, "Pass rate") == "100%"
    app.radio(key="dashboard_mode").set_value("Both").run()
    assert metric(app, "Finished attempts") == "5"


def test_weakest_rule_leads_to_its_attempts_and_replay(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    weakest = app.selectbox(key="dashboard_rule").value
    failing = app.dataframe[0].value
    assert len(failing) >= 1 and weakest in ("TR001", "FU001", "FU002", "RT001", "FU005", "FU004")
    app.selectbox(key="dashboard_rule").set_value("TR001").run()
    failing = app.dataframe[0].value
    assert list(failing["Trainee"]) == ["ben"]
    assert list(failing.columns) == ["Finished", "Trainee", "Cohort", "Scenario", "Score", "Passed"]
    assert any(c.value.endswith("Times in UTC.") for c in app.caption)  # the test browser names no zone
    link = next(link for link in app.get("page_link") if link.proto.label == "Replay this attempt")
    assert "attempt=" in link.proto.query_string or link.proto.page.endswith("replay")


def test_trainee_view_lists_rules_they_fail(played: AppTest, store) -> None:
    app = played
    app.switch_page("app_pages/trainee.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("(ben)" in option for option in app.selectbox(key="trainee_choice").options)
    app.selectbox(key="trainee_choice").set_value(store.find_user("ben").id).run()
    failed = app.dataframe[0].value
    assert "TR001" in set(failed["code"])


def rule_box(app: AppTest):
    return app.selectbox(key="dashboard_rule")


def rule_box_caption(app: AppTest) -> str:
    return next(c.value for c in app.caption if "rule for these filters" in c.value or "Your pick" in c.value)


def failing_usernames(app: AppTest) -> list[str]:
    return list(app.dataframe[0].value["Trainee"])


def test_rule_box_follows_the_weakest_rule_as_filters_change(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    # everyone: FU001, FU002 and TR001 each pass half the time; FU001 sorts first
    assert rule_box(app).value == "FU001"
    assert rule_box_caption(app).startswith("The weakest rule for these filters")
    app.multiselect(key="dashboard_cohorts").select("spring").run()
    assert not app.exception, [e.value for e in app.exception]
    assert rule_box(app).value == "TR001"  # spring passed FU001; its only failure is TR001
    assert failing_usernames(app) == ["ben"]
    assert rule_box_caption(app).startswith("The weakest rule for these filters")
    app.multiselect(key="dashboard_cohorts").unselect("spring").select("fall").run()
    assert rule_box(app).value == "FU001"
    assert failing_usernames(app) == ["ana"]


def test_a_rule_the_coordinator_picked_stays_picked_after_a_filter_change(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    rule_box(app).set_value("FU002").run()
    assert rule_box_caption(app).startswith("Your pick. The weakest rule for these filters is FU001")
    app.multiselect(key="dashboard_cohorts").select("spring").run()
    assert rule_box(app).value == "FU002"  # spring's weakest is TR001, but the coordinator chose FU002
    assert app.dataframe[0].value.empty  # spring never failed FU002
    assert rule_box_caption(app).startswith("Your pick. The weakest rule for these filters is TR001")
    app.multiselect(key="dashboard_cohorts").unselect("spring").run()
    assert rule_box(app).value == "FU002"
    assert failing_usernames(app) == ["ana"]


def test_a_pick_these_filters_have_no_verdicts_for_gives_way_to_the_weakest_and_comes_back(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    rule_box(app).set_value("TR002").run()
    app.multiselect(key="dashboard_scenarios").select("mill-photos-followup").run()  # no transfer: TR002 n/a
    assert not any(option.startswith("TR002") for option in rule_box(app).options)
    assert rule_box(app).value == "FU001"
    assert rule_box_caption(app) == "Your pick, TR002, has no verdicts for these filters: showing the weakest rule."
    app.multiselect(key="dashboard_scenarios").unselect("mill-photos-followup").run()
    assert rule_box(app).value == "TR002"


def test_choosing_the_weakest_rule_follows_the_weakest_again(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    rule_box(app).set_value("FU002").run()
    rule_box(app).set_value("FU001").run()  # the weakest for these filters
    assert rule_box_caption(app).startswith("The weakest rule for these filters")
    app.multiselect(key="dashboard_cohorts").select("spring").run()
    assert rule_box(app).value == "TR001"


EXPORT_BUTTONS = ["Attempts (CSV)", "Attempts (Excel)", "Per-rule results (CSV)", "Per-rule results (Excel)"]


def download_labels(app: AppTest) -> list[str]:
    return [button.proto.label for button in app.get("download_button")]


def test_dashboard_offers_csv_and_excel_exports(played: AppTest) -> None:
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert download_labels(app) == EXPORT_BUTTONS
    # made on click (deferred), not on every run of the page
    assert all(button.proto.deferred_file_id for button in app.get("download_button"))


def test_excel_is_offered_only_for_files_quick_to_make(played: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coach.export.XLSX_MAX_ROWS", 30)  # 4 attempts, 60 per-rule rows
    app = played
    app.switch_page("app_pages/dashboard.py").run()
    buttons = {button.proto.label: button.proto for button in app.get("download_button")}
    assert not buttons["Attempts (Excel)"].disabled and not buttons["Per-rule results (CSV)"].disabled
    assert buttons["Per-rule results (Excel)"].disabled
    assert buttons["Per-rule results (Excel)"].help.startswith("About 60 rows: too many for Excel from here (at most 30)")
    app.multiselect(key="dashboard_cohorts").select("spring").run()  # 2 attempts, 30 rows
    buttons = {button.proto.label: button.proto for button in app.get("download_button")}
    assert not buttons["Per-rule results (Excel)"].disabled


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER], ids=lambda role: role.value)
def test_only_coordinators_get_the_exports(store, role: Role) -> None:
    """The dashboard run directly, bypassing the menu, as a URL might."""
    user = store.create_user("someone", "Someone", role, PASSWORD)
    page = run_page_directly("dashboard.py", store, user)
    assert [e.value for e in page.error] == ["This page is not available to you."]
    assert download_labels(page) == []
