"""A server killed with SIGKILL loses no acknowledged event, and the attempt continues to a scorecard."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from bench.streamlit_protocol import Client, run
from coach.storage import Role
from coach.storage.sql import open_store
from tests.conftest import PASSWORD, app_server

MESSAGES = [f"Message {number}: let me look that up in the catalog for you." for number in range(5)]
GOODBYE = "Thanks for chatting with us, come back any time!"


async def log_in(client: Client) -> None:
    await client.connect()
    await client.rerun(client.press("login_submit", login_username="terry", login_password=PASSWORD))


async def first_half(port: int) -> str:
    client = Client(port)
    await log_in(client)
    await client.rerun(client.press("console_start"))
    for text in MESSAGES:
        await client.rerun(client.submit("console_draft", text))  # acknowledged: the run finished
    attempt_id = client.query_string.removeprefix("attempt=")
    await client.close()
    return attempt_id


async def second_half(port: int, attempt_id: str) -> str:
    client = Client(port, query_string=f"attempt={attempt_id}")
    await log_in(client)
    shown = client.page_text()
    await client.rerun(client.submit("console_draft", GOODBYE))
    await client.rerun(client.press("console_finish"))
    await client.close()
    return shown


def test_acknowledged_events_survive_sigkill_and_the_attempt_goes_on(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    store = open_store(database)
    trainee = store.create_user("terry", "Terry", Role.TRAINEE, PASSWORD)
    with app_server(database, tmp_path / "server.log") as (server, port):
        try:
            attempt_id = run(first_half(port))
        finally:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
    stored = store.load_attempt(trainee, attempt_id)
    assert [event.text for event in stored.events if event.type == "say"] == MESSAGES
    assert stored.summary.finished_at is None

    with app_server(database, tmp_path / "server.log") as (_, port):
        shown = run(second_half(port, attempt_id))
    assert "Message 4" in shown, "the console reopened the chat where it was"
    stored = store.load_attempt(trainee, attempt_id)
    assert [event.text for event in stored.events if event.type == "say"] == [*MESSAGES, GOODBYE]
    assert stored.summary.finished_at is not None and stored.summary.score is not None
