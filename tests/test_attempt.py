"""An attempt hands every event to its sink exactly once, and resumes exactly from stored events."""

from __future__ import annotations

import pytest

from coach.attempt import Attempt, ManualClock, Mode, RealClock
from coach.library import ScenarioLibrary
from coach.simulator import ActionRefused


@pytest.fixture(scope="module")
def library() -> ScenarioLibrary:
    return ScenarioLibrary()


class ListSink:
    def __init__(self) -> None:
        self.events: list = []

    def __call__(self, first_seq: int, events: list) -> None:
        assert first_seq == len(self.events), "events arrive in order, none twice"
        self.events.extend(events)


def play_first_half(attempt: Attempt, clock: ManualClock) -> None:
    clock.advance(5)
    attempt.act("say", text="Hi Gloria, let me find someone at Maplewood who can see your account.")
    clock.advance(5)
    attempt.act("im", to="denise", text="Hi Denise, can you take a Maplewood patron?")
    clock.advance(3)  # Denise answers after 15 s: still pending when the server dies


def play_second_half(attempt: Attempt, clock: ManualClock) -> None:
    clock.advance(30)
    attempt.tick()
    attempt.act("say", text="I'm going to transfer you to Denise at Maplewood, who can see your account.")
    clock.advance(5)
    attempt.act("transfer", to="denise")
    clock.advance(10)
    attempt.tick()
    attempt.act("leave")


def test_sink_receives_every_event_once(library) -> None:
    sink, clock = ListSink(), ManualClock()
    attempt = Attempt(library.get("lost-book-charge-maplewood"), Mode.PRACTICE, clock, save=sink)
    assert [event.type for event in sink.events] == ["patron_says"]
    play_first_half(attempt, clock)
    play_second_half(attempt, clock)
    clock.advance(60)
    attempt.finish()
    assert sink.events == attempt.events


def test_each_action_is_saved_before_it_returns(library) -> None:
    sink, clock = ListSink(), ManualClock()
    attempt = Attempt(library.get("lost-book-charge-maplewood"), Mode.PRACTICE, clock, save=sink)
    clock.advance(5)
    attempt.act("say", text="Hi Gloria, let me look into that.")
    assert sink.events[-1].type == "say"
    clock.advance(30)
    attempt.tick()  # the patron answers: no write needed yet
    assert sink.events[-1].type == "say" and attempt.events[-1].type == "patron_says"
    clock.advance(5)
    attempt.act("view_info")
    assert sink.events == attempt.events


def test_resume_rebuilds_the_world_and_continues_identically(library) -> None:
    loaded = library.get("lost-book-charge-maplewood")
    straight_clock = ManualClock()
    straight = Attempt(loaded, Mode.PRACTICE, straight_clock)
    play_first_half(straight, straight_clock)
    play_second_half(straight, straight_clock)

    sink, clock = ListSink(), ManualClock()
    first = Attempt(loaded, Mode.PRACTICE, clock, save=sink)
    play_first_half(first, clock)
    stored = list(sink.events)  # the server dies here; only what was saved survives

    resumed_clock = ManualClock(clock.seconds)
    resumed = Attempt.resume(loaded, Mode.PRACTICE, stored, resumed_clock, save=sink)
    assert resumed.events == stored
    play_second_half(resumed, resumed_clock)
    assert resumed.events == straight.events
    assert sink.events == straight.events
    assert resumed.scorecard().score == 100.0


def test_resumed_real_clock_goes_on_from_the_last_event(library) -> None:
    loaded = library.get("lost-book-charge-maplewood")
    sink, clock = ListSink(), ManualClock()
    attempt = Attempt(loaded, Mode.ASSESSMENT, clock, save=sink)
    play_first_half(attempt, clock)
    resumed = Attempt.resume(loaded, Mode.ASSESSMENT, list(sink.events))
    assert isinstance(resumed.clock, RealClock)
    assert resumed.now() >= sink.events[-1].t


def test_a_failing_sink_stops_the_action(library) -> None:
    def broken(first_seq: int, events: list) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        Attempt(library.get("lost-book-charge-maplewood"), Mode.PRACTICE, ManualClock(), save=broken)


def test_finished_attempt_refuses_actions(library) -> None:
    attempt = Attempt(library.get("lost-book-charge-maplewood"), Mode.PRACTICE, ManualClock())
    attempt.finish()
    with pytest.raises(ActionRefused):
        attempt.act("say", text="hello")
