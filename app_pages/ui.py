"""Small UI helpers shared by the pages: session state, safe text, transcript lines."""

from __future__ import annotations

import html
import time
from collections import Counter

import streamlit as st
from streamlit import config

from coach.attempt import Attempt, Mode
from coach.catalogue import CheckedText, NotPublishable, check_text, import_shipped, publish
from coach.coverage import Autoplay, autoplay
from coach.events import StaffSays
from coach.library import ScenarioLibrary
from coach.markdown_text import escape_markdown
from coach.problems import BadInput
from coach.rules import Outcome
from coach.scenario import LoadedScenario
from coach.scoring import Scorecard
from coach.storage import AttemptSummary, LoginSession, Role, ScenarioVersion, Store, StoredAttempt, User
from coach.storage.config import default_database_url, session_policy
from coach.storage.sql import open_store
from coach.text_cache import TextCache
from coach.transcript_view import Line, LineKind

# Every session_state key the app uses, with its starting value; prefixed by page.
STATE_DEFAULTS: dict[str, object] = {
    "auth_session_id": None,  # the login's server-side session (coach.storage.LoginSession.id)
    "auth_cookie_ticket": None,  # a new login's one-time ticket, which the browser trades for its cookie
    "storage_store": None,  # the process's Store (shared_store()), remembered for this session
    "auth_checked": None,  # (time.monotonic(), LoginSession) of the last time the login was read
    "auth_has_users": False,  # once an account exists, the first-account form is gone for good
    "console_attempt": None,  # coach.attempt.Attempt being played
    "console_clock": None,  # a clock to use instead of the real one (tests)
    "console_transfer_open": False,  # the Transfer pop-up is open
    "console_show_scorecard": None,  # Finish was pressed: the finished attempt's id, to show its scorecard
    "console_frozen_blocks": 0,  # transcript blocks drawn by the last full rerun, outside the chat area
    "console_replies": None,  # (attempt, coach.transcript_view.PrivateReplies of it)
    "console_rendered": None,  # (attempt, Markdown of each event so far): the transcript, rendered once a line
    "console_notices": [],  # refusals and practice hints to show after the last action
    "console_replies_seen": {},  # channel ("im", "agent_room") -> colleagues' answers on it the trainee has seen
    "console_draft": "",  # the message box
    "console_draft_script": None,  # name of the canned script inserted into the message box
    "console_im_text": "",
    "console_room_text": "",
    "console_notes": "",
    "console_email": "",
    "scorecard_try_again": None,  # Try again was pressed: the new attempt's id, to open in the console
    "workbench_text": "",  # the YAML being edited
    "workbench_base": None,  # coach.catalogue.EditorBase: the saved version the text was opened from
    "workbench_note": "",  # what changed, saved with the version
    "workbench_notice": None,  # ("success" | "error", message) after Save or Publish
    "workbench_conflict": None,  # why a save was refused: someone saved a newer version, or the id is taken
    "workbench_upload_problem": None,
    "workbench_play": None,  # Play was pressed: the new attempt's id, to open in the console
    "scenarios_open_version": None,  # Open in the workbench was pressed: that version's id
    "scenarios_notice": None,  # ("success" | "error", message) after Publish or Withdraw
    "dashboard_rule_picked": None,  # the rule the coordinator chose in "Attempts that failed"; None: the weakest
}

# Words for verdicts wherever text is shown, and Material icons (a font that ships with Streamlit, so no
# emoji font is needed) where Streamlit draws icons.
VERDICT_WORDS = {Outcome.PASS: "Pass", Outcome.FAIL: "Fail", Outcome.NOT_APPLICABLE: "n/a"}
VERDICT_ICONS = {Outcome.PASS: ":material/check_circle:", Outcome.FAIL: ":material/cancel:",
                 Outcome.NOT_APPLICABLE: ":material/remove:"}
AVATARS = {LineKind.PATRON: ":material/person:", LineKind.TRAINEE: ":material/support_agent:",
           LineKind.COLLEAGUE: ":material/badge:"}


def init_state() -> None:
    """Give every key its starting value once per browser session."""
    for key, value in STATE_DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = list(value) if isinstance(value, list) else value


# -- storage and who is logged in -------------------------------------------------------


def database_url() -> str:
    """`database.url` in .streamlit/secrets.toml, else COACH_DATABASE_URL, else the SQLite file."""
    try:
        url = st.secrets.get("database", {}).get("url")
    except FileNotFoundError:  # no secrets file at all
        url = None
    return url or default_database_url()


@st.cache_resource
def open_app_store(url: str) -> Store:
    """One store per database; its engine and connection pool are thread-safe. The shipped
    scenarios join the database's library on the way (new ones published)."""
    store = open_store(url)
    import_shipped(store, shipped_scenarios())
    return store


def shared_store() -> Store:
    """The process's store, found from the settings (also outside a page run: server.py's routes)."""
    return open_app_store(database_url())


def app_store() -> Store:
    """The store, remembered for this browser session: finding it again (reading the secrets, the
    cache lookup) cost a third of a millisecond on every action."""
    store = st.session_state.storage_store
    if store is None:
        store = st.session_state.storage_store = shared_store()
    return store


