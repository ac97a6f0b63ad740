"""The rule catalogue: every rule the coach checks, why it matters, the tip it comes from, and a good
and a bad example; trainers also see how to change a rule for one scenario."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import require_role
from coach.markdown_text import escape_markdown, escape_markdown_except_code
from coach.rules import RULES, Rule, Severity, find_rules
from coach.seeds import SEEDS, Seed
from coach.storage import Role

# docs/scenarios.md shows the same example (a test keeps the two alike and checks that it validates).
RULE_SETTINGS_EXAMPLE = """\
rules:
  TR003: off        # an apology is beside the point in this scenario
  CL002: minor      # the Goodbye script matters less here
"""


def severity_label(severity: Severity) -> str:
    return f"{severity.value} (weight {severity.weight})"


def chosen_filters() -> tuple[list[Severity], list[Seed], str]:
    """The reader's severities, tip and search words; an empty choice means all."""
    severity_column, tip_column, search_column = st.columns([2, 2, 3])
    severities = severity_column.multiselect("Severity", list(Severity), format_func=severity_label,
                                             placeholder="All severities", key="rules_severities")
    tip = tip_column.radio("Tip", [None, *SEEDS], format_func=lambda seed: "Both tips" if seed is None else seed.topic,
                           captions=["", *(seed.title for seed in SEEDS)], key="rules_tip")
    search = search_column.text_input("Search", placeholder="a code, a name or words of the summary",
                                      key="rules_search")
    return severities, [] if tip is None else [tip], search


def show_rule(rule: Rule) -> None:
    doc = rule.documentation
    with st.expander(f"{rule.code} · {rule.name} · {severity_label(rule.severity)}"):
        st.markdown(f"**{escape_markdown(rule.summary)}**")
        st.markdown(f"**What it checks**\n\n{escape_markdown_except_code(doc.what_it_checks)}")
        st.markdown(f"**Why it matters**\n\n{escape_markdown_except_code(doc.why_it_matters)}")
        # The tip is someone else's text: quoted word for word, escaped.
        st.markdown(f"**From the tip**\n\n> {escape_markdown(rule.quote)}\n>\n"
                    f"> — *{escape_markdown(rule.seed.title)}* ({escape_markdown(rule.seed.topic.lower())})")
        good, bad = st.columns(2)
        good.markdown(f":material/check_circle: **A good example**\n\n{escape_markdown_except_code(doc.passes)}")
        bad.markdown(f":material/cancel: **A bad example**\n\n{escape_markdown_except_code(doc.fails)}")


def show_rule_settings_help() -> None:
    st.subheader("For trainers: switch a rule off or change its severity in one scenario")
    st.markdown("In the scenario's YAML file, add `rules:` with a rule code and `off`, or another severity "
                "(`critical`, `major`, `minor`). Other scenarios keep the rule as it is here.")
    st.code(RULE_SETTINGS_EXAMPLE, language="yaml")
    st.markdown("A rule switched off still appears on the scorecard, as not applicable, with the reason. "
                "A changed severity changes the rule's weight and whether failing it fails the chat (only critical "
                "rules do that on their own). The **Workbench** and `coach validate` name an unknown rule code or "
                "setting by its line. More in `docs/scenarios.md`.")


user = require_role(Role.TRAINEE, Role.TRAINER, Role.COORDINATOR)
st.title("What the coach checks")
st.caption(
    "Every practice chat is scored against these rules, drawn from two training tips. Critical rules weigh 3, "
    "major 2, minor 1; a chat passes with a score of at least 80 and no critical rule failed."
)

severities, seeds, search = chosen_filters()
shown = find_rules(severities, seeds, search)
if shown:
    st.caption(f"{len(shown)} of {len(RULES)} rules")
else:
    st.info("No rule matches these filters.")
for rule in shown:
    show_rule(rule)

if user.role in (Role.TRAINER, Role.COORDINATOR):
    st.divider()
    show_rule_settings_help()
