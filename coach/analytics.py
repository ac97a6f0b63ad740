"""The coordinator's dashboard data: totals, per-rule pass rates, trends and a trainee x rule heatmap.

Everything here is aggregated in SQL (SQLAlchemy Core, the same queries on SQLite and
PostgreSQL) and handed over as small pandas DataFrames, ready for Altair. Only finished
attempts count, each dated by its `finished_at` in UTC; the verdicts are those cached when
the attempt was finished (`attempt_rule_results`).

Reports cover every trainee's work, so every function is for enabled coordinators only:
anyone else gets `coach.storage.NotFound`, as the store answers for records they may not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import Connection, Date, Result, bindparam, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from coach.rules import RULES, RULES_BY_CODE
from coach.storage import NotFound, Role, User
from coach.storage.sql import (
    APPLICABLE_VERDICTS,
    ATTEMPTS_WITH_OWNER_AND_VERSION,
    SqlStore,
    attempt_rule_results,
    attempts,
    scenario_versions,
    users,
)

# A range shorter than this is charted day by day, a longer one week by week (weeks start on Monday).
DAILY_TREND_MAX_DAYS = 60


@dataclass(frozen=True)
class DashboardFilters:
    """What the coordinator narrowed the dashboard to. An empty set means all."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    trainee_ids: frozenset[int] = field(default_factory=frozenset)
    scenario_ids: frozenset[str] = field(default_factory=frozenset)
    cohorts: frozenset[str] = field(default_factory=frozenset)
    modes: frozenset[str] = field(default_factory=frozenset)  # "practice", "assessment"


NO_FILTERS = DashboardFilters()


@dataclass(frozen=True)
class Dashboard:
    totals: pd.DataFrame  # one row: attempts, passed, pass_rate, mean_score
    rule_pass_rates: pd.DataFrame  # code, name, applicable, passed, pass_rate; weakest first
    trend: pd.DataFrame  # period_start (datetime64, UTC day), attempts, mean_score, pass_rate; oldest first
    trend_period: str  # "day" or "week": what one row of `trend` covers
    heatmap: pd.DataFrame  # trainee_id, username, code, applicable, failed, fail_rate (long form)


@dataclass(frozen=True)
class FilterOptions:
    trainees: pd.DataFrame  # id, username, display_name, cohort, disabled; by username
    scenarios: pd.DataFrame  # scenario_id, title; by title
    cohorts: tuple[str, ...]
    first_finished: date | None  # the first and last day with a finished attempt
    last_finished: date | None


@dataclass(frozen=True)
class TraineeReport:
    trainee: User
    attempts: pd.DataFrame  # attempt_id, finished_at, scenario_id, scenario_title, mode, score, passed; oldest first
    rules_failed: pd.DataFrame  # code, name, applicable, failed, fail_rate; most failed first


def dashboard(store: SqlStore, viewer: User, filters: DashboardFilters = NO_FILTERS) -> Dashboard:
    """The dashboard's figures for the finished attempts that match `filters`."""
    conditions = finished_attempts_matching(filters)
    with store.coordinator_reads(viewer) as conn:
        daily = _daily_figures(conn, conditions)
        per_trainee_rule = _rule_counts(conn, conditions, by_trainee=True)
        usernames = dict(conn.execute(select(users.c.id, users.c.username)).all())
    trend, trend_period = _trend(daily, filters)
    return Dashboard(
        totals=_totals(daily),
        rule_pass_rates=_rule_pass_rates(per_trainee_rule),
        trend=trend,
        trend_period=trend_period,
        heatmap=_heatmap(per_trainee_rule, usernames),
    )


