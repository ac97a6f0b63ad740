"""The rule catalogue: what the coach checks, and the tip each rule comes from."""

import streamlit as st

from app_pages.ui import require_role
from coach.rules import RULES
from coach.storage import Role

require_role(Role.TRAINEE, Role.TRAINER, Role.COORDINATOR)
st.title("What the coach checks")
st.caption(
    "Every practice chat is scored against these rules. Critical rules weigh 3, major 2, minor 1; "
    "a chat passes with a score of at least 80 and no critical rule failed."
)

for rule in RULES:
    with st.expander(f"{rule.code} · {rule.name} · {rule.severity.value}"):
        st.markdown(f"**{rule.summary}**")
        st.caption(f"From “{rule.seed.title}”")
        st.text(rule.quote)
        st.text(rule.doc)
