"""One trainee's attempt at a scenario: the simulator, the clock, practice hints and the scorecard.

This is the console's business logic, kept free of Streamlit so it can be tested
without a browser. The page asks it to act and shows what it says.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from coach.events import EVENT_ADAPTER, TRAINEE_EVENTS, TRAINEE_TYPES, _Event
from coach.hints import Hint, hints_for
from coach.problems import describe, errors_of
from coach.scenario import LoadedScenario
from coach.scoring import Scorecard, matcher_for, score
from coach.simulator import ActionRefused, ChatSession


class Mode(StrEnum):
    PRACTICE = "practice"  # hints right after a mistake
    ASSESSMENT = "assessment"  # no hints until the scorecard


def time_scale() -> float:
    """How much faster than real time the world runs (COACH_TIME_SCALE; browser tests speed it up)."""
    try:
        scale = float(os.environ.get("COACH_TIME_SCALE", "1"))
    except ValueError:
        return 1.0
    return scale if scale > 0 else 1.0


@dataclass
class RealClock:
    """Seconds since the chat started, from the machine's monotonic clock; `already` seconds
    had passed before this clock started (a resumed chat)."""

    already: float = 0.0
    scale: float = field(default_factory=time_scale)
    started: float = field(default_factory=time.monotonic)

    def __call__(self) -> float:
        return round(self.already + (time.monotonic() - self.started) * self.scale, 1)


@dataclass
class ManualClock:
    """A clock that moves only when told to (tests, autoplay)."""

    seconds: float = 0.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


# Called with (sequence number of the first event, the new events) after every trainee action,
# and at the end, before the page answers: the console stores them there (coach.storage);
# raising aborts the action. The world's answers in between need no write of their own: the
# world is deterministic, so resuming from the trainee's actions brings them back exactly.
EventSink = Callable[[int, list[_Event]], None]


class Attempt:
    """A chat being played in the console."""

    def __init__(
        self,
        loaded: LoadedScenario,
        mode: Mode,
        clock: Callable[[], float] | None = None,
        trainee: str | None = None,
        attempt_id: str | None = None,
        save: EventSink | None = None,
    ) -> None:
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.mode = mode
        self.trainee = trainee
        self.attempt_id = attempt_id
        self.clock = clock or RealClock()
        self.session = ChatSession(self.scenario, matcher_for(self.scenario))
        # A receiver's chat has history before the trainee sees it: their clock starts at the offer.
        self._opened_at = self.session.now
        self.finished = False
        self._save = save
        self._saved = 0  # events already handed to `save`
        self._persist()

    @classmethod
    def resume(
        cls,
        loaded: LoadedScenario,
        mode: Mode,
        stored: list[_Event],
        clock: Callable[[], float] | None = None,
        trainee: str | None = None,
        attempt_id: str | None = None,
        save: EventSink | None = None,
    ) -> Attempt:
        """Continue a stored attempt: the world is deterministic, so replaying the trainee's
        actions rebuilds it exactly, pending replies included; the clock goes on from the last event."""
        attempt = cls(loaded, mode, ManualClock(), trainee, attempt_id)
        for event in stored:
            if isinstance(event, TRAINEE_EVENTS):
                attempt.session.act(event)
        last = stored[-1].t if stored else attempt.session.now
        attempt.session.advance(last)
        attempt.clock = clock or RealClock(already=round(last - attempt._opened_at, 1))
        attempt._save = save
        attempt._saved = len(stored)
        return attempt

    def _persist(self) -> None:
        new = self.session.events[self._saved :]
        if new and self._save is not None:
            self._save(self._saved, list(new))
        self._saved = len(self.session.events)

    @property
    def events(self) -> list[_Event]:
        return self.session.events

    def now(self) -> float:
        """Seconds since the chat started, as the transcript counts them."""
        return round(self._opened_at + self.clock(), 1)

    def tick(self) -> list[_Event]:
        """Let the world catch up with the clock; returns what it added."""
        if self.finished:
            return []
        return self.session.advance(self.now())

    def act(self, kind: str, **fields: Any) -> list[Hint]:
        """Do one trainee action now. Raises ActionRefused when the console would not allow it."""
        if self.finished:
            raise ActionRefused("this attempt is finished")
        if kind not in TRAINEE_TYPES:
            raise ActionRefused(f"'{kind}' is not something a trainee does")
        try:
            action = EVENT_ADAPTER.validate_python({"type": kind, "t": self.now(), **fields})
        except ValidationError as error:
            raise ActionRefused("; ".join(describe(item) for item in errors_of(error))) from None
        before = len(self.session.events)
        added = self.session.act(action)
        self._persist()
        index = before + next(i for i, event in enumerate(added) if event.type == kind)
        if self.mode is not Mode.PRACTICE:
            return []
        return hints_for(self.scenario, self.session.events, index, self.session.memo)

    def finish(self) -> Scorecard:
        """End the attempt (the world stops), store what is left, and score it."""
        self.tick()
        self._persist()
        self.finished = True
        return self.scorecard()

    def scorecard(self) -> Scorecard:
        return score(self.scenario, self.session.events, self.trainee, memo=self.session.memo)
