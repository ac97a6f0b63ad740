"""Where the data lives: `COACH_DATABASE_URL`, else a SQLite file in `COACH_DATA_DIR` or ./data."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_FILE = "coach.sqlite3"


def default_database_url() -> str:
    """The database URL from the environment; the SQLite default's folder is created on first use."""
    url = os.environ.get("COACH_DATABASE_URL")
    if url:
        return url
    folder = Path(os.environ.get("COACH_DATA_DIR") or "data").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DATABASE_FILE}"
