"""What a rule is, what it returns, and the facts about a transcript that rules share."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from typing import TypeVar

from coach.events import (
    FOLLOW_UP_CODES,
    TRAINEE_EVENTS,
    Dismiss,
    End,
    Joined,
    Leave,
    Left,
    PatronSays,
    Resolve,
    Say,
    Transfer,
    _Event,
    email_on_record,
)
from coach.emails import find_addresses, parse_address, patron_address
from coach.goodbye import GoodbyeMatcher
from coach.intents import IntentMatch, IntentMatcher, speaker_of
from coach.scenario import Role, Scenario, StaffMember
from coach.seeds import Seed


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"

    @property
    def weight(self) -> int:
        return {"critical": 3, "major": 2, "minor": 1}[self.value]


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A rule's judgement of one transcript."""

    outcome: Outcome
    evidence: tuple[int, ...]  # indices of the events that decided it
    message: str  # for the trainee

    @classmethod
    def passed(cls, message: str, *evidence: int | None) -> Verdict:
        return cls(Outcome.PASS, _indices(evidence), message)

    @classmethod
    def failed(cls, message: str, *evidence: int | None) -> Verdict:
        return cls(Outcome.FAIL, _indices(evidence), message)

    @classmethod
    def not_applicable(cls, message: str) -> Verdict:
        return cls(Outcome.NOT_APPLICABLE, (), message)


SENTENCE = re.compile(r"(?<=[.!?])\s+")
EXCERPT_WORDS = 12
# A message after the goodbye this short ("You're welcome, take care!") still leaves it the closing one.
SHORT_MESSAGE_WORDS = 6


def quote_excerpt(text: str) -> str:
    """A message quoted for a verdict: its first words, in curly quotes."""
    words = text.split()
    short = " ".join(words[:EXCERPT_WORDS])
    return f"“{short}{'…' if len(words) > EXCERPT_WORDS else ''}”"


def _indices(evidence: Iterable[int | None]) -> tuple[int, ...]:
    return tuple(sorted({index for index in evidence if index is not None}))


DOC_HEADINGS = ("What it checks", "Why it matters", "Fails", "Passes")


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """A rule's docstring in its named sections, each as plain paragraphs (lines of a paragraph joined)."""

    title: str  # the docstring's first line
    what_it_checks: str
    why_it_matters: str
    fails: str  # a bad example
    passes: str  # a good example


@cache
def parse_rule_doc(doc: str) -> RuleDoc:
    """Split a rule docstring (a title line, then "What it checks:", "Why it matters:", "Fails:" and
    "Passes:", each over an indented body) into its sections; ValueError if one is missing or empty."""
    title, _, body = doc.strip().partition("\n")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body.splitlines():
        if line and not line[0].isspace():
            heading = line.rstrip()
            if not heading.endswith(":") or heading[:-1] not in DOC_HEADINGS:
                raise ValueError(f"unexpected line {line!r}: headings are {', '.join(DOC_HEADINGS)}, bodies indented")
            if heading[:-1] in sections:
                raise ValueError(f"{heading!r} appears twice")
            current = sections[heading[:-1]] = []
        elif current is not None:
            current.append(line.strip())
        elif line.strip():
            raise ValueError(f"text before the first heading: {line.strip()!r}")
    texts = [_paragraphs(sections.get(heading, [])) for heading in DOC_HEADINGS]
    missing = [heading for heading, text in zip(DOC_HEADINGS, texts) if not text]
    if not title.strip():
        missing.insert(0, "title")
    if missing:
        raise ValueError(f"missing or empty: {', '.join(missing)}")
    return RuleDoc(title.strip(), *texts)


def _paragraphs(lines: list[str]) -> str:
    """Blank lines separate paragraphs; the lines of one paragraph are joined into one."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return "\n\n".join(paragraphs)


@dataclass(frozen=True, slots=True)
class Rule:
    """One best practice the coach checks (one module per rule under coach/rules/)."""

    code: str
    name: str
    severity: Severity
    summary: str  # one line: what a trainee should do
    seed: Seed  # the training tip the rule comes from
    quote: str  # the sentence of the seed it enforces, verbatim
    doc: str  # What it checks / Why it matters / Fails / Passes
    check: Callable[[Context], Verdict]
    # Trainee actions that can decide a failure on the spot, for practice-mode hints.
    decided_by: tuple[str, ...] = ()

    @property
    def documentation(self) -> RuleDoc:
        """The docstring's sections, for the rule catalogue page and docs/rules.md."""
        return parse_rule_doc(self.doc)