def filter_options(store: SqlStore, viewer: User) -> FilterOptions:
    """The choices for the filter widgets: trainees (every trainee account, and anyone else with a
    finished attempt), scenarios with a saved version, cohorts, and the span of finished attempts."""
    has_finished = (
        select(attempts.c.id)
        .where(attempts.c.owner_id == users.c.id, attempts.c.finished_at.is_not(None))
        .exists()
    )
    with store.coordinator_reads(viewer) as conn:
        trainees = _frame(
            conn.execute(
                select(users.c.id, users.c.username, users.c.display_name, users.c.cohort, users.c.disabled)
                .where(or_(users.c.role == Role.TRAINEE.value, has_finished))
                .order_by(users.c.username)
            ),
            ["id", "username", "display_name", "cohort", "disabled"],
        )
        # a scenario's title is its newest version's
        newest = (
            select(scenario_versions.c.scenario_id, func.max(scenario_versions.c.id).label("id"))
            .group_by(scenario_versions.c.scenario_id)
            .subquery()
        )
        scenarios = _frame(
            conn.execute(
                select(scenario_versions.c.scenario_id, scenario_versions.c.title)
                .join(newest, newest.c.id == scenario_versions.c.id)
                .order_by(scenario_versions.c.title)
            ),
            ["scenario_id", "title"],
        )
        cohorts = conn.execute(
            select(users.c.cohort).where(users.c.cohort.is_not(None)).distinct().order_by(users.c.cohort)
        ).scalars().all()
        first, last = conn.execute(select(func.min(attempts.c.finished_at), func.max(attempts.c.finished_at))).one()
    return FilterOptions(
        trainees=trainees,
        scenarios=scenarios,
        cohorts=tuple(cohorts),
        first_finished=None if first is None else first.date(),
        last_finished=None if last is None else last.date(),
    )


