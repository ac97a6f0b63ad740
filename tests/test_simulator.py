"""The simulated world: deterministic reactions that follow the Agent Console's rules."""

from __future__ import annotations

import textwrap

import pytest

from coach.events import (
    AcceptTransfer, AgentRoom, End, Im, Joined, Leave, Left, PatronSays, Resolve, Say, StaffSays, Transfer,
    TransferDeclined, TransferOffer,
)
from coach.scenario import parse_scenario
from coach.scoring import matcher_for
from coach.simulator import ActionRefused, ChatSession, play_walkthrough

WORLD = textwrap.dedent(
    """\
    id: sim
    title: Simulator test
    patron: {name: Priya, library: riverton, email: null, question: "Why can't I renew?"}
    libraries:
      riverton: {name: Riverton Public Library, goodbye: "Thank you for contacting Riverton. Goodbye!"}
    staff:
      - {id: kim, name: Kim Alvarez, library: riverton, department: Circulation, status: available}
      - {id: raj, name: Raj Mehta, library: riverton, department: Circulation, status: available}
      - {id: omar, name: Omar Haddad, library: riverton, department: Reference, status: busy}
    expect: {route: [transfer], transfer_to: [kim]}
    script:
      patron:
        opening: hi, the catalog says I can't renew?
        replies:
          ask_email: sure, it's priya@mail.example.org
          explain_transfer: OK, thanks.
        otherwise: ok
        patience: 100
      colleagues:
        kim: {accepts: true, reply: Sure, reply_after: 8, greeting: "Hi Priya, this is Kim."}
        raj: {accepts: false, reply: "Sorry, swamped.", reply_after: 5, takes_transfer: false}
    walkthroughs:
      ideal:
        - {type: im, to: kim, text: "Can you take a Riverton patron?"}
        - {type: say, text: "I'm going to transfer you to Kim at Riverton, who can see your account."}
        - {type: transfer, to: kim}
        - {type: leave}
    """
)


@pytest.fixture
def scenario():
    return parse_scenario(WORLD, "sim.yaml").scenario


@pytest.fixture
def session(scenario) -> ChatSession:
    return ChatSession(scenario, matcher_for(scenario))


def of_type(events, kind):
    return [event for event in events if isinstance(event, kind)]


def test_initiator_chat_opens_with_the_patrons_message(session) -> None:
    assert session.events == [PatronSays(t=0, text="hi, the catalog says I can't renew?")]


def test_patron_answers_by_intent_after_typing(session) -> None:
    session.act(Say(t=5, text="Could you type your email address so we can follow up?"))
    assert session.advance(7) == []  # still typing
    (reply,) = session.advance(30)
    assert reply.text == "sure, it's priya@mail.example.org" and reply.t > 5
    session.act(Say(t=40, text="The catalog shows a block."))
    assert session.advance(60)[-1].text == "ok"


def test_colleague_answers_im_after_their_delay(session) -> None:
    session.act(Im(t=10, to="kim", text="Can you take a patron?"))
    assert session.advance(17) == []
    (answer,) = session.advance(18)
    assert answer == StaffSays.model_validate({"t": 18, "from": "kim", "channel": "im", "text": "Sure", "accepts": True})


def test_busy_colleague_does_not_answer(session) -> None:
    session.act(Im(t=10, to="omar", text="Can you take a patron?"))
    assert session.advance(500) == [Left(t=100, who="patron")]


def test_agent_room_is_answered_by_scripted_available_colleagues(session) -> None:
    session.act(AgentRoom(t=10, text="Can anyone take a Riverton patron with a renewal block?"))
    answers = of_type(session.advance(30), StaffSays)
    assert [(a.sender, a.channel, a.accepts) for a in answers] == [("raj", "agent_room", False), ("kim", "agent_room", True)]


def test_a_post_that_asks_for_no_handoff_gets_no_answer(session) -> None:
    session.act(AgentRoom(t=10, text="Did everyone see the new schedule for next week?"))
    assert of_type(session.advance(30), StaffSays) == []


@pytest.mark.parametrize("text", ["?", "Did you see the new schedule for next week?"])
def test_an_im_that_asks_for_no_handoff_is_answered_without_agreeing(session, text) -> None:
    session.act(Im(t=10, to="kim", text=text))
    answers = of_type(session.advance(30), StaffSays)
    assert [(a.sender, a.accepts) for a in answers] == [("kim", None)]
    assert "send" not in answers[0].text.lower()


