"""Exports for coordinators, as CSV and as Excel (.xlsx): finished attempts, and their per-rule
verdicts, as the dashboard filters them. Each table's rows come from one query, for both formats.

Usernames, cohorts and scenario titles are typed by people, and a spreadsheet runs a cell that
starts with = + - or @ (or tab, CR, LF, which some spreadsheets skip first) as a formula, so
every text cell is neutralised the way OWASP advises for CSV injection: a leading apostrophe.
The Excel files get the same text, and every text cell is written as a string cell, never a
formula or an error value (openpyxl would guess those from a leading "=" or a text like "#N/A").
Numbers are written as numbers. Coordinators only: anyone else gets `coach.storage.NotFound`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from coach.analytics import NO_FILTERS, DashboardFilters, finished_attempts_matching
from coach.rules import RULES_BY_CODE
from coach.storage import User
from coach.storage.sql import (
    ATTEMPTS_WITH_OWNER_AND_VERSION,
    SqlStore,
    attempt_rule_results,
    attempts,
    scenario_versions,
    users,
)

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

ATTEMPT_COLUMNS = (
    "attempt_id", "finished_at", "trainee", "display_name", "cohort", "scenario_id", "scenario_title",
    "mode", "score", "passed", "outcome",
)
RULE_RESULT_COLUMNS = (
    "attempt_id", "finished_at", "trainee", "cohort", "scenario_id", "rule_code", "rule_name", "verdict",
)

XLSX_MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel has no time zones: its times are UTC wall time, and the column says so.
XLSX_HEADERS = {"finished_at": "finished_at_utc"}
# openpyxl writes a few thousand rows a second: beyond this an Excel file keeps the coordinator (and a
# server thread) waiting too long, and the CSV, twenty times faster, is the way (bench/exports.py).
XLSX_MAX_ROWS = 60_000
XLSX_ROWS_PER_SHEET = 1_048_576 - 1  # Excel's row limit, less the header; more rows go on to another sheet
XLSX_COLUMN_WIDTHS = {"attempt_id": 34, "finished_at": 20, "display_name": 24, "scenario_title": 40, "rule_name": 26}
# Characters that XML 1.0, and so an .xlsx file, cannot hold (C0 controls but tab, LF and CR;
# surrogates; U+FFFE, U+FFFF); shown as the replacement character rather than refusing the export.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralise_text(text: str) -> str:
    """Text that a spreadsheet would run as a formula, behind an apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def neutralise_cell(value: object) -> str:
    """A CSV cell: numbers as they are (a negative number stays a number), None as empty, booleans
    as true/false, datetimes in ISO 8601, and text that a spreadsheet would run as a formula
    behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return neutralise_text(value.isoformat() if isinstance(value, datetime) else str(value))


def xlsx_value(value: object) -> object:
    """An Excel cell's value: numbers, booleans and None as they are, datetimes as naive UTC (Excel
    has no time zones), and anything else as neutralised text with no character XML cannot hold."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:  # astimezone would take it for local time
            raise ValueError("naive datetime: exports take timezone-aware ones, as the store gives")
        return value.astimezone(UTC).replace(tzinfo=None)
    return neutralise_text(_NOT_IN_XML.sub("\ufffd", str(value)))


# -- the rows, one query per table ------------------------------------------------------------


@contextmanager
def attempt_rows(
    store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS
) -> Iterator[Iterable[Sequence[object]]]:
    """One row per finished attempt that the filters keep, oldest first, in ATTEMPT_COLUMNS order,
    as the database gives them (finished_at a UTC datetime, score a float or None, passed a bool)."""
    query = (
        select(
            attempts.c.id, attempts.c.finished_at, users.c.username, users.c.display_name, users.c.cohort,
            scenario_versions.c.scenario_id, scenario_versions.c.title, attempts.c.mode, attempts.c.score,
            attempts.c.passed, attempts.c.outcome,
        )
        .select_from(ATTEMPTS_WITH_OWNER_AND_VERSION)
        .where(*finished_attempts_matching(filters))
        .order_by(attempts.c.finished_at, attempts.c.id)
    )
    with store.coordinator_reads(viewer) as conn:
        yield conn.execute(query)


@contextmanager
def rule_result_rows(
    store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS
) -> Iterator[Iterable[Sequence[object]]]:
    """One row per rule verdict (n/a included) of each finished attempt the filters keep, in
    RULE_RESULT_COLUMNS order."""
    code = attempt_rule_results.c.code
    query = (
        select(
            attempts.c.id, attempts.c.finished_at, users.c.username, users.c.cohort,
            scenario_versions.c.scenario_id, code, attempt_rule_results.c.verdict,
        )
        .select_from(ATTEMPTS_WITH_OWNER_AND_VERSION.join(attempt_rule_results))
        .where(*finished_attempts_matching(filters))
        .order_by(attempts.c.finished_at, attempts.c.id, code)
    )
    with store.coordinator_reads(viewer) as conn:
        yield (
            (attempt_id, finished_at, username, cohort, scenario_id, rule_code, _rule_name(rule_code), verdict)
            for attempt_id, finished_at, username, cohort, scenario_id, rule_code, verdict in conn.execute(query)
        )


def _rule_name(code: str) -> str:
    rule = RULES_BY_CODE.get(code)
    return code if rule is None else rule.name  # a retired rule's verdicts keep their code


# -- the files ------------------------------------------------------------------------------


def attempts_csv(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> str:
    with attempt_rows(store, viewer, filters) as rows:
        return _csv(ATTEMPT_COLUMNS, rows)


def rule_results_csv(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> str:
    with rule_result_rows(store, viewer, filters) as rows:
        return _csv(RULE_RESULT_COLUMNS, rows)


def attempts_xlsx(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> bytes:
    with attempt_rows(store, viewer, filters) as rows:
        return _xlsx("Attempts", ATTEMPT_COLUMNS, rows)


def rule_results_xlsx(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> bytes:
    with rule_result_rows(store, viewer, filters) as rows:
        return _xlsx("Rule results", RULE_RESULT_COLUMNS, rows)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # quotes cells with commas, quotes or line breaks
    writer.writerow(header)
    writer.writerows([neutralise_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _xlsx(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A workbook of one sheet named `title` (then "title 2", ... past Excel's row limit), each
    sheet with the header. Write-only: rows stream to disk rather than piling up in memory."""
    workbook = Workbook(write_only=True)
    sheet, sheets, rows_on_sheet = _new_sheet(workbook, title, columns), 1, 0
    for row in rows:
        if rows_on_sheet == XLSX_ROWS_PER_SHEET:
            sheets += 1
            sheet, rows_on_sheet = _new_sheet(workbook, f"{title} {sheets}", columns), 0
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        rows_on_sheet += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _new_sheet(workbook: Workbook, title: str, columns: Sequence[str]) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title)
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = XLSX_COLUMN_WIDTHS.get(column, 14)
    sheet.freeze_panes = "A2"  # the header stays in view
    sheet.append([_xlsx_cell(sheet, XLSX_HEADERS.get(column, column)) for column in columns])
    return sheet


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    value = xlsx_value(value)
    if not isinstance(value, str):
        return value  # openpyxl types numbers, booleans, datetimes and None correctly
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl guesses a formula from "=..." and an error from "#N/A": text is text
    return cell
