"""`SqlStore`: the `Store` on SQLAlchemy 2 Core, on SQLite (default) or PostgreSQL (several app instances).

`open_store(url)` connects and creates or upgrades the schema. On SQLite every connection runs
in WAL mode with foreign keys on, a 10 s busy timeout and synchronous=FULL, and write
transactions begin with BEGIN IMMEDIATE, so concurrent writers queue for the lock instead of
failing with "database is locked".
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Row,
    Select,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.elements import ColumnElement

from coach.events import EVENT_ADAPTER, _Event
from coach.scenario import LoadedScenario
from coach.scoring import Scorecard
from coach.storage import (
    AccountError,
    AttemptSummary,
    Conflict,
    LoginSession,
    NotFound,
    Publication,
    Role,
    SavedDraft,
    ScenarioEntry,
    ScenarioHistory,
    ScenarioVersion,
    SessionPolicy,
    SignInsBusy,
    StoredAttempt,
    TooManyAttempts,
    User,
)
from coach.storage.passwords import (
    MAX_LENGTH,
    check_password,
    hash_password,
    needs_rehash,
    spend_verify_time,
    verify_password,
)
from coach.storage.throttle import KNOWN_SOURCE_DAYS, WINDOW, Key, delay_after, wait_in_words

AUTH_LOG = logging.getLogger("coach.auth")

# argon2id needs its memory (19 MiB) for every check: a few at a time per process, and sign-ins
# beyond them wait for a free one this long, then are refused (SignInsBusy).
PASSWORD_CHECKS_AT_ONCE = 2
PASSWORD_CHECK_WAIT = 5.0  # seconds
# Keys whose attempts are counted as failures before the password is checked (and given back on a
# success), so that parallel guesses cannot pass them: one guesser at one account, and one account
# guessed at from many addresses. An address's count over all usernames grows when a check fails
# instead: a classroom behind one address signing in at once must not look like an attack.
COUNTED_BEFORE_THE_CHECK = frozenset({Key.PAIR, Key.USER})
SQLITE_BUSY_TIMEOUT_MS = 10_000
TICKET_LIFETIME = timedelta(minutes=1)  # from login to the browser trading the ticket for its cookie
SESSION_TOUCH_EVERY = timedelta(minutes=1)  # how precise the idle timeout is
USERNAME = re.compile(r"[a-z0-9._-]{3,40}")
MODES = ("practice", "assessment")
# Login attempts keep what was typed (for the audit trail), cut to the column sizes.
TYPED_USERNAME_LENGTH, SOURCE_LENGTH = 100, 200

_WRITE = "coach_write"  # execution option marking a write transaction (SQLite: BEGIN IMMEDIATE)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out. SQLite keeps no offset, so it stores UTC wall time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store only takes timezone-aware ones")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(40), nullable=False, unique=True),  # lower-case
    Column("display_name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("cohort", String(100)),
    Column("created_at", UtcDateTime, nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(TYPED_USERNAME_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("source", String(SOURCE_LENGTH), nullable=False),
    Index("login_attempts_by_username", "username", "at"),  # the rate limit's query
)

# Failed sign-ins counted per key of coach.storage.throttle (schema version 5): `username` is ''
# for the source key, `source` '' for the user key.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("kind", String(10), nullable=False),
    Column("username", String(TYPED_USERNAME_LENGTH), nullable=False),
    Column("source", String(SOURCE_LENGTH), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime),
    PrimaryKeyConstraint("kind", "username", "source"),
)

# One row per login (schema version 4). The browser's cookie token and the one-time ticket that
# sets it are kept as SHA-256 hashes only: a copy of the database lets no one in.
login_sessions = Table(
    "login_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("cookie_hash", String(64), unique=True),
    Column("ticket_hash", String(64), unique=True),
    Column("ticket_expires_at", UtcDateTime),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_action_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("end_reason", String(40)),
    Index("login_sessions_by_user", "user_id", "ended_at"),
)

scenario_versions = Table(
    "scenario_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", String(100), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # set when the text is saved into the scenario's history (schema version 3); a text only
    # played from the workbench keeps them null
    Column("number", Integer),
    Column("author_id", Integer, ForeignKey("users.id")),
    Column("note", Text),
    Column("saved_at", UtcDateTime),
    Index("scenario_versions_by_number", "scenario_id", "number", unique=True),
)

# What trainees practise, as a log: the newest row of a scenario says which version is published,
# or (version_id null) that it was withdrawn. by_id null: the coach publishing a shipped scenario.
scenario_publications = Table(
    "scenario_publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", String(100), nullable=False),
    Column("version_id", Integer, ForeignKey("scenario_versions.id")),
    Column("at", UtcDateTime, nullable=False),
    Column("by_id", Integer, ForeignKey("users.id")),
    Index("scenario_publications_by_scenario", "scenario_id", "id"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("version_id", Integer, ForeignKey("scenario_versions.id"), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # the scorecard, cached when finished
    Column("score", Float),
    Column("passed", Boolean),
    Column("outcome", String(50)),
    Column("ruleset_version", String(50)),
    Index("attempts_by_owner", "owner_id", "started_at"),
    Index("attempts_by_start", "started_at"),  # a coordinator's newest-first list
    # The dashboard's finished attempts by date, with all it reads of them, so that a date range is
    # read from this index alone (schema version 2).
    Index(
        "attempts_by_finish", "finished_at", "owner_id", "version_id", "passed", "score", "id",
        sqlite_where=text("finished_at IS NOT NULL"),
        postgresql_where=text("finished_at IS NOT NULL"),
    ),
)

attempt_events = Table(
    "attempt_events",
    metadata,
    Column("attempt_id", String(32), ForeignKey("attempts.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("t", Float, nullable=False),
    Column("type", String(30), nullable=False),
    Column("payload", Text, nullable=False),  # the event's as_json(), as JSON text
    PrimaryKeyConstraint("attempt_id", "seq"),
)

# The verdicts that reports count (n/a counts nowhere).
APPLICABLE_VERDICTS = ("pass", "fail")

attempt_rule_results = Table(
    "attempt_rule_results",
    metadata,
    Column("attempt_id", String(32), ForeignKey("attempts.id"), nullable=False),
    Column("code", String(10), nullable=False),
    Column("verdict", String(5), nullable=False),  # pass | fail | n/a
    PrimaryKeyConstraint("attempt_id", "code"),
    Index("rule_results_by_code", "code", "verdict"),  # the coordinator's per-rule counts
    # The dashboard reads the kept attempts' applicable verdicts from this index alone, where the key's
    # index needs a look in the table for each and holds the n/a ones too (schema version 2). SQLite
    # uses a partial index only for a query that has its condition word for word, values written out.
    Index(
        "rule_results_by_attempt", "attempt_id", "code", "verdict",
        sqlite_where=text("verdict IN ('pass', 'fail')"),
        postgresql_where=text("verdict IN ('pass', 'fail')"),
    ),
)


# Schema versions. Version 1 is `metadata` as first released, made by create_all. A later change
# edits the tables above and appends the function that upgrades an existing database to it;
# a fresh database is created from `metadata` at the latest version directly. An upgrade spells
# out what it needs itself rather than using the tables above, which later versions may change.


def _add_report_indexes(conn: Connection) -> None:
    """Version 1 to 2: the dashboard's covering indexes of finished attempts by date and of applicable
    verdicts by attempt."""
    tables = MetaData()
    finished = Table(
        "attempts",
        tables,
        Column("id", String(32)),
        Column("owner_id", Integer),
        Column("version_id", Integer),
        Column("finished_at", UtcDateTime),
        Column("score", Float),
        Column("passed", Boolean),
    )
    results = Table(
        "attempt_rule_results",
        tables,
        Column("attempt_id", String(32)),
        Column("code", String(10)),
        Column("verdict", String(5)),
    )
    is_finished, applicable = text("finished_at IS NOT NULL"), text("verdict IN ('pass', 'fail')")
    Index(
        "attempts_by_finish", finished.c.finished_at, finished.c.owner_id, finished.c.version_id,
        finished.c.passed, finished.c.score, finished.c.id, sqlite_where=is_finished, postgresql_where=is_finished,
    ).create(conn)
    Index(
        "rule_results_by_attempt", results.c.attempt_id, results.c.code, results.c.verdict,
        sqlite_where=applicable, postgresql_where=applicable,
    ).create(conn)


def _add_scenario_catalogue(conn: Connection) -> None:
    """Version 2 to 3: scenario versions get a number, an author and a note; publications are logged."""
    then = MetaData()  # the tables as this upgrade knows them, whatever later versions make of them
    Table("users", then, Column("id", Integer, primary_key=True))
    versions = Table(
        "scenario_versions", then,
        Column("id", Integer, primary_key=True), Column("scenario_id", String(100)),
        Column("number", Integer), Column("author_id", Integer), Column("note", Text), Column("saved_at", UtcDateTime),
    )
    for column in (versions.c.number, versions.c.author_id, versions.c.note, versions.c.saved_at):
        spec = CreateColumn(column).compile(dialect=conn.dialect)
        references = " REFERENCES users (id)" if column is versions.c.author_id else ""
        conn.exec_driver_sql(f"ALTER TABLE scenario_versions ADD COLUMN {spec}{references}")
    Index("scenario_versions_by_number", versions.c.scenario_id, versions.c.number, unique=True).create(conn)
    Table(
        "scenario_publications", then,
        Column("id", Integer, primary_key=True),
        Column("scenario_id", String(100), nullable=False),
        Column("version_id", Integer, ForeignKey("scenario_versions.id")),
        Column("at", UtcDateTime, nullable=False),
        Column("by_id", Integer, ForeignKey("users.id")),
        Index("scenario_publications_by_scenario", "scenario_id", "id"),
    ).create(conn)


def _add_login_sessions(conn: Connection) -> None:
    """Version 3 to 4: logins kept on the server, so that a reload or a second tab stays logged in."""
    then = MetaData()
    Table("users", then, Column("id", Integer, primary_key=True))
    Table(
        "login_sessions", then,
        Column("id", String(32), primary_key=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
        Column("cookie_hash", String(64), unique=True),
        Column("ticket_hash", String(64), unique=True),
        Column("ticket_expires_at", UtcDateTime),
        Column("started_at", UtcDateTime, nullable=False),
        Column("last_action_at", UtcDateTime, nullable=False),
        Column("ended_at", UtcDateTime),
        Column("end_reason", String(40)),
        Index("login_sessions_by_user", "user_id", "ended_at"),
    ).create(conn)


def _add_login_throttle(conn: Connection) -> None:
    """Version 4 to 5: failed sign-ins counted per key, for delays that grow instead of a lock."""
    then = MetaData()
    Table(
        "login_throttle", then,
        Column("kind", String(10), nullable=False),
        Column("username", String(TYPED_USERNAME_LENGTH), nullable=False),
        Column("source", String(SOURCE_LENGTH), nullable=False),
        Column("failures", Integer, nullable=False),
        Column("last_failure_at", UtcDateTime, nullable=False),
        Column("blocked_until", UtcDateTime),
        PrimaryKeyConstraint("kind", "username", "source"),
    ).create(conn)


UPGRADES: tuple[Callable[[Connection], None], ...] = (  # UPGRADES[n - 1] takes version n to n + 1
    _add_report_indexes,
    _add_scenario_catalogue,
    _add_login_sessions,
    _add_login_throttle,
)


def schema_head() -> int:
    return 1 + len(UPGRADES)


class SchemaTooNew(Exception):
    """The database was made by a newer version of the coach."""


_USER_COLUMNS = (
    users.c.id, users.c.username, users.c.display_name, users.c.role,
    users.c.disabled, users.c.cohort, users.c.created_at,
)
_authors = users.alias("authors")
# Labels match ScenarioVersion's fields.
_VERSIONS = select(
    scenario_versions.c.id, scenario_versions.c.scenario_id, scenario_versions.c.content_hash,
    scenario_versions.c.title, scenario_versions.c.text, scenario_versions.c.created_at,
    scenario_versions.c.number, _authors.c.username.label("author"), scenario_versions.c.note,
    scenario_versions.c.saved_at,
).select_from(scenario_versions.outerjoin(_authors, _authors.c.id == scenario_versions.c.author_id))
SHIPPED_NOTE = "Shipped with the coach"
NOTE_LENGTH = 500
_EVENT_COUNT = (
    select(func.count()).where(attempt_events.c.attempt_id == attempts.c.id).scalar_subquery()
)
# Attempts with their owner and the scenario version played. The join conditions are spelled out:
# scenario_versions refers to users too (its author).
ATTEMPTS_WITH_OWNER_AND_VERSION = attempts.join(users, users.c.id == attempts.c.owner_id).join(
    scenario_versions, scenario_versions.c.id == attempts.c.version_id
)
# Labels match AttemptSummary's fields.
_SUMMARIES = select(
    attempts.c.id,
    attempts.c.owner_id,
    users.c.username.label("owner_username"),
    scenario_versions.c.scenario_id,
    scenario_versions.c.title.label("scenario_title"),
    attempts.c.version_id,
    scenario_versions.c.number.label("version_number"),
    scenario_versions.c.content_hash,
    attempts.c.mode,
    attempts.c.started_at,
    attempts.c.finished_at,
    _EVENT_COUNT.label("event_count"),
    attempts.c.score,
    attempts.c.passed,
    attempts.c.outcome,
    attempts.c.ruleset_version,
).select_from(ATTEMPTS_WITH_OWNER_AND_VERSION)


_STARTUP_LOCK = 0x636F616368  # "coach": PostgreSQL advisory lock for the schema and the shipped scenarios


def _current_publications() -> Any:
    """Per scenario, the version trainees practise now (scenarios withdrawn last have none)."""
    last = (
        select(func.max(scenario_publications.c.id).label("id"))
        .group_by(scenario_publications.c.scenario_id)
        .scalar_subquery()
    )
    return (
        select(scenario_publications.c.scenario_id, scenario_publications.c.version_id)
        .where(scenario_publications.c.id.in_(last), scenario_publications.c.version_id.is_not(None))
        .subquery("current_publications")
    )


def _version_of(row: Row[Any]) -> ScenarioVersion:
    """A ScenarioVersion from a row of _VERSIONS, whatever other columns the row has."""
    return ScenarioVersion(**{name: row._mapping[name] for name in ScenarioVersion.__slots__})


# Read at every user action: built once (SQLAlchemy then reuses the compiled statement at once).
_LIVE_SESSIONS = select(
    *_USER_COLUMNS, login_sessions.c.id.label("session_id"), login_sessions.c.started_at,
    login_sessions.c.last_action_at, login_sessions.c.ended_at, login_sessions.c.cookie_hash,
).select_from(login_sessions.join(users, users.c.id == login_sessions.c.user_id))
_SESSION_BY_ID = _LIVE_SESSIONS.where(login_sessions.c.id == bindparam("session_id"))
_SESSION_BY_COOKIE = _LIVE_SESSIONS.where(login_sessions.c.cookie_hash == bindparam("cookie_hash"))
_OPEN_OWN_ATTEMPT = (
    select(attempts.c.id)
    .select_from(attempts.join(users))
    .where(
        attempts.c.id == bindparam("attempt_id"),
        attempts.c.owner_id == bindparam("owner_id"),
        attempts.c.finished_at.is_(None),
        users.c.disabled.is_(False),
    )
    .with_for_update(of=attempts)
)
_LAST_SEQ = select(func.max(attempt_events.c.seq)).where(attempt_events.c.attempt_id == bindparam("attempt_id"))


def _in_lock_order(keys: Sequence[tuple[Key, str, str]]) -> list[tuple[Key, str, str]]:
    """Every transaction locks throttle rows in this one order, so that concurrent sign-ins on
    PostgreSQL queue instead of deadlocking."""
    return sorted(keys, key=lambda key: (key[0].value, key[1], key[2]))


def _locked_throttle_rows(conn: Connection, keys: Sequence[tuple[Key, str, str]]) -> dict[tuple[Key, str, str], Row[Any]]:
    found = conn.execute(
        select(login_throttle).where(_throttle_rows(keys))
        .order_by(login_throttle.c.kind, login_throttle.c.username, login_throttle.c.source)
        .with_for_update()
    )
    return {(Key(row.kind), row.username, row.source): row for row in found}


def _throttle_rows(keys: Sequence[tuple[Key, str, str]]) -> ColumnElement[bool]:
    return or_(*(
        and_(login_throttle.c.kind == kind.value, login_throttle.c.username == name, login_throttle.c.source == where)
        for kind, name, where in keys
    ))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id, username=row.username, display_name=row.display_name, role=Role(row.role),
        disabled=row.disabled, cohort=row.cohort, created_at=row.created_at,
    )


def normalize_username(username: str) -> str:
    return username.strip().lower()


def _checked_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError(
            f"'{username}' cannot be a username: use 3 to 40 letters, digits, dots, dashes or underscores."
        )
    return name


def _checked_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(member.value for member in Role)
        raise AccountError(f"'{role}' is not a role: use one of {known}.") from None


class SqlStore:
    """The Store on one SQLAlchemy engine; safe to share between threads (one per process)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in
        # growing steps (its busy handler) instead of waking when the lock frees. Threads of
        # this process therefore queue on a lock of their own, which wakes the next at once;
        # busy_timeout still covers other processes. PostgreSQL needs no such queue.
        self._write_queue: AbstractContextManager[object] = nullcontext()
        if engine.dialect.name == "sqlite":
            self._reader, self._writer = engine, engine.execution_options(**{_WRITE: True})
            self._write_queue = threading.Lock()
        else:
            # a read that takes several queries (an attempt and its events) sees one snapshot
            self._reader, self._writer = engine.execution_options(isolation_level="REPEATABLE READ"), engine
        self._password_checks = threading.BoundedSemaphore(PASSWORD_CHECKS_AT_ONCE)
        # The hashing itself runs on these threads only: each thread that hashes keeps a malloc arena
        # of argon2's size, and 40 sign-in threads hashing in turn grew the process by 260 MB.
        self._password_workers = ThreadPoolExecutor(PASSWORD_CHECKS_AT_ONCE, thread_name_prefix="coach-password")

    def close(self) -> None:
        self._password_workers.shutdown(wait=False)
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._reader.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._write_queue, self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _password_check(self) -> Iterator[Callable[..., Any]]:
        """One of the few password checks (argon2id hashing) this process runs at a time; gives the
        function that runs a hashing call on the password threads."""
        if not self._password_checks.acquire(timeout=PASSWORD_CHECK_WAIT):
            AUTH_LOG.warning("sign-in refused: %d password checks busy for %.0f s", PASSWORD_CHECKS_AT_ONCE,
                             PASSWORD_CHECK_WAIT)
            raise SignInsBusy("Too many sign-ins at once: try again in a moment.")
        try:
            yield lambda work, *args: self._password_workers.submit(work, *args).result()
        finally:
            self._password_checks.release()

    # -- accounts -------------------------------------------------------------------

    def count_users(self) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(users)).scalar_one()

    def create_user(
        self, username: str, display_name: str, role: Role, password: str, cohort: str | None = None
    ) -> User:
        values = self._new_user(username, display_name, role, password, cohort)
        with self._write() as conn:
            return self._insert_user(conn, values)

    def create_first_coordinator(self, username: str, display_name: str, password: str) -> User:
        values = self._new_user(username, display_name, Role.COORDINATOR, password, None)
        with self._write() as conn:
            if conn.dialect.name == "postgresql":
                # SQLite's BEGIN IMMEDIATE already excludes other writers; PostgreSQL needs the lock
                # so that two first-comers cannot both see no users.
                conn.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
            if conn.execute(select(func.count()).select_from(users)).scalar_one():
                raise AccountError("There are accounts already: ask a coordinator to make yours.")
            return self._insert_user(conn, values)

    def _new_user(
        self,
        username: str, display_name: str, role: Role | str, password: str, cohort: str | None
    ) -> dict[str, Any]:
        name = _checked_username(username)
        shown = display_name.strip() or name
        if len(shown) > 100:
            raise AccountError("The display name is too long: use at most 100 characters.")
        cohort = (cohort or "").strip() or None
        if cohort is not None and len(cohort) > 100:
            raise AccountError("The cohort is too long: use at most 100 characters.")
        checked_role = _checked_role(role)
        check_password(password, name)
        with self._password_check() as hashing:
            password_hash = hashing(hash_password, password)
        return {
            "username": name, "display_name": shown, "role": checked_role.value,
            "password_hash": password_hash, "disabled": False, "cohort": cohort,
            "created_at": _now(),
        }

    @staticmethod
    def _insert_user(conn: Connection, values: dict[str, Any]) -> User:
        try:
            user_id = conn.execute(insert(users).values(values).returning(users.c.id)).scalar_one()
        except IntegrityError:
            raise AccountError(f"The username '{values['username']}' is taken.") from None
        return _user(conn.execute(select(*_USER_COLUMNS).where(users.c.id == user_id)).one())

    def authenticate(self, username: str, password: str, source: str = "") -> User | None:
        typed = normalize_username(username)[:TYPED_USERNAME_LENGTH]
        source = source[:SOURCE_LENGTH]
        keys = self._throttle_keys(typed, source)
        with self._write() as conn:
            self._count_attempt(conn, keys, typed, source)
        with self._read() as conn:
            row = conn.execute(
                select(*_USER_COLUMNS, users.c.password_hash).where(users.c.username == typed)
            ).one_or_none()
        # The password is checked even when the answer is already no, so every refusal takes as long
        # (but one longer than any allowed is refused unhashed: hashing it would cost more). Only the
        # hashing holds one of the few password checks, never a wait for the database.
        try:
            with self._password_check() as hashing:
                if len(password) > MAX_LENGTH:
                    reason: str | None = "password too long"
                elif row is None:
                    hashing(spend_verify_time, password)
                    reason = "no such user"
                elif not hashing(verify_password, row.password_hash, password):
                    reason = "wrong password"
                elif row.disabled:
                    reason = "account disabled"
                else:
                    reason = None
                rehashed = (hashing(hash_password, password)
                            if reason is None and needs_rehash(row.password_hash) else None)
        except SignInsBusy:
            with self._write() as conn:
                self._give_back_attempt(conn, keys, forget_pair=False)  # it was never checked
            raise
        with self._write() as conn:
            conn.execute(
                insert(login_attempts).values(username=typed, at=_now(), success=reason is None, source=source)
            )
            if reason is None:
                self._give_back_attempt(conn, keys, forget_pair=True)
                if rehashed:
                    conn.execute(update(users).where(users.c.id == row.id).values(password_hash=rehashed))
            else:
                self._count_failure(conn, [key for key in keys if key[0] not in COUNTED_BEFORE_THE_CHECK])
        if reason is not None:
            AUTH_LOG.warning("login failed (%s): username=%r source=%r", reason, typed, source)
            return None
        return _user(row)

    def _throttle_keys(self, typed: str, source: str) -> list[tuple[Key, str, str]]:
        keys = [(Key.PAIR, typed, source)]
        if source:
            keys.append((Key.SOURCE, "", source))
        if not source or not self._signed_in_from(typed, source):
            keys.append((Key.USER, typed, ""))
        return keys

    def _signed_in_from(self, typed: str, source: str) -> bool:
        """The user signed in from this address in the last KNOWN_SOURCE_DAYS days."""
        with self._read() as conn:
            return conn.execute(
                select(login_attempts.c.id).where(
                    login_attempts.c.username == typed, login_attempts.c.source == source,
                    login_attempts.c.success.is_(True),
                    login_attempts.c.at > _now() - timedelta(days=KNOWN_SOURCE_DAYS),
                ).limit(1)
            ).first() is not None

    @staticmethod
    def _count_attempt(conn: Connection, keys: Sequence[tuple[Key, str, str]], typed: str, source: str) -> None:
        """Refuse the attempt (TooManyAttempts, nothing counted) while any key still has to wait; else
        count it as a failure under the keys of COUNTED_BEFORE_THE_CHECK, in this one transaction with
        the rows locked, so that guesses sent in parallel queue and every one is counted."""
        now = _now()
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            dialect_insert(login_throttle)
            .values([
                {"kind": kind.value, "username": name, "source": where, "failures": 0, "last_failure_at": now}
                for kind, name, where in _in_lock_order(keys)
            ])
            .on_conflict_do_nothing()
        )
        rows = _locked_throttle_rows(conn, keys)
        waits = [row.blocked_until - now for row in rows.values() if row.blocked_until and row.blocked_until > now]
        if waits:
            wait = max(waits)
            AUTH_LOG.warning("login refused for %s: username=%r source=%r", wait_in_words(wait), typed, source)
            raise TooManyAttempts(
                f"Too many failed sign-ins: wait {wait_in_words(wait)}, then try again.", wait
            )
        SqlStore._add_failure(conn, {key: row for key, row in rows.items() if key[0] in COUNTED_BEFORE_THE_CHECK}, now)

    @staticmethod
    def _count_failure(conn: Connection, keys: Sequence[tuple[Key, str, str]]) -> None:
        """A checked password was wrong: count it under the keys not counted before the check."""
        if not keys:
            return
        SqlStore._add_failure(conn, _locked_throttle_rows(conn, keys), _now())

    @staticmethod
    def _add_failure(conn: Connection, rows: dict[tuple[Key, str, str], Row[Any]], now: datetime) -> None:
        for (kind, name, where), row in rows.items():
            failures = (row.failures if row.last_failure_at > now - WINDOW else 0) + 1
            delay = delay_after(kind, failures)
            conn.execute(
                update(login_throttle).where(_throttle_rows([(kind, name, where)])).values(
                    failures=failures, last_failure_at=now, blocked_until=now + delay if delay else None,
                )
            )

    @staticmethod
    def _give_back_attempt(conn: Connection, keys: Sequence[tuple[Key, str, str]], forget_pair: bool) -> None:
        """Undo the count made before the check: a success (which also forgets the pair's failures,
        `forget_pair`) or a check that never ran."""
        counted = [key for key in keys if key[0] in COUNTED_BEFORE_THE_CHECK]
        if forget_pair:
            pairs = [key for key in counted if key[0] is Key.PAIR]
            if pairs:
                conn.execute(delete(login_throttle).where(_throttle_rows(pairs)))
            counted = [key for key in counted if key[0] is not Key.PAIR]
        if not counted:
            return
        for (kind, name, where), row in _locked_throttle_rows(conn, counted).items():
            failures = max(row.failures - 1, 0)
            conn.execute(update(login_throttle).where(_throttle_rows([(kind, name, where)])).values(
                failures=failures, blocked_until=row.blocked_until if delay_after(kind, failures) else None,
            ))

    def unlock(self, username: str) -> None:
        name = normalize_username(username)
        with self._write() as conn:
            self._unlock(conn, name)

    @staticmethod
    def _unlock(conn: Connection, name: str) -> None:
        cleared = conn.execute(
            delete(login_throttle).where(login_throttle.c.username == name[:TYPED_USERNAME_LENGTH])
        ).rowcount
        if cleared:
            AUTH_LOG.info("failed sign-ins forgotten: username=%r", name)

    def change_own_password(self, session: LoginSession, current: str, new: str, source: str = "") -> None:
        name = session.user.username
        if self.authenticate(name, current, source) is None:
            raise AccountError("The current password is not right.")
        check_password(new, name)
        with self._password_check() as hashing:
            new_hash = hashing(hash_password, new)
        with self._write() as conn:
            conn.execute(update(users).where(users.c.id == session.user.id).values(password_hash=new_hash))
            self._end_sessions(
                conn, (login_sessions.c.user_id == session.user.id) & (login_sessions.c.id != session.id),
                "password changed",
            )
        AUTH_LOG.info("password changed: username=%r", name)

    def get_user(self, user_id: int) -> User | None:
        with self._read() as conn:
            row = conn.execute(select(*_USER_COLUMNS).where(users.c.id == user_id)).one_or_none()
        return None if row is None else _user(row)

    def find_user(self, username: str) -> User | None:
        with self._read() as conn:
            row = conn.execute(
                select(*_USER_COLUMNS).where(users.c.username == normalize_username(username))
            ).one_or_none()
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        with self._read() as conn:
            return [_user(row) for row in conn.execute(select(*_USER_COLUMNS).order_by(users.c.username))]

    def set_role(self, username: str, role: Role) -> User:
        return self._update_user(username, role=_checked_role(role).value)

    def set_password(self, username: str, password: str) -> User:
        """A reset: the user's sessions end and their failed sign-ins are forgotten."""
        check_password(password, normalize_username(username))
        with self._password_check() as hashing:
            password_hash = hashing(hash_password, password)
        return self._update_user(username, ending_sessions="password reset", password_hash=password_hash)

    def set_disabled(self, username: str, disabled: bool) -> User:
        return self._update_user(username, ending_sessions="account disabled" if disabled else None, disabled=disabled)

    def _update_user(self, username: str, ending_sessions: str | None = None, **values: Any) -> User:
        """Change a user's columns; with `ending_sessions` (the reason), end their sessions in the
        same transaction."""
        name = normalize_username(username)
        with self._write() as conn:
            row = conn.execute(
                update(users).where(users.c.username == name).values(values).returning(*_USER_COLUMNS)
            ).one_or_none()
            if row is not None and ending_sessions:
                self._end_sessions(conn, login_sessions.c.user_id == row.id, ending_sessions)
            if row is not None and "password_hash" in values:
                self._unlock(conn, name)
        if row is None:
            raise NotFound(f"There is no user '{name}'.")
        return _user(row)

    # -- login sessions -------------------------------------------------------------

    def start_session(self, user: User) -> tuple[LoginSession, str]:
        ticket, now = secrets.token_urlsafe(32), _now()
        session_id = uuid.uuid4().hex
        with self._write() as conn:
            conn.execute(insert(login_sessions).values(
                id=session_id, user_id=user.id, ticket_hash=_token_hash(ticket),
                ticket_expires_at=now + TICKET_LIFETIME, started_at=now, last_action_at=now,
            ))
        return LoginSession(id=session_id, user=user, started_at=now, last_action_at=now, cookie_set=False), ticket

    def bind_session(self, ticket: str) -> str | None:
        token = secrets.token_urlsafe(32)
        with self._write() as conn:
            bound = conn.execute(
                update(login_sessions)
                .where(
                    login_sessions.c.ticket_hash == _token_hash(ticket),
                    login_sessions.c.ticket_expires_at > _now(),
                    login_sessions.c.ended_at.is_(None),
                )
                .values(cookie_hash=_token_hash(token), ticket_hash=None, ticket_expires_at=None)
            ).rowcount
        return token if bound == 1 else None

    def session_for_cookie(self, token: str, policy: SessionPolicy) -> LoginSession | None:
        return self._live_session(_SESSION_BY_COOKIE, {"cookie_hash": _token_hash(token)}, policy, acted=True)

    def check_session(self, session_id: str, policy: SessionPolicy, acted: bool) -> LoginSession | None:
        return self._live_session(_SESSION_BY_ID, {"session_id": session_id}, policy, acted)

    def _live_session(
        self, query: Select[Any], parameters: dict[str, str], policy: SessionPolicy, acted: bool
    ) -> LoginSession | None:
        with self._read() as conn:
            row = conn.execute(query, parameters).one_or_none()
        if row is None or row.ended_at is not None:
            return None
        now = _now()
        ended = (
            "account disabled" if row.disabled
            else "expired" if now - row.started_at > policy.absolute
            else "idle" if now - row.last_action_at > policy.idle
            else None
        )
        if ended:
            self.end_session(row.session_id, ended)
            return None
        last_action = row.last_action_at
        if acted and now - last_action > SESSION_TOUCH_EVERY:
            # the idle clock restarts at most once a SESSION_TOUCH_EVERY: not a write per click
            with self._write() as conn:
                conn.execute(update(login_sessions).where(login_sessions.c.id == row.session_id)
                             .values(last_action_at=now))
            last_action = now
        return LoginSession(
            id=row.session_id, user=_user(row), started_at=row.started_at, last_action_at=last_action,
            cookie_set=row.cookie_hash is not None,
        )

    def end_session(self, session_id: str, reason: str = "logged out") -> None:
        with self._write() as conn:
            self._end_sessions(conn, login_sessions.c.id == session_id, reason)

    def end_user_sessions(self, user: User, reason: str = "logged out everywhere") -> int:
        with self._write() as conn:
            return self._end_sessions(conn, login_sessions.c.user_id == user.id, reason)

    @staticmethod
    def _end_sessions(conn: Connection, which: ColumnElement[bool], reason: str) -> int:
        ended = conn.execute(
            update(login_sessions)
            .where(which, login_sessions.c.ended_at.is_(None))
            .values(ended_at=_now(), end_reason=reason[:40], ticket_hash=None, ticket_expires_at=None)
        ).rowcount
        if ended:
            AUTH_LOG.info("%d session(s) ended: %s", ended, reason)
        return ended

    # -- scenarios ------------------------------------------------------------------

    def save_scenario_version(self, loaded: LoadedScenario, text: str) -> ScenarioVersion:
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != loaded.content_hash:
            raise ValueError("the text is not the one this scenario was loaded from (content hashes differ)")
        values = {
            "scenario_id": loaded.scenario.id, "content_hash": loaded.content_hash,
            "title": loaded.scenario.title, "text": text, "created_at": _now(),
        }
        # "insert unless present" in one statement, so two app instances saving at once agree
        dialect_insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        with self._write() as conn:
            conn.execute(
                dialect_insert(scenario_versions).values(values).on_conflict_do_nothing(index_elements=["content_hash"])
            )
            row = conn.execute(_VERSIONS.where(scenario_versions.c.content_hash == loaded.content_hash)).one()
        return _version_of(row)

    def get_scenario_version(self, version_id: int) -> ScenarioVersion:
        with self._read() as conn:
            row = conn.execute(_VERSIONS.where(scenario_versions.c.id == version_id)).one_or_none()
        if row is None:
            raise NotFound(f"There is no scenario version {version_id}.")
        return _version_of(row)

    # -- the scenario library ---------------------------------------------------------

    def import_shipped_scenarios(self, shipped: Sequence[LoadedScenario]) -> None:
        with self._write() as conn:
            if conn.dialect.name == "postgresql":
                # app instances starting together: one imports, the others then find it done
                conn.execute(select(func.pg_advisory_xact_lock(_STARTUP_LOCK)))
            for loaded in shipped:
                found = self._find_text(conn, loaded.content_hash)
                if found is not None and found.number is not None:
                    continue
                scenario_id = loaded.scenario.id
                numbered = {
                    "number": (self._latest_number(conn, scenario_id) or 0) + 1,
                    "author_id": None, "note": SHIPPED_NOTE, "saved_at": _now(),
                }
                version_id = self._number_version(conn, found, loaded.scenario.title, loaded.text, scenario_id,
                                                  loaded.content_hash, numbered)
                last = self._last_publication(conn, scenario_id)
                # a person who published or withdrew the scenario has taken charge of it
                if last is None or (last.by_id is None and last.version_id is not None):
                    conn.execute(insert(scenario_publications).values(
                        scenario_id=scenario_id, version_id=version_id, at=_now(), by_id=None))

    def save_scenario_draft(
        self, viewer: User, scenario_id: str, title: str, text: str, note: str, base_number: int | None
    ) -> SavedDraft:
        content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
        try:
            with self._write() as conn:
                self._require_editor(conn, viewer)
                found = self._find_text(conn, content_hash)
                if found is not None and found.number is not None:
                    return SavedDraft(self._version(conn, found.id), created=False)
                latest = self._latest_number(conn, scenario_id)
                if latest != base_number:
                    raise Conflict(self._moved_on(conn, scenario_id, latest, base_number))
                numbered = {
                    "number": (latest or 0) + 1, "author_id": viewer.id,
                    "note": note.strip()[:NOTE_LENGTH] or None, "saved_at": _now(),
                }
                version_id = self._number_version(conn, found, title, text, scenario_id, content_hash, numbered)
                return SavedDraft(self._version(conn, version_id), created=True)
        except IntegrityError:  # another save of this scenario won the race for the number
            raise Conflict(f"Someone saved '{scenario_id}' at the same moment: open its newest version.") from None

    def publish_scenario_version(self, viewer: User, version_id: int) -> None:
        with self._write() as conn:
            self._require_editor(conn, viewer)
            row = conn.execute(
                select(scenario_versions.c.scenario_id, scenario_versions.c.number)
                .where(scenario_versions.c.id == version_id)
            ).one_or_none()
            if row is None or row.number is None:
                raise NotFound("There is no such saved scenario version.")
            last = self._last_publication(conn, row.scenario_id)
            if last is None or last.version_id != version_id:
                conn.execute(insert(scenario_publications).values(
                    scenario_id=row.scenario_id, version_id=version_id, at=_now(), by_id=viewer.id))

    def withdraw_scenario(self, viewer: User, scenario_id: str) -> None:
        with self._write() as conn:
            self._require_editor(conn, viewer)
            if self._latest_number(conn, scenario_id) is None:
                raise NotFound(f"There is no scenario '{scenario_id}'.")
            last = self._last_publication(conn, scenario_id)
            if last is not None and last.version_id is not None:
                conn.execute(insert(scenario_publications).values(
                    scenario_id=scenario_id, version_id=None, at=_now(), by_id=viewer.id))

    def published_scenario_versions(self, viewer: User) -> list[ScenarioVersion]:
        with self._read() as conn:
            if self._role_of(conn, viewer) is None:
                return []
            current = _current_publications()
            rows = conn.execute(
                _VERSIONS.join(current, current.c.version_id == scenario_versions.c.id)
                .order_by(scenario_versions.c.title, scenario_versions.c.scenario_id)
            )
            return [_version_of(row) for row in rows]

    def list_scenarios(self, viewer: User) -> list[ScenarioEntry]:
        with self._read() as conn:
            self._require_editor(conn, viewer)
            counts = (
                select(
                    scenario_versions.c.scenario_id,
                    func.max(scenario_versions.c.number).label("latest"),
                    func.count(scenario_versions.c.number).label("count"),
                )
                .where(scenario_versions.c.number.is_not(None))
                .group_by(scenario_versions.c.scenario_id)
                .subquery()
            )
            latest = {
                row.scenario_id: (_version_of(row), row.count)
                for row in conn.execute(
                    _VERSIONS.add_columns(counts.c.count).join(
                        counts,
                        (counts.c.scenario_id == scenario_versions.c.scenario_id)
                        & (counts.c.latest == scenario_versions.c.number),
                    )
                )
            }
            current = _current_publications()
            published = {
                row.scenario_id: _version_of(row)
                for row in conn.execute(_VERSIONS.join(current, current.c.version_id == scenario_versions.c.id))
            }
            ever = set(conn.execute(
                select(scenario_publications.c.scenario_id).where(scenario_publications.c.version_id.is_not(None))
                .distinct()
            ).scalars())
        entries = [
            ScenarioEntry(scenario_id, version, published.get(scenario_id), scenario_id in ever, count)
            for scenario_id, (version, count) in latest.items()
        ]
        return sorted(entries, key=lambda entry: (entry.latest.title.casefold(), entry.scenario_id))

    def scenario_history(self, viewer: User, scenario_id: str) -> ScenarioHistory:
        with self._read() as conn:
            self._require_editor(conn, viewer)
            versions = tuple(
                _version_of(row)
                for row in conn.execute(
                    _VERSIONS.where(scenario_versions.c.scenario_id == scenario_id, scenario_versions.c.number.is_not(None))
                    .order_by(scenario_versions.c.number.desc())
                )
            )
            if not versions:
                raise NotFound(f"There is no scenario '{scenario_id}'.")
            publishers = users.alias("publishers")
            publications = tuple(
                Publication(version_number=row.number, at=row.at, by=row.username)
                for row in conn.execute(
                    select(scenario_versions.c.number, scenario_publications.c.at, publishers.c.username)
                    .select_from(
                        scenario_publications
                        .outerjoin(scenario_versions, scenario_versions.c.id == scenario_publications.c.version_id)
                        .outerjoin(publishers, publishers.c.id == scenario_publications.c.by_id)
                    )
                    .where(scenario_publications.c.scenario_id == scenario_id)
                    .order_by(scenario_publications.c.id)
                )
            )
            attempts_by_number = dict(conn.execute(
                select(scenario_versions.c.number, func.count())
                .select_from(attempts.join(scenario_versions))
                .where(scenario_versions.c.scenario_id == scenario_id, scenario_versions.c.number.is_not(None))
                .group_by(scenario_versions.c.number)
            ).all())
        return ScenarioHistory(
            scenario_id=scenario_id,
            versions=versions,
            publications=publications,
            published_number=publications[-1].version_number if publications else None,
            attempts_by_number=attempts_by_number,
        )

    @staticmethod
    def _version(conn: Connection, version_id: int) -> ScenarioVersion:
        return _version_of(conn.execute(_VERSIONS.where(scenario_versions.c.id == version_id)).one())

    @staticmethod
    def _find_text(conn: Connection, content_hash: str) -> Row[Any] | None:
        """The id and number (None: never saved) of the version with this exact text, if stored."""
        return conn.execute(
            select(scenario_versions.c.id, scenario_versions.c.number)
            .where(scenario_versions.c.content_hash == content_hash)
        ).one_or_none()

    @staticmethod
    def _latest_number(conn: Connection, scenario_id: str) -> int | None:
        return conn.execute(
            select(func.max(scenario_versions.c.number)).where(scenario_versions.c.scenario_id == scenario_id)
        ).scalar_one()

    @staticmethod
    def _last_publication(conn: Connection, scenario_id: str) -> Row[Any] | None:
        return conn.execute(
            select(scenario_publications.c.version_id, scenario_publications.c.by_id)
            .where(scenario_publications.c.scenario_id == scenario_id)
            .order_by(scenario_publications.c.id.desc())
            .limit(1)
        ).one_or_none()

    @staticmethod
    def _number_version(
        conn: Connection, found: Row[Any] | None, title: str, text: str, scenario_id: str, content_hash: str,
        numbered: dict[str, Any],
    ) -> int:
        """Give a text its place in the history: the row it was played as, or a new one."""
        if found is not None:
            conn.execute(update(scenario_versions).where(scenario_versions.c.id == found.id).values(numbered))
            return found.id
        return conn.execute(
            insert(scenario_versions)
            .values(scenario_id=scenario_id, content_hash=content_hash, title=title, text=text, created_at=_now(),
                    **numbered)
            .returning(scenario_versions.c.id)
        ).scalar_one()

    def _moved_on(self, conn: Connection, scenario_id: str, latest: int | None, base_number: int | None) -> str:
        if latest is None:
            return f"There is no scenario '{scenario_id}' any more to save a version {base_number + 1} of."
        newest = conn.execute(
            _VERSIONS.where(scenario_versions.c.scenario_id == scenario_id, scenario_versions.c.number == latest)
        ).one()
        by = newest.author or "the coach"
        when = f"{newest.saved_at:%Y-%m-%d %H:%M} UTC"
        if base_number is None:
            return (f"A scenario with the id '{scenario_id}' exists already (version {latest}, saved by {by} on "
                    f"{when}). Give yours another id, or save it as that scenario's next version.")
        return (f"Version {latest} of '{scenario_id}' was saved by {by} on {when}, after the version {base_number} "
                f"you started from. Open version {latest} to see what changed, or save yours as the next version.")

    # -- attempts -------------------------------------------------------------------

    def start_attempt(self, owner: User, version: ScenarioVersion, mode: str) -> str:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (expected one of {MODES})")
        attempt_id = uuid.uuid4().hex
        with self._write() as conn:
            if not self._is_enabled(conn, owner):
                raise AccountError("This account is disabled or gone: it cannot start an attempt.")
            conn.execute(
                insert(attempts).values(
                    id=attempt_id, owner_id=owner.id, version_id=version.id, mode=mode, started_at=_now()
                )
            )
        return attempt_id

    def append_events(self, viewer: User, attempt_id: str, first_seq: int, events: Sequence[_Event]) -> None:
        with self._write() as conn:
            self._lock_open_own_attempt(conn, viewer, attempt_id)
            # events are numbered 0, 1, 2...: the next is one past the highest, found in the primary
            # key's index without counting a long chat's rows
            last_seq = conn.execute(_LAST_SEQ, {"attempt_id": attempt_id}).scalar_one()
            next_seq = 0 if last_seq is None else last_seq + 1
            if first_seq < next_seq:
                raise Conflict(f"Event {first_seq} of this attempt is taken: it has {next_seq} events now.")
            if first_seq > next_seq:
                raise ValueError(f"first_seq {first_seq} would leave a gap: the attempt has {next_seq} events")
            rows = [
                {
                    "attempt_id": attempt_id, "seq": first_seq + offset, "t": event.t, "type": event.type,
                    "payload": json.dumps(event.as_json(), ensure_ascii=False),
                }
                for offset, event in enumerate(events)
            ]
            if rows:
                conn.execute(insert(attempt_events), rows)

    def finish_attempt(self, viewer: User, attempt_id: str, card: Scorecard, ruleset_version: str) -> None:
        with self._write() as conn:
            self._lock_open_own_attempt(conn, viewer, attempt_id)
            conn.execute(
                update(attempts)
                .where(attempts.c.id == attempt_id)
                .values(
                    finished_at=_now(), score=card.score, passed=card.passed, outcome=card.outcome,
                    ruleset_version=ruleset_version,
                )
            )
            verdicts = [
                {"attempt_id": attempt_id, "code": code, "verdict": verdict}
                for code, verdict in card.verdicts().items()
            ]
            if verdicts:
                conn.execute(insert(attempt_rule_results), verdicts)

    def load_attempt(self, viewer: User, attempt_id: str) -> StoredAttempt:
        with self._read() as conn:
            row = conn.execute(
                _SUMMARIES.add_columns(scenario_versions.c.text.label("scenario_text")).where(
                    attempts.c.id == attempt_id, self._visible_to(conn, viewer)
                )
            ).one_or_none()
            if row is None:
                raise NotFound("There is no such attempt.")
            payloads = conn.execute(
                select(attempt_events.c.payload)
                .where(attempt_events.c.attempt_id == attempt_id)
                .order_by(attempt_events.c.seq)
            ).scalars()
            events = tuple(EVENT_ADAPTER.validate_python(json.loads(payload)) for payload in payloads)
        fields = dict(row._mapping)
        scenario_text = fields.pop("scenario_text")
        return StoredAttempt(summary=AttemptSummary(**fields), scenario_text=scenario_text, events=events)

    def list_attempts(
        self, viewer: User, *, owner_id: int | None = None, unfinished: bool | None = None, limit: int = 200
    ) -> list[AttemptSummary]:
        with self._read() as conn:
            query = _SUMMARIES.where(self._visible_to(conn, viewer))
            if owner_id is not None:
                query = query.where(attempts.c.owner_id == owner_id)
            if unfinished is not None:
                finished = attempts.c.finished_at.is_not(None)
                query = query.where(~finished if unfinished else finished)
            query = query.order_by(attempts.c.started_at.desc(), attempts.c.id).limit(limit)
            return [AttemptSummary(**row._mapping) for row in conn.execute(query)]

    # -- who may see what -------------------------------------------------------------
    # The viewer's role and state are read afresh each time, so a new role or a disabled
    # account takes effect at once, not at the next login.

    @staticmethod
    def _is_enabled(conn: Connection, user: User) -> bool:
        return conn.execute(
            select(users.c.id).where(users.c.id == user.id, users.c.disabled.is_(False))
        ).one_or_none() is not None

    @staticmethod
    def _role_of(conn: Connection, viewer: User) -> Role | None:
        """The viewer's role now; None for a disabled or deleted account."""
        role = conn.execute(
            select(users.c.role).where(users.c.id == viewer.id, users.c.disabled.is_(False))
        ).scalar_one_or_none()
        return None if role is None else Role(role)

    @classmethod
    def _require_editor(cls, conn: Connection, viewer: User) -> None:
        """Drafts, histories, saving and publishing are for trainers and coordinators."""
        if cls._role_of(conn, viewer) not in (Role.TRAINER, Role.COORDINATOR):
            raise NotFound("There is no such scenario.")

    @classmethod
    def _visible_to(cls, conn: Connection, viewer: User) -> ColumnElement[bool]:
        """Which attempts the viewer may see: a coordinator all, others their own, a disabled account none."""
        role = cls._role_of(conn, viewer)
        if role is None:
            return false()
        if role == Role.COORDINATOR:
            return true()
        return attempts.c.owner_id == viewer.id

    @staticmethod
    def _lock_open_own_attempt(conn: Connection, viewer: User, attempt_id: str) -> None:
        """Only the owner changes an attempt, and only while it is open. The row lock (PostgreSQL;
        SQLite's BEGIN IMMEDIATE already excludes other writers) makes appends and finishing of
        one attempt take turns."""
        found = conn.execute(_OPEN_OWN_ATTEMPT, {"attempt_id": attempt_id, "owner_id": viewer.id}).one_or_none()
        if found is None:
            raise NotFound("There is no such open attempt of yours.")

    # -- reports --------------------------------------------------------------------
    # coach.analytics and coach.export build the report queries on the tables above.

    @contextmanager
    def coordinator_reads(self, viewer: User) -> Iterator[Connection]:
        """One read transaction for a coordinator's reports, so their queries agree (one snapshot).
        Reports cover every trainee's work, so anyone else, a disabled coordinator included,
        gets NotFound, like any record they may not see."""
        with self._read() as conn:
            if self._role_of(conn, viewer) is not Role.COORDINATOR:
                raise NotFound("There is no such report.")
            yield conn


