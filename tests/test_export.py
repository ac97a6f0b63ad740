"""CSV and Excel exports on SQLite and PostgreSQL: every row, formula-like text defused, numbers
kept numbers, and in Excel no cell ever a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from coach import export
from coach.analytics import DashboardFilters
from coach.export import (
    ATTEMPT_COLUMNS,
    RULE_RESULT_COLUMNS,
    attempts_csv,
    attempts_xlsx,
    neutralise_cell,
    rule_results_csv,
    rule_results_xlsx,
    xlsx_value,
)
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
HYPERLINK_COHORT = '=HYPERLINK("http://evil.example/","Click me")'


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
        store.create_user("hyper", "Bell\x07Ringer", Role.TRAINEE, PASSWORD, HYPERLINK_COHORT),
        store.create_user("errors", "#N/A", Role.TRAINEE, PASSWORD),  # no cohort
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
    assert len(rows) == 5  # the unfinished attempt is not exported
    assert {row["trainee"] for row in rows} == {"'-minus", "plain", "atsign", "hyper", "errors"}
    assert {row["cohort"] for row in rows} == {"'+plus", "'=1+1", "'@cohort", "'" + HYPERLINK_COHORT, ""}
    assert {row["display_name"] for row in rows} == {"'=cmd|' /C calc'!A0", "Plain Name", "'@at", "Bell\x07Ringer",
                                                     "#N/A"}
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
    assert len(rows) == 5 * len(RULES)
    expected = card.verdicts()
    for row in rows:
        assert row["verdict"] == expected[row["rule_code"]]
        assert row["rule_name"] == RULES_BY_CODE[row["rule_code"]].name
    assert {row["cohort"] for row in rows} == {"'+plus", "'=1+1", "'@cohort", "'" + HYPERLINK_COHORT, ""}


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
        for export_file in (attempts_csv, rule_results_csv, attempts_xlsx, rule_results_xlsx):
            with pytest.raises(NotFound):
                export_file(store, viewer, DashboardFilters())


# -- Excel ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1", "'+1"),
        ("-minus", "'-minus"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("#N/A", "#N/A"),  # text, not an error value: written as a string cell (see below)
        ("Bell\x07Ringer", "Bell\ufffdRinger"),  # XML cannot hold it; the export must not fail
        ("\x00=1+1", "\ufffd=1+1"),
        ("line\nbreak", "line\nbreak"),
        (None, None),
        (-3, -3),
        (81.3, 81.3),
        (True, True),
        (datetime(2025, 3, 3, 10, 0, tzinfo=UTC), datetime(2025, 3, 3, 10, 0)),
        (datetime(2025, 3, 3, 12, 0, tzinfo=timezone(timedelta(hours=2))), datetime(2025, 3, 3, 10, 0)),
    ],
)
def test_excel_values_are_neutralised_and_naive_utc(value: object, cell: object) -> None:
    result = xlsx_value(value)
    assert result == cell and type(result) is type(cell)


def test_a_naive_datetime_is_refused_rather_than_taken_for_local_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        xlsx_value(datetime(2025, 3, 3, 10, 0))


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def header_and_rows(sheet: Worksheet) -> tuple[list[str], list[dict[str, object]]]:
    """The header, and each row as {column: openpyxl cell}."""
    header, *rows = sheet.iter_rows()
    names = [cell.value for cell in header]
    return names, [dict(zip(names, row, strict=True)) for row in rows]


def assert_no_formulas(data: bytes) -> None:
    """No cell of any sheet holds a formula or an error value, read back and in the file itself."""
    for sheet in workbook(data).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in package.read(name) and b"<f " not in package.read(name), name


def only_sheet(data: bytes, title: str):
    """The header and rows of a workbook that must hold one sheet, `title`, and no formula."""
    assert_no_formulas(data)
    book = workbook(data)
    assert book.sheetnames == [title]
    return header_and_rows(book[title])


def finished_times(store: SqlStore, coordinator) -> dict[str, datetime]:
    """Each attempt's finished_at, as the CSV (aware, with its offset) gives it."""
    return {row["attempt_id"]: datetime.fromisoformat(row["finished_at"])
            for row in parsed(attempts_csv(store, coordinator, DashboardFilters()))}


