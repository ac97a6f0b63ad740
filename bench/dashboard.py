"""The coordinator's dashboard at scale: server time of its first load and of a filter change.

Fills a database with a year of practice (by default 100,000 attempts of about 30 events each,
from 500 trainees in 10 cohorts, on the 10 shipped scenarios, every finished attempt with a
verdict for each of the 15 rules), then times what the page asks of coach.analytics:

- first load: the filter options and `dashboard()` with no filters;
- filter change: `dashboard()` for one cohort, one scenario and a three-month range.

Targets: first load under 2 s, filter change under 300 ms.

    .venv/bin/python bench/dashboard.py                       # a temp SQLite file
    .venv/bin/python bench/dashboard.py --database postgresql://root@/coach_test?host=/var/run/postgresql
    .venv/bin/python bench/dashboard.py --database postgresql://... --vacuum  # as after autovacuum

On PostgreSQL the bench works in a schema of its own, created here and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from coach.analytics import DashboardFilters, attempts_failing, dashboard, filter_options, trainee_report
from coach.files import read_text
from coach.library import ScenarioLibrary
from coach.rules import RULES
from coach.rules.base import Severity
from coach.scoring import PASS_MARK, RULESET_VERSION
from coach.storage import Role, User
from coach.storage.passwords import hash_password
from coach.storage.sql import (
    SqlStore,
    attempt_events,
    attempt_rule_results,
    attempts,
    engine_url,
    open_store,
    users,
)

FIRST_LOAD_TARGET_MS = 2000
FILTER_CHANGE_TARGET_MS = 300
COHORTS = 10
BATCH = 20_000  # attempts per transaction while filling
UNFINISHED_SHARE = 0.03  # attempts abandoned mid-chat: no scorecard, not counted
EVENT_TYPES = ("say", "patron_says", "im", "staff_says", "view_info", "open_transfer", "note", "end", "resolve")
LINES = (
    "Hi! Happy to help with that.",
    "Let me check the catalogue for you.",
    "Could you tell me which edition you need?",
    "Does this completely answer your question?",
    "Thanks, that's great.",
    "One moment please, I'm contacting a colleague.",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a new temp SQLite file)")
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--trainees", type=int, default=500)
    parser.add_argument("--events", type=int, default=30, help="events per attempt, on average")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each measurement")
    parser.add_argument(
        "--vacuum",
        action="store_true",
        help="PostgreSQL: VACUUM ANALYZE the filled tables, as autovacuum (PostgreSQL 13+) does after a bulk insert "
        "(default: ANALYZE alone)",
    )
    args = parser.parse_args()
    with _database(args.database) as url:
        store = open_store(url)
        try:
            run(store, args)
        finally:
            store.close()


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    """The URL to bench on: a temp SQLite file, or a fresh schema of the PostgreSQL database given."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        yield url
        return
    schema = f"coach_bench_{uuid.uuid4().hex}"
    admin = create_engine(parsed)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(store: SqlStore, args: argparse.Namespace) -> None:
    dialect = store.engine.dialect.name
    print(f"database: {dialect}; {args.attempts:,} attempts, {args.trainees} trainees, ~{args.events} events each", flush=True)
    started = time.perf_counter()
    coordinator, scenario_ids, cohorts, end = fill(store, args)
    print(f"fill: {time.perf_counter() - started:.1f} s")

    def first_load() -> None:
        filter_options(store, coordinator)
        dashboard(store, coordinator, DashboardFilters())

    changed = DashboardFilters(
        date_from=end - timedelta(days=120),
        date_to=end - timedelta(days=30),
        scenario_ids=frozenset({scenario_ids[0]}),
        cohorts=frozenset({cohorts[0]}),
    )
    figures = dashboard(store, coordinator, changed)
    print(f"filter change keeps {int(figures.totals['attempts'].iloc[0]):,} attempts")
    met = [
        _measure("first load", first_load, args.repeat, FIRST_LOAD_TARGET_MS),
        _measure("filter change", lambda: dashboard(store, coordinator, changed), args.repeat, FILTER_CHANGE_TARGET_MS),
    ]
    print("all targets met" if all(met) else "TARGETS NOT MET")
    print("other filter changes, for information:")
    trainee = store.find_user("trainee001")
    others = {
        "one cohort": DashboardFilters(cohorts=frozenset({cohorts[0]})),
        "one scenario": DashboardFilters(scenario_ids=frozenset({scenario_ids[0]})),
        "last 90 days": DashboardFilters(date_from=end - timedelta(days=90), date_to=end),
        "one trainee": DashboardFilters(trainee_ids=frozenset({trainee.id})),
    }
    for label, filters in others.items():
        _measure(label, lambda filters=filters: dashboard(store, coordinator, filters), args.repeat, FILTER_CHANGE_TARGET_MS)
    _measure(
        "trainee report", lambda: trainee_report(store, coordinator, trainee.id), args.repeat, FILTER_CHANGE_TARGET_MS
    )
    weakest = dashboard(store, coordinator, DashboardFilters()).rule_pass_rates["code"].iloc[0]
    _measure(
        "failing a rule", lambda: attempts_failing(store, coordinator, weakest), args.repeat, FILTER_CHANGE_TARGET_MS
    )