# -- opening ------------------------------------------------------------------------


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL: `sqlite:///PATH`, or PostgreSQL, which always goes through psycopg 3."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise ValueError(f"unsupported database '{backend}': use sqlite:///PATH or postgresql://USER@HOST/DATABASE")


def open_store(url: str) -> SqlStore:
    """Connect to the database at `url`, creating or upgrading its schema as needed."""
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed)
        _configure_sqlite(engine)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    store = SqlStore(engine)
    try:
        _migrate(store)
    except BaseException:
        engine.dispose()
        raise
    return store


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling cannot BEGIN IMMEDIATE: switch it off and begin ourselves
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",  # first: switching to WAL may wait for the lock
            "journal_mode = WAL",  # readers never block the writer, nor it them
            "synchronous = FULL",  # a committed event survives a power cut
            "foreign_keys = ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that later writes fails at once with "database is locked" when
        # another writer is busy; BEGIN IMMEDIATE takes the lock up front and waits (busy_timeout).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _migrate(store: SqlStore) -> None:
    with store._write() as conn:
        if conn.dialect.name == "postgresql":
            # app instances starting together: one creates or upgrades, the others then find it done
            conn.execute(select(func.pg_advisory_xact_lock(_STARTUP_LOCK)))
        if not inspect(conn).has_table(schema_version.name):
            metadata.create_all(conn)
            conn.execute(insert(schema_version).values(version=schema_head()))
            return
        version = conn.execute(select(schema_version.c.version)).scalar_one()
        if version > schema_head():
            raise SchemaTooNew(
                f"the database has schema version {version}, newer than this coach's {schema_head()}: upgrade the coach"
            )
        if version < schema_head():
            for upgrade in UPGRADES[version - 1 :]:
                upgrade(conn)
            conn.execute(update(schema_version).values(version=schema_head()))
