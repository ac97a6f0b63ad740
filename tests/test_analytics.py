"""The coordinator's dashboard figures, on SQLite and PostgreSQL, checked against sums done here.

The dataset is made through the store like the app makes it: accounts with cohorts, the shipped
scenarios' walkthroughs played by the simulator, scored, appended and finished at chosen times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event

from coach.analytics import (
    Dashboard,
    DashboardFilters,
    attempts_failing,
    dashboard,
    filter_options,
    local_times,
    time_zone,
    trainee_report,
)
from coach.files import read_text
from coach.library import ScenarioLibrary
from coach.rules import RULES, RULES_BY_CODE
from coach.scoring import RULESET_VERSION, Scorecard, matcher_for, score
from coach.simulator import play_walkthrough
from coach.storage import NotFound, Role, User
from coach.storage import sql
from coach.storage.sql import SqlStore, open_store
from tests.storage.conftest import _postgres_schema_url

PASSWORD = "correct horse battery"
LIBRARY = ScenarioLibrary()

# (trainee, scenario id, walkthrough, finished at UTC); ana also leaves one attempt unfinished
PLAN = (
    ("ana", "apa-citation-youtube", "ideal", datetime(2025, 3, 3, 10, 0, tzinfo=UTC)),
    ("ana", "apa-citation-youtube", "no-check-if-answered", datetime(2025, 3, 5, 9, 30, tzinfo=UTC)),
    ("ana", "fire-alarm-handoff", "ideal", datetime(2025, 4, 20, 14, 0, tzinfo=UTC)),
    ("ana", "fire-alarm-handoff", "no-apology", datetime(2025, 6, 1, 23, 30, tzinfo=UTC)),
    ("ben", "jstor-off-campus-login", "ideal", datetime(2025, 3, 4, 8, 0, tzinfo=UTC)),
    ("ben", "jstor-off-campus-login", "goodbye-before-asking", datetime(2025, 5, 10, 16, 45, tzinfo=UTC)),
    ("ben", "mill-photos-followup", "no-email-before-followup", datetime(2025, 5, 12, 11, 0, tzinfo=UTC)),
    ("cyd", "apa-citation-youtube", "generic-farewell", datetime(2025, 3, 3, 12, 0, tzinfo=UTC)),
    ("cyd", "fire-alarm-handoff", "busy-colleague-no-answer", datetime(2025, 5, 11, 10, 0, tzinfo=UTC)),
    ("cyd", "jstor-off-campus-login", "bye-without-thanks", datetime(2025, 6, 1, 0, 0, tzinfo=UTC)),
    ("cyd", "mill-photos-followup", "ideal", datetime(2025, 3, 6, 13, 0, tzinfo=UTC)),
    ("dee", "fire-alarm-handoff", "ideal", datetime(2025, 4, 21, 7, 15, tzinfo=UTC)),
)
COHORTS = {"ana": "north", "ben": "north", "cyd": "south", "dee": None}
PRACTISED = {("ben", "goodbye-before-asking"), ("cyd", "bye-without-thanks")}  # the rest are assessments


@dataclass(frozen=True)
class Finished:
    """One finished attempt, as the test knows it."""

    attempt_id: str
    trainee: User
    scenario_id: str
    title: str
    finished_at: datetime
    card: Scorecard
    mode: str


@dataclass(frozen=True)
class Dataset:
    store: SqlStore
    coordinator: User
    trainees: dict[str, User]
    others: dict[str, User]  # accounts that may not see reports
    finished: tuple[Finished, ...]


def played(scenario_id: str, walkthrough: str) -> tuple[tuple, Scorecard]:
    scenario = LIBRARY.get(scenario_id).scenario
    session = play_walkthrough(scenario, matcher_for(scenario), scenario.walkthroughs[walkthrough].steps)
    return tuple(session.events), score(scenario, session.events)


def build_dataset(store: SqlStore) -> Dataset:
    coordinator = store.create_user("cora", "Cora", Role.COORDINATOR, PASSWORD)
    trainees = {name: store.create_user(name, name.title(), Role.TRAINEE, PASSWORD, cohort) for name, cohort in COHORTS.items()}
    others = {
        "trainee": trainees["ana"],
        "trainer": store.create_user("tom", "Tom", Role.TRAINER, PASSWORD),
        "disabled coordinator": store.create_user("dora", "Dora", Role.COORDINATOR, PASSWORD),
    }
    store.set_disabled("dora", True)
    versions = {
        loaded.scenario.id: store.save_scenario_version(loaded, read_text(loaded.path))
        for loaded in (LIBRARY.get(scenario_id) for scenario_id in {step[1] for step in PLAN})
    }
    finished = []
    with pytest.MonkeyPatch.context() as patch:
        for name, scenario_id, walkthrough, at in PLAN:
            patch.setattr(sql, "_now", lambda at=at: at)  # the store stamps start and finish with _now()
            trainee = trainees[name]
            events, card = played(scenario_id, walkthrough)
            mode = "practice" if (name, walkthrough) in PRACTISED else "assessment"
            attempt_id = store.start_attempt(trainee, versions[scenario_id], mode)
            store.append_events(trainee, attempt_id, 0, events)
            store.finish_attempt(trainee, attempt_id, card, RULESET_VERSION)
            finished.append(Finished(attempt_id, trainee, scenario_id, versions[scenario_id].title, at, card, mode))
        patch.setattr(sql, "_now", lambda: datetime(2025, 3, 4, 12, 0, tzinfo=UTC))
        events, _ = played("apa-citation-youtube", "ideal")
        unfinished = store.start_attempt(trainees["ana"], versions["apa-citation-youtube"], "practice")
        store.append_events(trainees["ana"], unfinished, 0, events)
    return Dataset(store, coordinator, trainees, others, tuple(finished))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    """One dataset per database kind, shared by this module's tests (they only read)."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'coach.sqlite3'}"])
    else:
        urls = _postgres_schema_url()
    url = next(urls)
    store = open_store(url)
    try:
        yield build_dataset(store)
    finally:
        store.close()
        next(urls, None)  # drops the PostgreSQL schema


