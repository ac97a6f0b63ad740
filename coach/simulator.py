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
    Resolve,
    Say,
    SetEmail,
    StaffSays,
    Transfer,
    TransferDeclined,
    TransferOffer,
    TransferTab,
    ViewInfo,
    _Event,
)
from coach.intents import IntentMatcher
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
        self._pending: list[_Pending] = []
        self._order = 0
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
                    self.events.append(PatronSays(t=line.t, text=line.text))
                else:
                    self.events.append(StaffSays.model_validate({"t": line.t, "from": line.who, "channel": "chat", "text": line.text}))
            offer_at = (history[-1].t if history else 0.0) + OFFER_DELAY
            offerer = self._script.offer_from if self._script else None
            if offerer is None:
                offerer = self.scenario.staff[0].id
            self.events.append(TransferOffer.model_validate({"t": offer_at, "from": offerer}))
        else:
            opening = self._patron.opening if self._patron and self._patron.opening else self.scenario.patron.question
            self.events.append(PatronSays(t=0.0, text=opening))

    # -- what the console shows ------------------------------------------------------

    @property
    def now(self) -> float:
        return self.events[-1].t if self.events else 0.0

    def _last(self, kind: type[_Event] | tuple[type[_Event], ...]) -> int | None:
        for index in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[index], kind):
                return index
        return None

    @property
    def colleagues_in_chat(self) -> list[str]:
        """Staff ids who have entered the session and not left it."""
        present: list[str] = []
        for event in self.events:
            if isinstance(event, Joined) and event.who in self._staff and event.who not in present:
                present.append(event.who)
            elif isinstance(event, Left) and event.who in present:
                present.remove(event.who)
        return present

    @property
    def offer_pending(self) -> bool:
        """Receiver role: the Transfer pop-up is waiting for Yes or No."""
        return self._last(TransferOffer) is not None and self._last(AcceptTransfer) is None

    @property
    def trainee_in_chat(self) -> bool:
        if self.closed:
            return False
        if self.scenario.role is Role.RECEIVER:
            return any(isinstance(e, Joined) and e.who == "trainee" for e in self.events)
        return True

    @property
    def closed(self) -> bool:
        """The chat is over for the trainee: ended, left, dismissed, or the offer declined."""
        if any(isinstance(e, (End, Leave, Dismiss)) for e in self.events):
            return True
        return any(isinstance(e, AcceptTransfer) and not e.accepted for e in self.events)

    @property
    def patron_present(self) -> bool:
        return not any(isinstance(e, Left) and e.who == "patron" for e in self.events)

    @property
    def transfer_pending(self) -> bool:
        """A transfer was made and its answer (entered or declined) has not come yet."""
        last = self._last(Transfer)
        if last is None:
            return False
        return not any(isinstance(e, (Joined, TransferDeclined)) for e in self.events[last + 1 :])

    @property
    def email_on_record(self) -> str | None:
        email = self.scenario.patron.email
        for event in self.events:
            if isinstance(event, SetEmail):
                email = event.email
        return email or None

    def available_staff(self) -> list[StaffMember]:
        """Whom the Transfer pop-up's Agent tab lists: only Available staff."""
        return [member for member in self.scenario.staff if member.status is Status.AVAILABLE]

    @property
    def trainee_events(self) -> list[_Event]:
        return [event for event in self.events if isinstance(event, TRAINEE_EVENTS)]

    # -- time ----------------------------------------------------------------------

    def advance(self, now: float) -> list[_Event]:
        """Let the world act up to `now`: due replies, and the patron leaving if ignored too long."""
        added: list[_Event] = []
        while True:
            leave_at = self._patron_gives_up_at()
            next_due = self._pending[0].due if self._pending else None
            if leave_at is not None and leave_at <= now and (next_due is None or leave_at <= next_due):
                added.append(self._append(Left(t=max(leave_at, self.now), who="patron")))
                continue
            if next_due is None or next_due > now:
                return added
            event = heapq.heappop(self._pending).event
            if self._still_relevant(event):
                added.append(self._append(event.model_copy(update={"t": max(event.t, self.now)})))

    def quiet_at(self) -> float:
        """When everything the world still has to say will have been said."""
        return max([self.now, *(pending.due for pending in self._pending)])

    def _patron_gives_up_at(self) -> float | None:
        patience = self._patron.patience if self._patron else None
        if patience is None or not self.patron_present or self.closed or not self.trainee_in_chat:
            return None
        if self.colleagues_in_chat:
            return None  # a colleague is looking after the patron
        last_word = self._last(Say)
        since = self.events[last_word].t if last_word is not None else self._chat_start()
        return since + patience

    def _chat_start(self) -> float:
        joined = next((e for e in self.events if isinstance(e, Joined) and e.who == "trainee"), None)
        return joined.t if joined else 0.0

    def _still_relevant(self, event: _Event) -> bool:
        if isinstance(event, PatronSays):
            return self.patron_present and not any(isinstance(e, End) for e in self.events)
        if isinstance(event, StaffSays) and event.channel == "chat":
            return event.sender in self.colleagues_in_chat
        return True

    def _append(self, event: _Event) -> _Event:
        self.events.append(event)
        return event

    def _schedule(self, event: _Event) -> None:
        self._order += 1
        heapq.heappush(self._pending, _Pending(event.t, self._order, event))

    # -- the trainee acts ----------------------------------------------------------

    def act(self, action: _Event) -> list[_Event]:
        """Apply one trainee action at its time `t`; returns every event added (world events included)."""
        if not isinstance(action, TRAINEE_EVENTS):
            raise ActionRefused(f"'{action.type}' is written by the world, not by the trainee")
        added = self.advance(action.t)
        self._check_allowed(action)
        action = action.model_copy(update={"t": max(action.t, self.now)})
        added.append(self._append(action))
        self._react(action)
        added.extend(self.advance(action.t))
        return added

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

    def _react(self, action: _Event) -> None:
        if isinstance(action, Say):
            self._patron_answers(action)
        elif isinstance(action, Im):
            self._colleague_answers(self._staff[action.to], action.t, "im")
        elif isinstance(action, AgentRoom):
            for staff_id in self._colleagues:
                self._colleague_answers(self._staff[staff_id], action.t, "agent_room")
        elif isinstance(action, Transfer):
            self._transfer(action)
        elif isinstance(action, AcceptTransfer) and action.accepted:
            offer = self.events[self._last(TransferOffer)]  # type: ignore[index]
            self._schedule(Joined(t=action.t + 1.0, who="trainee"))
            self._schedule(Left(t=action.t + 1.0 + HANDOVER_DELAY, who=offer.sender))  # type: ignore[attr-defined]
        elif isinstance(action, Leave):
            self._schedule(Left(t=action.t, who="trainee"))
        # ViewInfo, OpenTransfer, TransferTab, SetEmail, Note, Resolve, End, Dismiss: the world does not answer.

    def _patron_answers(self, say: Say) -> None:
        if self._patron is None:
            return
        found = self._matcher.intents(say.text)
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

    def _colleague_answers(self, member: StaffMember, at: float, channel: str) -> None:
        if member.status is not Status.AVAILABLE:
            return  # Busy and Away colleagues do not answer
        behaviour = self._colleagues.get(member.id, DEFAULT_COLLEAGUE)
        text = behaviour.reply or (DEFAULT_ACCEPT if behaviour.accepts else DEFAULT_DECLINE)
        self._schedule(
            StaffSays.model_validate(
                {"t": at + behaviour.reply_after, "from": member.id, "channel": channel, "text": text,
                 "accepts": behaviour.accepts}
            )
        )

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
