"""A fresh install: the first coordinator account, before anything else."""

import streamlit as st

from app_pages.ui import app_store, log_in
from coach.storage import AccountError
from coach.storage.passwords import RULES_IN_WORDS

st.title("Welcome to Chat Reference Coach")
st.write(
    "This is a new installation. Create the first **coordinator** account: coordinators add "
    "trainees and trainers, and see everyone's scorecards."
)
with st.form("first_account"):
    username = st.text_input("Username", key="first_username", help="3 to 40 characters: letters, digits, . _ -")
    display_name = st.text_input("Your name", key="first_name")
    password = st.text_input(
        "Password", type="password", key="first_password",
        help=RULES_IN_WORDS,
    )
    repeated = st.text_input("Password again", type="password", key="first_password_again")
    submitted = st.form_submit_button("Create the coordinator account", type="primary", key="first_submit")

if submitted:
    if password != repeated:
        st.error("The two passwords are not the same.")
    else:
        try:
            user = app_store().create_first_coordinator(username, display_name or username, password)
        except AccountError as problem:
            st.error(str(problem))
        else:
            st.session_state.auth_has_users = True
            log_in(user)
            st.rerun()