def trainee_report(
    store: SqlStore, viewer: User, trainee_id: int, filters: DashboardFilters = NO_FILTERS
) -> TraineeReport:
    """One trainee's finished attempts over time and the rules they fail most. The filters' dates,
    scenarios and modes apply; their trainees and cohorts do not (the trainee is chosen). NotFound for
    no such user."""
    conditions = [
        attempts.c.owner_id == trainee_id,
        *finished_attempts_matching(DashboardFilters(filters.date_from, filters.date_to, scenario_ids=filters.scenario_ids,
                                                     modes=filters.modes)),
    ]
    with store.coordinator_reads(viewer) as conn:
        trainee = store.get_user(trainee_id)
        if trainee is None:
            raise NotFound(f"There is no user {trainee_id}.")
        attempt_rows = conn.execute(
            select(
                attempts.c.id, attempts.c.finished_at, scenario_versions.c.scenario_id, scenario_versions.c.title,
                attempts.c.mode, attempts.c.score, attempts.c.passed,
            )
            .select_from(attempts.join(scenario_versions))
            .where(*conditions)
            .order_by(attempts.c.finished_at, attempts.c.id)
        )
        columns = ["attempt_id", "finished_at", "scenario_id", "scenario_title", "mode", "score", "passed"]
        attempt_frame = _frame(attempt_rows, columns)
        rule_counts = _rule_counts(conn, conditions, by_trainee=False)
    attempt_frame["finished_at"] = pd.to_datetime(attempt_frame["finished_at"], utc=True)
    attempt_frame["score"] = attempt_frame["score"].astype("float64")
    attempt_frame["passed"] = attempt_frame["passed"].astype("bool")
    rules = _per_rule(rule_counts)
    rules["fail_rate"] = _rate(rules["failed"], rules["applicable"])
    rules = rules.sort_values(
        ["fail_rate", "failed", "code"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)
    return TraineeReport(
        trainee=trainee, attempts=attempt_frame, rules_failed=rules[["code", "name", "applicable", "failed", "fail_rate"]]
    )


def attempts_failing(
    store: SqlStore, viewer: User, code: str, filters: DashboardFilters = NO_FILTERS, limit: int = 200
) -> pd.DataFrame:
    """The newest `limit` finished attempts that the filters keep and that failed rule `code`, to open
    and replay: attempt_id, finished_at, username, cohort, scenario_id, scenario_title, score, passed."""
    failed = attempt_rule_results.c
    query = (
        select(
            attempts.c.id, attempts.c.finished_at, users.c.username, users.c.cohort, scenario_versions.c.scenario_id,
            scenario_versions.c.title, attempts.c.score, attempts.c.passed,
        )
        .select_from(ATTEMPTS_WITH_OWNER_AND_VERSION.join(attempt_rule_results))
        .where(*finished_attempts_matching(filters), failed.code == code, failed.verdict == "fail")
        .order_by(attempts.c.finished_at.desc(), attempts.c.id)
        .limit(limit)
    )
    with store.coordinator_reads(viewer) as conn:
        columns = ["attempt_id", "finished_at", "username", "cohort", "scenario_id", "scenario_title", "score", "passed"]
        frame = _frame(conn.execute(query), columns)
    frame["finished_at"] = pd.to_datetime(frame["finished_at"], utc=True)
    frame["score"] = frame["score"].astype("float64")
    return frame


def time_zone(name: str | None) -> ZoneInfo:
    """The time zone the browser reports (an IANA name), or UTC when it reports none we know."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_times(times: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Timezone-aware times as "YYYY-MM-DD HH:MM" in `zone`, for a person to read."""
    return times.dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M")


# -- queries ----------------------------------------------------------------------------


def finished_attempts_matching(filters: DashboardFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions on `attempts` for the finished attempts the filters keep (also used by coach.export)."""
    conditions: list[ColumnElement[bool]] = [attempts.c.finished_at.is_not(None)]
    if filters.date_from is not None:
        conditions.append(attempts.c.finished_at >= _utc_midnight(filters.date_from))
    if filters.date_to is not None:
        conditions.append(attempts.c.finished_at < _utc_midnight(filters.date_to + timedelta(days=1)))
    if filters.trainee_ids:
        conditions.append(attempts.c.owner_id.in_(sorted(filters.trainee_ids)))
    if filters.modes:
        conditions.append(attempts.c.mode.in_(sorted(filters.modes)))
    # subqueries rather than joins: the small tables narrow the attempts without widening their rows
    if filters.scenario_ids:
        conditions.append(
            attempts.c.version_id.in_(
                select(scenario_versions.c.id).where(scenario_versions.c.scenario_id.in_(sorted(filters.scenario_ids)))
            )
        )
    if filters.cohorts:
        conditions.append(
            attempts.c.owner_id.in_(select(users.c.id).where(users.c.cohort.in_(sorted(filters.cohorts))))
        )
    return conditions


def _daily_figures(conn: Connection, conditions: Sequence[ColumnElement[bool]]) -> pd.DataFrame:
    """Per UTC day: attempts, passed, and the sum and count of scores (a score is None when no rule applied)."""
    day = _utc_day(conn, attempts.c.finished_at).label("day")
    rows = conn.execute(
        select(
            day,
            func.count().label("attempts"),
            func.sum(case((attempts.c.passed.is_(True), 1), else_=0)).label("passed"),
            func.coalesce(func.sum(attempts.c.score), 0.0).label("score_sum"),
            func.count(attempts.c.score).label("scored"),
        )
        .where(*conditions)
        .group_by(day)
        .order_by(day)
    )
    frame = _frame(rows, ["day", "attempts", "passed", "score_sum", "scored"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date  # SQLite answers text, PostgreSQL a date
    return frame.astype({"attempts": "int64", "passed": "int64", "score_sum": "float64", "scored": "int64"})


# Written into the SQL rather than bound: only then does SQLite see that the partial index of these
# verdicts (rule_results_by_attempt) holds every row the query wants.
_APPLICABLE = bindparam("applicable", list(APPLICABLE_VERDICTS), expanding=True, literal_execute=True)


def _rule_counts(conn: Connection, conditions: Sequence[ColumnElement[bool]], *, by_trainee: bool) -> pd.DataFrame:
    """Applicable verdicts (pass or fail; n/a counts nowhere) and passes per rule, and per trainee."""
    # SQLite would otherwise scan every rule result and look up its attempt, however few attempts the
    # filters keep; materialised, the kept attempts come first and their results are found by the key.
    kept = select(attempts.c.id, attempts.c.owner_id).where(*conditions)
    if conn.dialect.name == "sqlite":
        # In id order their results are read from the index page after page rather than at random.
        # Sorting by `id || ''` stops SQLite from reading the attempts through their id index
        # instead, one table lookup each. (PostgreSQL joins by hash: order would only cost it.)
        kept = kept.order_by(attempts.c.id.concat(""))
    kept = kept.cte("kept_attempts").prefix_with("MATERIALIZED", dialect="sqlite")
    keys = [kept.c.owner_id, attempt_rule_results.c.code] if by_trainee else [attempt_rule_results.c.code]
    verdict = attempt_rule_results.c.verdict
    rows = conn.execute(
        select(
            *keys,
            func.count().label("applicable"),
            func.sum(case((verdict == "pass", 1), else_=0)).label("passed"),
        )
        .select_from(kept.join(attempt_rule_results, attempt_rule_results.c.attempt_id == kept.c.id))
        # leaving n/a out early matters: SQLite sorts every joined row to group them
        .where(verdict.in_(_APPLICABLE))
        .group_by(*keys)
    )
    frame = _frame(rows, [*(["owner_id"] if by_trainee else []), "code", "applicable", "passed"])
    frame = frame.astype({"applicable": "int64", "passed": "int64"})
    frame["failed"] = frame["applicable"] - frame["passed"]
    return frame


def _utc_day(conn: Connection, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column. SQLite keeps UTC wall time as text; PostgreSQL's
    timestamptz would otherwise be cut at midnight of the session's time zone."""
    if conn.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


# -- shaping ----------------------------------------------------------------------------


def _totals(daily: pd.DataFrame) -> pd.DataFrame:
    count, passed = int(daily["attempts"].sum()), int(daily["passed"].sum())
    scored, score_sum = int(daily["scored"].sum()), float(daily["score_sum"].sum())
    return pd.DataFrame(
        {
            "attempts": [count],
            "passed": [passed],
            "pass_rate": [passed / count if count else float("nan")],
            "mean_score": [score_sum / scored if scored else float("nan")],
        }
    )


def _trend(daily: pd.DataFrame, filters: DashboardFilters) -> tuple[pd.DataFrame, str]:
    """Day by day for a short range, else week by week. The range is the filters' dates where
    given, else the first and last day with attempts. Periods without attempts are left out."""
    if daily.empty:
        empty = {"period_start": "datetime64[ns]", "attempts": "int64", "mean_score": "float64", "pass_rate": "float64"}
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in empty.items()}), "day"
    first = filters.date_from or daily["day"].min()
    last = filters.date_to or daily["day"].max()
    period = "day" if (last - first).days < DAILY_TREND_MAX_DAYS else "week"
    frame = daily.copy()
    if period == "week":
        frame["period_start"] = frame["day"].map(lambda day: day - timedelta(days=day.weekday()))
    else:
        frame["period_start"] = frame["day"]
    grouped = frame.groupby("period_start", sort=True)[["attempts", "passed", "score_sum", "scored"]].sum()
    trend = pd.DataFrame(
        {
            "period_start": pd.to_datetime(grouped.index).astype("datetime64[ns]"),  # midnight UTC, for time axes
            "attempts": grouped["attempts"].to_numpy(),
            "mean_score": _rate(grouped["score_sum"], grouped["scored"]).to_numpy(),
            "pass_rate": _rate(grouped["passed"], grouped["attempts"]).to_numpy(),
        }
    )
    return trend, period


