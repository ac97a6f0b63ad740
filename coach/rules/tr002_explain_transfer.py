"""Tell the patron you are transferring them, and why.

What it checks:
    When the trainee transfers the chat, some message to the patron before the
    first transfer has the intent `explain_transfer`.

Why it matters:
    QuestionPoint does not tell the patron about a transfer by itself. Without a
    word from the librarian, a new name suddenly appears in the chat and the
    patron does not know what is happening or why.

Fails:
    The trainee says "One moment." and transfers.

Passes:
    "Since this is about your library account, I'm going to transfer you to Kim
    from Riverton Public Library, who can look at your record."
"""

from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import TRANSFER_TIP


def check(ctx: Context) -> Verdict:
    transfer = ctx.first_transfer
    if transfer is None:
        return Verdict.not_applicable("You did not transfer this chat.")
    explained = ctx.says_with(["explain_transfer"], 0, transfer)
    if explained:
        return Verdict.passed("You told the patron they were being transferred before you did it.", explained[0])
    return ctx.missing(
        "explain_transfer",
        "that tells the patron about the transfer before you pressed Transfer",
        "Briefly explain whom you are passing them to and why.",
        0,
        transfer,
        transfer,
    )


RULE = Rule(
    code="TR002",
    name="explain-transfer",
    severity=Severity.MAJOR,
    summary="Before transferring, briefly tell the patron that you are passing them to another librarian, and why.",
    seed=TRANSFER_TIP,
    quote="Briefly explain to the patron why you are transferring them to another librarian, apologizing if appropriate.",
    doc=__doc__,
    check=check,
    decided_by=("transfer",),
)
