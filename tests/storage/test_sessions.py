"""Login sessions kept on the server: a cookie that survives a reload, and every way a login ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coach.storage import SessionPolicy, User
from coach.storage import sql
from coach.storage.sql import SqlStore
from tests.storage.conftest import Clock

POLICY = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def logged_in(store: SqlStore, user: User) -> tuple[str, str]:
    """(session id, the browser's cookie token) of a fresh login."""
    session, ticket = store.start_session(user)
    token = store.bind_session(ticket)
    assert token is not None
    return session.id, token


def test_a_cookie_names_its_login_until_it_ends(store: SqlStore, trainee: User, clock: Clock) -> None:
    session_id, token = logged_in(store, trainee)
    found = store.session_for_cookie(token, POLICY)
    assert found is not None and found.id == session_id and found.user.id == trainee.id
    assert store.session_for_cookie(token + "x", POLICY) is None
    store.end_session(session_id)
    assert store.session_for_cookie(token, POLICY) is None
    assert store.check_session(session_id, POLICY, acted=True) is None


def test_a_ticket_is_good_once_and_for_a_minute(store: SqlStore, trainee: User, clock: Clock) -> None:
    _, ticket = store.start_session(trainee)
    assert store.bind_session(ticket) is not None
    assert store.bind_session(ticket) is None, "a ticket seen twice is refused"
    _, late = store.start_session(trainee)
    clock.advance(minutes=2)
    assert store.bind_session(late) is None


def test_the_database_keeps_no_token_a_browser_could_use(store: SqlStore, trainee: User, clock: Clock) -> None:
    session, ticket = store.start_session(trainee)
    token = store.bind_session(ticket)
    assert token is not None and len(token) >= 22 and len(ticket) >= 22  # at least 128 random bits each
    with store.engine.connect() as conn:
        stored = " ".join(str(value) for row in conn.execute(select(sql.login_sessions)) for value in row)
    assert token not in stored and ticket not in stored
    assert session.id not in (token, ticket)


def test_logging_out_everywhere_ends_every_session_of_that_user_only(
    store: SqlStore, trainee: User, clock: Clock
) -> None:
    first, second = logged_in(store, trainee), logged_in(store, trainee)
    other = store.create_user("omar", "Omar", trainee.role, "a long enough secret phrase")
    theirs = logged_in(store, other)
    assert store.end_user_sessions(trainee) == 2
    assert store.session_for_cookie(first[1], POLICY) is None
    assert store.session_for_cookie(second[1], POLICY) is None
    assert store.session_for_cookie(theirs[1], POLICY) is not None


@pytest.mark.parametrize("change", ["password reset", "account disabled"])
def test_a_password_reset_or_disabling_ends_open_sessions(
    store: SqlStore, trainee: User, clock: Clock, change: str
) -> None:
    session_id, token = logged_in(store, trainee)
    if change == "password reset":
        store.set_password(trainee.username, "another long secret phrase")
    else:
        store.set_disabled(trainee.username, True)
        store.set_disabled(trainee.username, False)  # enabling again does not bring old sessions back
    assert store.check_session(session_id, POLICY, acted=True) is None
    assert store.session_for_cookie(token, POLICY) is None
    with store.engine.connect() as conn:
        assert conn.execute(select(sql.login_sessions.c.end_reason)).scalar_one() == change


def test_a_session_ends_after_the_idle_time_without_an_action(store: SqlStore, trainee: User, clock: Clock) -> None:
    session_id, token = logged_in(store, trainee)
    for _ in range(4):  # the chat refreshing itself every so often is no action
        clock.advance(minutes=7)
        assert store.check_session(session_id, POLICY, acted=False) is not None
    clock.advance(minutes=3)  # 31 minutes after the login, which was the last action
    assert store.check_session(session_id, POLICY, acted=False) is None
    assert store.session_for_cookie(token, POLICY) is None


def test_actions_keep_a_session_alive_until_its_absolute_end(store: SqlStore, trainee: User, clock: Clock) -> None:
    session_id, _ = logged_in(store, trainee)
    for _ in range(35):  # an action every 20 minutes for 11 hours 40 minutes
        clock.advance(minutes=20)
        assert store.check_session(session_id, POLICY, acted=True) is not None
    clock.advance(minutes=21)
    assert store.check_session(session_id, POLICY, acted=True) is None


def test_a_disabled_users_session_is_refused_even_if_it_was_not_ended(
    store: SqlStore, trainee: User, clock: Clock
) -> None:
    session_id, _ = logged_in(store, trainee)
    with store._write() as conn:  # as an older instance of the app might have left it
        conn.execute(sql.update(sql.users).where(sql.users.c.id == trainee.id).values(disabled=True))
    assert store.check_session(session_id, POLICY, acted=False) is None