def _per_rule(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts per rule, every rule of the catalogue present (zeros where none applied), with names.
    Codes of retired rules found in older attempts are kept, named by their code."""
    summed = counts.groupby("code")[["applicable", "passed", "failed"]].sum()
    codes = [rule.code for rule in RULES] + sorted(set(summed.index) - set(RULES_BY_CODE))
    summed = summed.reindex(codes, fill_value=0).astype("int64")
    summed.index.name = "code"
    summed = summed.reset_index()
    summed.insert(1, "name", [RULES_BY_CODE[code].name if code in RULES_BY_CODE else code for code in summed["code"]])
    return summed


def _rule_pass_rates(per_trainee_rule: pd.DataFrame) -> pd.DataFrame:
    rules = _per_rule(per_trainee_rule)
    rules["pass_rate"] = _rate(rules["passed"], rules["applicable"])
    # weakest first; rules that never applied (no rate) last
    rules = rules.sort_values(["pass_rate", "applicable", "code"], ascending=[True, False, True], na_position="last")
    return rules[["code", "name", "applicable", "passed", "pass_rate"]].reset_index(drop=True)


def _heatmap(per_trainee_rule: pd.DataFrame, usernames: dict[int, str]) -> pd.DataFrame:
    heatmap = pd.DataFrame(
        {
            "trainee_id": per_trainee_rule["owner_id"].astype("int64"),
            "username": per_trainee_rule["owner_id"].map(usernames),
            "code": per_trainee_rule["code"],
            "applicable": per_trainee_rule["applicable"],
            "failed": per_trainee_rule["failed"],
            "fail_rate": _rate(per_trainee_rule["failed"], per_trainee_rule["applicable"]),
        }
    )
    return heatmap.sort_values(["username", "code"]).reset_index(drop=True)


def _rate(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole as floats, NaN where whole is 0."""
    return part.astype("float64") / whole.where(whole != 0).astype("float64")


def _frame(rows: Result[Any], columns: list[str]) -> pd.DataFrame:
    # All rows at once (not one fetch per row), as plain tuples: pandas 3 asks every other kind of row
    # for a dtype attribute, and a SQLAlchemy Row answers a missing attribute by building and raising
    # an exception (for a heatmap of 500 trainees, tens of milliseconds).
    return pd.DataFrame.from_records([tuple(row) for row in rows.all()], columns=columns)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
