"""Shared test helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True, scope="session")
def full_error_details_in_apptest():
    """The production config hides errors in the browser; AppTest failures should say what broke."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite database that the app and the test share."""
    url = f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    monkeypatch.setenv("COACH_DATABASE_URL", url)
    return url


@pytest.fixture
def store(database_url: str):
    from coach.storage.sql import open_store

    return open_store(database_url)


@pytest.fixture
def shared_examples() -> Path:
    folder = SHARED / "examples"
    if not folder.is_dir():
        pytest.skip("../shared/examples is not next to this checkout")
    return folder


def sign_in(app, store, user) -> None:
    """The AppTest session logged in as `user`, as the login page leaves it (a server-side session)."""
    app.session_state["auth_session_id"] = store.start_session(user)[0].id


def run_page_directly(page: str, store, user):
    """One page script run by itself, bypassing app.py's menu, as a URL might reach it; the session
    state starts as app.py would leave it."""
    from streamlit.testing.v1 import AppTest

    from app_pages.ui import STATE_DEFAULTS

    app = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=30)
    for key, value in STATE_DEFAULTS.items():
        app.session_state[key] = value
    if user is not None:
        sign_in(app, store, user)
    return app.run()


@contextmanager
def app_server(database: str, log: Path) -> Iterator[tuple[object, int]]:
    """The app served on loopback against `database`, at real time: (server process, port)."""
    from bench.streamlit_protocol import start_server

    env = {**os.environ, "COACH_DATABASE_URL": database, "COACH_TIME_SCALE": "1"}
    server, port = start_server(ROOT / "server.py", env, log=log)
    try:
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=10)
