"""Ask the patron to type or confirm their email before Follow Up.

What it checks:
    When the chat's final resolution code (the last one picked) is a Follow
    Up code, a message to the patron before it has the intent `ask_email` (type, confirm or correct their
    email address).

Why it matters:
    The address typed into the chat form is often missing or mistyped. Asking
    the patron to confirm it is the only way to be sure the answer reaches them.

Fails:
    The Info tab shows an address and the trainee codes for Follow Up without
    checking it with the patron.

Passes:
    "Could you type your email address so I can send you the rest of the
    articles?"
"""

from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    resolve = ctx.follow_up_resolve
    if resolve is None:
        return Verdict.not_applicable("You did not code this chat for Follow Up.")
    asked = ctx.says_with(["ask_email"], 0, resolve)
    if asked:
        return Verdict.passed("You asked the patron to give or confirm their email address.", asked[0])
    return ctx.missing(
        "ask_email",
        "asking the patron to type or confirm their email address before you coded for Follow Up",
        "Ask for it even if the Info tab shows one.",
        0,
        resolve,
        resolve,
    )


RULE = Rule(
    code="FU002",
    name="verify-email",
    severity=Severity.MAJOR,
    summary="Before coding for Follow Up, ask the patron to type or confirm their email address.",
    seed=CONCLUDING_TIP,
    quote="Even if the patron did provide an email address when a chat session was initiated, it is a good idea to "
    "ask the patron to verify their email address.",
    doc=__doc__,
    check=check,
    decided_by=("resolve",),
)
