"""Chat Reference Coach: the Streamlit entry point. Pages live in app_pages/."""

import streamlit as st

st.set_page_config(page_title="Chat Reference Coach", page_icon="💬", layout="wide")

navigation = st.navigation(
    [st.Page("app_pages/rule_catalogue.py", title="Rules", icon="📋", default=True)]
)
navigation.run()
