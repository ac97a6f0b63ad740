"""Chat Reference Coach: the Streamlit entry point. Pages live in app_pages/; each checks its role itself."""

from pathlib import Path

import streamlit as st

from app_pages.ui import app_store, current_session, init_state, log_out, set_login_cookie
from coach.markdown_text import escape_markdown
from coach.storage import Role

# The icon is a file of ours: a Material icon as page icon is fetched from Google's font server.
st.set_page_config(page_title="Chat Reference Coach", page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
                   layout="wide")
init_state()


def pages_for(role: Role) -> list:
    practice = st.Page("app_pages/console.py", title="Practice", icon=":material/forum:", default=role is not Role.COORDINATOR)
    scorecard = st.Page("app_pages/scorecard.py", title="Scorecard", icon=":material/scoreboard:")
    attempts = st.Page("app_pages/attempts.py", title="All attempts" if role is Role.COORDINATOR else "My attempts",
                       icon=":material/folder_open:")
    rules = st.Page("app_pages/rule_catalogue.py", title="Rules", icon=":material/rule:")
    scenarios = st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/library_books:")
    replay = st.Page("app_pages/replay.py", title="Replay", icon=":material/replay:")
    workbench = st.Page("app_pages/workbench.py", title="Workbench", icon=":material/build:")
    account = st.Page("app_pages/account.py", title="My account", icon=":material/manage_accounts:")
    if role is Role.COORDINATOR:
        dashboard = st.Page("app_pages/dashboard.py", title="Dashboard", icon=":material/monitoring:", default=True)
        trainee = st.Page("app_pages/trainee.py", title="Trainee", icon=":material/school:")
        accounts = st.Page("app_pages/accounts.py", title="Accounts", icon=":material/group:")
        return [dashboard, trainee, attempts, replay, accounts, practice, scorecard, scenarios, workbench, rules, account]
    if role is Role.TRAINER:
        return [practice, scorecard, attempts, replay, scenarios, workbench, rules, account]
    return [practice, scorecard, attempts, replay, rules, account]


if not st.session_state.auth_has_users:
    st.session_state.auth_has_users = app_store().count_users() > 0
session = current_session(acted=True)  # a full run is the user doing something; the chat's refresh is not
user = None if session is None else session.user
if not st.session_state.auth_has_users:
    pages = [st.Page("app_pages/first_account.py", title="First account", icon=":material/key:", default=True)]
elif user is None:
    pages = [st.Page("app_pages/login.py", title="Log in", icon=":material/key:", default=True)]
else:
    pages = pages_for(user.role)
    set_login_cookie(session)
    with st.sidebar:
        st.caption(f"{escape_markdown(user.display_name)} · {user.role.value}")
        st.button("Log out", on_click=log_out, key="auth_log_out")
        st.button("Log out everywhere", on_click=log_out, kwargs={"everywhere": True}, key="auth_log_out_everywhere",
                  help="End this login on every browser and device, not only here.")

st.navigation(pages).run()
