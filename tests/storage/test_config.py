"""Settings from the environment: where the data lives, how long logins last."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from coach.storage import SessionPolicy
from coach.storage.config import default_database_url, session_policy


def test_the_environment_url_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql://coach@db/coach")
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "unused"))
    assert default_database_url() == "postgresql://coach@db/coach"
    assert not (tmp_path / "unused").exists()


def test_a_sqlite_file_in_the_data_dir_made_on_first_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "deep" / "data"))
    assert default_database_url() == f"sqlite:///{tmp_path / 'deep' / 'data' / 'coach.sqlite3'}"
    assert (tmp_path / "deep" / "data").is_dir()


def test_otherwise_data_under_the_working_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("COACH_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_database_url() == f"sqlite:///{tmp_path.resolve() / 'data' / 'coach.sqlite3'}"
    assert (tmp_path / "data").is_dir()


def test_logins_last_30_idle_minutes_and_12_hours_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COACH_SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("COACH_SESSION_MAX_HOURS", raising=False)
    assert session_policy() == SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    monkeypatch.setenv("COACH_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("COACH_SESSION_MAX_HOURS", "8.5")
    assert session_policy() == SessionPolicy(idle=timedelta(minutes=15), absolute=timedelta(hours=8.5))


@pytest.mark.parametrize("value", ["soon", "0", "-5", "inf"])
def test_a_session_setting_that_is_no_positive_number_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("COACH_SESSION_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="COACH_SESSION_IDLE_MINUTES"):
        session_policy()