def test_attempts_xlsx(store: SqlStore) -> None:
    coordinator, trainees, card = filled(store)
    header, rows = only_sheet(attempts_xlsx(store, coordinator, DashboardFilters()), "Attempts")
    assert header == ["attempt_id", "finished_at_utc", *ATTEMPT_COLUMNS[2:]]  # Excel has no time zones
    assert len(rows) == 5  # the unfinished attempt is not exported

    def column(name: str) -> set[object]:
        return {row[name].value for row in rows}

    assert column("trainee") == {"'-minus", "plain", "atsign", "hyper", "errors"}
    assert column("cohort") == {"'+plus", "'=1+1", "'@cohort", "'" + HYPERLINK_COHORT, None}
    assert column("display_name") == {"'=cmd|' /C calc'!A0", "Plain Name", "'@at", "Bell\ufffdRinger", "#N/A"}
    finished = finished_times(store, coordinator)
    for row in rows:
        for name in ("attempt_id", "trainee", "display_name", "scenario_id", "scenario_title", "mode", "outcome"):
            assert row[name].data_type == "s", (name, row[name].value)
        assert row["cohort"].value is None or row["cohort"].data_type == "s"
        assert row["scenario_title"].value == "'" + FORMULA_TITLE
        assert row["score"].data_type == "n" and row["score"].value == card.score
        assert row["passed"].data_type == "b" and row["passed"].value is card.passed
        when = row["finished_at_utc"]
        assert when.data_type == "d" and isinstance(when.value, datetime) and when.value.tzinfo is None
        utc = finished[row["attempt_id"].value].astimezone(UTC).replace(tzinfo=None)
        assert abs(when.value - utc) < timedelta(milliseconds=1)  # Excel keeps milliseconds


def test_rule_results_xlsx(store: SqlStore) -> None:
    coordinator, trainees, card = filled(store)
    header, rows = only_sheet(rule_results_xlsx(store, coordinator, DashboardFilters()), "Rule results")
    assert header == ["attempt_id", "finished_at_utc", *RULE_RESULT_COLUMNS[2:]]
    assert len(rows) == 5 * len(RULES)
    expected = card.verdicts()
    for row in rows:
        assert row["verdict"].value == expected[row["rule_code"].value] and row["verdict"].data_type == "s"
        assert row["rule_name"].value == RULES_BY_CODE[row["rule_code"].value].name
        assert row["finished_at_utc"].data_type == "d"
    assert {row["cohort"].value for row in rows} == {"'+plus", "'=1+1", "'@cohort", "'" + HYPERLINK_COHORT, None}
    assert {row["trainee"].value for row in rows} == {"'-minus", "plain", "atsign", "hyper", "errors"}


def test_csv_and_excel_hold_the_same_rows(store: SqlStore) -> None:
    coordinator, _, _ = filled(store)
    for as_csv, as_xlsx in ((attempts_csv, attempts_xlsx), (rule_results_csv, rule_results_xlsx)):
        csv_rows = parsed(as_csv(store, coordinator, DashboardFilters()))
        _, xlsx_rows = header_and_rows(workbook(as_xlsx(store, coordinator, DashboardFilters())).worksheets[0])
        assert len(csv_rows) == len(xlsx_rows)
        for from_csv, from_xlsx in zip(csv_rows, xlsx_rows, strict=True):
            assert from_csv["attempt_id"] == from_xlsx["attempt_id"].value  # the same order
            assert from_csv["cohort"] == (from_xlsx["cohort"].value or "")


def test_excel_exports_follow_the_filters(store: SqlStore) -> None:
    coordinator, trainees, _ = filled(store)
    by_cohort = DashboardFilters(cohorts=frozenset({HYPERLINK_COHORT}))
    _, rows = header_and_rows(workbook(attempts_xlsx(store, coordinator, by_cohort))["Attempts"])
    assert [row["trainee"].value for row in rows] == ["hyper"]
    _, rows = header_and_rows(workbook(rule_results_xlsx(store, coordinator, by_cohort))["Rule results"])
    assert {row["trainee"].value for row in rows} == {"hyper"}
    long_ago = DashboardFilters(date_to=date(2000, 1, 1))
    header, rows = header_and_rows(workbook(attempts_xlsx(store, coordinator, long_ago))["Attempts"])
    assert header[0] == "attempt_id" and rows == []  # the header alone


def test_excel_continues_on_another_sheet_past_the_row_limit(store: SqlStore, monkeypatch) -> None:
    coordinator, _, _ = filled(store)
    monkeypatch.setattr(export, "XLSX_ROWS_PER_SHEET", 2)  # Excel's is 1,048,575 below a header
    book = workbook(attempts_xlsx(store, coordinator, DashboardFilters()))
    assert book.sheetnames == ["Attempts", "Attempts 2", "Attempts 3"]
    ids = []
    for sheet in book.worksheets:
        header, rows = header_and_rows(sheet)
        assert header[:2] == ["attempt_id", "finished_at_utc"] and 1 <= len(rows) <= 2
        ids += [row["attempt_id"].value for row in rows]
    assert ids == [row["attempt_id"] for row in parsed(attempts_csv(store, coordinator, DashboardFilters()))]
