"""Every event type has console wording."""

from coach.events import TRAINEE_EVENTS, WORLD_EVENTS, EVENT_ADAPTER
from coach.library import ScenarioLibrary
from coach.transcript_view import LineKind, line_of

SAMPLES = {
    "patron_says": {"text": "hi"}, "staff_says": {"from": "denise", "channel": "chat", "text": "hello"},
    "transfer_declined": {"who": "raj"}, "joined": {"who": "denise"}, "left": {"who": "patron"},
    "transfer_offer": {"from": "denise"}, "status": {"who": "denise", "status": "busy"}, "say": {"text": "hi"}, "im": {"to": "denise", "text": "x"},
    "agent_room": {"text": "x"}, "view_info": {}, "open_transfer": {}, "transfer_tab": {"tab": "agent"},
    "transfer": {"department": "Circulation"}, "accept_transfer": {"accepted": True}, "leave": {}, "dismiss": {},
    "end": {}, "set_email": {"email": ""}, "note": {"text": "a b c"}, "resolve": {"code": "followup_by_patrons_library"},
}


def test_every_event_type_has_wording() -> None:
    scenario = ScenarioLibrary().get("lost-book-charge-maplewood").scenario
    types = {model.model_fields["type"].default for model in (*WORLD_EVENTS, *TRAINEE_EVENTS)}
    assert types == set(SAMPLES)
    for kind, fields in SAMPLES.items():
        line = line_of(scenario, 0, EVENT_ADAPTER.validate_python({"t": 65, "type": kind, **fields}))
        assert line.text and line.clock == "1:05"
    joined = line_of(scenario, 3, EVENT_ADAPTER.validate_python({"t": 1, "type": "joined", "who": "denise"}))
    assert (joined.kind, joined.text) == (LineKind.SYSTEM, "Denise Park has entered the session")


def test_the_trainee_has_entered_and_left_and_a_status_change_reads_as_words() -> None:
    scenario = ScenarioLibrary().get("lost-book-charge-maplewood").scenario
    left = line_of(scenario, 5, EVENT_ADAPTER.validate_python({"t": 9, "type": "left", "who": "trainee"}))
    joined = line_of(scenario, 1, EVENT_ADAPTER.validate_python({"t": 1, "type": "joined", "who": "trainee"}))
    status = line_of(scenario, 2, EVENT_ADAPTER.validate_python({"t": 2, "type": "status", "who": "denise", "status": "away"}))
    assert (left.text, joined.text) == ("You have left the session", "You have entered the session")
    assert status.text == "Denise Park is now Away"


def test_transcript_blocks_hold_a_fixed_number_of_events(monkeypatch) -> None:
    from coach import transcript_view

    monkeypatch.setattr(transcript_view, "TRANSCRIPT_BLOCK", 2)
    paragraphs = ["a", "", "", "", "c", "d", "e"]
    assert transcript_view.blocks_of(paragraphs) == ["a", "", "c\n\nd", "e"]  # "" keeps the numbering
    assert transcript_view.blocks_of(paragraphs, first=2) == ["c\n\nd", "e"]
