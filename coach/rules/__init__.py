"""The rule catalogue: an explicit registry, in code order."""

from collections.abc import Collection

from coach.rules import (
    cl001_ask_if_answered,
    cl002_goodbye_script,
    fu001_email_before_follow_up,
    fu002_verify_email,
    fu003_ask_deadline,
    fu004_check_info_tab,
    fu005_record_typed_email,
    fu006_note_when_flagging,
    rt001_right_route,
    rx001_accept_transfer,
    rx002_holding_message,
    tr001_contact_before_transfer,
    tr002_explain_transfer,
    tr003_apologize_when_transferring,
    tr004_leave_after_handover,
)
from coach.rules.base import Context, Outcome, Rule, Severity, Verdict
from coach.seeds import Seed

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            module.RULE
            for module in (
                cl001_ask_if_answered,
                cl002_goodbye_script,
                fu001_email_before_follow_up,
                fu002_verify_email,
                fu003_ask_deadline,
                fu004_check_info_tab,
                fu005_record_typed_email,
                fu006_note_when_flagging,
                rt001_right_route,
                rx001_accept_transfer,
                rx002_holding_message,
                tr001_contact_before_transfer,
                tr002_explain_transfer,
                tr003_apologize_when_transferring,
                tr004_leave_after_handover,
            )
        ),
        key=lambda rule: rule.code,
    )
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def find_rules(severities: Collection[Severity] = (), seeds: Collection[Seed] = (), search: str = "") -> list[Rule]:
    """The rules of any of these severities, from any of these tips, whose code, name or summary contains
    every word of the search (ignoring case); an empty choice does not narrow the list."""
    words = search.casefold().split()
    return [
        rule
        for rule in RULES
        if (not severities or rule.severity in severities)
        and (not seeds or rule.seed in seeds)
        and all(word in f"{rule.code} {rule.name} {rule.summary}".casefold() for word in words)
    ]


__all__ = ["RULES", "RULES_BY_CODE", "Context", "Outcome", "Rule", "Severity", "Verdict", "find_rules"]
