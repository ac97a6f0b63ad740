"""Ask when the patron needs the answer before Follow Up.

What it checks:
    When the chat's final resolution code (the last one picked) is a Follow
    Up code, a message to the patron before it has the intent `ask_deadline`.

Why it matters:
    A Follow Up answer can take several days. The librarian doing the follow up
    needs the deadline to know whether that is soon enough, and the patron needs
    to know what to expect.

Fails:
    The trainee promises to email articles and codes the chat for Follow Up
    without asking when the paper is due.

Passes:
    "When do you need the articles by?"
"""

from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    resolve = ctx.follow_up_resolve
    if resolve is None:
        return Verdict.not_applicable("You did not code this chat for Follow Up.")
    asked = ctx.says_with(["ask_deadline"], 0, resolve)
    if asked:
        return Verdict.passed("You asked when the patron needs the answer.", asked[0])
    return ctx.missing(
        "ask_deadline",
        "asking when the patron needs the answer before you coded for Follow Up",
        "Ask when they need it: a follow-up answer may take several days.",
        0,
        resolve,
        resolve,
    )


RULE = Rule(
    code="FU003",
    name="ask-deadline",
    severity=Severity.MAJOR,
    summary="Before coding for Follow Up, ask when the patron needs the answer.",
    seed=CONCLUDING_TIP,
    quote="Before coding for follow up, verify the patron's email address and deadline. It may take several days "
    "for the patron to get an answer back from the library.",
    doc=__doc__,
    check=check,
    decided_by=("resolve",),
)
