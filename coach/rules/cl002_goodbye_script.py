"""Close with the patron's library's Goodbye script.

What it checks:
    When the trainee concludes the chat: if the patron's library has a Goodbye
    script, a message whose text is that script (small edits such as the
    patron's name inserted are fine) and is not closer to another library's
    script; if it has none, a message with the intent `thank_and_invite`
    (thanks the patron and invites them back).

Why it matters:
    The cooperative answers for many libraries. The patron's own library's
    script is how that library wants its patrons greeted out; without one, a
    thank-you and an invitation to come back are the courtesy the service owes.

Fails:
    The patron is from Riverton, which has a Goodbye script, and the trainee
    writes "Bye!" or sends Harbor City's script.

Passes:
    The trainee sends Riverton's script from the canned scripts, adding the
    patron's name.
"""

from coach.events import End, Say
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import CONCLUDING_TIP


def _closing(ctx: Context) -> int | None:
    """Where the chat was closed without the goodbye: End, else the last resolution code."""
    end = ctx.first(End)
    return end if end is not None else ctx.last_resolve


def check(ctx: Context) -> Verdict:
    if not ctx.trainee_concludes:
        return Verdict.not_applicable("You did not close this chat yourself.")
    library = ctx.scenario.patron_library
    says = ctx.indices(Say)
    if library.goodbye:
        sent = [i for i in says if ctx.goodbye.matches_library(ctx.script_similarity(i), ctx.scenario.patron.library)]
        if sent:
            return Verdict.passed(f"You sent the Goodbye script of {library.name}.", sent[0])
        other = [i for i in says if ctx.goodbye.matches_any(ctx.script_similarity(i))]
        if other:
            return Verdict.failed(
                f"That Goodbye script belongs to another library. This patron is from {library.name}: "
                "send their script.",
                other[0],
            )
        farewells = ctx.says_with(["thank_and_invite"])
        if farewells:
            return Verdict.failed(
                f"{library.name} has its own Goodbye script; send it (from the canned scripts) rather than "
                "your own farewell.",
                farewells[0],
            )
        return Verdict.failed(f"You did not send the Goodbye script of {library.name} before closing.", _closing(ctx))
    farewells = ctx.says_with(["thank_and_invite"])
    if farewells:
        return Verdict.passed("You thanked the patron and invited them back.", farewells[0])
    return Verdict.failed(
        f"{library.name} has no Goodbye script, so thank the patron for using the service and invite them to "
        "come back with more questions.",
        _closing(ctx),
    )


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
