"""Contact the other librarian before transferring.

What it checks:
    For every transfer the trainee makes: before it, the trainee asked the
    target (for a department transfer, someone of that department) to take the
    patron, by IM or in the Agent Room (intent `request_handoff`: a bare "?"
    or "Did you see the new schedule?" is no request); the target's last
    answer between that request and the transfer agrees (`accepts: true`, or
    a text such as "Sure, send her over" when `accepts` is absent); and the
    target's status is Available.

Why it matters:
    A transfer to someone who has not agreed may land the patron with a
    librarian who is busy, away, or cannot help, and the patron waits or is lost.

Fails:
    The trainee presses Transfer and picks Kim from the Agent tab without
    writing to her first; or the trainee IMs Kim "Did you see the new
    schedule?", Kim answers "Yes, looks good!", and the trainee transfers; or
    Kim replied "Sorry, I'm swamped" and the trainee transferred anyway.

Passes:
    The trainee IMs Kim "Can you take a Riverton patron with a renewal block?",
    Kim answers "Sure, send her over", and then the trainee transfers.
"""

from dataclasses import dataclass

from coach.events import AgentRoom, Im, StaffSays, Transfer, status_at
from coach.rules.base import Context, Rule, Severity, Verdict, quote_excerpt
from coach.scenario import Status
from coach.seeds import TRANSFER_TIP


@dataclass(frozen=True, slots=True)
class _Agreement:
    """How one colleague stood before a transfer."""

    contacts: tuple[int, ...]  # IMs to them and Agent Room posts, before the transfer
    request: int | None  # the first of those that asks them to take the patron
    answer: int | None  # their last acceptance or refusal after the request
    accepts: bool


def _answer(ctx: Context, index: int) -> bool | None:
    """A colleague's message as an answer: True accepts, False refuses, None neither (SPEC §5)."""
    event = ctx.events[index]
    assert isinstance(event, StaffSays)
    if event.accepts is not None:
        return event.accepts
    said = ctx.intents(index)
    if "decline_handoff" in said:
        return False
    return True if "accept_handoff" in said else None


def _agreement(ctx: Context, staff_id: str, before: int) -> _Agreement:
    contacts = tuple(
        index
        for index in ctx.indices((Im, AgentRoom), 0, before)
        if isinstance(ctx.events[index], AgentRoom) or ctx.events[index].to == staff_id  # type: ignore[attr-defined]
    )
    request = next((index for index in contacts if "request_handoff" in ctx.intents(index)), None)
    answer, accepts = None, False
    if request is not None:
        for index in ctx.indices(StaffSays, request + 1, before):
            if ctx.events[index].sender == staff_id:  # type: ignore[attr-defined]
                verdict = _answer(ctx, index)
                if verdict is not None:
                    answer, accepts = index, verdict
    return _Agreement(contacts, request, answer, accepts)


def _judge_transfer(ctx: Context, index: int) -> Verdict:
    transfer = ctx.events[index]
    assert isinstance(transfer, Transfer)
    if transfer.to is not None:
        candidates = [transfer.to]
        target = ctx.staff[transfer.to].name
    else:
        candidates = [m.id for m in ctx.scenario.staff if m.department == transfer.department]
        target = f"the {transfer.department} department"
    agreements = [(ctx.staff[staff_id], _agreement(ctx, staff_id, index)) for staff_id in candidates]
    status = {member.id: Status(status_at(ctx.scenario, ctx.events, member.id, index)) for member, _ in agreements}
    for member, agreement in agreements:
        if agreement.accepts and status[member.id] is Status.AVAILABLE:
            return Verdict.passed(
                f"You asked {member.name} to take the patron before transferring, and they agreed.",
                agreement.request,
                agreement.answer,
            )
    unavailable = [(m, a) for m, a in agreements if status[m.id] is not Status.AVAILABLE and (a.accepts or transfer.to)]
    if unavailable:
        member, agreement = unavailable[0]
        return Verdict.failed(
            f"{member.name}'s status is {status[member.id].value.capitalize()}: you can only transfer to someone "
            "who is Available.",
            agreement.answer,
            index,
        )
    contacted = sorted({contact for _, a in agreements for contact in a.contacts})
    requested = [a for _, a in agreements if a.request is not None]
    if not contacted:
        return Verdict.failed(
            f"You transferred to {target} without contacting anyone first. Send an IM or post in the "
            "Agent Room asking them to take the patron, and wait for a yes before you press Transfer.",
            index,
        )
    if not requested:
        closest = ctx.closest("request_handoff", contacted)
        assert closest is not None
        return Verdict.failed(
            f"You wrote to {target}, but I didn't find a message asking them to take the patron. Closest: "
            f"{quote_excerpt(ctx.events[closest[0]].text)} (score {closest[1]}). "  # type: ignore[attr-defined]
            "Ask plainly (“Can you take a patron of mine? She needs someone who can see her account.”) "
            "and wait for a yes.",
            closest[0],
            index,
        )
    refused = [a for a in requested if a.answer is not None]
    if refused:
        agreement = refused[0]
        return Verdict.failed(
            f"You were told no, but transferred to {target} anyway. Ask someone else who is Available.",
            agreement.request,
            agreement.answer,
            index,
        )
    return Verdict.failed(
        f"You asked {target} to take the patron but transferred before anyone agreed. Wait for a yes.",
        requested[0].request,
        index,
    )


def check(ctx: Context) -> Verdict:
    transfers = ctx.indices(Transfer)
    if not transfers:
        return Verdict.not_applicable("You did not transfer this chat.")
    verdicts = [_judge_transfer(ctx, index) for index in transfers]
    failed = [verdict for verdict in verdicts if verdict.outcome == "fail"]
    return failed[0] if failed else verdicts[-1]


RULE = Rule(
    code="TR001",
    name="contact-before-transfer",
    severity=Severity.CRITICAL,
    summary="Before transferring, IM the librarian or post in the Agent Room, and wait until an Available colleague agrees.",
    seed=TRANSFER_TIP,
    quote="Contact the other staff person first! Don’t just transfer to someone without verifying beforehand "
    "that they are indeed able to help at that moment.",
    doc=__doc__,
    check=check,
    decided_by=("transfer",),
)
