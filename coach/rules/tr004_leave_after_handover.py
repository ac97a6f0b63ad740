"""Leave the chat once your colleague has entered; do not Dismiss or End it.

What it checks:
    When a colleague has entered the session after the trainee's transfer, the
    trainee's next button press among Leave, End and Dismiss is Leave. It fails
    when the trainee pressed Dismiss or End first, or never left.

Why it matters:
    Leave is the handover: it takes only you out, and the incoming librarian
    carries on with the patron. Dismiss closes the chat on your screen without
    saying so in the session, and End (which the console no longer offers once
    a colleague has entered, but other tools do) closes it for everyone, the
    patron included, just as the right librarian arrived.

Fails:
    Kim has entered the session; the trainee presses Dismiss instead of Leave.

Passes:
    Kim has entered the session; the trainee presses Leave."""

from coach.events import End, Leave
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import TRANSFER_TIP


def check(ctx: Context) -> Verdict:
    joined = ctx.handover_join
    if joined is None:
        return Verdict.not_applicable("No colleague entered the chat after a transfer.")
    exit_index = ctx.exit_after(joined)
    if exit_index is None:
        return Verdict.failed(
            "Your colleague entered the chat but you never pressed Leave. Leave so they can carry on alone.",
            joined,
        )
    if isinstance(ctx.events[exit_index], Leave):
        return Verdict.passed("You left the chat to your colleague once they had entered.", joined, exit_index)
    if isinstance(ctx.events[exit_index], End):
        message = "You pressed End after your colleague entered. End closes the session for everyone in it, the " \
            "patron included; press Leave, so that only you go."
    else:
        message = "You pressed Dismiss after your colleague entered. Press Leave: it takes you out of the chat " \
            "and leaves the patron with the incoming librarian."
    return Verdict.failed(message, joined, exit_index)


RULE = Rule(
    code="TR004",
    name="leave-after-handover",
    severity=Severity.MAJOR,
    summary="After the colleague has entered the session, press Leave, not End or Dismiss.",
    seed=TRANSFER_TIP,
    quote="When the initial librarian clicks on “Leave”, the chat will disappear for that librarian, and only the "
    "“incoming” librarian will be in the chat with the patron.",
    doc=__doc__,
    check=check,
    decided_by=("end", "dismiss"),
)