def test_transfer_entered_greeting_and_leave(session) -> None:
    added = session.act(Transfer(t=20, to="kim")) + session.advance(40)
    assert of_type(added, Joined) == [Joined(t=24, who="kim")]
    assert of_type(added, StaffSays)[0].text == "Hi Priya, this is Kim."
    assert session.colleagues_in_chat == ["kim"]
    with pytest.raises(ActionRefused, match="Dismiss and Leave"):
        session.act(End(t=41))
    added = session.act(Leave(t=42))
    assert of_type(added, Left) == [Left(t=42, who="trainee")]
    assert session.closed
    with pytest.raises(ActionRefused, match="chat is over"):
        session.act(Say(t=50, text="hello?"))
    session.act(Resolve(t=55, code="practice"))  # the wrap-up is still open


def test_colleague_who_will_not_take_it_declines(session) -> None:
    added = session.act(Transfer(t=20, to="raj")) + session.advance(40)
    assert of_type(added, TransferDeclined) == [TransferDeclined(t=24, who="raj")]
    assert not session.colleagues_in_chat


def test_department_transfer_goes_to_someone_who_takes_it(session) -> None:
    added = session.act(Transfer(t=20, department="Circulation")) + session.advance(40)
    assert of_type(added, Joined) == [Joined(t=24, who="kim")]


def test_console_refusals(session) -> None:
    with pytest.raises(ActionRefused, match="only Available"):
        session.act(Transfer(t=5, to="omar"))
    with pytest.raises(ActionRefused, match="Leave appears only"):
        session.act(Leave(t=6))
    with pytest.raises(ActionRefused, match="no transfer offer"):
        session.act(AcceptTransfer(t=7, accepted=True))
    session.act(Transfer(t=8, to="kim"))
    with pytest.raises(ActionRefused, match="already waiting"):
        session.act(Transfer(t=9, to="kim"))
    with pytest.raises(ActionRefused, match="written by the world"):
        session.act(PatronSays(t=10, text="hi"))


def test_patron_leaves_when_ignored_too_long(session) -> None:
    session.act(Say(t=30, text="Let me look."))
    assert of_type(session.advance(129), Left) == []
    assert of_type(session.advance(131), Left) == [Left(t=130, who="patron")]
    with pytest.raises(ActionRefused, match="patron has left"):
        session.act(Say(t=140, text="Still there?"))


def test_end_cuts_off_pending_patron_replies(session) -> None:
    session.act(Say(t=5, text="Could you type your email address so we can follow up?"))
    session.act(End(t=6))
    assert of_type(session.advance(60), PatronSays) == []


def test_receiver_starts_with_history_and_the_offer() -> None:
    text = WORLD.replace("id: sim\n", "id: sim\nrole: receiver\n").replace("walkthroughs:", "x:")
    text = text.split("x:")[0].replace(
        "  colleagues:",
        "  offer_from: raj\n  history:\n    - {t: 0, who: patron, text: hello}\n"
        "    - {t: 9, who: raj, text: One moment}\n  colleagues:",
    )
    receiver = parse_scenario(text, "receiver.yaml").scenario
    session = ChatSession(receiver, matcher_for(receiver))
    assert [type(e) for e in session.events] == [PatronSays, StaffSays, TransferOffer]
    assert session.offer_pending and not session.trainee_in_chat
    with pytest.raises(ActionRefused, match="pop-up first"):
        session.act(Say(t=20, text="hi"))
    added = session.act(AcceptTransfer(t=20, accepted=True)) + session.advance(30)
    assert [(type(e), getattr(e, "who", None)) for e in added] == [
        (AcceptTransfer, None), (Joined, "trainee"), (Left, "raj")
    ]
    assert session.trainee_in_chat


def test_walkthrough_is_deterministic_and_replayable(scenario) -> None:
    first = play_walkthrough(scenario, matcher_for(scenario), scenario.walkthroughs["ideal"].steps)
    second = play_walkthrough(scenario, matcher_for(scenario), scenario.walkthroughs["ideal"].steps)
    assert first.events == second.events
    rebuilt = ChatSession.replay(scenario, matcher_for(scenario), first.trainee_events)
    rebuilt.advance(first.now)
    assert rebuilt.events == first.events
    transfer = next(e for e in first.events if isinstance(e, Transfer))
    accepted = next(e for e in first.events if isinstance(e, StaffSays) and e.accepts)
    assert accepted.t < transfer.t, "without `after`, a step waits until the world has answered"


