"""Put the email the patron typed on record.

What it checks:
    When the trainee codes the chat for Follow Up and the patron typed an email
    address in the chat, at the end of the chat the email on record equals
    (ignoring case) the last address the patron typed.

Why it matters:
    The follow-up answer goes to the email on record, not to whatever was said
    in the chat. If the typed address is not recorded, the answer goes to the
    old address, or nowhere.

Fails:
    The patron types "sam.ortiz@students.example.edu" but the email on record
    stays blank.

Passes:
    The trainee copies the typed address into the email on record.
"""

from coach.events import SetEmail
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    if ctx.follow_up_resolve is None:
        return Verdict.not_applicable("You did not code this chat for Follow Up.")
    if not ctx.typed_emails:
        return Verdict.not_applicable("The patron did not type an email address in the chat.")
    typed_at, typed = ctx.typed_emails[-1]
    on_record = ctx.email_on_record()
    changes = ctx.indices(SetEmail)
    last_change = changes[-1] if changes else None
    if on_record and on_record.casefold() == typed.casefold():
        return Verdict.passed("The email the patron typed is on record for the follow up.", typed_at, last_change)
    recorded = f"“{on_record}”" if on_record else "blank"
    return Verdict.failed(
        f"The patron typed {typed}, but the email on record is {recorded}. Update the email on record so the "
        "answer reaches them.",
        typed_at,
        last_change,
    )


RULE = Rule(
    code="FU005",
    name="record-typed-email",
    severity=Severity.MAJOR,
    summary="When the patron types an email address in the chat, put that address on record before Follow Up.",
    seed=CONCLUDING_TIP,
    quote="Then, after the session is over, the librarian doing the follow up can change the patron email address "
    "in the Ask module, so that the patron does get the needed information.",
    doc=__doc__,
    check=check,
)
