"""Accounts (coordinators): add trainees and trainers, change roles, reset passwords, disable, unlock."""

import pandas as pd
import streamlit as st

from app_pages.ui import app_store, require_role
from coach.storage import AccountError, NotFound, Role
from coach.storage.passwords import RULES_IN_WORDS

coordinator = require_role(Role.COORDINATOR)
store = app_store()
st.title("Accounts")

users = store.list_users()
st.dataframe(
    pd.DataFrame(
        {
            "Username": [u.username for u in users],
            "Name": [u.display_name for u in users],
            "Role": [u.role.value for u in users],
            "Cohort": [u.cohort or "" for u in users],
            "Disabled": [u.disabled for u in users],
        }
    ),
    hide_index=True,
    use_container_width=True,
)

st.subheader("Add an account")
with st.form("accounts_add", clear_on_submit=True):
    username = st.text_input("Username", key="accounts_new_username")
    display_name = st.text_input("Name", key="accounts_new_name")
    role = st.selectbox("Role", [Role.TRAINEE.value, Role.TRAINER.value, Role.COORDINATOR.value], key="accounts_new_role")
    cohort = st.text_input("Cohort (optional)", key="accounts_new_cohort")
    password = st.text_input(
        "First password", type="password", key="accounts_new_password",
        help=RULES_IN_WORDS,
    )
    if st.form_submit_button("Add", type="primary"):
        try:
            added = store.create_user(username, display_name or username, Role(role), password, cohort or None)
        except AccountError as problem:
            st.error(str(problem))
        else:
            st.success(f"Added {added.username} ({added.role.value}).")
            st.rerun()

st.subheader("Change an account")
names = [u.username for u in users]
target = st.selectbox("Account", names, key="accounts_target")
new_role, new_password, switch = st.columns(3)
with new_role:
    role_choice = st.selectbox("Role", [r.value for r in Role], key="accounts_role_choice")
    if st.button("Change role", key="accounts_change_role"):
        if target == coordinator.username and role_choice != Role.COORDINATOR.value:
            st.error("You cannot take away your own coordinator role.")
        else:
            try:
                store.set_role(target, Role(role_choice))
            except NotFound:
                st.error(f"There is no account {target} any more.")
            else:
                st.rerun()
with new_password:
    reset = st.text_input("New password", type="password", key="accounts_reset_password")
    if st.button("Reset password", key="accounts_reset"):
        try:
            store.set_password(target, reset)
        except (AccountError, NotFound) as problem:
            st.error(str(problem) or f"There is no account {target} any more.")
        else:
            st.success(f"Password reset for {target}.")
with switch:
    disabled = next(u.disabled for u in users if u.username == target)
    if disabled and st.button("Enable", key="accounts_enable"):
        store.set_disabled(target, False)
        st.rerun()
    if not disabled and st.button("Disable", key="accounts_disable"):
        if target == coordinator.username:
            st.error("You cannot disable your own account.")
        else:
            store.set_disabled(target, True)
            st.rerun()
    if st.button("Unlock sign-in", key="accounts_unlock",
                 help="Forget the failed sign-ins that make this account's next logins wait."):
        store.unlock(target)
        st.success(f"{target} can sign in again at once.")
