"""The Store contract, on SQLite and PostgreSQL alike (the `store` fixture runs each test on both)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, event, insert, inspect, select, update

from coach.events import (
    TRAINEE_EVENTS,
    WORLD_EVENTS,
    AcceptTransfer,
    AgentRoom,
    Dismiss,
    StatusChanged,
    End,
    Im,
    Joined,
    Leave,
    Left,
    Note,
    OpenTransfer,
    PatronSays,
    ResolutionCode,
    Resolve,
    Say,
    SetEmail,
    StaffSays,
    Transfer,
    TransferDeclined,
    TransferOffer,
    TransferTab,
    ViewInfo,
    load_transcript,
)
from coach.files import read_text
from coach.scenario import LoadedScenario, load_scenario, parse_scenario
from coach.scoring import score
from coach.storage import (
    AccountError,
    Conflict,
    NotFound,
    Role,
    ScenarioVersion,
    User,
)
from coach.storage import sql
from coach.storage.passwords import needs_rehash
from coach.storage.sql import SqlStore, open_store
from tests.conftest import ROOT
from tests.storage.schema_v1 import VERSION_1, create_version_1

PASSWORD = "correct horse battery"
SCENARIO = ROOT / "scenarios" / "apa-citation-youtube.yaml"
GOLDEN = ROOT / "tests" / "golden" / "apa-citation-youtube"


@pytest.fixture
def scenario() -> tuple[LoadedScenario, str]:
    return load_scenario(SCENARIO), read_text(SCENARIO)


@pytest.fixture
def version(store: SqlStore, scenario: tuple[LoadedScenario, str]) -> ScenarioVersion:
    return store.save_scenario_version(*scenario)


@pytest.fixture
def other_trainee(store: SqlStore) -> User:
    return store.create_user("otto", "Otto", Role.TRAINEE, PASSWORD)


@pytest.fixture
def coordinator(store: SqlStore) -> User:
    return store.create_user("cora", "Cora", Role.COORDINATOR, PASSWORD)


def every_kind_of_event() -> list:
    """One event of each type, optional fields set, awkward values (unicode, inexact floats)."""
    return [
        PatronSays(t=0.0, text="héllo — can you help? 📚"),
        StaffSays(t=0.1 + 0.2, sender="sandra", channel="im", text="Sure", accepts=True),
        StaffSays(t=1.5, sender="beth", channel="agent_room", text="busy"),
        TransferDeclined(t=2.0, who="beth"),
        Joined(t=2.5, who="sandra"),
        Left(t=3.0, who="patron"),
        TransferOffer(t=3.25, sender="sandra"),
        StatusChanged(t=3.5, who="beth", status="away"),
        Say(t=4.0, text="Goodbye!", script="Goodbye (Cedar Falls Public Library)"),
        Im(t=5.0, to="sandra", text="Can you take a patron?"),
        AgentRoom(t=6.0, text="anyone free?"),
        ViewInfo(t=7.0),
        OpenTransfer(t=8.0),
        TransferTab(t=9.0, tab="agent"),
        Transfer(t=10.0, to="sandra"),
        Transfer(t=10.5, department="Reference"),
        AcceptTransfer(t=11.0, accepted=False),
        Leave(t=12.0),
        Dismiss(t=13.0),
        End(t=14.0),
        SetEmail(t=15.0, email="jada.t@mail.example.org"),
        Note(t=16.0, text="line one\nline two"),
        Resolve(t=17.0, code=ResolutionCode.FOLLOWUP_BY_ME),
    ]


# -- accounts ---------------------------------------------------------------------------


def test_create_find_and_list_users(store: SqlStore) -> None:
    assert store.count_users() == 0
    made = store.create_user("  Alex.Kim ", "Alex Kim", Role.TRAINEE, PASSWORD, cohort=" fall-2026 ")
    assert (made.username, made.display_name, made.role, made.cohort, made.disabled) == (
        "alex.kim", "Alex Kim", Role.TRAINEE, "fall-2026", False
    )
    assert made.created_at.tzinfo is not None and made.created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - made.created_at) < timedelta(minutes=1)
    assert store.get_user(made.id) == made
    assert store.find_user("ALEX.KIM") == made
    assert store.find_user("nobody") is None and store.get_user(made.id + 1000) is None
    store.create_user("bo-b_2", "", "trainer", PASSWORD)  # a role given as text; no name: the username
    assert [(u.username, u.display_name, u.role) for u in store.list_users()] == [
        ("alex.kim", "Alex Kim", Role.TRAINEE), ("bo-b_2", "bo-b_2", Role.TRAINER)
    ]
    assert store.count_users() == 2


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("ab", Role.TRAINEE, PASSWORD, "3 to 40"),
        ("x" * 41, Role.TRAINEE, PASSWORD, "3 to 40"),
        ("alex kim", Role.TRAINEE, PASSWORD, "3 to 40"),
        ("alex@lib", Role.TRAINEE, PASSWORD, "3 to 40"),
        ("alex", "admin", PASSWORD, "'admin' is not a role"),
        ("alex", Role.TRAINEE, "123456789", "at least 10 characters"),
        ("alex", Role.TRAINEE, "x" * 129, "at most 128"),
    ],
)
def test_bad_accounts_are_refused_in_plain_words(
    store: SqlStore, username: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        store.create_user(username, "Name", role, password)  # type: ignore[arg-type]
    assert store.count_users() == 0


def test_a_username_is_taken_whatever_its_case(store: SqlStore) -> None:
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    with pytest.raises(AccountError, match="'alex' is taken"):
        store.create_user("ALEX", "Another Alex", Role.TRAINER, PASSWORD)
    assert store.count_users() == 1


def test_login_is_case_insensitive_and_records_the_attempt(store: SqlStore, trainee: User) -> None:
    assert store.authenticate("TARA", PASSWORD, source="10.0.0.1") == trainee
    assert store.authenticate(" tara ", PASSWORD) == trainee
    with store.engine.connect() as conn:
        rows = conn.execute(select(sql.login_attempts).order_by(sql.login_attempts.c.id)).all()
    assert [(row.username, row.success, row.source) for row in rows] == [("tara", True, "10.0.0.1"), ("tara", True, "")]


def test_wrong_password_unknown_user_and_disabled_account_give_none_and_are_logged(
    store: SqlStore, trainee: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="coach.auth")
    assert store.authenticate("tara", "wrong password!", source="10.0.0.2") is None
    assert store.authenticate("nobody", PASSWORD, source="10.0.0.3") is None
    store.set_disabled("tara", True)
    assert store.authenticate("tara", PASSWORD, source="10.0.0.4") is None
    records = [r for r in caplog.records if r.name == "coach.auth"]
    assert [r.levelno for r in records] == [logging.WARNING] * 3
    messages = [r.getMessage() for r in records]
    for message, who, source in zip(messages, ["tara", "nobody", "tara"], ["10.0.0.2", "10.0.0.3", "10.0.0.4"]):
        assert f"username='{who}'" in message and f"source='{source}'" in message
    assert all("wrong password!" not in m and PASSWORD not in m for m in messages)
    assert "disabled" in messages[2]
    store.set_disabled("tara", False)
    assert store.authenticate("tara", PASSWORD) == trainee


def test_first_coordinator_only_while_there_are_no_users(store: SqlStore) -> None:
    first = store.create_first_coordinator("Cora", "Cora", PASSWORD)
    assert (first.username, first.role) == ("cora", Role.COORDINATOR)
    with pytest.raises(AccountError, match="accounts already"):
        store.create_first_coordinator("mallory", "Mallory", PASSWORD)
    assert [u.username for u in store.list_users()] == ["cora"]


def test_first_coordinator_refused_once_anyone_exists(store: SqlStore, trainee: User) -> None:
    with pytest.raises(AccountError):
        store.create_first_coordinator("cora", "Cora", PASSWORD)


def test_set_role_password_and_disabled(store: SqlStore, trainee: User) -> None:
    assert store.set_role("TARA", Role.TRAINER).role is Role.TRAINER
    assert store.find_user("tara").role is Role.TRAINER  # type: ignore[union-attr]
    with pytest.raises(AccountError, match="not a role"):
        store.set_role("tara", "boss")  # type: ignore[arg-type]
    with pytest.raises(AccountError, match="at least 10"):
        store.set_password("tara", "short")
    store.set_password("tara", "a brand new password")
    assert store.authenticate("tara", PASSWORD) is None
    assert store.authenticate("tara", "a brand new password") is not None
    assert store.set_disabled("tara", True).disabled is True
    assert store.set_disabled("tara", False).disabled is False
    for change in (
        lambda: store.set_role("nobody", Role.TRAINEE),
        lambda: store.set_password("nobody", PASSWORD),
        lambda: store.set_disabled("nobody", True),
    ):
        with pytest.raises(NotFound):
            change()


def test_a_hash_with_old_costs_is_upgraded_at_login(store: SqlStore, trainee: User) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with store._writer.begin() as conn:
        conn.execute(update(sql.users).where(sql.users.c.id == trainee.id).values(password_hash=cheap))
    assert store.authenticate("tara", PASSWORD) == trainee
    with store.engine.connect() as conn:
        stored = conn.execute(select(sql.users.c.password_hash).where(sql.users.c.id == trainee.id)).scalar_one()
    assert stored != cheap and stored.startswith("$argon2id$") and not needs_rehash(stored)
    assert store.authenticate("tara", PASSWORD) == trainee


# -- scenario versions ------------------------------------------------------------------


def test_scenario_versions_are_idempotent_by_content(store: SqlStore, scenario: tuple[LoadedScenario, str]) -> None:
    loaded, text = scenario
    first = store.save_scenario_version(loaded, text)
    assert store.save_scenario_version(loaded, text) == first
    assert (first.scenario_id, first.content_hash, first.title, first.text) == (
        "apa-citation-youtube", loaded.content_hash, loaded.scenario.title, text
    )
    assert store.get_scenario_version(first.id) == first
    edited_text = text + "\n# a trainer's comment\n"
    edited = store.save_scenario_version(parse_scenario(edited_text, "edited.yaml"), edited_text)
    assert edited.id != first.id and edited.scenario_id == first.scenario_id
    with pytest.raises(NotFound):
        store.get_scenario_version(first.id + edited.id + 1000)


def test_a_scenario_version_is_saved_only_with_its_own_text(
    store: SqlStore, scenario: tuple[LoadedScenario, str]
) -> None:
    loaded, text = scenario
    with pytest.raises(ValueError, match="content hashes differ"):
        store.save_scenario_version(loaded, text + " ")


# -- attempts ---------------------------------------------------------------------------


def test_every_event_type_round_trips_exactly(store: SqlStore, trainee: User, version: ScenarioVersion) -> None:
    events = every_kind_of_event()
    assert {e.type for e in events} == {m.model_fields["type"].default for m in (*WORLD_EVENTS, *TRAINEE_EVENTS)}
    attempt_id = store.start_attempt(trainee, version, "practice")
    store.append_events(trainee, attempt_id, 0, events[:1])  # one at a time, then the rest at once
    store.append_events(trainee, attempt_id, 1, events[1:])
    stored = store.load_attempt(trainee, attempt_id)
    assert stored.events == tuple(events)
    assert [e.as_json() for e in stored.events] == [e.as_json() for e in events]
    assert [type(e) for e in stored.events] == [type(e) for e in events]
    assert stored.scenario_text == version.text
    assert stored.summary.event_count == len(events)


def test_start_append_and_load(store: SqlStore, trainee: User, version: ScenarioVersion) -> None:
    attempt_id = store.start_attempt(trainee, version, "assessment")
    assert len(attempt_id) == 32 and int(attempt_id, 16) >= 0
    empty = store.load_attempt(trainee, attempt_id)
    assert empty.events == () and empty.summary.event_count == 0
    summary = empty.summary
    assert (summary.id, summary.owner_id, summary.owner_username, summary.mode) == (
        attempt_id, trainee.id, "tara", "assessment"
    )
    assert (summary.scenario_id, summary.scenario_title, summary.version_id, summary.content_hash) == (
        version.scenario_id, version.title, version.id, version.content_hash
    )
    assert summary.started_at.utcoffset() == timedelta(0) and summary.finished_at is None
    assert (summary.score, summary.passed, summary.outcome, summary.ruleset_version) == (None, None, None, None)
    store.append_events(trainee, attempt_id, 0, [])  # nothing to add is fine
    store.append_events(trainee, attempt_id, 0, [PatronSays(t=0.0, text="hi")])
    store.append_events(trainee, attempt_id, 1, [Say(t=2.0, text="hello"), Say(t=3.0, text="how can I help?")])
    assert [e.t for e in store.load_attempt(trainee, attempt_id).events] == [0.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="unknown mode"):
        store.start_attempt(trainee, version, "exam")


def test_a_taken_sequence_number_is_a_conflict_and_changes_nothing(
    store: SqlStore, trainee: User, version: ScenarioVersion
) -> None:
    attempt_id = store.start_attempt(trainee, version, "practice")
    store.append_events(trainee, attempt_id, 0, [Say(t=1.0, text="from tab one"), Say(t=2.0, text="again")])
    with pytest.raises(Conflict):
        store.append_events(trainee, attempt_id, 1, [Say(t=2.5, text="from tab two"), Say(t=3.0, text="more")])
    with pytest.raises(Conflict):
        store.append_events(trainee, attempt_id, 0, [Say(t=2.5, text="from tab two")])
    with pytest.raises(ValueError, match="gap"):
        store.append_events(trainee, attempt_id, 5, [Say(t=9.0, text="skipping ahead")])
    assert [e.text for e in store.load_attempt(trainee, attempt_id).events] == ["from tab one", "again"]


def test_finish_caches_the_scorecard_and_each_rule_verdict(
    store: SqlStore, trainee: User, scenario: tuple[LoadedScenario, str], version: ScenarioVersion
) -> None:
    transcript = load_transcript(GOLDEN / "no-check-if-answered.json")
    card = score(scenario[0].scenario, transcript.events, "tara")
    assert card.score is not None and card.score < 100, "a scorecard with a failed rule"
    attempt_id = store.start_attempt(trainee, version, "assessment")
    store.append_events(trainee, attempt_id, 0, transcript.events)
    store.finish_attempt(trainee, attempt_id, card, "ruleset-1")
    summary = store.load_attempt(trainee, attempt_id).summary
    assert (summary.score, summary.passed, summary.outcome, summary.ruleset_version) == (
        card.score, card.passed, card.outcome, "ruleset-1"
    )
    assert summary.finished_at is not None and summary.finished_at >= summary.started_at
    with store.engine.connect() as conn:
        verdicts = dict(
            conn.execute(
                select(sql.attempt_rule_results.c.code, sql.attempt_rule_results.c.verdict).where(
                    sql.attempt_rule_results.c.attempt_id == attempt_id
                )
            ).all()
        )
    assert verdicts == card.verdicts() and "fail" in verdicts.values()
    # finished means closed: no more events, no second finish
    with pytest.raises(NotFound):
        store.append_events(trainee, attempt_id, len(transcript.events), [Say(t=999.0, text="late")])
    with pytest.raises(NotFound):
        store.finish_attempt(trainee, attempt_id, card, "ruleset-1")


def test_list_attempts_newest_first_with_filters(
    store: SqlStore, trainee: User, version: ScenarioVersion, scenario: tuple[LoadedScenario, str]
) -> None:
    first = store.start_attempt(trainee, version, "practice")
    second = store.start_attempt(trainee, version, "practice")
    third = store.start_attempt(trainee, version, "assessment")
    store.append_events(trainee, second, 0, [Say(t=1.0, text="one"), Say(t=2.0, text="two")])
    transcript = load_transcript(GOLDEN / "ideal.json")
    store.finish_attempt(trainee, first, score(scenario[0].scenario, transcript.events), "r1")
    assert [a.id for a in store.list_attempts(trainee)] == [third, second, first]
    assert [a.event_count for a in store.list_attempts(trainee)] == [0, 2, 0]
    assert [a.id for a in store.list_attempts(trainee, unfinished=True)] == [third, second]
    assert [a.id for a in store.list_attempts(trainee, unfinished=False)] == [first]
    assert [a.id for a in store.list_attempts(trainee, limit=2)] == [third, second]
    assert [a.id for a in store.list_attempts(trainee, owner_id=trainee.id)] == [third, second, first]


# -- who sees what ----------------------------------------------------------------------


def test_a_trainee_cannot_reach_anothers_attempt_and_cannot_tell_it_exists(
    store: SqlStore, trainee: User, other_trainee: User, version: ScenarioVersion,
    scenario: tuple[LoadedScenario, str],
) -> None:
    theirs = store.start_attempt(other_trainee, version, "practice")
    store.append_events(other_trainee, theirs, 0, [Say(t=1.0, text="private")])
    card = score(scenario[0].scenario, [])
    missing = "0" * 32
    for attempt_id in (theirs, missing):
        with pytest.raises(NotFound) as refused:
            store.load_attempt(trainee, attempt_id)
        assert str(refused.value) == "There is no such attempt."
        with pytest.raises(NotFound) as refused:
            store.append_events(trainee, attempt_id, 1, [Say(t=2.0, text="intrusion")])
        assert str(refused.value) == "There is no such open attempt of yours."
        with pytest.raises(NotFound) as refused:
            store.finish_attempt(trainee, attempt_id, card, "r1")
        assert str(refused.value) == "There is no such open attempt of yours."
    assert store.list_attempts(trainee) == []
    assert store.list_attempts(trainee, owner_id=other_trainee.id) == []
    stored = store.load_attempt(other_trainee, theirs)
    assert [e.text for e in stored.events] == ["private"] and stored.summary.finished_at is None


def test_a_trainer_sees_only_their_own_attempts(
    store: SqlStore, trainee: User, version: ScenarioVersion
) -> None:
    trainer = store.create_user("trent", "Trent", Role.TRAINER, PASSWORD)
    store.start_attempt(trainee, version, "practice")
    own = store.start_attempt(trainer, version, "practice")
    assert [a.id for a in store.list_attempts(trainer)] == [own]


def test_a_coordinator_sees_everyone_but_changes_only_their_own(
    store: SqlStore, trainee: User, other_trainee: User, coordinator: User, version: ScenarioVersion,
    scenario: tuple[LoadedScenario, str],
) -> None:
    tara = store.start_attempt(trainee, version, "practice")
    otto = store.start_attempt(other_trainee, version, "assessment")
    store.append_events(trainee, tara, 0, [Say(t=1.0, text="hello")])
    assert [a.id for a in store.list_attempts(coordinator)] == [otto, tara]
    assert [a.id for a in store.list_attempts(coordinator, owner_id=trainee.id)] == [tara]
    assert [e.text for e in store.load_attempt(coordinator, tara).events] == ["hello"]
    with pytest.raises(NotFound):
        store.append_events(coordinator, tara, 1, [Say(t=2.0, text="coordinator typing")])
    with pytest.raises(NotFound):
        store.finish_attempt(coordinator, tara, score(scenario[0].scenario, []), "r1")
    assert store.load_attempt(trainee, tara).summary.event_count == 1


def test_role_and_disabling_take_effect_at_once(
    store: SqlStore, trainee: User, coordinator: User, version: ScenarioVersion
) -> None:
    tara = store.start_attempt(trainee, version, "practice")
    store.set_role("cora", Role.TRAINER)  # `coordinator` still says COORDINATOR: the store asks the database
    assert store.list_attempts(coordinator) == []
    with pytest.raises(NotFound):
        store.load_attempt(coordinator, tara)
    store.set_disabled("tara", True)
    assert store.list_attempts(trainee) == []
    with pytest.raises(NotFound):
        store.load_attempt(trainee, tara)
    with pytest.raises(NotFound):
        store.append_events(trainee, tara, 0, [Say(t=1.0, text="after being disabled")])
    with pytest.raises(AccountError, match="disabled"):
        store.start_attempt(trainee, version, "practice")


# -- schema and SQLite settings ---------------------------------------------------------


def test_reopening_keeps_everything(store_url: str, scenario: tuple[LoadedScenario, str]) -> None:
    first = open_store(store_url)
    trainee = first.create_user("tara", "Tara", Role.TRAINEE, PASSWORD)
    version = first.save_scenario_version(*scenario)
    attempt_id = first.start_attempt(trainee, version, "practice")
    first.append_events(trainee, attempt_id, 0, every_kind_of_event())
    first.close()
    again = open_store(store_url)
    try:
        assert again.authenticate("tara", PASSWORD) == trainee
        assert again.load_attempt(trainee, attempt_id).events == tuple(every_kind_of_event())
        assert again.save_scenario_version(*scenario) == version
        with again.engine.connect() as conn:
            assert conn.execute(select(sql.schema_version.c.version)).scalars().all() == [sql.schema_head()]
    finally:
        again.close()


def _version_1_database(url: str) -> None:
    """Make the database at `url` (empty) what the first released coach made."""
    engine = create_engine(sql.engine_url(url))
    try:
        with engine.begin() as conn:
            create_version_1(conn)
    finally:
        engine.dispose()


def _schema(engine: Engine) -> dict[str, tuple[list[str], list[str], list[tuple[Any, ...]]]]:
    """Each table's columns, primary key and indexes (name, columns, unique, and a partial index's
    condition among the dialect's options), as the database reports them."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        return {
            table: (
                [column["name"] for column in inspector.get_columns(table)],
                inspector.get_pk_constraint(table)["constrained_columns"],
                sorted(
                    (
                        index["name"], tuple(index["column_names"]), bool(index["unique"]),
                        sorted((option, str(value)) for option, value in index.get("dialect_options", {}).items()),
                    )
                    for index in inspector.get_indexes(table)
                ),
            )
            for table in sorted(inspector.get_table_names())
        }


