"""How each event reads in the console: who said or did what, in words a librarian uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from coach.events import (
    AcceptTransfer, AgentRoom, Dismiss, End, Im, Joined, Leave, Left, Note, OpenTransfer, PatronSays, Resolve,
    Say, SetEmail, StaffSays, StatusChanged, Transfer, TransferDeclined, TransferOffer, TransferTab, ViewInfo, _Event,
)
from coach.scenario import Scenario

RESOLUTION_LABELS = {
    "answered": "Answered",
    "followup_by_me": "Followup by me",
    "followup_by_patrons_library": "Followup by patron's library",
    "lost_call": "Lost Call",
    "practice": "Practice",
}


class LineKind(StrEnum):
    PATRON = "patron"  # the patron in the chat
    TRAINEE = "trainee"  # the trainee in the chat
    COLLEAGUE = "colleague"  # a colleague in the chat
    SYSTEM = "system"  # "NAME has entered the session" and the like
    PRIVATE = "private"  # IM and Agent Room: not seen by the patron
    ACTION = "action"  # buttons and wrap-up: seen by nobody but the trainee


@dataclass(frozen=True, slots=True)
class Line:
    index: int
    t: float
    kind: LineKind
    who: str
    text: str

    @property
    def clock(self) -> str:
        minutes, seconds = divmod(int(self.t), 60)
        return f"{minutes}:{seconds:02d}"


def _name(scenario: Scenario, who: str) -> str:
    if who == "trainee":
        return "You"
    if who == "patron":
        return scenario.patron.name
    member = scenario.staff_by_id().get(who)
    return member.name if member else who


def colleagues_in_chat(events: Sequence[_Event]) -> list[str]:
    """Staff ids in the session after these events: entered and not left."""
    present: list[str] = []
    for event in events:
        present = _after(present, event)
    return present


def line_of(scenario: Scenario, index: int, event: _Event, in_session: Sequence[str] = ()) -> Line:
    """One event as a console line; `in_session`, the colleagues in the session before it, lets a line
    say what it did (a Dismiss while a colleague is there)."""

    def line(kind: LineKind, who: str, text: str) -> Line:
        return Line(index, event.t, kind, who, text)

    def name(who: str) -> str:
        return _name(scenario, who)

    match event:
        case PatronSays(text=text):
            return line(LineKind.PATRON, scenario.patron.name, text)
        case Say(text=text):
            return line(LineKind.TRAINEE, "You", text)
        case StaffSays(channel="chat", sender=sender, text=text):
            return line(LineKind.COLLEAGUE, name(sender), text)
        case StaffSays(channel="im", sender=sender, text=text):
            return line(LineKind.PRIVATE, f"{name(sender)} (IM to you)", text)
        case StaffSays(sender=sender, text=text):
            return line(LineKind.PRIVATE, f"{name(sender)} (Agent Room)", text)
        case Im(to=to, text=text):
            return line(LineKind.PRIVATE, f"You (IM to {name(to)})", text)
        case AgentRoom(text=text):
            return line(LineKind.PRIVATE, "You (Agent Room)", text)
        case Joined(who="trainee"):
            return line(LineKind.SYSTEM, "", "You have entered the session")
        case Joined(who=who):
            return line(LineKind.SYSTEM, "", f"{name(who)} has entered the session")
        case Left(who="trainee"):
            return line(LineKind.SYSTEM, "", "You have left the session")
        case Left(who=who):
            return line(LineKind.SYSTEM, "", f"{name(who)} has left the session")
        case StatusChanged(who=who, status=status):
            return line(LineKind.SYSTEM, "", f"{name(who)} is now {status.capitalize()}")
        case TransferOffer(sender=sender):
            return line(LineKind.SYSTEM, "", f"{name(sender)} asks you to take this chat")
        case TransferDeclined(who=who):
            return line(LineKind.SYSTEM, "", f"{name(who)} declined the transfer")
        case AcceptTransfer(accepted=accepted):
            return line(LineKind.ACTION, "You", "answered Yes to the transfer" if accepted else "answered No to the transfer")
        case Transfer(to=to, department=department):
            target = name(to) if to else f"the {department} department"
            return line(LineKind.ACTION, "You", f"transferred the chat to {target}")
        case ViewInfo():
            return line(LineKind.ACTION, "You", "opened the Info tab")
        case OpenTransfer():
            return line(LineKind.ACTION, "You", "pressed Transfer")
        case TransferTab(tab=tab):
            return line(LineKind.ACTION, "You", f"opened the {tab.capitalize()} tab of the Transfer pop-up")
        case Leave():
            return line(LineKind.ACTION, "You", "pressed Leave")
        case Dismiss() if in_session:
            names = " and ".join(name(who) for who in in_session)
            return line(LineKind.ACTION, "You", f"pressed Dismiss: the chat closed on your screen without a handover; "
                                                f"{names} and the patron are still in the session (Leave hands it over)")
        case Dismiss():
            return line(LineKind.ACTION, "You", "pressed Dismiss")
        case End():
            return line(LineKind.ACTION, "You", "pressed End")
        case SetEmail(email=email):
            return line(LineKind.ACTION, "You", f"set the email on record to {email or '(blank)'}")
        case Note(text=text):
            return line(LineKind.ACTION, "You", f"wrote Librarian NOTES: {text}")
        case Resolve(code=code):
            return line(LineKind.ACTION, "You", f"chose the resolution code {RESOLUTION_LABELS[code.value]}")
    raise ValueError(f"no console wording for {event.type!r}")


def lines_of(scenario: Scenario, events: list[_Event]) -> list[Line]:
    lines, present = [], []
    for index, event in enumerate(events):
        lines.append(line_of(scenario, index, event, present))
        present = _after(present, event)
    return lines


def _after(present: list[str], event: _Event) -> list[str]:
    if isinstance(event, Joined) and event.who != "trainee" and event.who not in present:
        return [*present, event.who]
    if isinstance(event, Left) and event.who in present:
        return [who for who in present if who != event.who]
    return present


# Events per Markdown block of the console's transcript. Only the last block changes as the chat
# grows; the others are sent again unchanged, and Streamlit sends a browser that already has such a
# message (10 kB or more) only its hash, so a long chat does not re-send the whole transcript on
# every refresh.
TRANSCRIPT_BLOCK = 100


def blocks_of(paragraphs: list[str], first: int = 0) -> list[str]:
    """The transcript's Markdown paragraphs (one per event, "" for an event not shown) joined in
    blocks of TRANSCRIPT_BLOCK events, from block number `first` on ("" for a block with nothing
    shown)."""
    return ["\n\n".join(filter(None, paragraphs[start : start + TRANSCRIPT_BLOCK]))
            for start in range(first * TRANSCRIPT_BLOCK, len(paragraphs), TRANSCRIPT_BLOCK)]


@dataclass
class PrivateReplies:
    """Indexes of colleagues' answers by private channel ("im", "agent_room"), kept up to date as
    a chat grows: events are append-only, so only new ones are looked at."""

    by_channel: dict[str, list[int]] = field(default_factory=lambda: {"im": [], "agent_room": []})
    looked_at: int = 0

    def of(self, events: Sequence[_Event], channel: str) -> list[int]:
        for index in range(self.looked_at, len(events)):
            event = events[index]
            if isinstance(event, StaffSays) and event.channel in self.by_channel:
                self.by_channel[event.channel].append(index)
        self.looked_at = len(events)
        return self.by_channel[channel]
