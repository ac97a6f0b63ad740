"""Console latency: server time of trainee actions at 1, 20 and 50 concurrent trainees.

Starts the app, and an empty Streamlit page for comparison, as separate server
processes on loopback. Each simulated trainee speaks Streamlit's own WebSocket
protocol (bench/streamlit_protocol.py): it logs in, starts a chat and sends messages
until the attempt has about 160 events. Then, timing each request from sending it to
`script_finished`:

- burst mode: every trainee does 40 actions of one kind back to back (the empty page:
  40 button presses);
- realistic mode: for 30 seconds every trainee refreshes the chat once a second (as the
  chat fragment's timer does in a browser) and sends a message every 4 seconds (the
  empty page: a rerun a second and a press every 4 seconds);
- long chat: one trainee's server CPU per message (read from /proc) at about 160 events
  and again after the chat has grown to 3,000.

Targets: p95 < 100 ms for one trainee; with 20 trainees, burst p95 within 2x of the
empty page's and realistic p95 under 100 ms; server CPU per message at 3,000 events at
most 2 ms more than at 160.

    .venv/bin/python bench/console_latency.py [--actions 40] [--trainees 1 20 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench.streamlit_protocol import Client, start_server  # noqa: E402
from coach.storage import Role  # noqa: E402
from coach.storage.sql import open_store  # noqa: E402
EMPTY_PAGE = 'import streamlit as st\n\nst.button("Press", key="press")\n'
MESSAGES_BEFORE_TIMING = 80  # each answered by the patron: about 160 events
LONG_CHAT_EVENTS = 3000
ACT_EVERY = 4.0  # realistic mode: seconds between a trainee's messages
PASSWORD = "benchmark password"


ACTIONS: dict[str, tuple[str, Callable[[Client, int, int], list[WidgetState]]]] = {
    # kind: (what the console redraws, the widget states of doing it: client, trainee number, turn)
    "message": ("chat area", lambda client, number, turn: client.submit(
        "console_draft", f"Trainee {number} timed message {turn}: here is what I found.")),
    "notes": ("wrap-up", lambda client, number, turn: client.press(
        "console_save_notes", console_notes=f"Trainee {number} note {turn}: needs the list by Friday.")),
    "insert": ("whole console", lambda client, number, turn: client.press("console_insert")),
}


async def logged_in_chat(port: int, number: int) -> Client:
    """A trainee's tab with a chat of about 160 events."""
    client = Client(port)
    await client.connect()
    await client.rerun(client.press("login_submit", login_username=f"trainee{number}", login_password=PASSWORD))
    await client.rerun(client.press("console_start"))
    for turn in range(MESSAGES_BEFORE_TIMING):
        text = f"Trainee {number} message {turn}: let me check the catalog for that title."
        await client.rerun(client.submit("console_draft", text))
    return client


async def console_trainee(port: int, actions: int, number: int, ready: asyncio.Barrier, kind: str) -> list[float]:
    """Burst mode: time actions of one kind, back to back."""
    client = await logged_in_chat(port, number)
    await ready.wait()
    _, states_of = ACTIONS[kind]
    timings = []
    for turn in range(actions):
        timings.append(await client.rerun(states_of(client, number, turn)))
    await client.close()
    return timings


async def paced(seconds: float, number: int, refresh: Callable[[], object], act: Callable[[int], object]) -> list[float]:
    """Realistic mode: a refresh a second and an action every ACT_EVERY seconds, for `seconds`,
    starting at a random offset so that users do not move in step; each request timed."""
    timings = []
    start = time.monotonic() + random.Random(number).uniform(0, 1)
    next_act = start + random.Random(-number).uniform(0, ACT_EVERY)
    turn = 0
    for tick in range(int(seconds)):
        await asyncio.sleep(max(0.0, start + tick - time.monotonic()))
        timings.append(await refresh())
        if time.monotonic() >= next_act:
            timings.append(await act(turn))
            turn += 1
            next_act += ACT_EVERY
    return timings


async def realistic_trainee(port: int, seconds: float, number: int, ready: asyncio.Barrier) -> list[float]:
    client = await logged_in_chat(port, number)
    await ready.wait()
    timings = await paced(
        seconds, number, lambda: client.refresh("console_draft"),
        lambda turn: client.rerun(client.submit("console_draft", f"Trainee {number} paced message {turn}.")))
    await client.close()
    return timings


async def realistic_empty_page_user(port: int, seconds: float, number: int, ready: asyncio.Barrier) -> list[float]:
    client = Client(port)
    await client.connect()
    await ready.wait()
    timings = await paced(seconds, number, lambda: client.rerun([]), lambda turn: client.rerun(client.press("press")))
    await client.close()
    return timings


