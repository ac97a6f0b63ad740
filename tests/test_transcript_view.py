"""Every event type has console wording."""

from coach.events import TRAINEE_EVENTS, WORLD_EVENTS, EVENT_ADAPTER
from coach.library import ScenarioLibrary
from coach.transcript_view import LineKind, line_of

SAMPLES = {
    "patron_says": {"text": "hi"}, "staff_says": {"from": "denise", "channel": "chat", "text": "hello"},
    "transfer_declined": {"who": "raj"}, "joined": {"who": "denise"}, "left": {"who": "patron"},
    "transfer_offer": {"from": "denise"}, "say": {"text": "hi"}, "im": {"to": "denise", "text": "x"},
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
