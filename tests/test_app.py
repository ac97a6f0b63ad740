"""Accounts in the app: the first coordinator, logging in, and which role reaches which page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from coach.storage import Role, SessionPolicy, SignInsBusy
from coach.storage import sql
from tests.conftest import PASSWORD, ROOT, run_page_directly, sign_in

PAGES = {
    "app_pages/console.py": "Practice a chat",
    "app_pages/scorecard.py": "Scorecard",
    "app_pages/attempts.py": "attempts",
    "app_pages/accounts.py": "Accounts",
    "app_pages/rule_catalogue.py": "What the coach checks",
    "app_pages/scenarios.py": "Scenarios",
    "app_pages/workbench.py": "Scenario workbench",
    "app_pages/replay.py": "Replay",
    "app_pages/dashboard.py": "Dashboard",
    "app_pages/trainee.py": "Trainee",
    "app_pages/account.py": "My account",
}
ALLOWED = {
    Role.TRAINEE: {"app_pages/console.py", "app_pages/scorecard.py", "app_pages/attempts.py", "app_pages/rule_catalogue.py",
                   "app_pages/replay.py", "app_pages/account.py"},
    Role.TRAINER: {"app_pages/console.py", "app_pages/scorecard.py", "app_pages/attempts.py", "app_pages/rule_catalogue.py",
                   "app_pages/scenarios.py", "app_pages/workbench.py", "app_pages/replay.py", "app_pages/account.py"},
    Role.COORDINATOR: set(PAGES),
}


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def titles(app: AppTest) -> str:
    return " | ".join(title.value for title in app.title)


def logged_in(store, role: Role) -> AppTest:
    user = store.create_user(f"{role.value}1", role.value.title(), role, PASSWORD)
    app = new_app()
    sign_in(app, store, user)
    return app.run()


def test_a_fresh_install_asks_for_the_first_coordinator(store) -> None:
    app = new_app().run()
    assert titles(app) == "Welcome to Chat Reference Coach"
    app.text_input(key="first_username").input("Maria")
    app.text_input(key="first_name").input("Maria Lopez")
    app.text_input(key="first_password").input(PASSWORD)
    app.text_input(key="first_password_again").input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception
    assert titles(app) == "Dashboard"
    assert store.find_user("maria").role is Role.COORDINATOR
    assert new_app().run().title[0].value == "Chat Reference Coach"  # the next visitor gets the login form


def test_first_account_form_checks_the_passwords_match(store) -> None:
    app = new_app().run()
    app.text_input(key="first_username").input("maria")
    app.text_input(key="first_password").input(PASSWORD)
    app.text_input(key="first_password_again").input(PASSWORD + "x")
    app.button[0].click().run()
    assert "not the same" in app.error[0].value and store.count_users() == 0


def login(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="login_username").input(username)
    app.text_input(key="login_password").input(password)
    app.button[0].click()
    return app.run()


def test_login_with_the_right_password_only(store) -> None:
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    app = new_app().run()
    assert titles(app) == "Chat Reference Coach"
    login(app, "alex", "wrong password!")
    assert app.error[0].value == "Wrong username or password."
    login(app, "ALEX", PASSWORD)
    assert titles(app) == "Practice a chat"


def test_failed_logins_are_rate_limited_and_logged(store, caplog, monkeypatch) -> None:
    now = datetime.now(UTC)
    monkeypatch.setattr(sql, "_now", lambda: now)  # the wait does not run out while the test types
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    app = new_app().run()
    for _ in range(5):
        login(app, "alex", "not the password")
    login(app, "alex", PASSWORD)
    assert app.error[0].value == (
        "Too many failed sign-ins: wait 1 second, then try again. A coordinator can also unlock the account."
    )
    assert sum("alex" in record.getMessage() for record in caplog.records if record.name == "coach.auth") >= 6
    store.unlock("alex")
    login(app, "alex", PASSWORD)
    assert titles(app) == "Practice a chat"


def test_a_sign_in_refused_because_every_check_is_busy_says_so(store, monkeypatch) -> None:
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    app = new_app().run()

    def busy(*args, **kwargs):
        raise SignInsBusy("Too many sign-ins at once: try again in a moment.")

    monkeypatch.setattr(type(store), "authenticate", busy)
    login(app, "alex", PASSWORD)
    assert app.warning[0].value == "Too many sign-ins at once: try again in a moment."
    assert titles(app) == "Chat Reference Coach"


def test_log_out(store) -> None:
    app = logged_in(store, Role.TRAINEE)
    session_id = app.session_state["auth_session_id"]
    app.button(key="auth_log_out").click().run()
    assert titles(app) == "Chat Reference Coach"
    assert store.check_session(session_id, SessionPolicy(), acted=False) is None, "the login ended on the server"


def test_a_login_starts_a_server_session_and_hands_the_browser_a_ticket_not_the_token(store) -> None:
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    app = login(new_app().run(), "alex", PASSWORD)
    session = store.check_session(app.session_state["auth_session_id"], SessionPolicy(), acted=False)
    assert session is not None and session.user.username == "alex" and not session.cookie_set
    ticket = app.session_state["auth_cookie_ticket"]
    token = store.bind_session(ticket)  # what the page's script does, through server.py
    assert token is not None
    app.run()
    assert app.session_state["auth_cookie_ticket"] is None, "once the cookie is set, the ticket is dropped"


def test_log_out_everywhere_ends_every_login_of_the_user_only(store) -> None:
    app = logged_in(store, Role.TRAINEE)
    user = store.find_user("trainee1")
    other_tab_elsewhere, _ = store.start_session(user)
    someone_else, _ = store.start_session(store.create_user("bo.chen", "Bo Chen", Role.TRAINEE, PASSWORD))
    app.button(key="auth_log_out_everywhere").click().run()
    assert titles(app) == "Chat Reference Coach"
    assert store.check_session(other_tab_elsewhere.id, SessionPolicy(), acted=False) is None
    assert store.check_session(someone_else.id, SessionPolicy(), acted=False) is not None


def test_a_password_reset_sends_an_open_session_to_the_login_page(store) -> None:
    app = logged_in(store, Role.TRAINEE)
    store.set_password("trainee1", "a brand new secret phrase")
    app.run()
    assert titles(app) == "Chat Reference Coach" and not app.error and not app.exception


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_the_menu_lists_only_the_roles_pages(store, role: Role) -> None:
    app = logged_in(store, role)
    assert not app.exception
    for page in PAGES:
        if page not in ALLOWED[role]:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(page)
            continue
        app.switch_page(page).run()
        assert not app.exception
        assert PAGES[page].lower() in titles(app).lower(), (page, titles(app))
        assert not [e for e in app.error if "not available" in e.value]


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER], ids=lambda role: role.value)
def test_pages_check_the_role_themselves(store, role: Role) -> None:
    """Run the coordinator-only page directly, bypassing the menu, as a URL might."""
    user = store.create_user("someone", "Someone", role, PASSWORD)
    page = run_page_directly("accounts.py", store, user)
    assert [e.value for e in page.error] == ["This page is not available to you."]
    assert not page.dataframe


def test_nobody_logged_in_cannot_run_a_page(store) -> None:
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    page = run_page_directly("attempts.py", store, None)
    assert [e.value for e in page.error] == ["This page is not available to you."]


def test_coordinator_adds_a_trainee(store) -> None:
    app = logged_in(store, Role.COORDINATOR)
    app.switch_page("app_pages/accounts.py").run()
    app.text_input(key="accounts_new_username").input("newbie")
    app.text_input(key="accounts_new_name").input("New Bie")
    app.selectbox(key="accounts_new_role").set_value("trainee")
    app.text_input(key="accounts_new_password").input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception
    assert store.authenticate("newbie", PASSWORD).role is Role.TRAINEE


def test_coordinator_resets_disables_and_unlocks_an_account(store, monkeypatch) -> None:
    now = datetime.now(UTC)
    monkeypatch.setattr(sql, "_now", lambda: now)
    app = logged_in(store, Role.COORDINATOR)
    store.create_user("alex", "Alex", Role.TRAINEE, PASSWORD)
    for _ in range(5):
        store.authenticate("alex", "not the password", source="203.0.113.9")
    app.switch_page("app_pages/accounts.py").run()
    app.selectbox(key="accounts_target").set_value("alex").run()
    app.button(key="accounts_unlock").click().run()
    assert app.success[0].value == "alex can sign in again at once."
    assert store.authenticate("alex", PASSWORD, source="203.0.113.9") is not None

    app.text_input(key="accounts_reset_password").input("password123")
    app.button(key="accounts_reset").click().run()
    assert "common passwords" in app.error[0].value
    app.text_input(key="accounts_reset_password").input("a brand new pass phrase")
    app.button(key="accounts_reset").click().run()
    assert app.success[0].value == "Password reset for alex."
    app.button(key="accounts_disable").click().run()
    assert store.find_user("alex").disabled and not app.exception


def test_no_page_relies_on_an_emoji_font() -> None:
    """Icons are Material Symbols (a font that ships with Streamlit) or words: emoji render as empty
    boxes where no emoji font is installed."""
    emoji = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u23E9-\u23FA\uFE0F]")
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        found = emoji.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name}: {found}"


def test_changing_ones_own_password_on_my_account(store) -> None:
    app = logged_in(store, Role.TRAINEE)
    user = store.find_user("trainee1")
    elsewhere, _ = store.start_session(user)
    app.switch_page("app_pages/account.py").run()
    assert titles(app) == "My account"

    def change(current: str, new: str, again: str) -> None:
        app.text_input(key="account_current_password").input(current)
        app.text_input(key="account_new_password").input(new)
        app.text_input(key="account_new_password_again").input(again)
        app.button(key="account_change_password").click().run()

    change(PASSWORD, "a brand new pass phrase", "a brand new pass phrasf")
    assert app.error[0].value == "The two new passwords differ; nothing was changed."
    change("not the password", "a brand new pass phrase", "a brand new pass phrase")
    assert app.error[0].value == "The current password is not right."
    change(PASSWORD, "password123", "password123")
    assert "common passwords" in app.error[0].value
    change(PASSWORD, "a brand new pass phrase", "a brand new pass phrase")
    assert not app.error and app.success[0].value.startswith("Your password is changed.")
    assert store.authenticate("trainee1", "a brand new pass phrase") is not None
    assert store.check_session(elsewhere.id, SessionPolicy(), acted=False) is None
    app.run()
    assert titles(app) == "My account", "this login goes on"
