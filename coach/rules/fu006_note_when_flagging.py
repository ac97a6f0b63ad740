"""Explain in Librarian NOTES why an answerable chat goes to Follow Up.

What it checks:
    When the trainee codes for Follow Up a chat that could have been answered in
    the session (`expect.answerable: true`), they wrote Librarian NOTES of at
    least three words that are not placeholders ("n/a", "none", "test",
    "tbd", "x", "-", ...). The chat's final resolution code is what counts.

Why it matters:
    Coding an answered chat for Follow Up is a way to call the local library's
    attention to it. Without a note, the librarian who picks it up does not know
    what is wanted and may redo the work or drop it.

Fails:
    The trainee answers the question, codes "Followup by patron's library" and
    writes no note, or writes "n/a - test".

Passes:
    NOTES: "Answered in chat; flagging so the branch knows the patron's card is
    expired."
"""

from coach.events import Note
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP

MIN_WORDS = 3
# Words that fill a note without saying anything (SPEC §5).
PLACEHOLDERS = frozenset({"n/a", "na", "none", "nothing", "test", "tbd", "x", "-", ".", "?"})


def meaningful_words(text: str) -> int:
    """The words of a note that are not placeholders; "N/A." and "TEST" are placeholders too."""
    count = 0
    for word in text.split():
        bare = word.lower().strip(",;:!\"'()")
        placeholder = bare in PLACEHOLDERS or bare.rstrip(".?!") in PLACEHOLDERS
        if not placeholder and any(character.isalnum() for character in bare):
            count += 1
    return count


def check(ctx: Context) -> Verdict:
    if ctx.follow_up_resolve is None:
        return Verdict.not_applicable("You did not code this chat for Follow Up.")
    if not ctx.scenario.expect.answerable:
        return Verdict.not_applicable("This question could not be answered in the chat, so Follow Up needs no note.")
    notes = [i for i in ctx.indices(Note) if meaningful_words(ctx.events[i].text) >= MIN_WORDS]  # type: ignore[attr-defined]
    if notes:
        return Verdict.passed("You explained in Librarian NOTES why the chat goes to Follow Up.", notes[0])
    return Verdict.failed(
        "This question was answerable, so say in Librarian NOTES why you coded it for Follow Up.",
        ctx.follow_up_resolve,
    )


RULE = Rule(
    code="FU006",
    name="note-when-flagging",
    severity=Severity.MAJOR,
    summary="When you code an answerable chat for Follow Up, explain why in Librarian NOTES.",
    seed=CONCLUDING_TIP,
    quote="If you decide to do this, please use the Librarian NOTES option to explain why you are coding the "
    "session for Follow Up.",
    doc=__doc__,
    check=check,
)