# -- what the figures should be, worked out here -------------------------------------------


def keep(data: Dataset, filters: DashboardFilters) -> list[Finished]:
    def kept(attempt: Finished) -> bool:
        day = attempt.finished_at.date()
        return (
            (filters.date_from is None or day >= filters.date_from)
            and (filters.date_to is None or day <= filters.date_to)
            and (not filters.trainee_ids or attempt.trainee.id in filters.trainee_ids)
            and (not filters.scenario_ids or attempt.scenario_id in filters.scenario_ids)
            and (not filters.cohorts or attempt.trainee.cohort in filters.cohorts)
            and (not filters.modes or attempt.mode in filters.modes)
        )

    return [attempt for attempt in data.finished if kept(attempt)]


def rate(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def verdict_counts(attempts: list[Finished], code: str) -> tuple[int, int, int]:
    """applicable, passed, failed"""
    verdicts = [attempt.card.verdicts()[code] for attempt in attempts]
    return len(verdicts) - verdicts.count("n/a"), verdicts.count("pass"), verdicts.count("fail")


def same(actual: float, expected: float) -> bool:
    return (math.isnan(actual) and math.isnan(expected)) or actual == pytest.approx(expected)


def check_dashboard(figures: Dashboard, attempts: list[Finished]) -> None:
    scores = [attempt.card.score for attempt in attempts if attempt.card.score is not None]
    passed = sum(attempt.card.passed for attempt in attempts)
    totals = figures.totals.iloc[0]
    assert (totals["attempts"], totals["passed"]) == (len(attempts), passed)
    assert same(totals["pass_rate"], rate(passed, len(attempts)))
    assert same(totals["mean_score"], sum(scores) / len(scores) if scores else math.nan)

    rules = figures.rule_pass_rates.set_index("code")
    assert list(rules.index.sort_values()) == sorted(rule.code for rule in RULES)
    for rule in RULES:
        applicable, rule_passed, _ = verdict_counts(attempts, rule.code)
        row = rules.loc[rule.code]
        assert (row["name"], row["applicable"], row["passed"]) == (rule.name, applicable, rule_passed), rule.code
        assert same(row["pass_rate"], rate(rule_passed, applicable)), rule.code
    rates = figures.rule_pass_rates["pass_rate"]
    known = rates.dropna()
    assert known.is_monotonic_increasing, "weakest first"
    assert rates.isna().sum() == 0 or rates.iloc[len(known):].isna().all(), "rules that never applied come last"

    expected_cells = {}
    for trainee in {attempt.trainee.username: attempt.trainee for attempt in attempts}.values():
        own = [attempt for attempt in attempts if attempt.trainee.id == trainee.id]
        for rule in RULES:
            applicable, _, failed = verdict_counts(own, rule.code)
            if applicable:
                expected_cells[(trainee.username, rule.code)] = (trainee.id, applicable, failed, failed / applicable)
    actual_cells = {
        (row.username, row.code): (row.trainee_id, row.applicable, row.failed, row.fail_rate)
        for row in figures.heatmap.itertuples()
    }
    assert actual_cells.keys() == expected_cells.keys()
    for cell, (trainee_id, applicable, failed, fail_rate) in expected_cells.items():
        assert actual_cells[cell][:3] == (trainee_id, applicable, failed), cell
        assert actual_cells[cell][3] == pytest.approx(fail_rate), cell


def expected_trend(attempts: list[Finished], period_of: Callable[[date], date]) -> list[tuple]:
    periods: dict[date, list[Finished]] = {}
    for attempt in attempts:
        periods.setdefault(period_of(attempt.finished_at.date()), []).append(attempt)
    rows = []
    for start, members in sorted(periods.items()):
        scores = [member.card.score for member in members]
        rows.append((start, len(members), sum(scores) / len(scores), sum(m.card.passed for m in members) / len(members)))
    return rows


def check_trend(figures: Dashboard, expected: list[tuple]) -> None:
    actual = [
        (row.period_start.date(), row.attempts, row.mean_score, row.pass_rate) for row in figures.trend.itertuples()
    ]
    assert [row[:2] for row in actual] == [row[:2] for row in expected]
    assert [row[2:] for row in actual] == [pytest.approx(row[2:]) for row in expected]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- the dashboard --------------------------------------------------------------------------


def test_the_dataset_has_what_the_checks_need(data: Dataset) -> None:
    cards = [attempt.card for attempt in data.finished]
    assert any(card.passed for card in cards) and not all(card.passed for card in cards)
    assert all(card.score is not None for card in cards)
    verdicts = {verdict for card in cards for verdict in card.verdicts().values()}
    assert verdicts == {"pass", "fail", "n/a"}


def test_unfiltered_figures_count_every_finished_attempt_and_no_unfinished_one(data: Dataset) -> None:
    figures = dashboard(data.store, data.coordinator, DashboardFilters())
    assert figures.totals["attempts"].iloc[0] == len(PLAN)  # ana's open attempt is left out
    check_dashboard(figures, list(data.finished))


def trainee_ids(data: Dataset, *names: str) -> frozenset[int]:
    return frozenset(data.trainees[name].id for name in names)


FILTERS: dict[str, Callable[[Dataset], DashboardFilters]] = {
    "from a date": lambda data: DashboardFilters(date_from=date(2025, 5, 11)),
    "up to a date (inclusive)": lambda data: DashboardFilters(date_to=date(2025, 5, 31)),
    "one UTC day": lambda data: DashboardFilters(date_from=date(2025, 6, 1), date_to=date(2025, 6, 1)),
    "a trainee": lambda data: DashboardFilters(trainee_ids=trainee_ids(data, "ben")),
    "two trainees": lambda data: DashboardFilters(trainee_ids=trainee_ids(data, "ana", "dee")),
    "a scenario": lambda data: DashboardFilters(scenario_ids=frozenset({"fire-alarm-handoff"})),
    "a cohort": lambda data: DashboardFilters(cohorts=frozenset({"north"})),
    "assessments": lambda data: DashboardFilters(modes=frozenset({"assessment"})),
    "practice": lambda data: DashboardFilters(modes=frozenset({"practice"})),
    "everything at once": lambda data: DashboardFilters(
        date_from=date(2025, 3, 1), date_to=date(2025, 4, 30), trainee_ids=trainee_ids(data, "ana", "cyd"),
        scenario_ids=frozenset({"apa-citation-youtube", "fire-alarm-handoff"}), cohorts=frozenset({"north", "south"}),
    ),
    "nothing matches": lambda data: DashboardFilters(cohorts=frozenset({"north"}), date_from=date(2026, 1, 1)),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_narrows_every_figure(data: Dataset, name: str) -> None:
    filters = FILTERS[name](data)
    kept = keep(data, filters)
    assert 0 < len(kept) < len(data.finished) or name == "nothing matches"
    check_dashboard(dashboard(data.store, data.coordinator, filters), kept)


def test_the_one_day_filter_takes_both_ends_of_the_utc_day(data: Dataset) -> None:
    figures = dashboard(data.store, data.coordinator, FILTERS["one UTC day"](data))
    assert figures.totals["attempts"].iloc[0] == 2  # 00:00 and 23:30 on 1 June


def test_nothing_matching_gives_empty_figures(data: Dataset) -> None:
    figures = dashboard(data.store, data.coordinator, FILTERS["nothing matches"](data))
    assert figures.totals["attempts"].iloc[0] == 0 and math.isnan(figures.totals["pass_rate"].iloc[0])
    assert figures.trend.empty and figures.heatmap.empty
    assert (figures.rule_pass_rates["applicable"] == 0).all() and len(figures.rule_pass_rates) == len(RULES)


def test_a_long_range_trends_by_week_starting_monday(data: Dataset) -> None:
    figures = dashboard(data.store, data.coordinator, DashboardFilters())
    assert figures.trend_period == "week"
    check_trend(figures, expected_trend(list(data.finished), monday))


def test_a_short_range_trends_by_day(data: Dataset) -> None:
    filters = DashboardFilters(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
    figures = dashboard(data.store, data.coordinator, filters)
    assert figures.trend_period == "day"
    check_trend(figures, expected_trend(keep(data, filters), lambda day: day))
    assert pd.api.types.is_datetime64_dtype(figures.trend["period_start"])


def test_filter_options(data: Dataset) -> None:
    options = filter_options(data.store, data.coordinator)
    assert list(options.trainees["username"]) == ["ana", "ben", "cyd", "dee"]
    assert list(options.trainees["id"]) == [data.trainees[name].id for name in ("ana", "ben", "cyd", "dee")]
    assert list(options.trainees["cohort"].fillna("-")) == ["north", "north", "south", "-"]
    titles = {attempt.scenario_id: attempt.title for attempt in data.finished}
    assert dict(zip(options.scenarios["scenario_id"], options.scenarios["title"])) == titles
    assert list(options.scenarios["title"]) == sorted(titles.values())
    assert options.cohorts == ("north", "south")
    assert (options.first_finished, options.last_finished) == (date(2025, 3, 3), date(2025, 6, 1))


# -- one trainee ----------------------------------------------------------------------------


def test_trainee_report(data: Dataset) -> None:
    ana = data.trainees["ana"]
    report = trainee_report(data.store, data.coordinator, ana.id)
    own = sorted((a for a in data.finished if a.trainee.id == ana.id), key=lambda a: a.finished_at)
    assert report.trainee == ana
    assert list(report.attempts["attempt_id"]) == [a.attempt_id for a in own]  # not the unfinished one
    assert [moment.to_pydatetime() for moment in report.attempts["finished_at"]] == [a.finished_at for a in own]
    assert list(report.attempts["scenario_title"]) == [a.title for a in own]
    assert list(report.attempts["score"]) == [a.card.score for a in own]
    assert list(report.attempts["passed"]) == [a.card.passed for a in own]

    rules = report.rules_failed
    assert sorted(rules["code"]) == sorted(rule.code for rule in RULES)
    for row in rules.itertuples():
        applicable, _, failed = verdict_counts(own, row.code)
        assert (row.name, row.applicable, row.failed) == (RULES_BY_CODE[row.code].name, applicable, failed)
        assert same(row.fail_rate, rate(failed, applicable))
    assert rules["fail_rate"].dropna().is_monotonic_decreasing, "most failed first"
    assert rules["failed"].iloc[0] > 0


def test_trainee_report_applies_dates_and_scenarios_but_not_trainees_or_cohorts(data: Dataset) -> None:
    cyd = data.trainees["cyd"]
    filters = DashboardFilters(
        date_from=date(2025, 3, 4), scenario_ids=frozenset({"fire-alarm-handoff", "jstor-off-campus-login"}),
        trainee_ids=frozenset({data.trainees["ben"].id}), cohorts=frozenset({"north"}),
    )
    report = trainee_report(data.store, data.coordinator, cyd.id, filters)
    expected = keep(data, DashboardFilters(filters.date_from, scenario_ids=filters.scenario_ids, trainee_ids=frozenset({cyd.id})))
    assert len(expected) == 2
    assert list(report.attempts["attempt_id"]) == [a.attempt_id for a in sorted(expected, key=lambda a: a.finished_at)]
    failed = report.rules_failed.set_index("code")["failed"]
    assert all(failed[rule.code] == verdict_counts(expected, rule.code)[2] for rule in RULES)


def test_trainee_report_applies_the_mode(data: Dataset) -> None:
    cyd = data.trainees["cyd"]
    for mode in ("assessment", "practice"):
        report = trainee_report(data.store, data.coordinator, cyd.id, DashboardFilters(modes=frozenset({mode})))
        expected = [a.attempt_id for a in data.finished if a.trainee.id == cyd.id and a.mode == mode]
        assert expected and sorted(report.attempts["attempt_id"]) == sorted(expected)
        assert set(report.attempts["mode"]) == {mode}


def test_trainee_report_of_no_such_user(data: Dataset) -> None:
    with pytest.raises(NotFound):
        trainee_report(data.store, data.coordinator, 999_999)


@pytest.mark.parametrize("name", ["a cohort", "from a date"])
def test_attempts_failing_a_rule_newest_first(data: Dataset, name: str) -> None:
    filters = FILTERS[name](data)
    for rule in RULES:
        failing = attempts_failing(data.store, data.coordinator, rule.code, filters)
        expected = sorted(
            (a for a in keep(data, filters) if a.card.verdicts()[rule.code] == "fail"),
            key=lambda a: a.finished_at, reverse=True,
        )
        assert list(failing["attempt_id"]) == [a.attempt_id for a in expected], rule.code
        assert list(failing["username"]) == [a.trainee.username for a in expected]
        assert list(failing["scenario_title"]) == [a.title for a in expected]
    assert len(attempts_failing(data.store, data.coordinator, "CL001", DashboardFilters(), limit=1)) <= 1


# -- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["trainee", "trainer", "disabled coordinator"])
def test_only_enabled_coordinators_get_reports(data: Dataset, who: str) -> None:
    viewer = data.others[who]
    with pytest.raises(NotFound):
        dashboard(data.store, viewer, DashboardFilters())
    with pytest.raises(NotFound):
        filter_options(data.store, viewer)
    with pytest.raises(NotFound):
        trainee_report(data.store, viewer, viewer.id)
    with pytest.raises(NotFound):
        attempts_failing(data.store, viewer, "CL001")


def test_frames_are_plain_pandas(data: Dataset) -> None:
    figures = dashboard(data.store, data.coordinator, DashboardFilters())
    for frame in (figures.totals, figures.rule_pass_rates, figures.trend, figures.heatmap):
        assert isinstance(frame, pd.DataFrame) and not frame.empty


@pytest.mark.parametrize("data", ["sqlite"], indirect=True)  # SQLite's query plans
def test_on_sqlite_a_date_range_is_read_from_the_report_indexes_alone(data: Dataset) -> None:
    """The plans, not the times: a query that stops matching a partial index's condition word for
    word (say, with the verdicts bound rather than written out) silently loses it on SQLite."""
    statements: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    event.listen(data.store.engine, "before_cursor_execute", record)
    try:
        dashboard(data.store, data.coordinator, DashboardFilters(date_from=date(2025, 3, 1), date_to=date(2025, 5, 31)))
    finally:
        event.remove(data.store.engine, "before_cursor_execute", record)
    with data.store.engine.connect() as conn:
        plans = [
            row[-1]
            for statement, parameters in statements
            if "attempts.finished_at >=" in statement
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        ]
    assert any("COVERING INDEX attempts_by_finish" in step for step in plans), plans
    assert any("COVERING INDEX rule_results_by_attempt" in step for step in plans), plans


def test_times_are_shown_in_the_browsers_time_zone_or_utc() -> None:
    finished = pd.Series(pd.to_datetime(["2025-06-01 23:30", "2025-01-15 09:05"], utc=True))
    assert list(local_times(finished, time_zone("Pacific/Auckland"))) == ["2025-06-02 11:30", "2025-01-15 22:05"]
    assert list(local_times(finished, time_zone("America/New_York"))) == ["2025-06-01 19:30", "2025-01-15 04:05"]
    assert time_zone(None).key == time_zone("Not/A_Zone").key == time_zone("../etc").key == "UTC"
