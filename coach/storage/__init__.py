"""Durable storage: accounts, scenario versions, attempts and their events.

The app and the `coach users` command talk to a `Store`; `coach.storage.sql.SqlStore`
implements it with SQLAlchemy 2 on SQLite (the embedded default) or PostgreSQL.
Every method that touches a trainee's work takes the `viewer` asking for it and only
ever returns or changes what that viewer may see: trainees and trainers their own
attempts, coordinators everyone's. Something that exists but is not visible is
reported exactly like something that does not exist (`NotFound`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from coach.events import _Event
from coach.scenario import LoadedScenario
from coach.scoring import Scorecard


class Role(StrEnum):
    TRAINEE = "trainee"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str  # unique, case-insensitive: stored lower-case
    display_name: str
    role: Role
    disabled: bool
    cohort: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ScenarioVersion:
    id: int
    scenario_id: str
    content_hash: str  # sha256 of the YAML text
    title: str
    text: str  # the YAML exactly as scored
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    id: str  # random, unguessable (uuid4 hex)
    owner_id: int
    owner_username: str
    scenario_id: str
    scenario_title: str
    version_id: int
    content_hash: str
    mode: str  # "practice" | "assessment"
    started_at: datetime
    finished_at: datetime | None
    event_count: int
    score: float | None  # cached when finished
    passed: bool | None
    outcome: str | None
    ruleset_version: str | None  # of the cached scorecard


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    summary: AttemptSummary
    scenario_text: str  # the scenario version's YAML
    events: tuple[_Event, ...]  # in order; index == sequence number


class NotFound(Exception):
    """No such record, or not one the viewer may see."""


class Conflict(Exception):
    """The event sequence number is taken: the attempt moved on elsewhere (another tab)."""


class AccountError(Exception):
    """A username taken, a role unknown, a password too short...: the message says which."""


class TooManyAttempts(Exception):
    """Too many failed logins for this username recently; try again later."""


class Store(Protocol):
    # -- accounts -------------------------------------------------------------------
    def count_users(self) -> int: ...

    def create_user(
        self, username: str, display_name: str, role: Role, password: str, cohort: str | None = None
    ) -> User: ...

    def create_first_coordinator(self, username: str, display_name: str, password: str) -> User:
        """Only while there are no users at all (atomic); AccountError otherwise."""
        ...

    def authenticate(self, username: str, password: str, source: str = "") -> User | None:
        """The user, or None for a wrong name/password or a disabled account. Every failure is
        logged (logger 'coach.auth') and recorded; TooManyAttempts after 5 failures for the
        username within 15 minutes, without checking the password."""
        ...

    def get_user(self, user_id: int) -> User | None: ...

    def find_user(self, username: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    def set_role(self, username: str, role: Role) -> User: ...

    def set_password(self, username: str, password: str) -> User: ...

    def set_disabled(self, username: str, disabled: bool) -> User: ...

    # -- scenarios ------------------------------------------------------------------
    def save_scenario_version(self, loaded: LoadedScenario, text: str) -> ScenarioVersion:
        """Idempotent: the same text (content hash) gives the same version."""
        ...

    def get_scenario_version(self, version_id: int) -> ScenarioVersion: ...

    # -- attempts -------------------------------------------------------------------
    def start_attempt(self, owner: User, version: ScenarioVersion, mode: str) -> str: ...

    def append_events(self, viewer: User, attempt_id: str, first_seq: int, events: Sequence[_Event]) -> None:
        """Store events with sequence numbers first_seq, first_seq+1, ... and commit before
        returning. Owner only. Conflict if a sequence number is taken; NotFound if the attempt
        is not the viewer's own or is finished."""
        ...

    def finish_attempt(self, viewer: User, attempt_id: str, card: Scorecard, ruleset_version: str) -> None:
        """Mark finished and cache the scorecard (score, passed, outcome, each rule's verdict)."""
        ...

    def load_attempt(self, viewer: User, attempt_id: str) -> StoredAttempt: ...

    def list_attempts(
        self, viewer: User, *, owner_id: int | None = None, unfinished: bool | None = None, limit: int = 200
    ) -> list[AttemptSummary]:
        """Newest first, only those the viewer may see."""
        ...
