"""Storage tests run on SQLite (a temp file) and on PostgreSQL (`COACH_TEST_POSTGRES_URL`).

Each PostgreSQL test gets a schema of its own, created for it and dropped after it, and
reaches it through the connection's search_path, so runs never see each other's tables.
Without the URL the PostgreSQL variants are skipped, except in CI (`CI` set), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from coach.storage import Role, User, sql
from coach.storage.sql import SqlStore, engine_url, open_store
from tests.conftest import PASSWORD

POSTGRES_URL_VARIABLE = "COACH_TEST_POSTGRES_URL"


def _postgres_schema_url() -> Iterator[str]:
    base = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base:
        message = f"{POSTGRES_URL_VARIABLE} is not set: no PostgreSQL to test against"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"coach_test_{uuid.uuid4().hex}"
    admin = create_engine(engine_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = engine_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'coach.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coach.sqlite3'}"


@pytest.fixture
def trainee(store: SqlStore) -> User:
    return store.create_user("tara", "Tara", Role.TRAINEE, PASSWORD)


class Clock:
    """The store's idea of now, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(sql, "_now", moved)
    return moved
