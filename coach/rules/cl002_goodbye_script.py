"""Close with the patron's library's Goodbye script.

What it checks:
    When the trainee concludes the chat, the closing goodbye: the goodbye
    message after which the trainee sends only goodbyes or short messages
    ("You're welcome, take care!"). If the patron's library has a Goodbye
    script, the closing goodbye contains it: inside a longer message or split
    over two consecutive messages is fine, and so are small edits (the
    patron's name inserted, a typo, a shortened library name), but not
    another library's name in its place or a text closer to another library's
    script. If the library has none, the closing goodbye has the intent
    `thank_and_invite` (thanks the patron and invites them back).

Why it matters:
    The cooperative answers for many libraries. The patron's own library's
    script is how that library wants its patrons greeted out; without one, a
    thank-you and an invitation to come back are the courtesy the service owes.

Fails:
    The patron is from Riverton, which has a Goodbye script, and the trainee
    writes "Bye!", sends Harbor City's script, or sends Riverton's script with
    "Harbor City" in place of "Riverton"; or sends the script and then goes on
    with a new answer.

Passes:
    The trainee sends Riverton's script from the canned scripts, adding the
    patron's name.
"""

from bisect import bisect_right

from coach.events import End, Say
from coach.rules.base import Context, Rule, Severity, Verdict, quote_excerpt
from coach.seeds import CONCLUDING_TIP


def _closing(ctx: Context) -> int | None:
    """Where the chat was closed without the goodbye: End, else the last resolution code."""
    end = ctx.first(End)
    return end if end is not None else ctx.last_resolve


def _no_closing_goodbye(ctx: Context, wanted: str) -> Verdict:
    """The trainee's last long message is no goodbye. The messages are evidence only once the chat is
    closed, so that practice hints do not nag about a goodbye in the middle of a chat."""
    says = ctx.indices(Say)
    closing = _closing(ctx)
    earlier = ctx.goodbye_messages
    if earlier:
        later = says[bisect_right(says, earlier[-1]) :]
        return Verdict.failed(
            f"You said goodbye ({quote_excerpt(ctx.events[earlier[-1]].text)}) but kept writing afterwards, so it "  # type: ignore[attr-defined]
            f"was not your closing message. End the chat with {wanted}.",
            *((earlier[-1], later[-1] if later else None, closing) if closing is not None else ()),
        )
    if not says:
        return Verdict.failed(f"You closed without a word to the patron. End the chat with {wanted}.", closing)
    return Verdict.failed(
        f"I didn't find a goodbye at the end of the chat: your last message was "
        f"{quote_excerpt(ctx.events[says[-1]].text)}. End the chat with {wanted}.",  # type: ignore[attr-defined]
        *((says[-1], closing) if closing is not None else ()),
    )


def _judge_script(ctx: Context) -> Verdict:
    library_key = ctx.scenario.patron.library
    library = ctx.scenario.patron_library
    units = ctx.closing_goodbyes
    if not units:
        return _no_closing_goodbye(ctx, f"the Goodbye script of {library.name}")
    for unit in units:
        text = ctx.text_of(unit)
        if ctx.goodbye.matches_library(ctx.goodbye.similarity(text), library_key):
            if ctx.goodbye.keeps_library_name(text, library_key):
                return Verdict.passed(f"You closed with the Goodbye script of {library.name}.", *unit)
            named = sorted(ctx.scenario.libraries[key].name for key in ctx.goodbye.libraries_named(text))
            instead = f" ({', '.join(named)} instead)" if named else ""
            return Verdict.failed(
                f"Your goodbye follows the script of {library.name} but does not name the library{instead}. "
                "Send the script as the library wrote it.",
                *unit,
            )
    for unit in units:
        if ctx.goodbye.matches_any(ctx.goodbye.similarity(ctx.text_of(unit))):
            return Verdict.failed(
                f"That Goodbye script belongs to another library. This patron is from {library.name}: "
                "send their script.",
                *unit,
            )
    return Verdict.failed(
        f"{library.name} has its own Goodbye script; send it (from the canned scripts) rather than "
        "your own farewell.",
        *units[0],
    )


def check(ctx: Context) -> Verdict:
    if not ctx.trainee_concludes:
        return Verdict.not_applicable("You did not close this chat yourself.")
    library = ctx.scenario.patron_library
    if library.goodbye:
        return _judge_script(ctx)
    farewells = [unit for unit in ctx.closing_goodbyes if any("thank_and_invite" in ctx.intents(i) for i in unit)]
    if farewells:
        return Verdict.passed("You thanked the patron and invited them back.", *farewells[0])
    if ctx.closing_goodbyes:
        return Verdict.failed(
            f"{library.name} has no Goodbye script, so thank the patron for using the service and invite them to "
            "come back with more questions.",
            *ctx.closing_goodbyes[0],
        )
    return _no_closing_goodbye(ctx, "thanks for using the service and an invitation to come back")


RULE = Rule(
    code="CL002",
    name="goodbye-script",
    severity=Severity.MAJOR,
    summary="Close with the patron's library's Goodbye script; if it has none, thank the patron and invite them back.",
    seed=CONCLUDING_TIP,
    quote="If the patron indicates that they need no additional information, send the appropriate Goodbye script "
    "provided by the patron's library. If no Goodbye script is available, thank them for using the service and "
    "encourage them to return if they have more questions.",
    doc=__doc__,
    check=check,
    decided_by=("say", "end"),
)
