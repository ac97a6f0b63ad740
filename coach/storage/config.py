"""Settings from the environment: where the data lives (`COACH_DATABASE_URL`, else a SQLite file in
`COACH_DATA_DIR` or ./data) and how long logins last."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from coach.storage import SessionPolicy

DATABASE_FILE = "coach.sqlite3"


def default_database_url() -> str:
    """The database URL from the environment; the SQLite default's folder is created on first use."""
    url = os.environ.get("COACH_DATABASE_URL")
    if url:
        return url
    folder = Path(os.environ.get("COACH_DATA_DIR") or "data").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DATABASE_FILE}"


def session_policy() -> SessionPolicy:
    """How long logins last: `COACH_SESSION_IDLE_MINUTES` (default 30) without a user action, and at
    most `COACH_SESSION_MAX_HOURS` (default 12) after logging in."""
    defaults = SessionPolicy()
    return SessionPolicy(
        idle=_duration("COACH_SESSION_IDLE_MINUTES", "minutes", defaults.idle),
        absolute=_duration("COACH_SESSION_MAX_HOURS", "hours", defaults.absolute),
    )


def _duration(variable: str, unit: str, default: timedelta) -> timedelta:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        amount = float(value)
    except ValueError:
        raise ValueError(f"{variable} must be a number of {unit}, not {value!r}") from None
    if not 0 < amount < 10_000:
        raise ValueError(f"{variable} must be a positive number of {unit} below 10,000, not {value!r}")
    return timedelta(**{unit: amount})
