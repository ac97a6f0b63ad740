"""Typing a page's URL does not get round the menu: a trainee asking for /accounts sees no accounts."""

from __future__ import annotations

import os
from pathlib import Path

from bench.streamlit_protocol import Client, run, start_server
from coach.storage import Role
from coach.storage.sql import open_store
from tests.conftest import PASSWORD, ROOT


async def page_as(port: int, username: str, page_name: str) -> str:
    client = Client(port)
    await client.connect()
    await client.rerun(client.press("login_submit", login_username=username, login_password=PASSWORD))
    client.page_name = page_name
    await client.rerun([])
    await client.close()
    return client.page_text()


def test_pages_outside_a_role_are_not_served_by_url(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    store = open_store(database)
    store.create_user("terry", "Terry", Role.TRAINEE, PASSWORD)
    store.create_user("maria", "Maria", Role.COORDINATOR, PASSWORD)
    store.create_user("secret-name", "Hidden Person", Role.TRAINER, PASSWORD)
    server, port = start_server(ROOT / "app.py", {**os.environ, "COACH_DATABASE_URL": database})
    try:
        as_trainee = run(page_as(port, "terry", "accounts"))
        as_coordinator = run(page_as(port, "maria", "accounts"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "Accounts" in as_coordinator and "Add an account" in as_coordinator
    assert "Add an account" not in as_trainee and "Practice a chat" in as_trainee
