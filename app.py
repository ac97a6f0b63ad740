"""Chat Reference Coach: the Streamlit entry point. Pages live in app_pages/."""

import streamlit as st

from app_pages.ui import init_state

st.set_page_config(page_title="Chat Reference Coach", page_icon="💬", layout="wide")
init_state()

navigation = st.navigation(
    [
        st.Page("app_pages/console.py", title="Practice", icon="💬", default=True),
        st.Page("app_pages/scorecard.py", title="Scorecard", icon="📊"),
        st.Page("app_pages/rule_catalogue.py", title="Rules", icon="📋"),
    ]
)
navigation.run()