def _measure(label: str, work: Callable[[], object], repeat: int, target_ms: float) -> bool:
    work()  # warm: first-use imports and connection set-up are not the page's steady state
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    median, worst = statistics.median(times), max(times)
    verdict = "met" if worst < target_ms else "NOT met"
    print(f"{label:>15}: median {median:7.1f} ms, max {worst:7.1f} ms  (target < {target_ms} ms: {verdict})")
    return worst < target_ms


# -- filling ------------------------------------------------------------------------------


def fill(store: SqlStore, args: argparse.Namespace) -> tuple[User, list[str], list[str], date]:
    """Accounts, scenario versions and attempts, written in large batches straight to the tables
    (the store's one-at-a-time API would take hours). Returns the coordinator, the scenario ids,
    the cohorts and the last day of the year filled."""
    rng = random.Random(args.seed)
    coordinator = store.create_user("coordinator", "Coordinator", Role.COORDINATOR, "dashboard bench phrase")
    versions = [
        store.save_scenario_version(loaded, read_text(loaded.path))
        for loaded in ScenarioLibrary().playable()
    ]
    cohorts = [f"cohort-{number:02d}" for number in range(1, COHORTS + 1)]
    password_hash = hash_password("trainee password")  # argon2 is slow by design: hash once, share it
    now = datetime.now(UTC)
    trainee_rows = [
        {
            "username": f"trainee{number:03d}", "display_name": f"Trainee {number}", "role": Role.TRAINEE.value,
            "password_hash": password_hash, "disabled": False, "cohort": cohorts[number % COHORTS],
            "created_at": now - timedelta(days=400),
        }
        for number in range(1, args.trainees + 1)
    ]
    with store.engine.begin() as conn:
        trainee_ids = conn.execute(insert(users).returning(users.c.id), trainee_rows).scalars().all()
    # each trainee has a skill, each scenario its own set of rules that can apply
    skill = {trainee_id: rng.uniform(0.55, 0.97) for trainee_id in trainee_ids}
    applies = {version.id: {rule.code: rng.random() < 0.6 for rule in RULES} for version in versions}
    year_start = now - timedelta(days=365)
    for first in range(0, args.attempts, BATCH):
        batch = [
            _attempt(rng, rng.choice(trainee_ids), rng.choice(versions).id, year_start, skill, applies, args.events)
            for _ in range(min(BATCH, args.attempts - first))
        ]
        with store.engine.begin() as conn:
            conn.execute(insert(attempts), [row for row, _, _ in batch])
            conn.execute(insert(attempt_rule_results), [result for _, results, _ in batch for result in results])
            conn.execute(insert(attempt_events), [event for _, _, events in batch for event in events])
    if store.engine.dialect.name == "postgresql":
        if args.vacuum:
            # Marks the pages all-visible, so that scans skip each row's visibility check and index-only
            # scans need no table visits. Only the bench's tables; VACUUM runs outside a transaction.
            tables = ", ".join(table.name for table in (users, attempts, attempt_events, attempt_rule_results))
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"VACUUM ANALYZE {tables}"))
        else:
            with store.engine.begin() as conn:
                conn.execute(text("ANALYZE"))  # what autovacuum's analyze does soon after a bulk load
    return coordinator, [version.scenario_id for version in versions], cohorts, now.date()


def _attempt(
    rng: random.Random,
    owner_id: int,
    version_id: int,
    year_start: datetime,
    skill: dict[int, float],
    applies: dict[int, dict[str, bool]],
    event_count: int,
) -> tuple[dict, list[dict], list[dict]]:
    attempt_id = uuid.uuid4().hex
    started = year_start + timedelta(seconds=rng.uniform(0, 365 * 86400))
    count = max(3, round(rng.gauss(event_count, event_count / 5)))
    events = [
        {
            "attempt_id": attempt_id, "seq": seq, "t": seq * 6.5, "type": (kind := rng.choice(EVENT_TYPES)),
            "payload": json.dumps({"type": kind, "t": seq * 6.5, "text": rng.choice(LINES)}),
        }
        for seq in range(count)
    ]
    row = {
        "id": attempt_id, "owner_id": owner_id, "version_id": version_id, "mode": rng.choice(("practice", "assessment")),
        "started_at": started, "finished_at": None, "score": None, "passed": None, "outcome": None,
        "ruleset_version": None,
    }
    if rng.random() < UNFINISHED_SHARE:
        return row, [], events
    verdicts = {
        rule.code: ("pass" if rng.random() < skill[owner_id] else "fail") if applies[version_id][rule.code] else "n/a"
        for rule in RULES
    }
    score = _score(verdicts)
    critical_failed = any(verdicts[rule.code] == "fail" and rule.severity is Severity.CRITICAL for rule in RULES)
    row |= {
        "finished_at": started + timedelta(seconds=count * 7), "score": score,
        "passed": not critical_failed and score is not None and score >= PASS_MARK,
        "outcome": "answered", "ruleset_version": RULESET_VERSION,
    }
    return row, [{"attempt_id": attempt_id, "code": code, "verdict": verdict} for code, verdict in verdicts.items()], events


def _score(verdicts: dict[str, str]) -> float | None:
    """As coach.scoring computes it: passed weight over applicable weight (close enough: rounded)."""
    applicable = [rule for rule in RULES if verdicts[rule.code] != "n/a"]
    total = sum(rule.severity.weight for rule in applicable)
    if not total:
        return None
    passed = sum(rule.severity.weight for rule in applicable if verdicts[rule.code] == "pass")
    return round(100 * passed / total, 1)


if __name__ == "__main__":
    main()
