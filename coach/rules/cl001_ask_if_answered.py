"""Ask whether the question is completely answered before closing.

What it checks:
    When the trainee concludes a chat coded Answered, a message to the patron
    has the intent `ask_if_answered` before the closing point: the first of a
    goodbye message, a resolution code, or End.

Why it matters:
    Only the patron knows whether the answer was enough. Asking gives them the
    chance to say what is still missing before the chat is gone.

Fails:
    The trainee sends a link and then the Goodbye script.

Passes:
    "Does this completely answer your question?" and, once the patron says yes,
    the Goodbye script.
"""

from coach.events import End, Resolve, Say
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def check(ctx: Context) -> Verdict:
    if not ctx.trainee_concludes or ctx.outcome != "answered":
        return Verdict.not_applicable("You did not close this chat as Answered.")
    goodbyes = [index for index in ctx.indices(Say) if ctx.is_goodbye_message(index)]
    closing_points = [index for index in (ctx.first(Resolve), ctx.first(End), *goodbyes[:1]) if index is not None]
    closing = min(closing_points)
    asked = ctx.says_with(["ask_if_answered"], 0, closing)
    if asked:
        return Verdict.passed("You checked that the patron's question was completely answered.", asked[0])
    too_late = ctx.says_with(["ask_if_answered"], closing)
    if too_late:
        return Verdict.failed(
            "You asked whether the question was answered only after you had started closing. Ask "
            "“Does this completely answer your question?” before the goodbye and the resolution code.",
            closing,
            too_late[0],
        )
    return Verdict.failed(
        "You closed without asking whether the patron's question was answered. Ask "
        "“Does this completely answer your question?” first.",
        closing,
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
