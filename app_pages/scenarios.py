"""The scenario library: every scenario, its status, and which rules it exercises."""

import pandas as pd
import streamlit as st

from app_pages.ui import require_role, scenario_library
from coach.coverage import coverage
from coach.rules import RULES
from coach.storage import Role


@st.cache_data(show_spinner="Playing every walkthrough...")
def coverage_table(scenario_ids: tuple[str, ...]) -> pd.DataFrame:
    """Scenarios x rules: P passed, F failed, PF both, blank never reached (cached: the files do not change)."""
    library = scenario_library()
    found = coverage(library.get(scenario_id) for scenario_id in scenario_ids)
    marks = {
        row.scenario_id: {
            code: "".join(mark for mark, verdict in (("P", "pass"), ("F", "fail")) if verdict in row.verdicts[code])
            for code in (rule.code for rule in RULES)
        }
        for row in found.scenarios
    }
    return pd.DataFrame.from_dict(marks, orient="index")


require_role(Role.TRAINER, Role.COORDINATOR)
st.title("Scenarios")
library = scenario_library()
playable = library.playable()
matrix = coverage_table(tuple(loaded.scenario.id for loaded in playable))

st.dataframe(
    pd.DataFrame(
        {
            "Title": [loaded.scenario.title for loaded in playable],
            "Id": [loaded.scenario.id for loaded in playable],
            "Role": [loaded.scenario.role.value for loaded in playable],
            "Status": ["valid, playable" for _ in playable],
            "Rules exercised": [", ".join(code for code, mark in matrix.loc[loaded.scenario.id].items() if mark)
                                for loaded in playable],
            "Version": [loaded.content_hash[:12] for loaded in playable],
        }
    ),
    hide_index=True,
    use_container_width=True,
)
if library.problems:
    st.error("Scenario files that do not load:")
    for problem in library.problems:
        st.text(str(problem))

st.subheader("Coverage: scenarios x rules")
st.caption("P: a walkthrough passes the rule; F: one fails it; PF: both. Blank: no walkthrough reaches it.")
st.dataframe(matrix, use_container_width=True)
uncovered = [code for code in matrix.columns if not matrix[code].astype(bool).any()]
if uncovered:
    st.warning("Rules no scenario exercises: " + ", ".join(uncovered))
else:
    st.success("Every rule is exercised by at least one scenario.")
