"""Sign-ins under load, against the real server on loopback, over Streamlit's WebSocket protocol.

Starts the app (server.py) on a fresh SQLite database, logs one trainee into a chat whose
fragment refreshes every 100 ms (as a browser's timer would, only faster), then:

- 40 sign-ins at once to made-up usernames, each from its own address (X-Forwarded-For,
  which the server trusts from loopback): the server's resident memory growth (peak, from
  /proc) and the chatting trainee's longest wait for a refresh meanwhile;
- 60 honest trainees signing in at once: the time from pressing "Log in" to their first page,
  p50 / p95 / longest, and how many got in.

Also the time of one argon2id check at the costs new hashes use (OWASP's 19 MiB, 2 iterations,
1 lane) and at argon2-cffi's default (64 MiB, 3 iterations, 4 lanes), best of 5.

Targets (issue #11): memory growth under 300 MB, no stall of the chat over 500 ms, honest
sign-ins p95 under 3 s.

    .venv/bin/python bench/login_load.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.streamlit_protocol import Client, start_server  # noqa: E402

PASSWORD = "benchmark pass phrase"
BOGUS, HONEST = 40, 60
REFRESH_EVERY = 0.1  # seconds


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


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


async def sign_in(port: int, username: str, address: str) -> tuple[float, str]:
    """(seconds from pressing Log in to the first page, what the page says)."""
    client = Client(port, headers={"X-Forwarded-For": address})
    await client.connect()
    start = time.perf_counter()
    await client.rerun(client.press("login_submit", login_username=username, login_password=PASSWORD))
    elapsed = time.perf_counter() - start
    text = client.page_text()
    await client.close()
    return elapsed, text


async def chatting(port: int, stop: asyncio.Event, waits: list[float]) -> None:
    client = Client(port, headers={"X-Forwarded-For": "10.9.9.9"})
    await client.connect()
    await client.rerun(client.press("login_submit", login_username="chatting", login_password=PASSWORD))
    await client.rerun(client.press("console_start"))
    await client.rerun(client.submit("console_draft", "Hello, let me look into that for you."))
    while not stop.is_set():
        waits.append(await client.refresh("console_draft"))
        await asyncio.sleep(REFRESH_EVERY)
    await client.close()


async def crowd(port: int, pid: int, kind: str) -> dict[str, float]:
    stop, waits = asyncio.Event(), []
    chat = asyncio.create_task(chatting(port, stop, waits))
    while not waits:
        await asyncio.sleep(0.05)
    before = memory_mb(pid, "VmRSS")
    if kind == "bogus":
        logins = [sign_in(port, f"made-up-{n}", f"198.18.{n // 250}.{n % 250 + 1}") for n in range(BOGUS)]
    else:
        logins = [sign_in(port, f"trainee{n}", f"10.2.{n // 250}.{n % 250 + 1}") for n in range(HONEST)]
    waits.clear()
    results = await asyncio.gather(*logins)
    await asyncio.sleep(0.5)
    stop.set()
    await chat
    times = sorted(seconds for seconds, _ in results)
    return {
        "grew_mb": memory_mb(pid, "VmHWM") - before,
        "stall_ms": max(waits) * 1000,
        "p50_s": statistics.median(times),
        "p95_s": times[int(0.95 * (len(times) - 1))],
        "max_s": times[-1],
        "in": sum("Practice a chat" in text for _, text in results),
    }


def main() -> None:
    for name, ms in check_times().items():
        print(f"one password check, {name}: {ms:.1f} ms")
    from coach.storage import Role
    from coach.storage.sql import open_store

    folder = tempfile.mkdtemp(prefix="coach-login-bench-")
    database = f"sqlite:///{folder}/coach.sqlite3"
    store = open_store(database)
    store.create_user("chatting", "Chatting", Role.TRAINEE, PASSWORD)
    for number in range(HONEST):
        store.create_user(f"trainee{number}", f"Trainee {number}", Role.TRAINEE, PASSWORD)
    store.close()
    env = {**os.environ, "COACH_DATABASE_URL": database, "COACH_TIME_SCALE": "1"}
    server, port = start_server(ROOT / "server.py", env)
    try:
        bogus = asyncio.run(crowd(port, server.pid, "bogus"))
        honest = asyncio.run(crowd(port, server.pid, "honest"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{BOGUS} sign-ins at once to made-up usernames: the server grew by {bogus['grew_mb']:.0f} MB at its peak, "
          f"the chatting trainee's longest refresh {bogus['stall_ms']:.0f} ms; answers p50 {bogus['p50_s']:.2f} s, "
          f"longest {bogus['max_s']:.2f} s")
    print(f"{HONEST} honest trainees signing in at once: first page p50 {honest['p50_s']:.2f} s, "
          f"p95 {honest['p95_s']:.2f} s, longest {honest['max_s']:.2f} s; {honest['in']:.0f} of {HONEST} got in; "
          f"the chatting trainee's longest refresh {honest['stall_ms']:.0f} ms")
    targets = {
        "memory growth < 300 MB": bogus["grew_mb"] < 300,
        "no chat stall over 500 ms": max(bogus["stall_ms"], honest["stall_ms"]) <= 500,
        "honest sign-ins p95 < 3 s": honest["p95_s"] < 3 and honest["in"] == HONEST,
    }
    for target, met in targets.items():
        print(f"target {target}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
