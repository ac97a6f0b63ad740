"""Ask whether the question is completely answered before closing.

What it checks:
    When the trainee concludes a chat coded Answered, a message to the patron
    has the intent `ask_if_answered` before the closing point (the first of
    the closing goodbye, a resolution code, or End), and the patron's reply to
    the last such message before the closing point (the patron's next message,
    not counting lines typed unasked, such as "hello? are you still there?")
    does not say the question is still open (intent `needs_more_help`: "Not
    quite, I also need ...").

Why it matters:
    Only the patron knows whether the answer was enough. Asking gives them the
    chance to say what is still missing before the chat is gone.

Fails:
    The trainee sends a link and then the Goodbye script; or asks "Does this
    completely answer your question?", the patron answers "No, my card is
    still blocked", and the trainee closes anyway.

Passes:
    "Does this completely answer your question?" and, once the patron says yes,
    the Goodbye script.
"""

from coach.events import End, PatronSays, Resolve
from coach.rules.base import Context, Rule, Severity, Verdict, quote_excerpt
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    if not ctx.trainee_concludes or ctx.outcome != "answered":
        return Verdict.not_applicable("You did not close this chat as Answered.")
    closing_points = [i for i in (ctx.first(Resolve), ctx.first(End), ctx.closing_goodbye) if i is not None]
    closing = min(closing_points) if closing_points else len(ctx.events)
    asked = ctx.says_with(["ask_if_answered"], 0, closing)
    if asked:
        last = asked[-1]
        reply = next((i for i in ctx.indices(PatronSays, last + 1, closing) if not ctx.events[i].unprompted), None)  # type: ignore[attr-defined]
        if reply is not None and "needs_more_help" in ctx.intents(reply):
            return Verdict.failed(
                f"You asked whether the question was answered, and the patron said it was not: "
                f"{quote_excerpt(ctx.events[reply].text)}. Help with what is still missing, then ask again "  # type: ignore[attr-defined]
                "before you close.",
                last,
                reply,
            )
        if reply is None:
            return Verdict.passed("You checked that the patron's question was completely answered.", last)
        return Verdict.passed("You checked that the patron's question was completely answered, and they agreed.",
                              last, reply)
    too_late = ctx.says_with(["ask_if_answered"], closing)
    if too_late:
        return Verdict.failed(
            "You asked whether the question was answered only after you had started closing. Ask "
            "“Does this completely answer your question?” before the goodbye and the resolution code.",
            closing,
            too_late[0],
        )
    return ctx.missing(
        "ask_if_answered",
        "asking whether the patron's question was completely answered before you closed",
        "Ask “Does this completely answer your question?” first.",
        0,
        closing,
        closing if closing < len(ctx.events) else None,
    )


RULE = Rule(
    code="CL001",
    name="ask-if-answered",
    severity=Severity.MAJOR,
    summary="Before closing an answered chat, ask “Does this completely answer your question?”",
    seed=CONCLUDING_TIP,
    quote='Before closing, ask the patron if their question has been answered ("Does this completely answer your '
    'question?") or if they need additional information.',
    doc=__doc__,
    check=check,
    decided_by=("say", "resolve", "end"),
)