SESSION_COOKIE = "coach_session"
SESSION_ROUTE = "coach/session"  # where the browser trades a login's ticket for its cookie (server.py)


def session_route_path() -> str:
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/{SESSION_ROUTE}" if base else f"/{SESSION_ROUTE}"


# Without a user action (the chat's refresh every second, the page drawn after an action was
# checked) the login is read again at most this often; every action reads it afresh.
SESSION_RECHECK_SECONDS = 10.0


def current_session(acted: bool = False) -> LoginSession | None:
    """The login of this browser tab: its own, else the one the browser's session cookie names (a
    reload, a second tab). Read afresh at every action, so that logging out elsewhere, a password
    reset, a disabled account or a new role applies at the next action; between actions at most
    every SESSION_RECHECK_SECONDS. `acted`: the user did something, which restarts the idle time."""
    checked = st.session_state.auth_checked
    session_id = st.session_state.auth_session_id
    if (not acted and checked is not None and session_id == checked[1].id
            and time.monotonic() - checked[0] < SESSION_RECHECK_SECONDS):
        return checked[1]
    store, policy = app_store(), session_policy()
    if session_id is None:
        token = st.context.cookies.get(SESSION_COOKIE)
        session = store.session_for_cookie(token, policy) if isinstance(token, str) and token else None
        if session is not None:
            st.session_state.auth_session_id = session.id
            st.session_state.auth_checked = (time.monotonic(), session)
        return session
    session = store.check_session(session_id, policy, acted)
    if session is None:
        forget_login()
    else:
        st.session_state.auth_checked = (time.monotonic(), session)
    return session


def current_user(acted: bool = False) -> User | None:
    session = current_session(acted)
    return None if session is None else session.user


def set_login_cookie(session: LoginSession) -> None:
    """Until the browser holds this login's cookie, a script that trades the ticket for it. The
    token itself never reaches the page: the server sets it HttpOnly in the answer."""
    ticket = st.session_state.auth_cookie_ticket
    if session.cookie_set or not ticket:
        st.session_state.auth_cookie_ticket = None
        return
    route = session_route_path()
    st.html(
        f'<script src="{html.escape(route)}.js" data-route="{html.escape(route)}" data-ticket="{html.escape(ticket)}">'
        "</script>",
        unsafe_allow_javascript=True,
    )


def log_in(user: User) -> None:
    """A new server-side session for this tab; the browser gets its cookie on the next run."""
    session, ticket = app_store().start_session(user)
    st.session_state.auth_session_id = session.id
    st.session_state.auth_cookie_ticket = ticket


def require_role(*roles: Role) -> User:
    """Every page calls this first: the menu already hides pages, but a URL must not get round it."""
    user = current_user()
    if user is None or user.role not in roles:
        st.error("This page is not available to you.")
        st.stop()
    return user


def forget_login() -> None:
    st.session_state.auth_session_id = None
    st.session_state.auth_checked = None
    st.session_state.auth_cookie_ticket = None
    st.session_state.console_attempt = None


def log_out(everywhere: bool = False) -> None:
    """End this login (every tab that shares it); `everywhere`: every login of the user."""
    session = current_session(acted=True)
    if session is not None and everywhere:
        app_store().end_user_sessions(session.user)
    elif session is not None:
        app_store().end_session(session.id)
    forget_login()
    st.query_params.clear()


# -- attempts ----------------------------------------------------------------------------


def event_saver(store: Store, user: User, attempt_id: str):
    """Where an attempt's events go: committed to the store before the page answers."""

    def save(first_seq: int, events: list) -> None:
        store.append_events(user, attempt_id, first_seq, events)

    return save


def begin_attempt(loaded: LoadedScenario, mode: Mode, user: User) -> str:
    """Store a fresh attempt and put it in the console, with the console's inputs cleared."""
    store = app_store()
    version = store.save_scenario_version(loaded, loaded.text)
    attempt_id = store.start_attempt(user, version, mode.value)
    show_attempt(Attempt(loaded, mode, st.session_state.console_clock, user.username, attempt_id,
                         event_saver(store, user, attempt_id)))
    return attempt_id


def show_attempt(attempt: Attempt) -> None:
    st.session_state.console_attempt = attempt
    st.session_state.console_email = attempt.session.email_on_record or ""
    st.session_state.console_notices = []
    st.session_state.console_replies_seen = Counter(  # a resumed chat's earlier answers are not news
        event.channel for event in attempt.events if isinstance(event, StaffSays))
    st.session_state.console_draft = ""
    st.session_state.console_notes = ""
    st.query_params["attempt"] = attempt.attempt_id


def loaded_version(stored: StoredAttempt) -> LoadedScenario:
    """The exact scenario text an attempt was played on."""
    checked = checked_scenario(stored.scenario_text)
    if checked.loaded is None:
        raise BadInput(checked.problems)
    return checked.loaded