def test_nothing_reaches_the_trainee_after_the_chat_is_closed(session) -> None:
    session.act(Im(t=5, to="kim", text="Can you take a patron?"))
    session.act(Transfer(t=20, to="kim"))
    session.act(End(t=21))  # before Kim has entered
    assert session.advance(100) == []
    assert not session.colleagues_in_chat and session.closed


def test_times_are_rounded_to_tenths(session) -> None:
    session.act(Say(t=0.1, text="Could you type your email address so we can follow up?"))
    reply = session.advance(60)[0]
    assert reply.t == round(reply.t, 1)


def test_every_shipped_scenario_autoplays_its_ideal_walkthrough_to_100() -> None:
    from coach.library import ScenarioLibrary
    from coach.scoring import score

    playable = ScenarioLibrary().playable()
    assert len(playable) >= 15
    for loaded in playable:
        scenario = loaded.scenario
        session = play_walkthrough(scenario, matcher_for(scenario), scenario.walkthroughs["ideal"].steps)
        card = score(scenario, session.events)
        assert (card.score, card.passed) == (100.0, True), (scenario.id, card.verdicts())


# --- the scripted world listens (issue #10) ---------------------------------------

LISTENING = textwrap.dedent(
    """\
    id: listening
    title: A world that listens
    patron: {name: Kayla, library: riverton, email: null, question: "Can someone send me the mill photos?"}
    libraries:
      riverton: {name: Riverton Public Library, goodbye: "Thank you for contacting Riverton. Goodbye!"}
      harbor: {name: Harbor City Library}
    staff:
      - {id: kim, name: Kim Alvarez, library: riverton, department: Local History, status: available}
      - {id: jo, name: Jo Whitfield, library: harbor, department: Reference, status: available}
      - {id: omar, name: Omar Haddad, library: riverton, department: Circulation, status: busy}
    expect: {route: [followup_by_me]}
    script:
      patron:
        answer_words: [photo archive, "mill-photos"]
        replies:
          ask_email: ["it's kayla@gmial.com", "oh sorry, typo! kayla@gmail.com"]
          ask_if_answered:
            - when: {answered: false}
              say: "Not yet, you haven't said where the photos are."
            - say: "Yes, that's everything!"
          ask_deadline:
            - when: {email_given: false}
              say: "By Friday. Do you need my email?"
            - say: "By Friday, please."
        goodbye: "Bye, thanks!"
        otherwise: ["ok", "hmm", "right"]
        nudges:
          - {after: 30, text: "hello? are you still there?"}
          - {after: 60, text: "anyone??"}
        patience: 90
      colleagues:
        kim:
          accepts: [false, true]
          reply: ["Not right now, sorry.", "OK, free now, send her over."]
          other_reply: ["Ha, yes!", "Sure thing."]
          reply_after: 5
          agent_room: {reply: "I'll take it (Agent Room)."}
        jo: {accepts: true, reply: "Jo here, send them.", reply_after: 5}
      timeline:
        - {at: 20, staff: omar, status: available}
        - {at: 200, patron: "still waiting..."}
    """
)


@pytest.fixture
def listening():
    scenario = parse_scenario(LISTENING, "listening.yaml").scenario
    return ChatSession(scenario, matcher_for(scenario))


def patron_lines(session):
    return [event.text for event in session.events if isinstance(event, PatronSays)]


def test_a_list_of_replies_plays_in_order_and_repeats_the_last(listening) -> None:
    for t in (5, 25, 45):
        listening.act(Say(t=t, text="Could you type your email address for me, please?"))
        listening.advance(t + 15)
    assert patron_lines(listening)[1:] == [
        "it's kayla@gmial.com", "oh sorry, typo! kayla@gmail.com", "oh sorry, typo! kayla@gmail.com",
    ]


def test_a_reply_can_depend_on_whether_the_trainee_answered(listening) -> None:
    listening.act(Say(t=5, text="Does this completely answer your question?"))
    listening.act(Say(t=20, text="The photos are in our photo archive at riverton.example.org/mill-photos."))
    listening.act(Say(t=30, text="Does this completely answer your question?"))
    listening.advance(50)
    lines = patron_lines(listening)
    assert "Not yet, you haven't said where the photos are." in lines
    assert lines[-1] == "Yes, that's everything!"


