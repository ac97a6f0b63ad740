"""Where the data lives by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.storage.config import default_database_url


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