E = TypeVar("E", bound=_Event)


@dataclass(slots=True)
class MessageMemo:
    """What has been worked out about each `say`, by event index. A transcript only grows,
    so the scorings of one attempt can share a memo and judge each message once."""

    matches: dict[int, IntentMatch] = field(default_factory=dict)
    script_similarity: dict[int, dict[str, float]] = field(default_factory=dict)
    goodbye_message: dict[int, bool] = field(default_factory=dict)
    split_script: dict[tuple[int, int], bool] = field(default_factory=dict)
    contains_script: dict[int, bool] = field(default_factory=dict)
    short: dict[int, bool] = field(default_factory=dict)
    # The goodbye messages among the `say`s at indices below `goodbyes_scanned`, in order.
    goodbyes: list[int] = field(default_factory=list)
    goodbyes_scanned: int = 0
    # Event index of a `say` -> the closing goodbye of the chat as it stood after that `say`.
    closing_units: dict[int, tuple[tuple[int, ...], ...]] = field(default_factory=dict)
    # Event indices by event type, for the first `indexed` events: extended, never rebuilt, so
    # that scoring a long chat after each action does not re-read it from the start.
    by_type: dict[type, list[int]] = field(default_factory=dict)
    indexed: int = 0

    def index(self, events: tuple[_Event, ...]) -> None:
        for position in range(self.indexed, len(events)):
            self.by_type.setdefault(type(events[position]), []).append(position)
        self.indexed = max(self.indexed, len(events))


K = TypeVar("K")
V = TypeVar("V")


def _remembered(table: dict[K, V], key: K, work_out: Callable[[], V]) -> V:
    """What `table` holds for `key`, worked out once."""
    if key not in table:
        table[key] = work_out()
    return table[key]


