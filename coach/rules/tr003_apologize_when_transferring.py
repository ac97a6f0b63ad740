"""Apologise when the transfer is your doing.

What it checks:
    When the scenario says an apology fits the transfer (`expect.apology: true`,
    for example an emergency at the trainee's own desk) and the trainee
    transfers, some message to the patron before the first transfer has the
    intent `apologize`.

Why it matters:
    When the librarian has to hand a chat over because of their own emergency or
    conflict, the patron is being moved for the library's reasons, not theirs; a
    short apology keeps their goodwill.

Fails:
    "I have to go. I'm transferring you to Ana." (no apology)

Passes:
    "I'm so sorry, an emergency came up at my desk. I'm transferring you to Ana,
    who can keep helping you."
"""

from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import TRANSFER_TIP


def check(ctx: Context) -> Verdict:
    transfer = ctx.first_transfer
    if transfer is None:
        return Verdict.not_applicable("You did not transfer this chat.")
    if not ctx.scenario.expect.apology:
        return Verdict.not_applicable("No apology was needed for this transfer.")
    apologies = ctx.says_with(["apologize"], 0, transfer)
    if apologies:
        return Verdict.passed("You apologised to the patron before transferring them.", apologies[0])
    return ctx.missing(
        "apologize",
        "with an apology before the transfer",
        "This transfer was for your reasons, not the patron's: apologise before you transfer them.",
        0,
        transfer,
        transfer,
    )


RULE = Rule(
    code="TR003",
    name="apologize-when-transferring",
    severity=Severity.MINOR,
    summary="When a transfer is caused by your own situation, apologise to the patron before transferring.",
    seed=TRANSFER_TIP,
    quote="Briefly explain to the patron why you are transferring them to another librarian, apologizing if appropriate.",
    doc=__doc__,
    check=check,
    decided_by=("transfer",),
)
