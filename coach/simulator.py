"""The simulated world: turns a trainee's actions into transcript events and plays the scenario's script.

A ``ChatSession`` holds the event log of one attempt and the world's reactions that
are not due yet (a colleague answers an IM after ``reply_after`` seconds). The
caller supplies every time: the browser passes seconds since the chat started, an
autoplay passes the walkthrough's times. Nothing else is read, so the same actions
at the same times always give the same transcript, and a session can be rebuilt
from its stored trainee events (``ChatSession.replay``).

The simulator follows the console's rules, not the coach's: it refuses what the
QuestionPoint Agent Console would not let a librarian do (End once a colleague has
entered, a second transfer while one is pending, talking after the chat closed),
but lets the trainee make every mistake the coach is there to catch.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coach.events import (
    STEP_ADAPTER,
    TRAINEE_EVENTS,
    AcceptTransfer,
    AgentRoom,
    Dismiss,
    End,
    Im,
    Joined,
    Leave,
    Left,
    Note,
    OpenTransfer,
    PatronSays,
    Say,
    StaffSays,
    Transfer,
    TransferDeclined,
    TransferOffer,
    TransferTab,
    ViewInfo,
    _Event,
    email_on_record,
)
from coach.intents import IntentMatcher, speaker_of
from coach.rules.base import MessageMemo
from coach.scenario import ColleagueScript, Role, Scenario, StaffMember, Status

# The patron answers one intent per message; when a message has several, the question
# that most needs an answer wins.
REPLY_PRIORITY = (
    "ask_email",
    "ask_deadline",
    "ask_if_answered",
    "explain_transfer",
    "hold_review_transcript",
    "hold_read_question",
    "thank_and_invite",
    "apologize",
)
DEFAULT_REPLIES = {
    "ask_if_answered": "Yes, thank you!",
    "thank_and_invite": "Thanks, bye!",
    "explain_transfer": "OK, thanks.",
    "hold_read_question": "OK.",
    "hold_review_transcript": "OK.",
    "ask_deadline": "No rush.",
}
DEFAULT_COLLEAGUE = ColleagueScript()
DEFAULT_ACCEPT = "Sure, send them over."
DEFAULT_DECLINE = "Sorry, I can't take anyone right now."
# A colleague's answer to an IM that asks nothing of them they can say yes to.
NOT_A_REQUEST_REPLY = "Hi! What can I do for you?"
JOIN_DELAY = 4.0  # seconds from pressing Transfer (or Yes) to "NAME has entered the session"
HANDOVER_DELAY = 3.0  # seconds from the receiver entering to the offering colleague leaving
OFFER_DELAY = 5.0  # receiver role: seconds from the last history line to the transfer pop-up
SETTLE = 30.0  # seconds an autoplay lets the world run after the last step


class ActionRefused(Exception):
    """The console would not let the trainee do this now; the message says why."""


def typing_delay(text: str) -> float:
    """How long the patron takes to type a reply: a few seconds plus a little per word."""
    return round(3.0 + 0.4 * len(text.split()), 1)


@dataclass(order=True, slots=True)
class _Pending:
    due: float
    order: int
    event: _Event = field(compare=False)


class ChatSession:
    """One attempt being played."""

    def __init__(self, scenario: Scenario, matcher: IntentMatcher) -> None:
        self.scenario = scenario
        self._matcher = matcher
        self._staff = scenario.staff_by_id()
        self._script = scenario.script
        self._colleagues = self._script.colleagues if self._script else {}
        self._patron = self._script.patron if self._script else None
        self.events: list[_Event] = []
        self.memo = MessageMemo()  # what each `say` means, shared with scoring and hints
        self._pending: list[_Pending] = []
        self._order = 0
        # What the console shows, kept up to date as events are appended (see _append).
        self.colleagues_in_chat: list[str] = []  # staff ids who entered the session and did not leave
        self.closed = False  # over for the trainee: ended, left, dismissed, or the offer declined
        self.patron_present = True
        self.offer_pending = False  # receiver role: the pop-up waits for Yes or No
        self.transfer_pending = False  # a transfer waits for "entered" or "declined"
        self._trainee_joined_at: float | None = None
        self._last_say_at: float | None = None
        self._open()

    # -- building ------------------------------------------------------------------

    @classmethod
    def replay(cls, scenario: Scenario, matcher: IntentMatcher, trainee_events: Iterable[_Event]) -> ChatSession:
        """Rebuild a session from the trainee's events alone (the world is deterministic)."""
        session = cls(scenario, matcher)
        for event in trainee_events:
            session.act(event)
        return session

    def _open(self) -> None:
        if self.scenario.role is Role.RECEIVER:
            history = self._script.history if self._script else []
            for line in history:
                if line.who == "patron":
                    self._append(PatronSays(t=line.t, text=line.text))
                else:
                    self._append(StaffSays.model_validate({"t": line.t, "from": line.who, "channel": "chat", "text": line.text}))
            offer_at = (history[-1].t if history else 0.0) + OFFER_DELAY
            offerer = self._script.offer_from if self._script else None
            if offerer is None:
                offerer = self.scenario.staff[0].id
            self._append(TransferOffer.model_validate({"t": offer_at, "from": offerer}))
        else:
            opening = self._patron.opening if self._patron and self._patron.opening else self.scenario.patron.question
            self._append(PatronSays(t=0.0, text=opening))

    def _append(self, event: _Event) -> None:
        self.events.append(event)
        match event:
            case Joined(who="trainee"):
                self._trainee_joined_at = event.t
            case Joined(who=who) if who not in self.colleagues_in_chat:
                self.colleagues_in_chat.append(who)
                self.transfer_pending = False
            case Left(who="patron"):
                self.patron_present = False
            case Left(who=who) if who in self.colleagues_in_chat:
                self.colleagues_in_chat.remove(who)
            case TransferDeclined():
                self.transfer_pending = False
            case Transfer():
                self.transfer_pending = True
            case TransferOffer():
                self.offer_pending = True
            case AcceptTransfer(accepted=accepted):
                self.offer_pending = False
                self.closed = self.closed or not accepted
            case End() | Leave() | Dismiss():
                self.closed = True
            case Say():
                self._last_say_at = event.t

    # -- what the console shows ------------------------------------------------------

    @property
    def now(self) -> float:
        return self.events[-1].t if self.events else 0.0

    @property
    def trainee_in_chat(self) -> bool:
        if self.closed:
            return False
        return self.scenario.role is Role.INITIATOR or self._trainee_joined_at is not None

    @property
    def email_on_record(self) -> str | None:
        return email_on_record(self.scenario.patron.email, self.events)

    def available_staff(self) -> list[StaffMember]:
        """Whom the Transfer pop-up's Agent tab lists: only Available staff."""
        return [member for member in self.scenario.staff if member.status is Status.AVAILABLE]

    @property
    def trainee_events(self) -> list[_Event]:
        return [event for event in self.events if isinstance(event, TRAINEE_EVENTS)]

    def intents_of(self, index: int) -> frozenset[str]:
        """The intents of the trainee's message at an index, matched once (the coach shares the memo)."""
        if index not in self.memo.matches:
            event = self.events[index]
            self.memo.matches[index] = self._matcher.match(event.text, speaker_of(event))  # type: ignore[attr-defined]
        return frozenset(self.memo.matches[index].matched)

    # -- time ----------------------------------------------------------------------

    def advance(self, now: float) -> list[_Event]:
        """Let the world act up to `now`: due replies, and the patron leaving if ignored too long."""
        start = len(self.events)
        while True:
            leave_at = self._patron_gives_up_at()
            next_due = self._pending[0].due if self._pending else None
            if leave_at is not None and leave_at <= now and (next_due is None or leave_at <= next_due):
                self._append(Left(t=max(leave_at, self.now), who="patron"))
                continue
            if next_due is None or next_due > now:
                return self.events[start:]
            event = heapq.heappop(self._pending).event
            if self._still_relevant(event):
                self._append(event.model_copy(update={"t": max(event.t, self.now)}))

    def quiet_at(self) -> float:
        """When everything the world still has to say will have been said."""
        return max([self.now, *(pending.due for pending in self._pending)])

    def _patron_gives_up_at(self) -> float | None:
        patience = self._patron.patience if self._patron else None
        if patience is None or not self.patron_present or not self.trainee_in_chat:
            return None
        if self.colleagues_in_chat:
            return None  # a colleague is looking after the patron
        since = self._last_say_at if self._last_say_at is not None else (self._trainee_joined_at or 0.0)
        return round(since + patience, 1)

    def _still_relevant(self, event: _Event) -> bool:
        if self.closed:
            return False  # the chat is over for the trainee: nothing more reaches them
        if isinstance(event, PatronSays):
            return self.patron_present
        if isinstance(event, StaffSays) and event.channel == "chat":
            return event.sender in self.colleagues_in_chat
        return True

    def _schedule(self, event: _Event) -> None:
        self._order += 1
        event = event.model_copy(update={"t": round(event.t, 1)})
        heapq.heappush(self._pending, _Pending(event.t, self._order, event))

    # -- the trainee acts ----------------------------------------------------------

    def act(self, action: _Event) -> list[_Event]:
        """Apply one trainee action at its time `t`; returns every event added (world events included)."""
        if not isinstance(action, TRAINEE_EVENTS):
            raise ActionRefused(f"'{action.type}' is written by the world, not by the trainee")
        start = len(self.events)
        self.advance(action.t)
        self._check_allowed(action)
        self._append(action.model_copy(update={"t": max(action.t, self.now)}))
        self._react(len(self.events) - 1)
        self.advance(self.now)
        return self.events[start:]

    def _check_allowed(self, action: _Event) -> None:
        in_chat_actions = (Say, Im, AgentRoom, OpenTransfer, TransferTab, Transfer, Leave, Dismiss, End)
        if isinstance(action, AcceptTransfer):
            if not self.offer_pending:
                raise ActionRefused("there is no transfer offer to answer")
            return
        if self.scenario.role is Role.RECEIVER and self.offer_pending and not isinstance(action, (ViewInfo, Note)):
            raise ActionRefused("answer the transfer pop-up first (Yes or No)")
        if isinstance(action, in_chat_actions) and self.closed:
            raise ActionRefused("the chat is over; only the wrap-up (resolution code, NOTES, email) remains")
        if isinstance(action, (Say,)) and not self.patron_present:
            raise ActionRefused("the patron has left the chat")
        if isinstance(action, Im) and action.to not in self._staff:
            raise ActionRefused(f"there is no colleague '{action.to}'")
        if isinstance(action, (Transfer, OpenTransfer, TransferTab, End)) and self.colleagues_in_chat:
            raise ActionRefused("a colleague has entered the session: the buttons are now Dismiss and Leave")
        if isinstance(action, Leave) and not self.colleagues_in_chat:
            raise ActionRefused("Leave appears only once a colleague has entered the session")
        if isinstance(action, Transfer):
            if self.transfer_pending:
                raise ActionRefused("a transfer is already waiting for an answer")
            if action.to is not None:
                if action.to not in self._staff:
                    raise ActionRefused(f"there is no colleague '{action.to}'")
                if self._staff[action.to].status is not Status.AVAILABLE:
                    raise ActionRefused("the Agent tab lists only Available staff")
            elif action.department not in self.scenario.departments():
                raise ActionRefused(f"there is no department '{action.department}'")

    def _react(self, index: int) -> None:
        action = self.events[index]
        if isinstance(action, Say):
            self._patron_answers(action, self.intents_of(index))
        elif isinstance(action, Im):
            requested = "request_handoff" in self.intents_of(index)
            self._colleague_answers(self._staff[action.to], action.t, "im", requested)
        elif isinstance(action, AgentRoom) and "request_handoff" in self.intents_of(index):
            for staff_id in self._colleagues:
                self._colleague_answers(self._staff[staff_id], action.t, "agent_room", requested=True)
        elif isinstance(action, Transfer):
            self._transfer(action)
        elif isinstance(action, AcceptTransfer) and action.accepted:
            offer = next(event for event in reversed(self.events) if isinstance(event, TransferOffer))
            self._schedule(Joined(t=action.t + 1.0, who="trainee"))
            self._schedule(Left(t=action.t + 1.0 + HANDOVER_DELAY, who=offer.sender))
        elif isinstance(action, Leave):
            self._append(Left(t=action.t, who="trainee"))
        # ViewInfo, OpenTransfer, TransferTab, SetEmail, Note, Resolve, End, Dismiss: the world does not answer.

    def _patron_answers(self, say: Say, found: frozenset[str]) -> None:
        if self._patron is None:
            return
        reply = None
        for intent in REPLY_PRIORITY:
            if intent in found:
                reply = self._patron.replies.get(intent) or self._default_reply(intent)
                if reply:
                    break
        reply = reply or self._patron.otherwise
        if reply:
            self._schedule(PatronSays(t=say.t + typing_delay(reply), text=reply))

    def _default_reply(self, intent: str) -> str | None:
        if intent == "ask_email":
            email = self.scenario.patron.email
            return f"Yes, it's {email}." if email else None
        return DEFAULT_REPLIES.get(intent)

    def _colleague_answers(self, member: StaffMember, at: float, channel: str, requested: bool) -> None:
        """A colleague answers a handoff request with the scripted yes or no; anything else gets a
        question back, which agrees to nothing (no `accepts`)."""
        if member.status is not Status.AVAILABLE:
            return  # Busy and Away colleagues do not answer
        behaviour = self._colleagues.get(member.id, DEFAULT_COLLEAGUE)
        answer: dict[str, object] = {"t": at + behaviour.reply_after, "from": member.id, "channel": channel}
        if requested:
            text = behaviour.reply or (DEFAULT_ACCEPT if behaviour.accepts else DEFAULT_DECLINE)
            answer |= {"text": text, "accepts": behaviour.accepts}
        else:
            answer |= {"text": behaviour.other_reply or NOT_A_REQUEST_REPLY}
        self._schedule(StaffSays.model_validate(answer))

    def _transfer(self, transfer: Transfer) -> None:
        if transfer.to is not None:
            candidates = [self._staff[transfer.to]]
        else:
            candidates = [m for m in self.scenario.staff if m.department == transfer.department]
        taker = next(
            (
                m
                for m in candidates
                if m.status is Status.AVAILABLE and self._colleagues.get(m.id, DEFAULT_COLLEAGUE).takes_transfer
            ),
            None,
        )
        at = transfer.t + JOIN_DELAY
        if taker is None:
            self._schedule(TransferDeclined(t=at, who=candidates[0].id))
            return
        self._schedule(Joined(t=at, who=taker.id))
        greeting = self._colleagues.get(taker.id, DEFAULT_COLLEAGUE).greeting
        if greeting:
            self._schedule(
                StaffSays.model_validate({"t": at + 2.0, "from": taker.id, "channel": "chat", "text": greeting})
            )


def pause_before(action: _Event) -> float:
    """A model trainee's pause before an action: typing time for a message, a few seconds otherwise."""
    if isinstance(action, (Say, Im, AgentRoom, Note)):
        return round(2.0 + 0.3 * len(action.text.split()), 1)
    return 3.0


def play_walkthrough(scenario: Scenario, matcher: IntentMatcher, steps: Sequence[dict]) -> ChatSession:
    """Autoplay a walkthrough: each step `after` seconds after the previous one, or, without `after`,
    once the world has answered everything pending. The world then settles for SETTLE seconds."""
    session = ChatSession(scenario, matcher)
    clock = session.now
    for step in steps:
        action = STEP_ADAPTER.validate_python(step)
        after = step.get("after")
        if after is None:
            clock = max(clock, session.quiet_at()) + pause_before(action)
        else:
            clock += float(after)
        session.act(action.model_copy(update={"t": round(clock, 1)}))
    session.advance(session.quiet_at() + SETTLE)
    return session
