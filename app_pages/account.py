"""My account (every role): change one's own password."""

import streamlit as st

from app_pages.ui import app_store, current_session, require_role
from coach.storage import AccountError, Role, SignInsBusy, TooManyAttempts
from coach.storage.passwords import RULES_IN_WORDS

user = require_role(*Role)
st.title("My account")
st.text(f"{user.display_name} ({user.username}), {user.role.value}")

st.subheader("Change your password")
with st.form("account_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", key="account_current_password")
    new = st.text_input(
        "New password", type="password", key="account_new_password",
        help=RULES_IN_WORDS,
    )
    again = st.text_input("New password again", type="password", key="account_new_password_again")
    submitted = st.form_submit_button("Change password", type="primary", key="account_change_password")

if submitted:
    session = current_session(acted=True)
    address = st.context.ip_address
    if session is None:
        st.rerun()
    elif new != again:
        st.error("The two new passwords differ; nothing was changed.")
    else:
        try:
            app_store().change_own_password(session, current, new, source=address if isinstance(address, str) else "")
        except (AccountError, TooManyAttempts) as problem:
            st.error(str(problem))
        except SignInsBusy as busy:
            st.warning(str(busy))
        else:
            st.success("Your password is changed. Your other logins (other browsers and devices) have ended.")