# Memory for the caches below, per process. A parsed scenario takes about 40 times its text
# (measured with tracemalloc on the shipped ones); its autoplay about 3 times more.
CHECKED_CACHE_BYTES, AUTOPLAY_CACHE_BYTES = 64 * 2**20, 32 * 2**20


def _check(text: str) -> CheckedText:
    return check_text(text, "scenario.yaml")


def _autoplay(text: str) -> Autoplay:
    loaded = checked_scenario(text).loaded
    if loaded is None:
        raise ValueError("only a scenario that loads can be autoplayed")
    return autoplay(loaded)


@st.cache_resource
def _caches() -> tuple[TextCache[CheckedText], TextCache[Autoplay]]:
    """One pair per process (thread-safe, bounded in bytes: coach.text_cache)."""
    return TextCache(_check, CHECKED_CACHE_BYTES, 40), TextCache(_autoplay, AUTOPLAY_CACHE_BYTES, 4)


def checked_scenario(text: str) -> CheckedText:
    """A scenario text validated. Parsing YAML safely is slow (tens of ms) and a text never
    changes, so each is parsed once per process while it fits the cache; the result is immutable."""
    return _caches()[0].get(text)


def autoplayed(text: str) -> Autoplay:
    """A valid scenario text's walkthroughs, played and scored once per process (a text never
    changes): the workbench, publishing checks and coverage all read them."""
    cache = _caches()[1]
    if text in cache:
        return cache.get(text)
    with st.spinner("Playing the walkthroughs..."):
        return cache.get(text)


def published_scenarios(user: User) -> list[LoadedScenario]:
    """What trainees practise, by title (a published version that no longer loads is left out)."""
    found = (checked_scenario(version.text).loaded for version in app_store().published_scenario_versions(user))
    return [loaded for loaded in found if loaded is not None]


def version_label(summary: AttemptSummary) -> str:
    """Which version of its scenario an attempt was played on."""
    return "unsaved draft" if summary.version_number is None else f"v{summary.version_number}"


def publish_version(user: User, version: ScenarioVersion) -> tuple[str, str]:
    """Publish a saved version if it is fit to be; the ("success" | "error", message) to show."""
    try:
        publish(app_store(), user, version)
    except NotPublishable as refused:
        return "error", f"Version {version.number} of {version.scenario_id} is not published: " + "; ".join(refused.problems)
    return "success", f"Version {version.number} of {version.scenario_id} is published: trainees practise it from now on."


def resume_attempt(stored: StoredAttempt, user: User) -> Attempt:
    """An unfinished stored attempt, back in the console where it was."""
    clock = st.session_state.console_clock
    return Attempt.resume(loaded_version(stored), Mode(stored.summary.mode), list(stored.events), clock,
                          user.username, stored.summary.id, event_saver(app_store(), user, stored.summary.id))


@st.cache_resource
def shipped_scenarios() -> ScenarioLibrary:
    """The scenarios shipped under scenarios/; immutable, so one instance serves every session."""
    return ScenarioLibrary()


SPEAKER_STYLES = {
    LineKind.PATRON: "**{who}**",
    LineKind.TRAINEE: ":blue[**{who}**]",
    LineKind.COLLEAGUE: ":green[**{who}**]",
}


def chat_paragraph(line: Line) -> str | None:
    """One line of the chat as escaped Markdown; None for lines the patron never sees."""
    if line.kind in SPEAKER_STYLES:
        who = SPEAKER_STYLES[line.kind].format(who=escape_markdown(line.who))
        return f"{who} :gray[{line.clock}]  \n{escape_markdown(line.text)}"
    if line.kind is LineKind.SYSTEM:
        return f":gray[*{escape_markdown(line.text)}* · {line.clock}]"
    return None


def verdict_pins(card: Scorecard) -> dict[int, str]:
    """For each event index, the verdicts it decided, as "Pass TR001, Fail TR002"."""
    pins: dict[int, list[str]] = {}
    for result in card.results:
        for index in result.verdict.evidence:
            pins.setdefault(index, []).append(f"{VERDICT_WORDS[result.verdict.outcome]} {result.rule.code}")
    return {index: ", ".join(marks) for index, marks in pins.items()}


def show_pinned_line(line: Line, pins: dict[int, str]) -> None:
    """A transcript line of any kind, with the verdicts it decided."""
    pinned = pins.get(line.index)
    if line.kind in (LineKind.PRIVATE, LineKind.ACTION):
        st.caption(f"{line.clock} · {escape_markdown(line.who)}: {escape_markdown(line.text)}"
                   + (f" — {pinned}" if pinned else ""))
    else:
        show_chat_line(line, pinned)


def show_chat_line(line: Line, highlight: str | None = None) -> None:
    """One transcript line; people's words always go through st.text, never Markdown."""
    if line.kind in AVATARS:
        with st.chat_message(line.kind.value, avatar=AVATARS[line.kind]):
            st.caption(f"{escape_markdown(line.who)} · {line.clock}")
            st.text(line.text)
            if highlight:
                st.caption(highlight)
    else:
        st.caption(f"{line.clock} · {escape_markdown(line.text)}" + (f" — {highlight}" if highlight else ""))