class Context:
    """One transcript read against its scenario; every fact is computed at most once."""

    def __init__(
        self,
        scenario: Scenario,
        events: tuple[_Event, ...],
        matcher: IntentMatcher,
        memo: MessageMemo | None = None,
    ) -> None:
        self.scenario = scenario
        self.events = events
        self._matcher = matcher
        self._memo = MessageMemo() if memo is None else memo
        self._memo.index(events)

    # -- finding events -----------------------------------------------------------

    def indices(self, kind: type[E] | tuple[type[_Event], ...], start: int = 0, stop: int | None = None) -> list[int]:
        """Indices of events of these types in [start, stop), in order."""
        # The memo may have indexed events after this transcript's end (a hint scores a prefix).
        stop = len(self.events) if stop is None else min(stop, len(self.events))
        kinds = kind if isinstance(kind, tuple) else (kind,)
        found: list[int] = []
        for one in kinds:
            positions = self._memo.by_type.get(one, [])
            found.extend(positions[bisect_left(positions, start) : bisect_left(positions, stop)])
        return sorted(found) if len(kinds) > 1 else found

    def first(self, kind: type[E] | tuple[type[_Event], ...], start: int = 0, stop: int | None = None) -> int | None:
        found = self.indices(kind, start, stop)
        return found[0] if found else None

    def says_with(self, intents: Iterable[str], start: int = 0, stop: int | None = None) -> list[int]:
        """Indices of trainee `say` events, in [start, stop), that have any of these intents."""
        wanted = frozenset(intents)
        return [i for i in self.indices(Say, start, stop) if self.intents(i) & wanted]

    def match(self, index: int) -> IntentMatch:
        """The intents of the message at an index, read as its writer's (SPEC §6), matched once. The
        first trainee `say` asked for has every `say` matched with it, in one batch: nearly every
        rule reads them all, and a batch is quicker than one message at a time."""
        matches = self._memo.matches
        if index not in matches:
            event = self.events[index]
            if isinstance(event, Say):
                unmatched = [i for i in self.indices(Say) if i not in matches]
                texts = [self.events[i].text for i in unmatched]  # type: ignore[attr-defined]
                matches.update(zip(unmatched, self._matcher.match_many(texts, "trainee")))
            else:
                matches[index] = self._matcher.match(event.text, speaker_of(event))  # type: ignore[attr-defined]
        return matches[index]

    def intents(self, index: int) -> frozenset[str]:
        return frozenset(self.match(index).matched)

    def closest(self, intent: str, indices: Iterable[int]) -> tuple[int, int] | None:
        """(index, score) of the message among `indices` that comes nearest to an intent."""
        scored = [(self.match(index).scores.get(intent, 0), -index) for index in indices]
        if not scored:
            return None
        best, index = max(scored)
        return -index, best

    def missing(self, intent: str, finding: str, advice: str, start: int, stop: int | None, *evidence: int | None) -> Verdict:
        """A failure for a message with an intent that the trainee did not send in [start, stop): says
        honestly what was looked for and, when they wrote anything there, the message that came nearest,
        so that a wording the coach could not read is never called silence."""
        closest = self.closest(intent, self.indices(Say, start, stop))
        if closest is None:
            return Verdict.failed(f"I didn't find a message {finding}: you had written nothing to the patron. {advice}",
                                  *evidence)
        index, best = closest
        return Verdict.failed(
            f"I didn't find a message {finding}. Closest: {quote_excerpt(self.events[index].text)} (score {best}). "  # type: ignore[attr-defined]
            f"{advice}",
            index,
            *evidence,
        )

    def script_similarity(self, index: int) -> dict[str, float]:
        """Similarity 0-100 of the `say` at an index to each library's Goodbye script."""
        return _remembered(self._memo.script_similarity, index,
                           lambda: self.goodbye.similarity(self.events[index].text))  # type: ignore[attr-defined]

    # -- shared facts (SPEC §5) -----------------------------------------------------

    @cached_property
    def staff(self) -> dict[str, StaffMember]:
        return self.scenario.staff_by_id()

    @cached_property
    def first_transfer(self) -> int | None:
        return self.first(Transfer)

    @cached_property
    def handover_join(self) -> int | None:
        """The `joined` of a staff member after the trainee's first transfer (makes the outcome `transfer`)."""
        if self.first_transfer is None:
            return None
        joins = self.indices(Joined, self.first_transfer + 1)
        return next((index for index in joins if self.events[index].who in self.staff), None)  # type: ignore[attr-defined]

    @cached_property
    def last_resolve(self) -> int | None:
        found = self.indices(Resolve)
        return found[-1] if found else None

    @cached_property
    def outcome(self) -> str:
        if self.handover_join is not None:
            return "transfer"
        if self.last_resolve is not None:
            return self.events[self.last_resolve].code.value  # type: ignore[attr-defined]
        return "none"

    @cached_property
    def trainee_joined(self) -> int | None:
        return next((index for index in self.indices(Joined) if self.events[index].who == "trainee"), None)  # type: ignore[attr-defined]

    @cached_property
    def last_trainee_event(self) -> int | None:
        found = self.indices(TRAINEE_EVENTS)
        return found[-1] if found else None

    @cached_property
    def patron_left(self) -> int | None:
        return next((index for index in self.indices(Left) if self.events[index].who == "patron"), None)  # type: ignore[attr-defined]

    @cached_property
    def trainee_concludes(self) -> bool:
        if self.outcome == "transfer":
            return False
        in_chat = self.scenario.role is Role.INITIATOR or self.trainee_joined is not None
        left_early = (
            self.patron_left is not None
            and self.last_trainee_event is not None
            and self.patron_left < self.last_trainee_event
        )
        return in_chat and not left_early

    @cached_property
    def goodbye(self) -> GoodbyeMatcher:
        return GoodbyeMatcher(self.scenario)

    def is_goodbye_message(self, index: int) -> bool:
        """A `say` that matches a library's Goodbye script or has intent thank_and_invite."""
        return _remembered(self._memo.goodbye_message, index,
                           lambda: "thank_and_invite" in self.intents(index) or self._contains_script(index))

    @cached_property
    def goodbye_messages(self) -> list[int]:
        """Indices of the `say`s that are goodbye messages, in order. Only the messages the memo has
        not yet seen are judged, so a long chat costs what a short one does."""
        memo = self._memo
        for index in self.indices(Say, start=memo.goodbyes_scanned):
            if self.is_goodbye_message(index):
                memo.goodbyes.append(index)
        memo.goodbyes_scanned = max(memo.goodbyes_scanned, len(self.events))
        return memo.goodbyes[: bisect_left(memo.goodbyes, len(self.events))]

    def only_a_greeting(self, index: int) -> bool:
        """A `say` that greets and does nothing else: every sentence of it is a greeting
        ("Hi Pat! I'm Sam."), unlike "Hello! What is your question?"."""
        if self.intents(index) != {"greet"}:
            return False
        sentences = [part for part in SENTENCE.split(self.events[index].text) if part.strip()]  # type: ignore[attr-defined]
        return len(sentences) < 2 or all("greet" in self._matcher.intents(part) for part in sentences)

    def text_of(self, unit: tuple[int, ...]) -> str:
        """The text of one `say`, or of two consecutive ones read as one message."""
        return " ".join(self.events[index].text for index in unit)  # type: ignore[attr-defined]

    def _contains_script(self, index: int) -> bool:
        """A `say` that holds a library's Goodbye script."""
        return _remembered(self._memo.contains_script, index,
                           lambda: self.goodbye.matches_any(self.script_similarity(index)))

    def _is_short(self, index: int) -> bool:
        return _remembered(self._memo.short, index,
                           lambda: len(self.events[index].text.split()) <= SHORT_MESSAGE_WORDS)  # type: ignore[attr-defined]

    def _is_split_script(self, first: int, second: int) -> bool:
        """Two consecutive `say`s that hold a script together, though neither holds one alone."""
        return _remembered(self._memo.split_script, (first, second), lambda: not (
            self._contains_script(first) or self._contains_script(second)
        ) and self.goodbye.matches_any(self.goodbye.similarity(self.text_of((first, second)))))

    @cached_property
    def closing_goodbyes(self) -> tuple[tuple[int, ...], ...]:
        """The goodbye messages of the closing goodbye, in order (SPEC §5): from the last `say` back, every
        goodbye message (or script split over two consecutive `say`s) until a message that is neither a
        goodbye nor short. Empty when the trainee's last long message is no goodbye."""
        says = self.indices(Say)
        if not says:
            return ()
        # Read back from the end, that walk is the closing goodbye of the chat ending at each `say`,
        # worked out from the one ending one or two `say`s earlier; the memo keeps each, so a chat of
        # many short messages is not re-walked after every action.
        known = self._memo.closing_units
        first_unknown = len(says)
        while first_unknown > 0 and says[first_unknown - 1] not in known:
            first_unknown -= 1
        for position in range(first_unknown, len(says)):
            index = says[position]

            def through(back: int) -> tuple[tuple[int, ...], ...]:
                return known[says[position - back]] if position >= back else ()

            if self._contains_script(index):
                units = (*through(1), (index,))
            elif position >= 1 and self._is_split_script(says[position - 1], index):
                units = (*through(2), (says[position - 1], index))
            elif self.is_goodbye_message(index):
                units = (*through(1), (index,))
            elif self._is_short(index):
                units = through(1)
            else:
                units = ()
            known[index] = units
        return known[says[-1]]

    @cached_property
    def closing_goodbye(self) -> int | None:
        """Index of the first `say` of the closing goodbye."""
        return self.closing_goodbyes[0][0] if self.closing_goodbyes else None

    @cached_property
    def follow_up_resolve(self) -> int | None:
        """The final resolution (the last `resolve`) when its code is a Follow Up code."""
        last = self.last_resolve
        if last is not None and self.events[last].code in FOLLOW_UP_CODES:  # type: ignore[attr-defined]
            return last
        return None

    def email_on_record(self, before: int | None = None) -> str | None:
        """`patron.email`, changed by each `set_email` at a lower index than `before`, as written."""
        return email_on_record(self.scenario.patron.email, self.events, before)

    def address_on_record(self, before: int | None = None) -> str | None:
        """The email on record as a normalised address; None when it is blank or not an address."""
        return parse_address(self.email_on_record(before))

    @cached_property
    def typed_emails(self) -> list[tuple[int, str]]:
        """(index, address) for every email address the patron typed in the chat, rejected ones included."""
        return [
            (index, found.address)
            for index in self.indices(PatronSays)
            for found in find_addresses(self.events[index].text)  # type: ignore[attr-defined]
        ]

    @cached_property
    def patron_address(self) -> tuple[int, str] | None:
        """(index, address): the address the patron means, from their messages (SPEC §5)."""
        return patron_address((index, self.events[index].text) for index in self.indices(PatronSays))  # type: ignore[attr-defined]

    def exit_after(self, index: int) -> int | None:
        """The trainee's next Leave, End or Dismiss after an event."""
        return self.first((Leave, End, Dismiss), index + 1)
