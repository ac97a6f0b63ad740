"""Contact the other librarian before transferring.

What it checks:
    For every transfer the trainee makes: before it, the target (for a
    department transfer, someone of that department) answered "yes"
    (`accepts: true`) after the trainee sent them an IM or posted in the Agent
    Room, their last answer before the transfer was still yes, and their status
    is Available.

Why it matters:
    A transfer to someone who has not agreed may land the patron with a
    librarian who is busy, away, or cannot help, and the patron waits or is lost.

Fails:
    The trainee presses Transfer and picks Kim from the Agent tab without
    writing to her first; or Kim replied "Sorry, I'm swamped" and the trainee
    transferred anyway.

Passes:
    The trainee IMs Kim "Can you take a Riverton patron with a renewal block?",
    Kim answers "Sure, send her over", and then the trainee transfers.
"""

from coach.events import AgentRoom, Im, StaffSays, Transfer
from coach.rules.base import Context, Rule, Severity, Verdict
from coach.scenario import Status
from coach.seeds import TRANSFER_TIP


def _agreement(ctx: Context, staff_id: str, before: int) -> tuple[int | None, int | None, bool | None]:
    """(first contact, last answer, whether that answer accepts) of one colleague before an index."""
    contact = None
    for index in ctx.indices((Im, AgentRoom), 0, before):
        event = ctx.events[index]
        if isinstance(event, AgentRoom) or event.to == staff_id:  # type: ignore[attr-defined]
            contact = index
            break
    if contact is None:
        return None, None, None
    answer = None
    for index in ctx.indices(StaffSays, contact + 1, before):
        event = ctx.events[index]
        if event.sender == staff_id and event.accepts is not None:  # type: ignore[attr-defined]
            answer = index
    accepts = ctx.events[answer].accepts if answer is not None else None  # type: ignore[attr-defined]
    return contact, answer, accepts


def _judge_transfer(ctx: Context, index: int) -> Verdict:
    transfer = ctx.events[index]
    assert isinstance(transfer, Transfer)
    if transfer.to is not None:
        candidates = [transfer.to]
        target = ctx.staff[transfer.to].name
    else:
        candidates = [m.id for m in ctx.scenario.staff if m.department == transfer.department]
        target = f"the {transfer.department} department"
    agreements = [(ctx.staff[staff_id], *_agreement(ctx, staff_id, index)) for staff_id in candidates]
    for member, contact, answer, accepts in agreements:
        if accepts and member.status is Status.AVAILABLE:
            return Verdict.passed(
                f"You checked with {member.name} before transferring, and they agreed to take the patron.",
                contact,
                answer,
            )
    unavailable = [a for a in agreements if a[0].status is not Status.AVAILABLE and (a[3] or transfer.to)]
    if unavailable:
        member = unavailable[0][0]
        return Verdict.failed(
            f"{member.name}'s status is {member.status.value.capitalize()}: you can only transfer to someone "
            "who is Available.",
            unavailable[0][2],
            index,
        )
    contacted = [a for a in agreements if a[1] is not None]
    answered = [a for a in contacted if a[2] is not None]
    if not contacted:
        return Verdict.failed(
            f"You transferred to {target} without contacting anyone first. Send an IM or post in the "
            "Agent Room, and wait for a yes before you press Transfer.",
            index,
        )
    if answered:
        _, contact, answer, _ = answered[0]
        return Verdict.failed(
            f"You were told no, but transferred to {target} anyway. Ask someone else who is Available.",
            contact,
            answer,
            index,
        )
    return Verdict.failed(
        f"You contacted {target} but transferred before anyone agreed to take the patron. Wait for a yes.",
        contacted[0][1],
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
