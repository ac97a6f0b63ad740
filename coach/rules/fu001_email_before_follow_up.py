"""No email, no Follow Up.

What it checks:
    When the chat's final resolution code (the last one the trainee picked) is a
    Follow Up code, at that moment there is an email address on record (the
    Info tab's, as changed by the trainee: "unknown" or "n/a" is no address),
    or the patron has typed an email address in the chat, written out or
    spelled ("sam at gmail dot com").

Why it matters:
    The answer to a Follow Up question is sent by email, often days later. With
    no address, nobody can get back to the patron and the work is wasted.

Fails:
    The Info tab's email is blank, the trainee never asks for one, and codes the
    chat "Followup by me".

Passes:
    The patron types "sam.ortiz@students.example.edu" in the chat before the
    trainee codes the chat for Follow Up.
"""

from coach.events import SetEmail
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    resolve = ctx.follow_up_resolve
    if resolve is None:
        return Verdict.not_applicable("You did not code this chat for Follow Up.")
    typed = [index for index, _ in ctx.typed_emails if index < resolve]
    if typed:
        return Verdict.passed("The patron had typed an email address before you coded for Follow Up.", typed[-1])
    if ctx.address_on_record(before=resolve):
        changes = ctx.indices(SetEmail, 0, resolve)
        return Verdict.passed(
            "There was an email address on record when you coded for Follow Up.",
            changes[-1] if changes else None,
            resolve,
        )
    written = ctx.email_on_record(before=resolve)
    if written:
        changes = ctx.indices(SetEmail, 0, resolve)
        return Verdict.failed(
            f"The email on record was “{written}”, which is not an email address, and the patron typed none in "
            "the chat. Ask the patron to type their email address before you code for Follow Up.",
            changes[-1] if changes else None,
            resolve,
        )
    return Verdict.failed(
        "You coded the chat for Follow Up with no email address to send the answer to. Ask the patron to type "
        "their email address first.",
        resolve,
    )


RULE = Rule(
    code="FU001",
    name="email-before-follow-up",
    severity=Severity.CRITICAL,
    summary="Never code a chat for Follow Up without an email address for the patron.",
    seed=CONCLUDING_TIP,
    quote="It is important to check that the patron did in fact provide an email address before coding the session "
    "for Follow Up.",
    doc=__doc__,
    check=check,
    decided_by=("resolve",),
)
