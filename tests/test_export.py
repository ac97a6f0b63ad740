"""CSV exports on SQLite and PostgreSQL: every row, formula-like text defused, numbers kept numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from coach.analytics import DashboardFilters
from coach.export import ATTEMPT_COLUMNS, RULE_RESULT_COLUMNS, attempts_csv, neutralise_cell, rule_results_csv
from coach.files import read_text
from coach.library import SCENARIO_FOLDER
from coach.rules import RULES, RULES_BY_CODE
from coach.scenario import parse_scenario
from coach.scoring import RULESET_VERSION
from coach.storage import NotFound, Role
from coach.storage.sql import SqlStore
from tests.storage.conftest import store, store_url  # noqa: F401 (fixtures: each test on both databases)
from tests.test_analytics import PASSWORD, played

SCENARIO_FILE = SCENARIO_FOLDER / "apa-citation-youtube.yaml"
FORMULA_TITLE = "@SUM(1+1) citing a TED talk"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(prefix: str) -> None:
    assert neutralise_cell(prefix + "HYPERLINK(\"http://evil\")") == "'" + prefix + "HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("plain text", "plain text"),
        ("a = b, not a formula", "a = b, not a formula"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (-3, "-3"),  # a number, not text: stays a number
        (81.3, "81.3"),
        (-0.5, "-0.5"),
        (True, "true"),
        (False, "false"),
        (datetime(2025, 3, 3, 10, 0, tzinfo=UTC), "2025-03-03T10:00:00+00:00"),
    ],
)
def test_other_cells_are_left_as_they_are(value: object, cell: str) -> None:
    assert neutralise_cell(value) == cell


def filled(store: SqlStore):
    """A coordinator, trainees whose typed fields look like formulas, one finished attempt each
    (on a scenario whose title does too) and one unfinished."""
    coordinator = store.create_user("cora", "Cora", Role.COORDINATOR, PASSWORD)
    text = read_text(SCENARIO_FILE).replace(
        "title: Citing a TED talk on YouTube in APA style", f'title: "{FORMULA_TITLE}"'
    )
    version = store.save_scenario_version(parse_scenario(text, str(SCENARIO_FILE)), text)
    events, card = played("apa-citation-youtube", "no-check-if-answered")
    trainees = [
        store.create_user("-minus", "=cmd|' /C calc'!A0", Role.TRAINEE, PASSWORD, "+plus"),
        store.create_user("plain", "Plain Name", Role.TRAINEE, PASSWORD, "=1+1"),
        store.create_user("atsign", "@at", Role.TRAINEE, PASSWORD, "@cohort"),
    ]
    for trainee in trainees:
        attempt_id = store.start_attempt(trainee, version, "assessment")
        store.append_events(trainee, attempt_id, 0, events)
        store.finish_attempt(trainee, attempt_id, card, RULESET_VERSION)
    store.append_events(trainees[0], store.start_attempt(trainees[0], version, "practice"), 0, events[:3])
    return coordinator, trainees, card


def parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_attempts_csv(store: SqlStore) -> None:
    coordinator, trainees, card = filled(store)
    text = attempts_csv(store, coordinator, DashboardFilters())
    assert text.splitlines()[0] == ",".join(ATTEMPT_COLUMNS)
    rows = parsed(text)
    assert len(rows) == 3  # the unfinished attempt is not exported
    assert {row["trainee"] for row in rows} == {"'-minus", "plain", "atsign"}
    assert {row["cohort"] for row in rows} == {"'+plus", "'=1+1", "'@cohort"}
    assert {row["display_name"] for row in rows} == {"'=cmd|' /C calc'!A0", "Plain Name", "'@at"}
    for row in rows:
        assert row["scenario_title"] == "'" + FORMULA_TITLE
        assert row["scenario_id"] == "apa-citation-youtube" and row["mode"] == "assessment"
        assert float(row["score"]) == card.score  # a number, unquoted by neutralising
        assert row["passed"] == ("true" if card.passed else "false")
        assert row["outcome"] == card.outcome
        assert datetime.fromisoformat(row["finished_at"]).tzinfo is not None


def test_rule_results_csv(store: SqlStore) -> None:
    coordinator, trainees, card = filled(store)
    text = rule_results_csv(store, coordinator, DashboardFilters())
    assert text.splitlines()[0] == ",".join(RULE_RESULT_COLUMNS)
    rows = parsed(text)
    assert len(rows) == 3 * len(RULES)
    expected = card.verdicts()
    for row in rows:
        assert row["verdict"] == expected[row["rule_code"]]
        assert row["rule_name"] == RULES_BY_CODE[row["rule_code"]].name
    assert {row["cohort"] for row in rows} == {"'+plus", "'=1+1", "'@cohort"}


def test_exports_follow_the_filters(store: SqlStore) -> None:
    coordinator, trainees, _ = filled(store)
    by_cohort = DashboardFilters(cohorts=frozenset({"=1+1"}))
    assert [row["trainee"] for row in parsed(attempts_csv(store, coordinator, by_cohort))] == ["plain"]
    assert {row["trainee"] for row in parsed(rule_results_csv(store, coordinator, by_cohort))} == {"plain"}
    by_trainee = DashboardFilters(trainee_ids=frozenset({trainees[2].id}))
    assert [row["trainee"] for row in parsed(attempts_csv(store, coordinator, by_trainee))] == ["atsign"]
    long_ago = DashboardFilters(date_to=date(2000, 1, 1))
    assert parsed(attempts_csv(store, coordinator, long_ago)) == []
    assert rule_results_csv(store, coordinator, long_ago).splitlines() == [",".join(RULE_RESULT_COLUMNS)]


def test_only_enabled_coordinators_export(store: SqlStore) -> None:
    _, trainees, _ = filled(store)
    trainer = store.create_user("tom", "Tom", Role.TRAINER, PASSWORD)
    retired = store.create_user("dora", "Dora", Role.COORDINATOR, PASSWORD)
    store.set_disabled("dora", True)
    for viewer in (trainees[0], trainer, retired):
        with pytest.raises(NotFound):
            attempts_csv(store, viewer, DashboardFilters())
        with pytest.raises(NotFound):
            rule_results_csv(store, viewer, DashboardFilters())