def test_a_reply_can_depend_on_whether_the_patron_gave_an_email(listening) -> None:
    listening.act(Say(t=5, text="When do you need the photos by?"))
    listening.advance(15)
    listening.act(Say(t=16, text="Could you type your email address for me, please?"))
    listening.advance(30)
    listening.act(Say(t=31, text="And when do you need the photos by?"))
    listening.advance(45)
    lines = patron_lines(listening)
    assert lines[1] == "By Friday. Do you need my email?" and lines[-1] == "By Friday, please."


def test_the_goodbye_script_and_other_messages_get_their_own_replies(listening) -> None:
    listening.act(Say(t=5, text="I see."))
    listening.act(Say(t=15, text="Interesting."))
    listening.act(Say(t=25, text="Thank you for contacting Riverton. Goodbye!"))
    listening.advance(40)
    assert patron_lines(listening)[1:] == ["ok", "hmm", "Bye, thanks!"]


def test_nudges_come_before_the_patron_leaves_and_start_again_after_a_message(listening) -> None:
    listening.advance(89)
    assert patron_lines(listening)[1:] == ["hello? are you still there?", "anyone??"]
    listening.act(Say(t=89, text="Sorry, I'm here."))
    listening.advance(125)
    assert patron_lines(listening)[-1] == "hello? are you still there?"
    listening.advance(200)
    assert isinstance(listening.events[-1], Left) and listening.events[-1].who == "patron"


def test_a_colleague_declines_the_first_request_and_accepts_the_second(listening) -> None:
    listening.act(Im(t=5, to="kim", text="Could you take a patron who wants the mill photos?"))
    listening.act(Im(t=20, to="kim", text="Could you take her now?"))
    listening.advance(40)
    answers = of_type(listening.events, StaffSays)
    assert [(a.text, a.accepts) for a in answers] == [
        ("Not right now, sorry.", False), ("OK, free now, send her over.", True),
    ]


def test_small_talk_gets_small_talk_and_never_agrees(listening) -> None:
    listening.act(Im(t=5, to="kim", text="Did you see the staff meeting moved to Thursday?"))
    listening.act(Im(t=20, to="kim", text="Are you going to the picnic?"))
    listening.advance(40)
    answers = of_type(listening.events, StaffSays)
    assert [(a.text, a.accepts) for a in answers] == [("Ha, yes!", None), ("Sure thing.", None)]


def test_only_colleagues_a_post_fits_answer_in_the_agent_room_with_their_agent_room_reply(listening) -> None:
    listening.act(AgentRoom(t=5, text="Can anyone from Local History take a patron about the mill photos?"))
    listening.advance(20)
    assert [(a.sender, a.text) for a in of_type(listening.events, StaffSays)] == [("kim", "I'll take it (Agent Room).")]


def test_a_post_that_names_nobody_reaches_every_scripted_colleague(listening) -> None:
    listening.act(AgentRoom(t=5, text="Is anyone free to take a patron?"))
    listening.advance(20)
    assert sorted(a.sender for a in of_type(listening.events, StaffSays)) == ["jo", "kim"]


def test_a_colleagues_status_changes_on_the_timeline(listening) -> None:
    with pytest.raises(ActionRefused, match="only Available"):
        listening.act(Transfer(t=10, to="omar"))
    assert [m.id for m in listening.available_staff()] == ["kim", "jo"]
    listening.advance(21)
    assert [m.id for m in listening.available_staff()] == ["kim", "jo", "omar"]
    listening.act(Transfer(t=22, to="omar"))


def test_a_timeline_line_reaches_only_a_patron_still_in_the_chat(listening) -> None:
    listening.act(Say(t=5, text="Let me look into it."))
    listening.advance(250)
    assert "still waiting..." not in patron_lines(listening)  # the patron left at 95 s


def test_the_listening_world_is_deterministic(listening) -> None:
    actions = [Say(t=5, text="When do you need the photos by?"), Im(t=9, to="kim", text="Can you take a patron?"),
               Say(t=40, text="Could you type your email address?")]
    for action in actions:
        listening.act(action)
    listening.advance(300)
    again = ChatSession.replay(listening.scenario, matcher_for(listening.scenario), actions)
    again.advance(300)
    assert again.events == listening.events


def test_a_pending_transfer_says_whom_it_waits_for(session) -> None:
    assert session.waiting_for() is None
    session.act(Transfer(t=5, department="Circulation"))
    assert session.waiting_for() == "the Circulation department"
    session.advance(20)
    assert session.waiting_for() is None  # Kim entered
