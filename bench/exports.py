"""The dashboard's exports at scale: time to build each file, CSV and Excel, with no filters.

Fills a database as bench/dashboard.py does (by default 5,000 attempts; every finished attempt
has a verdict for each of the 15 rules, so the per-rule export has 15 rows an attempt), then
times each export once (a coordinator clicks a button once; the first run is the real one).

    .venv/bin/python bench/exports.py [--attempts N] [--database URL]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the bench package is beside coach, not installed

from bench.dashboard import _database, fill  # noqa: E402
from coach.export import (  # noqa: E402
    attempt_rows,
    attempts_csv,
    attempts_xlsx,
    rule_result_rows,
    rule_results_csv,
    rule_results_xlsx,
)
from coach.storage.sql import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a new temp SQLite file)")
    parser.add_argument("--attempts", type=int, default=5_000)
    parser.add_argument("--trainees", type=int, default=100)
    parser.add_argument("--events", type=int, default=30, help="events per attempt, on average")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with _database(args.database) as url:
        store = open_store(url)
        try:
            coordinator, *_ = fill(store, args)
            print(f"database: {store.engine.dialect.name}; {args.attempts:,} attempts", flush=True)
            for table, rows, as_csv, as_xlsx in (
                ("attempts", attempt_rows, attempts_csv, attempts_xlsx),
                ("rule results", rule_result_rows, rule_results_csv, rule_results_xlsx),
            ):
                with rows(store, coordinator) as counted:
                    count = sum(1 for _ in counted)
                for kind, build in (("CSV", as_csv), ("Excel", as_xlsx)):
                    started = time.perf_counter()
                    size = len(build(store, coordinator))
                    seconds = time.perf_counter() - started
                    print(f"{table:>12} {kind:>5}: {count:,} rows in {seconds:6.2f} s "
                          f"({count / seconds:,.0f} rows/s), {size / 1e6:.1f} MB", flush=True)
        finally:
            store.close()


if __name__ == "__main__":
    main()
