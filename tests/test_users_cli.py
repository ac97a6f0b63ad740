"""`coach users`: accounts managed from a shell, end to end on a SQLite file."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coach.cli import main
from coach.storage import Role, TooManyAttempts
from coach.storage import sql
from coach.storage.sql import open_store

PASSWORD = "correct horse battery"


class Terminal(io.StringIO):
    """Standard input that claims to be a terminal, for the asking-twice path."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'accounts.sqlite3'}"


def coach_users(
    monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "", url: str | None = None
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    database = ["--database", url] if url else []
    status = main(["users", *argv, *database], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_add_list_and_log_in(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    status, out, err = coach_users(
        monkeypatch, "add", "Alex", "--role", "trainee", "--name", "Alex Kim", "--cohort", "fall-2026",
        "--password-stdin", stdin=PASSWORD + "\n", url=url,
    )
    assert (status, out, err) == (0, "added alex (Alex Kim), trainee\n", "")
    coach_users(monkeypatch, "add", "cora", "--role", "coordinator", "--password-stdin", stdin=PASSWORD, url=url)

    status, out, err = coach_users(monkeypatch, "list", url=url)
    assert status == 0 and err == ""
    header, alex, cora = out.splitlines()
    assert header.split() == ["USERNAME", "ROLE", "NAME", "COHORT", "STATE", "CREATED"]
    assert alex.split()[:6] == ["alex", "trainee", "Alex", "Kim", "fall-2026", "enabled"]
    assert cora.split()[:5] == ["cora", "coordinator", "cora", "-", "enabled"]

    status, out, _ = coach_users(monkeypatch, "list", "--format", "json", url=url)
    listed = json.loads(out)
    assert [(u["username"], u["role"], u["display_name"], u["cohort"], u["disabled"]) for u in listed] == [
        ("alex", "trainee", "Alex Kim", "fall-2026", False), ("cora", "coordinator", "cora", None, False)
    ]
    assert listed[0]["created_at"].endswith("+00:00") and "password" not in json.dumps(listed)

    store = open_store(url)
    try:
        assert store.authenticate("alex", PASSWORD).role is Role.TRAINEE  # type: ignore[union-attr]
    finally:
        store.close()


def test_set_role_reset_password_disable_enable(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    coach_users(monkeypatch, "add", "alex", "--role", "trainee", "--password-stdin", stdin=PASSWORD, url=url)
    assert coach_users(monkeypatch, "set-role", "ALEX", "trainer", url=url) == (0, "alex is now a trainer\n", "")
    status, out, _ = coach_users(
        monkeypatch, "reset-password", "alex", "--password-stdin", stdin="a new password\r\n", url=url
    )
    assert (status, out) == (0, "new password set for alex\n")
    assert coach_users(monkeypatch, "disable", "alex", url=url) == (0, "alex is disabled\n", "")
    store = open_store(url)
    try:
        assert store.authenticate("alex", "a new password") is None, "disabled"
        assert coach_users(monkeypatch, "enable", "alex", url=url) == (0, "alex is enabled\n", "")
        user = store.authenticate("alex", "a new password")
        assert user is not None and user.role is Role.TRAINER
        assert store.authenticate("alex", PASSWORD) is None, "the old password is gone"
    finally:
        store.close()


def test_asks_for_the_password_twice_on_a_terminal(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    answers = iter([PASSWORD, PASSWORD, "first try typed", "second try typo"])
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(answers))
    monkeypatch.setattr("sys.stdin", Terminal())
    out, err = io.StringIO(), io.StringIO()
    assert main(["users", "add", "alex", "--role", "trainee", "--database", url], out=out, err=err) == 0
    assert prompts == ["Password: ", "Password again: "]
    status = main(["users", "reset-password", "alex", "--database", url], out=out, err=err)
    assert status == 2 and "the two passwords differ" in err.getvalue()
    store = open_store(url)
    try:
        assert store.authenticate("alex", PASSWORD) is not None, "nothing changed"
    finally:
        store.close()


ADD = ["add", "--role", "trainee"]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        ([*ADD, "al", "--password-stdin"], PASSWORD, "coach users add: 'al' cannot be a username"),
        ([*ADD, "alex", "--password-stdin"], "short\n", "coach users add: The password is too short"),
        ([*ADD, "alex", "--password-stdin"], "", "coach users add: no password on standard input"),
        ([*ADD, "alex"], "", "no terminal to ask for the password: pipe it in with --password-stdin"),
        ([*ADD, "taken", "--password-stdin"], PASSWORD, "coach users add: The username 'taken' is taken"),
        (["set-role", "nobody", "trainer"], "", "coach users set-role: There is no user 'nobody'"),
        (["reset-password", "nobody", "--password-stdin"], PASSWORD, "coach users reset-password: There is no user"),
        (["disable", "nobody"], "", "coach users disable: There is no user 'nobody'"),
        (["enable", "nobody"], "", "coach users enable: There is no user 'nobody'"),
    ],
)
def test_bad_input_exits_2_with_a_plain_message(
    monkeypatch: pytest.MonkeyPatch, url: str, argv: list[str], stdin: str, message: str
) -> None:
    coach_users(monkeypatch, "add", "taken", "--role", "trainee", "--password-stdin", stdin=PASSWORD, url=url)
    status, out, err = coach_users(monkeypatch, *argv, stdin=stdin, url=url)
    assert (status, out) == (2, "")
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("database", "message"),
    [
        (
            "postgresql://coach:s3cret@127.0.0.1:1/coach",
            "postgresql://coach:***@127.0.0.1:1/coach: cannot open the database",
        ),
        ("mysql://coach@db/coach", "unsupported database 'mysql'"),
        ("not a url", "the database URL: cannot open the database"),
    ],
)
def test_a_database_that_cannot_be_opened_is_a_plain_message(
    monkeypatch: pytest.MonkeyPatch, database: str, message: str
) -> None:
    status, out, err = coach_users(monkeypatch, "list", url=database)
    assert (status, out) == (2, "")
    assert message in err and "s3cret" not in err and "Traceback" not in err


def test_bad_usage_exits_2(monkeypatch: pytest.MonkeyPatch, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert coach_users(monkeypatch, url=url)[0] == 2  # no action
    assert coach_users(monkeypatch, "add", "alex", "--role", "boss", url=url)[0] == 2
    assert coach_users(monkeypatch, "set-role", "alex", "boss", url=url)[0] == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err


def test_without_database_the_environment_decides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data-dir"))
    coach_users(monkeypatch, "add", "alex", "--role", "trainee", "--password-stdin", stdin=PASSWORD)
    assert (tmp_path / "data-dir" / "coach.sqlite3").is_file()
    other = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("COACH_DATABASE_URL", other)
    assert coach_users(monkeypatch, "list", "--format", "json")[1] == "[]\n"


def test_help_explains_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "--help"]) == 0
    overview = capsys.readouterr().out
    for action in ("add", "list", "set-role", "reset-password", "disable", "enable", "unlock"):
        assert action in overview
        assert main(["users", action, "--help"]) == 0
        assert "--database URL" in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert "users ACTION" in capsys.readouterr().out


def test_unlock_ends_the_wait_after_failed_sign_ins(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    coach_users(monkeypatch, "add", "cora", "--role", "coordinator", "--password-stdin", stdin=PASSWORD, url=url)
    now = datetime.now(UTC)
    monkeypatch.setattr(sql, "_now", lambda: now)  # the wait does not run out during the test
    store = open_store(url)
    try:
        for _ in range(5):
            assert store.authenticate("cora", "not the password") is None
        with pytest.raises(TooManyAttempts):
            store.authenticate("cora", PASSWORD)
        assert coach_users(monkeypatch, "unlock", "CORA", url=url) == (0, "failed sign-ins of cora forgotten\n", "")
        assert store.authenticate("cora", PASSWORD) is not None
    finally:
        store.close()
