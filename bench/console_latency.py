"""Console latency: server time of one trainee action, for 1 and for 20 concurrent trainees.

Starts the app, and an empty Streamlit page for comparison, as separate server
processes on loopback. Each simulated trainee speaks Streamlit's own WebSocket
protocol (bench/streamlit_protocol.py): it logs in, starts a chat,
sends messages until the attempt has at least 80 events, then times actions, each
from sending the rerun request to receiving `script_finished`. The empty page is
timed the same way with a button press. Prints p50 and p95 for every case.

Targets: p95 < 100 ms for one trainee; with 20 trainees, p95 within 2x of the
empty page's p95 with 20 clients.

    .venv/bin/python bench/console_latency.py [--actions 40] [--trainees 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.streamlit_protocol import Client, start_server  # noqa: E402
from coach.storage import Role  # noqa: E402
from coach.storage.sql import open_store  # noqa: E402
EMPTY_PAGE = 'import streamlit as st\n\nst.button("Press", key="press")\n'
EVENTS_BEFORE_TIMING = 80
PASSWORD = "benchmark password"


ACTIONS = {
    # kind: (what the console redraws, widget pressed, text widget, text)
    "message": ("chat area", "console_send", "console_draft", "Trainee {number} timed message {turn}: here is what I found."),
    "notes": ("wrap-up", "console_save_notes", "console_notes", "Trainee {number} note {turn}: needs the list by Friday."),
    "insert": ("whole console", "console_insert", None, None),
}


async def console_trainee(port: int, actions: int, number: int, ready: asyncio.Barrier, kind: str) -> list[float]:
    """Start a chat, send messages until it holds 80+ events, then time actions of one kind."""
    client = Client(port)
    await client.connect()
    await client.rerun(client.press("login_submit", login_username=f"trainee{number}", login_password=PASSWORD))
    await client.rerun(client.press("console_start"))
    for turn in range(EVENTS_BEFORE_TIMING):
        text = f"Trainee {number} message {turn}: let me check the catalog for that title."
        await client.rerun(client.press("console_send", console_draft=text))
    await ready.wait()
    _, pressed, text_key, text = ACTIONS[kind]
    timings = []
    for turn in range(actions):
        values = {text_key: text.format(number=number, turn=turn)} if text_key else {}
        timings.append(await client.rerun(client.press(pressed, **values)))
    await client.close()
    return timings


async def empty_page_user(port: int, actions: int, number: int, ready: asyncio.Barrier) -> list[float]:
    client = Client(port)
    await client.connect()
    await ready.wait()
    timings = [await client.rerun(client.press("press")) for _ in range(actions)]
    await client.close()
    return timings


async def measure(user, port: int, users: int, actions: int, **options: str) -> list[float]:
    ready = asyncio.Barrier(users)  # every user is set up before anyone is timed
    results = await asyncio.gather(*(user(port, actions, number, ready, **options) for number in range(users)))
    return [seconds for timings in results for seconds in timings]


def figures(label: str, seconds: list[float]) -> float:
    p50 = statistics.median(seconds) * 1000
    p95 = statistics.quantiles(seconds, n=100)[94] * 1000
    print(f"{label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({len(seconds)} actions)")
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=40, help="timed actions per trainee")
    parser.add_argument("--trainees", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        store = open_store(database)
        for number in range(args.trainees):
            store.create_user(f"trainee{number}", f"Trainee {number}", Role.TRAINEE, PASSWORD)
        env = {**os.environ, "COACH_TIME_SCALE": "1", "COACH_DATABASE_URL": database}
        empty_script = Path(folder) / "empty_page.py"
        empty_script.write_text(EMPTY_PAGE)
        app, app_port = start_server(ROOT / "app.py", env)
        empty, empty_port = start_server(empty_script, env)
        try:
            print(f"console sessions hold {EVENTS_BEFORE_TIMING}+ events before timing")
            n = args.trainees
            empty_one = figures("empty page, 1 user", asyncio.run(measure(empty_page_user, empty_port, 1, args.actions)))
            empty_many = figures(f"empty page, {n} users at once",
                                 asyncio.run(measure(empty_page_user, empty_port, n, args.actions)))
            results = {}
            for kind, (redraws, _, _, _) in ACTIONS.items():
                for users in (1, n):
                    label = f"console {kind} ({redraws}), {users} trainee{'s' if users > 1 else ''}"
                    timings = asyncio.run(measure(console_trainee, app_port, users, args.actions, kind=kind))
                    results[kind, users] = figures(label, timings)
        finally:
            app.terminate()
            empty.terminate()
    print(f"empty page p95: {empty_one:.1f} ms alone, {empty_many:.1f} ms with {n} users")
    for kind in ACTIONS:
        single, crowd = results[kind, 1], results[kind, n]
        print(f"{kind}: 1 trainee p95 {single:.1f} ms (target < 100 ms: {'met' if single < 100 else 'NOT met'}); "
              f"{n} trainees p95 {crowd / empty_many:.2f}x the empty page's "
              f"(target <= 2x: {'met' if crowd <= 2 * empty_many else 'NOT met'})")


if __name__ == "__main__":
    main()
