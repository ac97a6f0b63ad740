"""Send the chat down the right route.

What it checks:
    How the chat ended (its outcome) is one of the routes the scenario accepts
    (`expect.route`). The outcome is `transfer` when a colleague entered the
    session after the trainee's transfer, otherwise the last resolution code,
    otherwise `none`. When the scenario names whom a transfer must go to
    (`expect.transfer_to`), the colleague who entered must be one of them.

Why it matters:
    Some questions belong to the patron's own library (an item still on their
    account), some can be answered on the spot, some need Follow Up. Picking the
    wrong route leaves the patron without the help they came for.

Fails:
    A patron asks why a returned DVD is still on their account; the trainee
    codes the chat Answered after guessing, or transfers to a librarian of
    another library.

Passes:
    The trainee contacts a circulation librarian of the patron's library, who
    agrees, and transfers the chat to them.
"""

from coach.rules.base import Context, Rule, Severity, Verdict
from coach.seeds import TRANSFER_TIP

_LABELS = {
    "transfer": "a transfer",
    "answered": "Answered",
    "followup_by_me": "Followup by me",
    "followup_by_patrons_library": "Followup by patron's library",
    "lost_call": "Lost Call",
    "practice": "Practice",
    "none": "no resolution code",
}


def _routes(ctx: Context) -> str:
    return " or ".join(_LABELS[route.value] for route in ctx.scenario.expect.route)


def check(ctx: Context) -> Verdict:
    outcome = ctx.outcome
    evidence = ctx.handover_join if outcome == "transfer" else ctx.last_resolve
    if outcome not in {route.value for route in ctx.scenario.expect.route}:
        return Verdict.failed(
            f"This chat ended with {_LABELS[outcome]}, but it should have ended with {_routes(ctx)}.",
            evidence,
        )
    targets = ctx.scenario.expect.transfer_to
    if outcome == "transfer" and targets:
        who = ctx.events[ctx.handover_join].who  # type: ignore[index, attr-defined]
        if who not in targets:
            names = " or ".join(ctx.staff[target].name for target in targets)
            return Verdict.failed(
                f"You transferred the patron to {ctx.staff[who].name}, but this question needed {names}.",
                ctx.first_transfer,
                evidence,
            )
    return Verdict.passed(f"Good route: the chat ended with {_LABELS[outcome]}.", evidence)


RULE = Rule(
    code="RT001",
    name="right-route",
    severity=Severity.CRITICAL,
    summary="End the chat the way the question needs: answer it, transfer it, or send it for Follow Up.",
    seed=TRANSFER_TIP,
    quote="Sometimes, the patron’s question or need is best addressed by that patron’s own library staff",
    doc=__doc__,
    check=check,
    decided_by=("resolve",),
)
