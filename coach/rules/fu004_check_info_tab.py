"""Look at the Info tab before Follow Up.

What it checks:
    When the chat's final resolution code (the last one picked) is a Follow
    Up code, the trainee opened the Info tab (`view_info`) before it.

Why it matters:
    The Info tab shows whether the patron filled in an email address when they
    started the chat. Many do not; checking tells you whether you must ask.

Fails:
    The trainee codes for Follow Up without ever opening the Info tab.

Passes:
    The trainee opens the Info tab, sees the email is blank, and asks for it.
"""

from coach.events import ViewInfo
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    resolve = ctx.follow_up_resolve
    if resolve is None:
        return Verdict.not_applicable("You did not code this chat for Follow Up.")
    viewed = ctx.first(ViewInfo, 0, resolve)
    if viewed is not None:
        return Verdict.passed("You checked the Info tab before coding for Follow Up.", viewed)
    return Verdict.failed(
        "Open the Info tab before coding for Follow Up, to see whether the patron gave an email address.",
        resolve,
    )


RULE = Rule(
    code="FU004",
    name="check-info-tab",
    severity=Severity.MINOR,
    summary="Before coding for Follow Up, open the Info tab to see whether the patron gave an email address.",
    seed=CONCLUDING_TIP,
    quote='You can see if the patron submitted an email by looking in the "Info" tab,in the chat monitor.',
    doc=__doc__,
    check=check,
    decided_by=("resolve",),
)
