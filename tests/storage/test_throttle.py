"""Sign-ins under attack: delays that grow per key, counted atomically in the database, never a
lock a stranger can put on someone else's account; a bounded number of password checks at once."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coach.storage import AccountError, Role, SignInsBusy, TooManyAttempts, User
from coach.storage import sql
from coach.storage.passwords import MAX_LENGTH
from coach.storage.sql import SqlStore
from coach.storage.throttle import FREE_FAILURES, MAX_DELAY, Key, delay_after, wait_in_words
from tests.storage.conftest import Clock

PASSWORD = "correct horse battery"
ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def cora(store: SqlStore) -> User:
    return store.create_user("cora", "Cora", Role.COORDINATOR, PASSWORD)


def fail(store: SqlStore, times: int, username: str = "cora", source: str = ATTACKER) -> int:
    """Wrong passwords, `times` over; how many of them were checked (the others had to wait)."""
    checked = 0
    for _ in range(times):
        try:
            assert store.authenticate(username, "not the password", source=source) is None
        except TooManyAttempts:
            continue
        checked += 1
    return checked


def checked_attempts(store: SqlStore) -> int:
    with store._read() as conn:
        return conn.execute(select(func.count()).select_from(sql.login_attempts)).scalar_one()


def test_the_delay_grows_from_one_second_and_stops_at_the_maximum() -> None:
    free = FREE_FAILURES[Key.PAIR]
    assert [delay_after(Key.PAIR, n).total_seconds() for n in range(free - 1, free + 5)] == [0, 0, 1, 2, 4, 8]
    assert delay_after(Key.PAIR, 10_000) == MAX_DELAY
    assert (wait_in_words(timedelta(seconds=1)), wait_in_words(timedelta(seconds=8)),
            wait_in_words(timedelta(minutes=15))) == ("1 second", "8 seconds", "15 minutes")


def test_failures_past_the_free_ones_make_the_next_attempt_wait(store: SqlStore, cora: User, clock: Clock) -> None:
    assert fail(store, FREE_FAILURES[Key.PAIR] + 1) == FREE_FAILURES[Key.PAIR] + 1
    with pytest.raises(TooManyAttempts) as refused:
        store.authenticate("cora", PASSWORD, source=ATTACKER)  # even the right password
    assert refused.value.wait == timedelta(seconds=1)
    assert "wait 1 second" in str(refused.value)
    clock.advance(seconds=1)
    assert store.authenticate("cora", PASSWORD, source=ATTACKER) == cora


def test_a_refused_attempt_is_not_checked_counted_or_recorded_and_is_logged(
    store: SqlStore, cora: User, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    assert fail(store, FREE_FAILURES[Key.PAIR] + 2) == FREE_FAILURES[Key.PAIR] + 1
    clock.advance(seconds=1)
    assert fail(store, 1) == 1
    recorded = checked_attempts(store)
    caplog.set_level(logging.WARNING, logger="coach.auth")
    caplog.clear()
    for _ in range(10):
        with pytest.raises(TooManyAttempts) as refused:
            store.authenticate("cora", "another guess", source=ATTACKER)
        assert refused.value.wait == timedelta(seconds=2), "hammering does not make the wait longer"
    assert checked_attempts(store) == recorded
    messages = [r.getMessage() for r in caplog.records if r.name == "coach.auth"]
    assert len(messages) == 10
    assert all("refused" in m and "username='cora'" in m and f"source='{ATTACKER}'" in m for m in messages)
    assert all("another guess" not in m for m in messages)


def test_a_stranger_cannot_keep_the_owner_out_where_the_owner_signs_in(
    store: SqlStore, cora: User, clock: Clock
) -> None:
    assert store.authenticate("cora", PASSWORD, source=OFFICE) == cora  # the office is a known place
    fail(store, 200)  # one address, far past every free count
    for many in range(40):  # and many addresses
        fail(store, 2, source=f"192.0.2.{many}")
    assert store.authenticate("cora", PASSWORD, source=OFFICE) == cora


def test_guesses_from_many_addresses_slow_the_account_down_at_new_addresses(
    store: SqlStore, cora: User, clock: Clock
) -> None:
    for many in range(FREE_FAILURES[Key.USER] + 1):
        fail(store, 1, source=f"192.0.2.{many}")
    with pytest.raises(TooManyAttempts):
        store.authenticate("cora", PASSWORD, source="192.0.2.250")


def test_one_address_trying_many_accounts_is_slowed_down(store: SqlStore, clock: Clock) -> None:
    for number in range(FREE_FAILURES[Key.SOURCE] + 1):
        fail(store, 1, username=f"made-up-{number}")
    with pytest.raises(TooManyAttempts):
        store.authenticate("made-up-new", "a guess at it", source=ATTACKER)
    assert store.authenticate("made-up-new", "a guess at it", source=OFFICE) is None  # elsewhere: checked


def test_failures_are_forgotten_after_the_window(store: SqlStore, cora: User, clock: Clock) -> None:
    fail(store, FREE_FAILURES[Key.PAIR] + 3)
    clock.advance(minutes=16)
    fail(store, FREE_FAILURES[Key.PAIR])  # free again: the count started over
    assert store.authenticate("cora", PASSWORD, source=ATTACKER) == cora


def test_a_success_forgets_the_pairs_failures(store: SqlStore, cora: User, clock: Clock) -> None:
    fail(store, FREE_FAILURES[Key.PAIR])
    assert store.authenticate("cora", PASSWORD, source=ATTACKER) == cora
    fail(store, FREE_FAILURES[Key.PAIR])
    assert store.authenticate("cora", PASSWORD, source=ATTACKER) == cora


@pytest.mark.parametrize("clearing", ["unlock", "password reset"])
def test_an_unlock_or_a_password_reset_clears_the_wait(
    store: SqlStore, cora: User, clock: Clock, clearing: str, caplog: pytest.LogCaptureFixture
) -> None:
    fail(store, FREE_FAILURES[Key.PAIR] + 8)
    with pytest.raises(TooManyAttempts):
        store.authenticate("cora", PASSWORD, source=ATTACKER)
    caplog.set_level(logging.INFO, logger="coach.auth")
    if clearing == "unlock":
        store.unlock("CORA")
        expected = PASSWORD
    else:
        expected = "a brand new pass phrase"
        store.set_password("cora", expected)
    assert store.authenticate("cora", expected, source=ATTACKER) == cora
    assert any("forgotten" in r.getMessage() for r in caplog.records if r.name == "coach.auth")


def test_guesses_sent_in_parallel_are_all_counted(store: SqlStore, cora: User) -> None:
    guesses = 40
    with ThreadPoolExecutor(max_workers=guesses) as pool:
        outcomes = list(pool.map(
            lambda n: _outcome(store, "cora", f"parallel guess {n}", ATTACKER), range(guesses)
        ))
    checked = outcomes.count("checked")
    # A check starts only after its attempt was counted; each count sees the ones before it.
    assert checked <= FREE_FAILURES[Key.PAIR] + 1, outcomes
    assert outcomes.count("refused") == guesses - checked
    assert checked_attempts(store) == checked


def _outcome(store: SqlStore, username: str, password: str, source: str) -> str:
    try:
        return "signed in" if store.authenticate(username, password, source=source) else "checked"
    except TooManyAttempts:
        return "refused"


def test_only_a_few_passwords_are_checked_at_once(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow_check(password: str) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    monkeypatch.setattr(sql, "spend_verify_time", slow_check)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda n: _outcome(store, f"nobody-{n}", "a guess at it", f"10.1.0.{n}"), range(12)))
    assert most == sql.PASSWORD_CHECKS_AT_ONCE


def test_a_sign_in_that_finds_every_check_busy_is_refused_in_time(
    store: SqlStore, cora: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql, "PASSWORD_CHECK_WAIT", 0.05)
    for _ in range(sql.PASSWORD_CHECKS_AT_ONCE):
        store._password_checks.acquire()
    try:
        with pytest.raises(SignInsBusy, match="try again in a moment"):
            store.authenticate("cora", PASSWORD)
    finally:
        for _ in range(sql.PASSWORD_CHECKS_AT_ONCE):
            store._password_checks.release()
    assert store.authenticate("cora", PASSWORD) == cora


def test_a_password_longer_than_the_maximum_is_refused_unhashed(
    store: SqlStore, cora: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_hashing(*args: object) -> bool:
        raise AssertionError("hashed")

    monkeypatch.setattr(sql, "verify_password", no_hashing)
    monkeypatch.setattr(sql, "spend_verify_time", no_hashing)
    assert store.authenticate("cora", "x" * (MAX_LENGTH + 1)) is None
    assert store.authenticate("nobody", "x" * 1_100_000) is None


def test_changing_ones_own_password_needs_the_current_one_and_ends_the_other_logins(
    store: SqlStore, cora: User
) -> None:
    here, _ = store.start_session(cora)
    elsewhere, _ = store.start_session(cora)
    with pytest.raises(AccountError, match="current password"):
        store.change_own_password(here, "not it at all", "a brand new pass phrase")
    with pytest.raises(AccountError, match="common"):
        store.change_own_password(here, PASSWORD, "password12")
    store.change_own_password(here, PASSWORD, "a brand new pass phrase")
    assert store.authenticate("cora", "a brand new pass phrase") == cora
    assert store.authenticate("cora", PASSWORD) is None
    policy = sql.SessionPolicy()
    assert store.check_session(here.id, policy, acted=False) is not None
    assert store.check_session(elsewhere.id, policy, acted=False) is None


def test_a_classroom_behind_one_address_signs_in_at_once(store: SqlStore) -> None:
    trainees = FREE_FAILURES[Key.SOURCE] + 30
    for number in range(trainees):
        store.create_user(f"student{number}", f"Student {number}", Role.TRAINEE, PASSWORD)
    with ThreadPoolExecutor(max_workers=trainees) as pool:
        outcomes = list(pool.map(lambda n: _outcome(store, f"student{n}", PASSWORD, "192.0.2.200"), range(trainees)))
    assert outcomes == ["signed in"] * trainees


def test_a_sign_in_refused_as_busy_is_not_counted_as_a_failure(
    store: SqlStore, cora: User, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail(store, FREE_FAILURES[Key.PAIR])  # one more failure and the next attempt would wait
    monkeypatch.setattr(sql, "PASSWORD_CHECK_WAIT", 0.01)
    for _ in range(sql.PASSWORD_CHECKS_AT_ONCE):
        store._password_checks.acquire()
    try:
        for _ in range(3):
            with pytest.raises(SignInsBusy):
                store.authenticate("cora", "not the password", source=ATTACKER)
    finally:
        for _ in range(sql.PASSWORD_CHECKS_AT_ONCE):
            store._password_checks.release()
    assert store.authenticate("cora", PASSWORD, source=ATTACKER) == cora
