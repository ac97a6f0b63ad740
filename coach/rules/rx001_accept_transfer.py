"""Say Yes when a colleague offers you a transfer.

What it checks:
    When a colleague offers the trainee a chat (`transfer_offer`), the trainee's
    answer to the pop-up is Yes (`accept_transfer` with `accepted: true`).

Why it matters:
    The transfer only goes through when the receiving librarian chooses Yes.
    A colleague who offers a chat has usually asked first and is counting on
    you; saying No or not answering leaves the patron waiting.

Fails:
    The pop-up asks the trainee to take Ana's chat; the trainee presses No, or
    never answers.

Passes:
    The trainee presses Yes and enters the session.
"""

from coach.events import AcceptTransfer, TransferOffer
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import TRANSFER_TIP


def check(ctx: Context) -> Verdict:
    offer = ctx.first(TransferOffer)
    if offer is None:
        return Verdict.not_applicable("Nobody offered you a transfer in this chat.")
    answer = ctx.first(AcceptTransfer, offer + 1)
    if answer is None:
        return Verdict.failed("A colleague offered you this chat and you never answered the pop-up.", offer)
    if ctx.events[answer].accepted:  # type: ignore[attr-defined]
        return Verdict.passed("You accepted the transfer.", offer, answer)
    return Verdict.failed(
        "You answered No to the transfer. The patron was waiting; the transfer only goes through when you choose Yes.",
        offer,
        answer,
    )


RULE = Rule(
    code="RX001",
    name="accept-transfer",
    severity=Severity.MAJOR,
    summary="When a colleague offers you a chat, choose Yes in the pop-up.",
    seed=TRANSFER_TIP,
    quote="The librarian you are transferring *to* will see the following pop-up. They must choose “Yes” in order to proceed.",
    doc=__doc__,
    check=check,
    decided_by=("accept_transfer",),
)