def server_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_events(store, username: str) -> int:
    """Events stored of the user's newest attempt."""
    user = store.find_user(username)
    newest = store.list_attempts(user, owner_id=user.id, limit=1)[0]
    return len(store.load_attempt(user, newest.id).events)


async def long_chat_cpu(port: int, pid: int, store, actions: int, number: int) -> tuple[float, int, float, int]:
    """Server CPU milliseconds per message, and events, at about 160 events and again once the
    chat has grown to LONG_CHAT_EVENTS."""
    client = await logged_in_chat(port, number)

    async def cpu_per_message(label: str) -> tuple[float, int]:
        events = stored_events(store, f"trainee{number}")
        before = server_cpu_seconds(pid)
        for turn in range(actions):
            await client.rerun(client.submit("console_draft", f"Long chat, {label} timed message {turn}."))
        return (server_cpu_seconds(pid) - before) / actions * 1000, events

    short = await cpu_per_message("short")
    turn = 0
    while stored_events(store, f"trainee{number}") < LONG_CHAT_EVENTS:
        for _ in range(50):
            await client.rerun(client.submit("console_draft", f"Filling the chat, message {turn}."))
            turn += 1
    long = await cpu_per_message("long")
    await client.close()
    return (*short, *long)


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
    parser.add_argument("--actions", type=int, default=40, help="timed actions per trainee in burst mode")
    parser.add_argument("--trainees", type=int, nargs="+", default=[1, 20, 50])
    parser.add_argument("--seconds", type=float, default=30, help="length of the realistic run")
    args = parser.parse_args()
    crowd = max(args.trainees)
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        store = open_store(database)
        for number in range(crowd + 1):
            store.create_user(f"trainee{number}", f"Trainee {number}", Role.TRAINEE, PASSWORD)
        env = {**os.environ, "COACH_TIME_SCALE": "1", "COACH_DATABASE_URL": database}
        empty_script = Path(folder) / "empty_page.py"
        empty_script.write_text(EMPTY_PAGE)
        app, app_port = start_server(ROOT / "server.py", env)
        empty, empty_port = start_server(empty_script, env)
        burst: dict[tuple[str, int], float] = {}
        realistic: dict[tuple[str, int], float] = {}
        try:
            print(f"console chats hold about {2 * MESSAGES_BEFORE_TIMING} events before timing")
            for users in args.trainees:
                who = f"{users} user{'s' if users > 1 else ''}"
                burst["empty", users] = figures(f"burst: empty page, {who}", asyncio.run(
                    measure(empty_page_user, empty_port, users, args.actions)))
                for kind, (redraws, _) in ACTIONS.items():
                    burst[kind, users] = figures(f"burst: console {kind} ({redraws}), {who}", asyncio.run(
                        measure(console_trainee, app_port, users, args.actions, kind=kind)))
                realistic["empty", users] = figures(f"realistic: empty page, {who}", asyncio.run(
                    measure(realistic_empty_page_user, empty_port, users, args.seconds)))
                realistic["console", users] = figures(f"realistic: console, {who}", asyncio.run(
                    measure(realistic_trainee, app_port, users, args.seconds)))
            short, short_events, long, long_events = asyncio.run(
                long_chat_cpu(app_port, app.pid, store, args.actions, crowd))
            print(f"long chat: server CPU per message {short:.1f} ms at {short_events} events, "
                  f"{long:.1f} ms at {long_events} events")
        finally:
            app.terminate()
            empty.terminate()
    for users in args.trainees:
        for kind in ACTIONS:
            p95, empty_p95 = burst[kind, users], burst["empty", users]
            target = ("target < 100 ms: " + ("met" if p95 < 100 else "NOT met")) if users == 1 else (
                "target <= 2x: " + ("met" if p95 <= 2 * empty_p95 else "NOT met") if users == 20 else "no target")
            print(f"burst {kind}, {users} trainees: p95 {p95:.1f} ms, {p95 / empty_p95:.2f}x the empty page's ({target})")
        p95 = realistic["console", users]
        target = "target < 100 ms: " + ("met" if p95 < 100 else "NOT met") if users in (1, 20) else "no target"
        print(f"realistic, {users} trainees: p95 {p95:.1f} ms, empty page {realistic['empty', users]:.1f} ms ({target})")
    print(f"long chat: CPU per message grows by {long - short:.1f} ms (target <= 2 ms: "
          f"{'met' if long - short <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
