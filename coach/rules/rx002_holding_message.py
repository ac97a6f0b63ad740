"""Send a holding message as soon as you take over a chat.

What it checks:
    When the trainee has entered a chat as the receiving librarian, their first
    message to the patron (after greetings, if they start with one: "Hi Pat,
    I'm Sam!", but not "Hello! What is your question?") asks the patron to wait while they read the question
    (intent `hold_read_question`) or review the transcript
    (`hold_review_transcript`). When the scenario names one (`expect.holding`),
    it must be that one: reading the question for a chat not yet addressed,
    reviewing the transcript for a chat that has been going for a while.

Why it matters:
    The patron has just seen a new name appear. A holding message tells them
    someone is on it and that they will not have to repeat themselves.

Fails:
    "Hello! What is your question?" to a patron who has explained it twice.

Passes:
    "Hi Pat, I'm taking over from Ana. Please wait one moment while I review the
    chat transcript."
"""

from coach.events import Say
from coach.rules.base import Context, Rule, Severity, Verdict, quote_excerpt
from coach.scenario import Holding, Role
from coach.seeds import TRANSFER_TIP

_INTENT = {Holding.READ_QUESTION: "hold_read_question", Holding.REVIEW_TRANSCRIPT: "hold_review_transcript"}
_ADVICE = {
    Holding.READ_QUESTION: "“Please wait a moment while I read your question”",
    Holding.REVIEW_TRANSCRIPT: "“Please wait one moment while I review the chat transcript”",
}


def check(ctx: Context) -> Verdict:
    joined = ctx.trainee_joined
    if ctx.scenario.role is not Role.RECEIVER or joined is None:
        return Verdict.not_applicable("You did not take over this chat from a colleague.")
    says = ctx.indices(Say, joined + 1)
    greetings = [index for index in says if ctx.only_a_greeting(index)]
    first_say = next((index for index in says if index not in greetings), None)
    expected = ctx.scenario.expect.holding
    advice = _ADVICE[expected] if expected else " or ".join(_ADVICE.values())
    if first_say is None:
        if greetings:
            return Verdict.failed(
                f"After entering the chat you only greeted the patron. Follow the greeting with {advice}.",
                greetings[-1],
            )
        return Verdict.failed(f"After you entered the chat you never wrote to the patron. Start with {advice}.", joined)
    said = ctx.intents(first_say)
    wanted = {_INTENT[expected]} if expected else set(_INTENT.values())
    if said & wanted:
        return Verdict.passed("Your first message told the patron to hold on while you caught up.", first_say)
    if expected and said & set(_INTENT.values()):
        return Verdict.failed(f"Your holding message did not fit this chat. Here, say {advice}.", first_say)
    nearest = max(ctx.match(first_say).scores.get(intent, 0) for intent in wanted)
    return Verdict.failed(
        f"I didn't find a holding message as your first message after taking over: you wrote "
        f"{quote_excerpt(ctx.events[first_say].text)} (score {nearest}). Start with {advice}.",  # type: ignore[attr-defined]
        first_say,
    )


RULE = Rule(
    code="RX002",
    name="holding-message",
    severity=Severity.MAJOR,
    summary="When you take over a chat, first ask the patron to wait while you read the question or review the transcript.",
    seed=TRANSFER_TIP,
    quote="You may wish to send a message such as “Please wait a moment while I read your question” if the patron’s "
    "question had not yet been addressed, or “Please wait one moment while I review the chat transcript” if the chat "
    "has been in session for a while.",
    doc=__doc__,
    check=check,
    decided_by=("say",),
)
