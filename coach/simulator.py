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
from typing import TypeVar

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
    StatusChanged,
    Transfer,
    TransferDeclined,
    TransferOffer,
    TransferTab,
    ViewInfo,
    _Event,
    email_on_record,
)
from coach.emails import find_addresses
from coach.goodbye import GoodbyeMatcher, distinctive_words, words_of
from coach.intents import IntentMatcher, speaker_of
from coach.rules.base import MessageMemo
from coach.scenario import ColleagueScript, Condition, Reply, ReplyCase, Role, Scenario, StaffMember, Status

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
    "greet",
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
# Words of department names that do not tell one department from another.
GENERIC_DEPARTMENT_WORDS = frozenset("department dept desk services service team office unit the and of".split())


T = TypeVar("T")


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
    answer: bool = field(default=True, compare=False)  # an answer to the trainee, not a timed line


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
        self._goodbyes = GoodbyeMatcher(scenario)
        # How often each scripted reply has been used, so that a list of lines plays in order.
        self._used: dict[tuple[str, ...], int] = {}
        self._requests: dict[tuple[str, str], int] = {}  # handoff requests answered, by (staff id, channel)
        self._nudged: set[int] = set()  # nudges shown since the trainee last wrote
        self._status = {member.id: member.status for member in scenario.staff}  # as the staff list shows it
        # The words that name each colleague's department or library (for Agent Room posts).
        libraries = {key: distinctive_words(library.name) for key, library in scenario.libraries.items()}
        self._addressed_by = {
            member.id: {w for w in words_of(member.department) if w not in GENERIC_DEPARTMENT_WORDS}
            | libraries[member.library]
            for member in scenario.staff
        }
        self.email_given = False  # the patron has typed an email address in the chat
        self.answered = False  # the trainee has sent a message with one of the answer words
        self._open()
        for timed in self._script.timeline if self._script else ():
            if timed.patron is not None:
                self._schedule(PatronSays(t=timed.at, text=timed.patron, unprompted=True), answer=False)
            else:
                self._schedule(StatusChanged(t=timed.at, who=timed.staff, status=timed.status.value), answer=False)  # type: ignore[union-attr]

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
            case Say(text=text):
                self._last_say_at = event.t
                self._nudged.clear()
                self.answered = self.answered or self._is_answer(text)
            case StatusChanged(who=who, status=status):
                self._status[who] = Status(status)
            case PatronSays(text=text) if not self.email_given:
                self.email_given = bool(find_addresses(text))

    # -- what the console shows ------------------------------------------------------

    @property
    def now(self) -> float:
        return self.events[-1].t if self.events else 0.0

    def waiting_for(self) -> str | None:
        """While a transfer waits for an answer, whom it waits for ("Kim Alvarez", "the Circulation
        department"); else None."""
        if not self.transfer_pending:
            return None
        transfer = next(event for event in reversed(self.events) if isinstance(event, Transfer))
        return self._staff[transfer.to].name if transfer.to else f"the {transfer.department} department"

    @property
    def trainee_in_chat(self) -> bool:
        if self.closed:
            return False
        return self.scenario.role is Role.INITIATOR or self._trainee_joined_at is not None

    @property
    def email_on_record(self) -> str | None:
        return email_on_record(self.scenario.patron.email, self.events)

    def status_of(self, staff_id: str) -> Status:
        """A colleague's status as the staff list shows it now."""
        return self._status[staff_id]

    def available_staff(self) -> list[StaffMember]:
        """Whom the Transfer pop-up's Agent tab lists: only Available staff."""
        return [member for member in self.scenario.staff if self.status_of(member.id) is Status.AVAILABLE]

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
            nudge = self._next_nudge()
            if nudge is not None and nudge[0] <= now and all(nudge[0] <= d for d in (leave_at, next_due) if d is not None):
                self._nudged.add(nudge[1])
                text = self._patron.nudges[nudge[1]].text  # type: ignore[union-attr]
                self._append(PatronSays(t=max(nudge[0], self.now), text=text, unprompted=True))
                continue
            if leave_at is not None and leave_at <= now and (next_due is None or leave_at <= next_due):
                self._append(Left(t=max(leave_at, self.now), who="patron"))
                continue
            if next_due is None or next_due > now:
                return self.events[start:]
            event = heapq.heappop(self._pending).event
            if self._still_relevant(event):
                self._append(event.model_copy(update={"t": max(event.t, self.now)}))

    def quiet_at(self) -> float:
        """When everything the world still has to say in answer to the trainee will have been said
        (timeline lines and nudges do not count: they are not answers)."""
        return max([self.now, *(pending.due for pending in self._pending if pending.answer)])

    def _waiting_since(self) -> float | None:
        """Since when the patron has waited for the trainee to write, or None if they are not waiting."""
        if not self.patron_present or not self.trainee_in_chat or self.colleagues_in_chat:
            return None  # gone, not the trainee's chat (yet), or a colleague is looking after them
        return self._last_say_at if self._last_say_at is not None else (self._trainee_joined_at or 0.0)

    def _patron_gives_up_at(self) -> float | None:
        patience = self._patron.patience if self._patron else None
        since = self._waiting_since()
        return None if patience is None or since is None else round(since + patience, 1)

    def _next_nudge(self) -> tuple[float, int] | None:
        """(when, which) of the next impatience nudge due in this silence, if any."""
        since = self._waiting_since()
        if since is None or self._patron is None:
            return None
        due = [(round(since + nudge.after, 1), number) for number, nudge in enumerate(self._patron.nudges)
               if number not in self._nudged]
        return min(due) if due else None

    def _still_relevant(self, event: _Event) -> bool:
        if self.closed:
            return False  # the chat is over for the trainee: nothing more reaches them
        if isinstance(event, PatronSays):
            return self.patron_present
        if isinstance(event, StaffSays) and event.channel == "chat":
            return event.sender in self.colleagues_in_chat
        return True

    def _schedule(self, event: _Event, answer: bool = True) -> None:
        self._order += 1
        event = event.model_copy(update={"t": round(event.t, 1)})
        heapq.heappush(self._pending, _Pending(event.t, self._order, event, answer))

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
                if self.status_of(action.to) is not Status.AVAILABLE:
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
                if self._answers_agent_room(self._staff[staff_id], action.text):
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
        if self._patron.goodbye is not None and self._goodbyes.matches_any(self._goodbyes.similarity(say.text)):
            reply = self._line(("goodbye",), self._patron.goodbye)
        for intent in REPLY_PRIORITY:
            if reply is None and intent in found:
                scripted = self._patron.replies.get(intent)
                reply = self._line(("reply", intent), scripted) if scripted is not None else self._default_reply(intent)
        if reply is None and self._patron.otherwise is not None:
            reply = self._line(("otherwise",), self._patron.otherwise)
        if reply:
            self._schedule(PatronSays(t=say.t + typing_delay(reply), text=reply))

    def _line(self, key: tuple[str, ...], reply: Reply) -> str | None:
        """The line a scripted reply gives now: the first case whose condition holds, and of its lines the
        next one in order (the last repeated). None when no case holds."""
        cases = reply if isinstance(reply, list) and reply and isinstance(reply[0], ReplyCase) else [ReplyCase(say=reply)]  # type: ignore[arg-type]
        for number, case in enumerate(cases):
            if self._holds(case.when):
                lines = [case.say] if isinstance(case.say, str) else case.say
                used = self._used.get((*key, str(number)), 0)
                self._used[(*key, str(number))] = used + 1
                return lines[min(used, len(lines) - 1)]
        return None

    def _holds(self, condition: Condition) -> bool:
        return all(
            wanted is None or wanted == actual
            for wanted, actual in ((condition.email_given, self.email_given), (condition.answered, self.answered))
        )

    def _is_answer(self, text: str) -> bool:
        words = self._patron.answer_words if self._patron else []
        said = f" {' '.join(words_of(text))} "
        return any(f" {' '.join(words_of(word))} " in said for word in words)

    def _default_reply(self, intent: str) -> str | None:
        if intent == "ask_email":
            email = self.scenario.patron.email
            return f"Yes, it's {email}." if email else None
        return DEFAULT_REPLIES.get(intent)

    def _colleague_answers(self, member: StaffMember, at: float, channel: str, requested: bool) -> None:
        """A colleague answers a handoff request with the scripted yes or no (the n-th request gets the n-th
        of a list); anything else gets their small talk, which agrees to nothing (no `accepts`)."""
        if self.status_of(member.id) is not Status.AVAILABLE:
            return  # Busy and Away colleagues do not answer
        behaviour = self._colleagues.get(member.id, DEFAULT_COLLEAGUE)
        answer: dict[str, object] = {"t": at + behaviour.reply_after, "from": member.id, "channel": channel}
        if requested:
            count = self._requests.get((member.id, channel), 0)
            self._requests[(member.id, channel)] = count + 1
            room = behaviour.agent_room if channel == "agent_room" else None
            accepts = _nth(room.accepts if room and room.accepts is not None else behaviour.accepts, count)
            lines = room.reply if room and room.reply is not None else behaviour.reply
            text = _nth(lines, count) if lines is not None else (DEFAULT_ACCEPT if accepts else DEFAULT_DECLINE)
            answer |= {"text": text, "accepts": accepts}
        else:
            lines = behaviour.other_reply
            answer |= {"text": self._line(("other", member.id), lines) if lines is not None else NOT_A_REQUEST_REPLY}
        self._schedule(StaffSays.model_validate(answer))

    def _answers_agent_room(self, member: StaffMember, post: str) -> bool:
        """Whether a scripted colleague answers a handoff request posted in the Agent Room: as scripted,
        or (`fits`) when the post names their department or library, or names none at all."""
        answers = self._colleagues[member.id].agent_room.answers
        if answers != "fits":
            return answers == "always"
        said = set(words_of(post))
        named = {staff_id: words & said for staff_id, words in self._addressed_by.items()}
        return bool(named[member.id]) or not any(named.values())

    def _transfer(self, transfer: Transfer) -> None:
        if transfer.to is not None:
            candidates = [self._staff[transfer.to]]
        else:
            candidates = [m for m in self.scenario.staff if m.department == transfer.department]
        taker = next(
            (
                m
                for m in candidates
                if self.status_of(m.id) is Status.AVAILABLE and self._colleagues.get(m.id, DEFAULT_COLLEAGUE).takes_transfer
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


def setting_warnings(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, message) for each setting of a valid scenario that does nothing when it is played."""
    warnings: list[tuple[tuple[str | int, ...], str]] = []
    script = scenario.script
    woken = {timed.staff for timed in (script.timeline if script else ()) if timed.status is Status.AVAILABLE}
    staff = scenario.staff_by_id()
    for staff_id in script.colleagues if script else ():
        member = staff.get(staff_id)
        if member is not None and member.status is not Status.AVAILABLE and staff_id not in woken:
            warnings.append((("script", "colleagues", staff_id),
                             f"{member.name} is {member.status.value.capitalize()} and never becomes Available, "
                             "so this script never plays: Busy and Away colleagues do not answer"))
    for index, target in enumerate(scenario.expect.transfer_to or []):
        member = staff.get(target)
        if member is not None and member.status is not Status.AVAILABLE and target not in woken:
            warnings.append((("expect", "transfer_to", index),
                             f"{member.name} is {member.status.value.capitalize()}: the Agent tab lists only Available "
                             "staff, so no trainee can transfer to them"))
    for intent in script.patron.replies if script else ():
        if intent not in REPLY_PRIORITY:
            warnings.append((("script", "patron", "replies", intent),
                             f"the patron never answers '{intent}': it is not said to the patron "
                             f"(replies can answer {', '.join(sorted(REPLY_PRIORITY))})"))
    return warnings


def _nth(values: T | list[T], count: int) -> T:
    """The `count`-th (from 0) of a scripted list, the last repeated; a single value always."""
    if not isinstance(values, list):
        return values
    return values[min(count, len(values) - 1)]


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
