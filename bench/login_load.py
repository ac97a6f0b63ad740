"""Sign-ins under load: what password checks cost, and what a crowd of sign-ins does to a server.

Prints:
- the time of one argon2id check at the costs new hashes use (OWASP's 19 MiB, 2 iterations,
  1 lane) and at argon2-cffi's default (64 MiB, 3 iterations, 4 lanes), best of 5;
- 40 sign-ins at once to made-up usernames (from 40 addresses): the wall time, how much the
  process grew (peak resident memory), and the slowest of another trainee's requests meanwhile
  (a session check every 20 ms, as each console action makes);
- 60 honest trainees signing in at once: their waits (p50, p95, the longest) and how many were
  refused as busy.

Each crowd runs in a fresh process on a fresh SQLite database, so the peak memory is its own.
Targets (issue #11): the process grows by well under 200 MB for 40 made-up sign-ins; another
trainee's request stays under 250 ms; 60 honest sign-ins all succeed within 5 s.

    .venv/bin/python bench/login_load.py
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark pass phrase"


def check_times() -> dict[str, float]:
    from argon2 import PasswordHasher

    from coach.storage.passwords import ITERATIONS, LANES, MEMORY_KIB

    hashers = {
        "OWASP (19 MiB, t=2, p=1)": PasswordHasher(time_cost=ITERATIONS, memory_cost=MEMORY_KIB, parallelism=LANES),
        "argon2-cffi default (64 MiB, t=3, p=4)": PasswordHasher(),
    }
    times = {}
    for name, hasher in hashers.items():
        stored = hasher.hash(PASSWORD)
        rounds = []
        for _ in range(5):
            start = time.perf_counter()
            hasher.verify(stored, PASSWORD)
            rounds.append(time.perf_counter() - start)
        times[name] = min(rounds) * 1000
    return times


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crowd(kind: str) -> dict[str, float]:
    """Runs in its own process (see main)."""
    from coach.storage import Role, SignInsBusy, TooManyAttempts
    from coach.storage.sql import open_store

    folder = tempfile.mkdtemp(prefix="coach-login-bench-")
    store = open_store(f"sqlite:///{folder}/coach.sqlite3")
    other = store.create_user("other", "Other", Role.TRAINEE, PASSWORD)
    session, _ = store.start_session(other)
    from coach.storage import SessionPolicy

    policy = SessionPolicy()
    honest = 60 if kind == "honest" else 0
    for number in range(honest):
        store.create_user(f"trainee{number}", f"Trainee {number}", Role.TRAINEE, PASSWORD)
    store.check_session(session.id, policy, acted=True)
    before = peak_rss_mb()

    stop = threading.Event()
    other_latencies: list[float] = []

    def other_trainee() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            store.check_session(session.id, policy, acted=True)
            other_latencies.append(time.perf_counter() - start)
            time.sleep(0.02)

    def sign_in(number: int) -> tuple[str, float]:
        start = time.perf_counter()
        try:
            if kind == "honest":
                outcome = "ok" if store.authenticate(f"trainee{number}", PASSWORD, f"10.2.0.{number}") else "refused"
            else:
                store.authenticate(f"made-up-{number}", "a guess at it", f"10.3.0.{number}")
                outcome = "checked"
        except SignInsBusy:
            outcome = "busy"
        except TooManyAttempts:
            outcome = "throttled"
        return outcome, time.perf_counter() - start

    watcher = threading.Thread(target=other_trainee)
    watcher.start()
    crowd_size = honest or 40
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=crowd_size) as pool:
        results = list(pool.map(sign_in, range(crowd_size)))
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    waits = sorted(seconds for _, seconds in results)
    return {
        "wall_s": wall,
        "grew_mb": peak_rss_mb() - before,
        "other_max_ms": max(other_latencies) * 1000,
        "p50_s": statistics.median(waits),
        "p95_s": waits[int(0.95 * (len(waits) - 1))],
        "max_s": waits[-1],
        "ok": sum(outcome in ("ok", "checked") for outcome, _ in results),
        "busy": sum(outcome == "busy" for outcome, _ in results),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--crowd":
        print(json.dumps(crowd(sys.argv[2])))
        return
    for name, ms in check_times().items():
        print(f"one password check, {name}: {ms:.1f} ms")
    figures = {}
    for kind in ("made-up", "honest"):
        answer = subprocess.run([sys.executable, __file__, "--crowd", kind], capture_output=True, text=True, check=True)
        figures[kind] = json.loads(answer.stdout.strip().splitlines()[-1])
    made_up, honest = figures["made-up"], figures["honest"]
    print(f"40 sign-ins at once to made-up usernames: {made_up['wall_s']:.2f} s in all, the process grew by "
          f"{made_up['grew_mb']:.0f} MB, another trainee's slowest request {made_up['other_max_ms']:.0f} ms, "
          f"{made_up['busy']:.0f} refused as busy")
    print(f"60 honest trainees signing in at once: waits p50 {honest['p50_s']:.2f} s, p95 {honest['p95_s']:.2f} s, "
          f"longest {honest['max_s']:.2f} s; {honest['ok']:.0f} signed in, {honest['busy']:.0f} refused as busy; "
          f"another trainee's slowest request {honest['other_max_ms']:.0f} ms")
    met = (made_up["grew_mb"] < 200 and max(made_up["other_max_ms"], honest["other_max_ms"]) < 250
           and honest["ok"] == 60 and honest["max_s"] < 5)
    print(f"targets (growth < 200 MB, other trainee < 250 ms, 60 honest sign-ins within 5 s): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