def test_an_existing_database_is_upgraded_in_order(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _version_1_database(store_url)
    ran: list[str] = []

    def add_column(conn) -> None:  # what a real upgrade does
        conn.exec_driver_sql("ALTER TABLE users ADD COLUMN email VARCHAR(320)")
        ran.append("v1→v2")

    monkeypatch.setattr(sql, "UPGRADES", (add_column, lambda conn: ran.append("v2→v3")))
    upgraded = open_store(store_url)
    try:
        assert ran == ["v1→v2", "v2→v3"]
        with upgraded.engine.connect() as conn:
            assert conn.execute(select(sql.schema_version.c.version)).scalar_one() == 3
            conn.exec_driver_sql("SELECT email FROM users")
    finally:
        upgraded.close()
    open_store(store_url).close()
    assert ran == ["v1→v2", "v2→v3"], "an up-to-date database is left alone"


def test_a_version_1_database_gets_the_report_indexes_and_the_schema_of_a_fresh_one(store_url: str) -> None:
    fresh = open_store(store_url)
    try:
        fresh_schema = _schema(fresh.engine)
        with fresh._writer.begin() as conn:
            sql.metadata.drop_all(conn)
    finally:
        fresh.close()
    # in the same (now empty) database: version 1, with a finished attempt in it
    _version_1_database(store_url)
    v1, now, attempt_id = VERSION_1.tables, datetime.now(UTC), "a" * 32
    engine = create_engine(sql.engine_url(store_url))
    try:
        with engine.begin() as conn:
            assert not {"attempts_by_finish", "rule_results_by_attempt"} & {
                index["name"] for table in ("attempts", "attempt_rule_results") for index in inspect(conn).get_indexes(table)
            }
            conn.execute(
                insert(v1["users"]).values(
                    id=1, username="tara", display_name="Tara", role="trainee", password_hash="x", disabled=False,
                    created_at=now,
                )
            )
            conn.execute(
                insert(v1["scenario_versions"]).values(
                    id=1, scenario_id="s", content_hash="h" * 64, title="S", text="", created_at=now
                )
            )
            conn.execute(
                insert(v1["attempts"]).values(
                    id=attempt_id, owner_id=1, version_id=1, mode="practice", started_at=now, finished_at=now,
                    score=100.0, passed=True,
                )
            )
            conn.execute(
                insert(v1["attempt_rule_results"]),
                [
                    {"attempt_id": attempt_id, "code": "CL001", "verdict": "pass"},
                    {"attempt_id": attempt_id, "code": "TR001", "verdict": "n/a"},
                ],
            )
    finally:
        engine.dispose()

    upgraded = open_store(store_url)
    try:
        with upgraded.engine.connect() as conn:
            assert conn.execute(select(sql.schema_version.c.version)).scalar_one() == sql.schema_head() >= 2
            assert conn.execute(
                select(sql.attempt_rule_results.c.code, sql.attempt_rule_results.c.verdict)
                .order_by(sql.attempt_rule_results.c.code)
            ).all() == [("CL001", "pass"), ("TR001", "n/a")]
            indexes = {
                index["name"]: index["column_names"]
                for table in ("attempts", "attempt_rule_results")
                for index in inspect(conn).get_indexes(table)
            }
        assert indexes["attempts_by_finish"] == ["finished_at", "owner_id", "version_id", "passed", "score", "id"]
        assert indexes["rule_results_by_attempt"] == ["attempt_id", "code", "verdict"]
        assert _schema(upgraded.engine) == fresh_schema
    finally:
        upgraded.close()


def test_a_database_from_a_newer_coach_is_refused(store_url: str) -> None:
    store = open_store(store_url)
    with store._writer.begin() as conn:
        conn.execute(update(sql.schema_version).values(version=sql.schema_head() + 1))
    store.close()
    with pytest.raises(sql.SchemaTooNew, match="newer"):
        open_store(store_url)


def test_a_fresh_sqlite_file_gets_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    store = open_store(f"sqlite:///{path}")
    try:
        assert path.exists() and store.count_users() == 0
        with store.engine.connect() as conn:
            tables = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert set(sql.metadata.tables) <= tables
    finally:
        store.close()


def test_sqlite_settings_are_in_force_on_every_connection(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with store.engine.connect() as one, store.engine.connect() as two:
            for conn in (one, two):
                pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
                assert pragma("journal_mode") == "wal"
                assert pragma("foreign_keys") == 1
                assert pragma("synchronous") == 2  # FULL
                assert pragma("busy_timeout") == 10_000
    finally:
        store.close()


def test_sqlite_enforces_foreign_keys(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with pytest.raises(Exception, match="FOREIGN KEY"):
            with store._writer.begin() as conn:
                conn.execute(
                    insert(sql.attempts).values(
                        id="f" * 32, owner_id=12345, version_id=67890, mode="practice", started_at=datetime.now(UTC)
                    )
                )
    finally:
        store.close()


def test_sqlite_writes_begin_immediate_and_reads_deferred(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    statements: list[str] = []
    try:
        event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        store.count_users()
        store.create_user("tara", "Tara", Role.TRAINEE, PASSWORD)
    finally:
        store.close()
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_postgresql_urls_go_through_psycopg() -> None:
    assert sql.engine_url("postgresql://coach@db/coach").drivername == "postgresql+psycopg"
    assert sql.engine_url("postgres://coach@db/coach").drivername == "postgresql+psycopg"
    assert sql.engine_url("postgresql+psycopg://coach@db/coach").drivername == "postgresql+psycopg"
    assert sql.engine_url("sqlite:///x.sqlite3").drivername == "sqlite"
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        sql.engine_url("mysql://coach@db/coach")
