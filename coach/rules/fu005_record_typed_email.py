"""Put the email the patron typed on record.

What it checks:
    When the chat's final resolution code is a Follow Up code and the patron
    typed an email address in the chat, at the end of the chat the email on
    record equals (ignoring case) the patron's address: the last one they
    typed, written out or spelled ("kayla at gmail dot com"), skipping one
    that the same message rejects ("use kayla@gmail.com, not kayla@gmial.com")
    and with a later correction in words applied ("sorry, gmail not gmial").

Why it matters:
    The follow-up answer goes to the email on record, not to whatever was said
    in the chat. If the typed address is not recorded, the answer goes to the
    old address, or nowhere.

Fails:
    The patron types "sam.ortiz@students.example.edu" but the email on record
    stays blank; or the patron types "kayla@gmial.com", then "sorry, gmail not
    gmial", and the trainee records kayla@gmial.com.

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
    changes = ctx.indices(SetEmail)
    last_change = changes[-1] if changes else None
    meant = ctx.patron_address
    if meant is None:
        return Verdict.not_applicable("The patron took back every address they typed, so there is none to record.")
    typed_at, typed = meant
    if ctx.address_on_record() == typed:
        return Verdict.passed("The email the patron gave is on record for the follow up.", typed_at, last_change)
    on_record = ctx.email_on_record()
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
