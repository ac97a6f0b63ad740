"""CSV exports for coordinators: finished attempts, and their per-rule verdicts, as the dashboard filters them.

Usernames, cohorts and scenario titles are typed by people, and a spreadsheet runs a cell that
starts with = + - or @ (or tab, CR, LF, which some spreadsheets skip first) as a formula, so
every text cell is neutralised the way OWASP advises for CSV injection: a leading apostrophe.
Numbers are written as numbers. Coordinators only: anyone else gets `coach.storage.NotFound`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

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

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

ATTEMPT_COLUMNS = (
    "attempt_id", "finished_at", "trainee", "display_name", "cohort", "scenario_id", "scenario_title",
    "mode", "score", "passed", "outcome",
)
RULE_RESULT_COLUMNS = (
    "attempt_id", "finished_at", "trainee", "cohort", "scenario_id", "rule_code", "rule_name", "verdict",
)


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
    cell = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def attempts_csv(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> str:
    """One row per finished attempt that the filters keep, oldest first."""
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
        return _csv(ATTEMPT_COLUMNS, conn.execute(query))


def rule_results_csv(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> str:
    """One row per rule verdict (n/a included) of each finished attempt the filters keep."""
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
        rows = (
            (attempt_id, finished_at, username, cohort, scenario_id, rule_code, _rule_name(rule_code), verdict)
            for attempt_id, finished_at, username, cohort, scenario_id, rule_code, verdict in conn.execute(query)
        )
        return _csv(RULE_RESULT_COLUMNS, rows)


def _rule_name(code: str) -> str:
    rule = RULES_BY_CODE.get(code)
    return code if rule is None else rule.name  # a retired rule's verdicts keep their code


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # quotes cells with commas, quotes or line breaks
    writer.writerow(header)
    writer.writerows([neutralise_cell(value) for value in row] for row in rows)
    return out.getvalue()
