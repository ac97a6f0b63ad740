"""Log in."""

import streamlit as st

from app_pages.ui import app_store, log_in
from coach.storage import SignInsBusy, TooManyAttempts

st.title("Chat Reference Coach")
st.caption("Practise library chat reference against scripted patrons, and learn from the scorecard.")
with st.form("login"):
    username = st.text_input("Username", key="login_username")
    password = st.text_input("Password", type="password", key="login_password")
    submitted = st.form_submit_button("Log in", type="primary", key="login_submit")

if submitted:
    address = st.context.ip_address
    try:
        user = app_store().authenticate(username, password, source=address if isinstance(address, str) else "")
    except TooManyAttempts as refused:
        st.error(f"{refused} A coordinator can also unlock the account.")
    except SignInsBusy as busy:
        st.warning(str(busy))
    else:
        if user is None:
            st.error("Wrong username or password.")
        else:
            log_in(user)
            st.rerun()
