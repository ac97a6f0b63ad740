"""What a rule is, what it returns, and the facts about a transcript that rules share."""

from __future__ import annotations

import re
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
from coach.goodbye import GoodbyeMatcher
from coach.intents import IntentMatcher
from coach.scenario import Role, Scenario, StaffMember
from coach.seeds import Seed

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


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

    intents: dict[int, frozenset[str]] = field(default_factory=dict)
    script_similarity: dict[int, dict[str, float]] = field(default_factory=dict)


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
        self._by_type: dict[type, list[int]] = {}
        for index, event in enumerate(events):
            self._by_type.setdefault(type(event), []).append(index)

    # -- finding events -----------------------------------------------------------

    def indices(self, kind: type[E] | tuple[type[_Event], ...], start: int = 0, stop: int | None = None) -> list[int]:
        """Indices of events of these types in [start, stop), in order."""
        stop = len(self.events) if stop is None else stop
        kinds = kind if isinstance(kind, tuple) else (kind,)
        found: list[int] = []
        for one in kinds:
            found.extend(i for i in self._by_type.get(one, ()) if start <= i < stop)
        return sorted(found) if len(kinds) > 1 else found

    def first(self, kind: type[E] | tuple[type[_Event], ...], start: int = 0, stop: int | None = None) -> int | None:
        found = self.indices(kind, start, stop)
        return found[0] if found else None

    def says_with(self, intents: Iterable[str], start: int = 0, stop: int | None = None) -> list[int]:
        """Indices of trainee `say` events, in [start, stop), that have any of these intents."""
        wanted = frozenset(intents)
        return [i for i in self.indices(Say, start, stop) if self.intents(i) & wanted]

    def intents(self, index: int) -> frozenset[str]:
        if index not in self._memo.intents:
            event = self.events[index]
            assert isinstance(event, Say)
            self._memo.intents[index] = self._matcher.intents(event.text)
        return self._memo.intents[index]

    def script_similarity(self, index: int) -> dict[str, float]:
        """Similarity 0-100 of the `say` at an index to each library's Goodbye script."""
        if index not in self._memo.script_similarity:
            self._memo.script_similarity[index] = self.goodbye.similarity(self.events[index].text)  # type: ignore[attr-defined]
        return self._memo.script_similarity[index]

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
        for index in range(self.first_transfer + 1, len(self.events)):
            event = self.events[index]
            if isinstance(event, Joined) and event.who in self.staff:
                return index
        return None

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
        for index, event in enumerate(self.events):
            if isinstance(event, Joined) and event.who == "trainee":
                return index
        return None

    @cached_property
    def last_trainee_event(self) -> int | None:
        found = self.indices(TRAINEE_EVENTS)
        return found[-1] if found else None

    @cached_property
    def patron_left(self) -> int | None:
        for index, event in enumerate(self.events):
            if isinstance(event, Left) and event.who == "patron":
                return index
        return None

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
        return "thank_and_invite" in self.intents(index) or self.goodbye.matches_any(self.script_similarity(index))

    @cached_property
    def follow_up_resolve(self) -> int | None:
        """The first `resolve` with a follow-up code."""
        for index in self.indices(Resolve):
            if self.events[index].code in FOLLOW_UP_CODES:  # type: ignore[attr-defined]
                return index
        return None

    def email_on_record(self, before: int | None = None) -> str | None:
        """`patron.email`, changed by each `set_email` at a lower index than `before`."""
        return email_on_record(self.scenario.patron.email, self.events, before)

    @cached_property
    def typed_emails(self) -> list[tuple[int, str]]:
        """(index, address) for every email address the patron typed in the chat."""
        found = []
        for index in self.indices(PatronSays):
            for address in EMAIL_PATTERN.findall(self.events[index].text):  # type: ignore[attr-defined]
                found.append((index, address.rstrip(".")))
        return found

    def exit_after(self, index: int) -> int | None:
        """The trainee's next Leave, End or Dismiss after an event."""
        return self.first((Leave, End, Dismiss), index + 1)
