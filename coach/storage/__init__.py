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
from datetime import datetime, timedelta
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
    """One exact text of a scenario. Attempts point at the version they were played on, forever.

    A version saved from the workbench or shipped with the coach has a `number` in its scenario's
    history; a text only ever played from the workbench has none (`number` is None)."""

    id: int
    scenario_id: str
    content_hash: str  # sha256 of the YAML text
    title: str
    text: str  # the YAML exactly as scored (a saved draft may not even load)
    created_at: datetime  # first stored (saved or played)
    number: int | None = None  # 1, 2, ... within the scenario; None: played, never saved
    author: str | None = None  # username of who saved it; None: shipped with the coach (or never saved)
    note: str | None = None  # what changed, in the author's words
    saved_at: datetime | None = None  # when it got its number


@dataclass(frozen=True, slots=True)
class Publication:
    """A change of what trainees practise: a version published, or the scenario withdrawn."""

    version_number: int | None  # None: withdrawn from practice
    at: datetime
    by: str | None  # username; None: the coach, publishing a shipped scenario


@dataclass(frozen=True, slots=True)
class ScenarioEntry:
    """A scenario of the library: its newest saved version and the one trainees practise."""

    scenario_id: str
    latest: ScenarioVersion
    published: ScenarioVersion | None  # None: never published, or withdrawn
    ever_published: bool
    version_count: int


@dataclass(frozen=True, slots=True)
class ScenarioHistory:
    scenario_id: str
    versions: tuple[ScenarioVersion, ...]  # saved versions, newest first
    publications: tuple[Publication, ...]  # oldest first
    published_number: int | None  # what trainees practise now
    attempts_by_number: dict[int, int]  # attempts played on each saved version


@dataclass(frozen=True, slots=True)
class SavedDraft:
    version: ScenarioVersion
    created: bool  # False: this exact text was saved before, as `version`


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    id: str  # random, unguessable (uuid4 hex)
    owner_id: int
    owner_username: str
    scenario_id: str
    scenario_title: str
    version_id: int
    version_number: int | None  # of the scenario version played; None: an unsaved workbench draft
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
    """Someone else got there first: an event sequence number is taken (the attempt moved on in
    another tab), or a scenario has a newer version than the one an edit started from."""


class AccountError(Exception):
    """A username taken, a role unknown, a password too short...: the message says which."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a login lasts: `idle` without a user action (the chat's own refresh is none), and at
    most `absolute` from the login, whatever the user does."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class LoginSession:
    """One login, kept on the server. `id` names it to the server only; the browser holds a
    different random token (its cookie), of which the store keeps only a hash."""

    id: str
    user: User
    started_at: datetime
    last_action_at: datetime
    cookie_set: bool  # the browser has traded its ticket for the cookie


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this username or from this address recently: `wait` before the
    next attempt (coach.storage.throttle)."""

    def __init__(self, message: str, wait: timedelta) -> None:
        super().__init__(message)
        self.wait = wait


class SignInsBusy(Exception):
    """All password checks of this process are taken and none freed in time: try again in a moment."""


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
        """The user, or None for a wrong name/password or a disabled account. Every failure and
        refusal is logged (logger 'coach.auth') and every check recorded. TooManyAttempts, without
        checking the password, while a delay of coach.storage.throttle runs; SignInsBusy when too
        many passwords are being checked at once."""
        ...

    def unlock(self, username: str) -> None:
        """Forget the failed sign-ins counted against the username (a coordinator's "unlock")."""
        ...

    def change_own_password(self, session: LoginSession, current: str, new: str, source: str = "") -> None:
        """The user of `session` changes their password: AccountError when `current` is wrong or
        `new` breaks a password rule. Their other sessions end; this one goes on."""
        ...

    def get_user(self, user_id: int) -> User | None: ...

    def find_user(self, username: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    def set_role(self, username: str, role: Role) -> User: ...

    def set_password(self, username: str, password: str) -> User: ...

    def set_disabled(self, username: str, disabled: bool) -> User:
        """Disabling (like `set_password`) ends every session of the user."""
        ...

    # -- login sessions -------------------------------------------------------------
    def start_session(self, user: User) -> tuple[LoginSession, str]:
        """A new session, and a one-time ticket (valid for a minute) that the browser trades for its
        session cookie with `bind_session`."""
        ...

    def bind_session(self, ticket: str) -> str | None:
        """Redeem a ticket once: the cookie token of its session (None: unknown, used or expired)."""
        ...

    def session_for_cookie(self, token: str, policy: SessionPolicy) -> LoginSession | None:
        """The live session a browser's cookie names, or None."""
        ...

    def check_session(self, session_id: str, policy: SessionPolicy, acted: bool) -> LoginSession | None:
        """The session if it is still live (not ended, idle or expired; its user enabled), else None.
        `acted`: the user did something, which restarts the idle time."""
        ...

    def end_session(self, session_id: str, reason: str = "logged out") -> None: ...

    def end_user_sessions(self, user: User, reason: str = "logged out everywhere") -> int:
        """End every live session of the user; how many there were."""
        ...

    # -- scenarios ------------------------------------------------------------------
    def save_scenario_version(self, loaded: LoadedScenario, text: str) -> ScenarioVersion:
        """Idempotent: the same text (content hash) gives the same version."""
        ...

    def get_scenario_version(self, version_id: int) -> ScenarioVersion: ...

    # The scenario library. Everyone may see what is published; only trainers and coordinators
    # see drafts and histories, save and publish (others get NotFound, as for anything unseen).

    def import_shipped_scenarios(self, shipped: Sequence[LoadedScenario]) -> None:
        """Give every shipped text not yet in the library the next version number of its scenario,
        and publish it unless a person published or withdrew that scenario since the coach last did."""
        ...

    def save_scenario_draft(
        self, viewer: User, scenario_id: str, title: str, text: str, note: str, base_number: int | None
    ) -> SavedDraft:
        """Save a text as the scenario's next version (it need not be valid). `base_number` is the
        newest version the editor started from (None: a new scenario); Conflict if the scenario has
        moved on since. Saving a text already saved returns that version unchanged."""
        ...

    def publish_scenario_version(self, viewer: User, version_id: int) -> None:
        """Make a saved version the one trainees practise. Whether it is fit to publish is for the
        caller to check (coach.catalogue.publish)."""
        ...

    def withdraw_scenario(self, viewer: User, scenario_id: str) -> None:
        """Trainees no longer see the scenario; their attempts on it stay."""
        ...

    def published_scenario_versions(self, viewer: User) -> list[ScenarioVersion]:
        """What trainees practise, one version per scenario, by title."""
        ...

    def list_scenarios(self, viewer: User) -> list[ScenarioEntry]:
        """Every scenario with a saved version, by title."""
        ...

    def scenario_history(self, viewer: User, scenario_id: str) -> ScenarioHistory: ...

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
