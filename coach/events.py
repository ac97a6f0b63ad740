"""Session transcripts: an attempt is an ordered, append-only list of typed events (SPEC §4).

Every event is a frozen model that rejects unknown fields; ``type`` picks the model.
Events are checked twice: for shape here (``parse_transcript``), and against a
scenario (``check_references``), because staff ids and departments only make sense
with the scenario that names them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from coach.files import read_text
from coach.problems import BadInput, Problem, describe, errors_of
from coach.yamlsafe import YamlProblem, load_located

if TYPE_CHECKING:
    from coach.scenario import Scenario


class ResolutionCode(StrEnum):
    ANSWERED = "answered"
    FOLLOWUP_BY_ME = "followup_by_me"
    FOLLOWUP_BY_PATRONS_LIBRARY = "followup_by_patrons_library"
    LOST_CALL = "lost_call"
    PRACTICE = "practice"


FOLLOW_UP_CODES = frozenset({ResolutionCode.FOLLOWUP_BY_ME, ResolutionCode.FOLLOWUP_BY_PATRONS_LIBRARY})

Text = Annotated[str, Field(max_length=10_000)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    t: float = Field(ge=0, description="Seconds since the chat started.")

    @field_validator("t")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number of seconds")
        return value

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


# -- written by the simulator (the world) ---------------------------------------------


class PatronSays(_Event):
    type: Literal["patron_says"] = "patron_says"
    text: Text
    # A line the patron types unasked (a scripted nudge or timeline line): never a reply to the trainee.
    unprompted: bool | None = None


class StaffSays(_Event):
    type: Literal["staff_says"] = "staff_says"
    sender: str = Field(alias="from")
    channel: Literal["im", "agent_room", "chat"]
    text: Text
    accepts: bool | None = None


class TransferDeclined(_Event):
    type: Literal["transfer_declined"] = "transfer_declined"
    who: str


class Joined(_Event):
    type: Literal["joined"] = "joined"
    who: str


class Left(_Event):
    type: Literal["left"] = "left"
    who: str


class TransferOffer(_Event):
    type: Literal["transfer_offer"] = "transfer_offer"
    sender: str = Field(alias="from")


class StatusChanged(_Event):
    """A colleague's status changes mid-chat (the staff list shows the new one)."""

    type: Literal["status"] = "status"
    who: str
    status: Literal["available", "busy", "away"]


# -- done by the trainee --------------------------------------------------------------


class Say(_Event):
    type: Literal["say"] = "say"
    text: Text
    script: str | None = None


class Im(_Event):
    type: Literal["im"] = "im"
    to: str
    text: Text


class AgentRoom(_Event):
    type: Literal["agent_room"] = "agent_room"
    text: Text


class ViewInfo(_Event):
    type: Literal["view_info"] = "view_info"


class OpenTransfer(_Event):
    type: Literal["open_transfer"] = "open_transfer"


class TransferTab(_Event):
    type: Literal["transfer_tab"] = "transfer_tab"
    tab: Literal["department", "agent"]


class Transfer(_Event):
    type: Literal["transfer"] = "transfer"
    to: str | None = None
    department: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Transfer:
        if (self.to is None) == (self.department is None):
            raise ValueError("a transfer names either 'to' (a staff id) or 'department', not both or neither")
        return self


class AcceptTransfer(_Event):
    type: Literal["accept_transfer"] = "accept_transfer"
    accepted: bool


class Leave(_Event):
    type: Literal["leave"] = "leave"


class Dismiss(_Event):
    type: Literal["dismiss"] = "dismiss"


class End(_Event):
    type: Literal["end"] = "end"


class SetEmail(_Event):
    type: Literal["set_email"] = "set_email"
    email: Annotated[str, Field(max_length=320)]


class Note(_Event):
    type: Literal["note"] = "note"
    text: Text


class Resolve(_Event):
    type: Literal["resolve"] = "resolve"
    code: ResolutionCode


Event = Annotated[
    Union[
        PatronSays, StaffSays, TransferDeclined, Joined, Left, TransferOffer, StatusChanged,
        Say, Im, AgentRoom, ViewInfo, OpenTransfer, TransferTab, Transfer, AcceptTransfer,
        Leave, Dismiss, End, SetEmail, Note, Resolve,
    ],
    Field(discriminator="type"),
]

WORLD_EVENTS = (PatronSays, StaffSays, TransferDeclined, Joined, Left, TransferOffer, StatusChanged)
TRAINEE_EVENTS = (
    Say, Im, AgentRoom, ViewInfo, OpenTransfer, TransferTab, Transfer, AcceptTransfer,
    Leave, Dismiss, End, SetEmail, Note, Resolve,
)

TRAINEE_TYPES = tuple(model.model_fields["type"].default for model in TRAINEE_EVENTS)


def _as_event(step: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(step, dict):
        return step
    return {key: value for key, value in step.items() if key != "after"} | {"t": 0.0}


TraineeEvent = Annotated[Union[TRAINEE_EVENTS], Field(discriminator="type")]  # type: ignore[valid-type]
STEP_ADAPTER: TypeAdapter[_Event] = TypeAdapter(
    Annotated[TraineeEvent, BeforeValidator(_as_event)]
)


def step_json_schema() -> dict[str, Any]:
    """JSON Schema of one walkthrough step, derived from the trainee event models."""
    variants = []
    for model in TRAINEE_EVENTS:
        schema = model.model_json_schema()
        schema["properties"].pop("t")
        schema["required"] = [name for name in schema.get("required", []) if name != "t"] or ["type"]
        if "type" not in schema["required"]:
            schema["required"].append("type")
        schema["properties"]["after"] = {"type": "number", "minimum": 0, "description": "Seconds after the previous step."}
        schema.pop("title", None)
        variants.append(schema)
    return {"oneOf": variants}


EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
_EVENTS_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


class Transcript(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    trainee: str | None = None
    events: tuple[Event, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "trainee": self.trainee,
            "events": [event.as_json() for event in self.events],
        }


def email_on_record(initial: str | None, events: Sequence[_Event], before: int | None = None) -> str | None:
    """The Info tab's email (`initial`), changed by each `set_email` before index `before`; blank is none."""
    email = initial
    for event in events[:before]:
        if isinstance(event, SetEmail):
            email = event.email
    return email.strip() if email and email.strip() else None


def status_at(scenario: Scenario, events: Sequence[_Event], staff_id: str, before: int | None = None) -> str:
    """A colleague's status ("available", "busy", "away") as the staff list shows it just before index
    `before`: the scenario's, changed by each `status` event."""
    status = scenario.staff_by_id()[staff_id].status.value
    for event in events[:before]:
        if isinstance(event, StatusChanged) and event.who == staff_id:
            status = event.status
    return status


def _event_label(raw: Any, index: int) -> str:
    kind = raw.get("type") if isinstance(raw, dict) else None
    return f"event {index} ({kind})" if isinstance(kind, str) else f"event {index}"


def parse_transcript(data: Any, filename: str) -> Transcript:
    """Validate a transcript's shape; raise BadInput naming each bad event by index."""
    if not isinstance(data, dict):
        raise BadInput([Problem(filename, "a transcript must be an object with 'scenario' and 'events'")])
    problems: list[Problem] = []
    for key in sorted(set(data) - {"scenario", "trainee", "events"}):
        problems.append(Problem(filename, f"unknown key '{key}' (allowed: scenario, trainee, events)"))
    if not isinstance(data.get("scenario"), str) or not data.get("scenario"):
        problems.append(Problem(filename, "'scenario' (the scenario id) is required and must be text"))
    trainee = data.get("trainee")
    if trainee is not None and not isinstance(trainee, str):
        problems.append(Problem(filename, "'trainee' must be text"))
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        problems.append(Problem(filename, "'events' must be a list of events"))
        raise BadInput(problems)
    try:
        events = _EVENTS_ADAPTER.validate_python(raw_events)
    except ValidationError as error:
        for item in errors_of(error):
            index, *rest = item["loc"]
            item["loc"] = tuple(part for part in rest[1:] if part != "[key]") if rest else ()
            where = _event_label(raw_events[index], index) if isinstance(index, int) else "events"
            problems.append(Problem(filename, f"{where}: {describe(item, _event_keys(raw_events[index]))}"))
        raise BadInput(problems) from None
    for index in range(1, len(events)):
        if events[index].t < events[index - 1].t:
            problems.append(
                Problem(
                    filename,
                    f"event {index} ({events[index].type}): time t={events[index].t} is earlier than "
                    f"the event before it (t={events[index - 1].t}); times must not go backwards",
                )
            )
    if problems:
        raise BadInput(problems)
    return Transcript(scenario=data["scenario"], trainee=trainee, events=tuple(events))


def _event_keys(raw: Any) -> list[str]:
    kind = raw.get("type") if isinstance(raw, dict) else None
    for model in (*WORLD_EVENTS, *TRAINEE_EVENTS):
        if model.model_fields["type"].default == kind:
            return [field.alias or name for name, field in model.model_fields.items()]
    return []


def check_references(transcript: Transcript, scenario: Scenario, filename: str) -> None:
    """Reject staff ids and departments the scenario does not know, and a scenario mismatch."""
    problems = [Problem(filename, message) for message in _reference_problems(transcript, scenario)]
    if problems:
        raise BadInput(problems)


def _reference_problems(transcript: Transcript, scenario: Scenario) -> Iterator[str]:
    if transcript.scenario != scenario.id:
        yield f"the transcript is for scenario '{transcript.scenario}', but the scenario given is '{scenario.id}'"
    staff = {member.id for member in scenario.staff}
    departments = scenario.departments()
    known = ", ".join(sorted(staff)) or "none"

    def unknown(index: int, event: Any, role: str, value: str, allowed: Sequence[str] = ()) -> str:
        extra = "".join(f"'{word}', " for word in allowed)
        return (
            f"event {index} ({event.type}): {role} '{value}' is not a staff id of scenario "
            f"'{scenario.id}' (expected {extra}one of: {known})"
        )

    for index, event in enumerate(transcript.events):
        if isinstance(event, (StaffSays, TransferOffer)) and event.sender not in staff:
            yield unknown(index, event, "'from'", event.sender)
        elif isinstance(event, Im) and event.to not in staff:
            yield unknown(index, event, "'to'", event.to)
        elif isinstance(event, Transfer):
            if event.to is not None and event.to not in staff:
                yield unknown(index, event, "'to'", event.to)
            if event.department is not None and event.department not in departments:
                listed = ", ".join(sorted(departments)) or "none"
                yield (
                    f"event {index} (transfer): no staff member of scenario '{scenario.id}' works in "
                    f"department '{event.department}' (departments: {listed})"
                )
        elif isinstance(event, (TransferDeclined, StatusChanged)) and event.who not in staff:
            yield unknown(index, event, "'who'", event.who)
        elif isinstance(event, Joined) and event.who not in staff and event.who != "trainee":
            yield unknown(index, event, "'who'", event.who, ["trainee"])
        elif isinstance(event, Left) and event.who not in staff and event.who not in ("trainee", "patron"):
            yield unknown(index, event, "'who'", event.who, ["trainee", "patron"])


def load_transcript(path: str | Path) -> Transcript:
    """Read a transcript file: JSON, or YAML of the same shape (by extension)."""
    text = read_text(path)
    filename = str(path)
    if filename.endswith((".yaml", ".yml")):
        try:
            data = load_located(text).value
        except YamlProblem as problem:
            raise BadInput(
                [Problem(filename, problem.message, problem.position.line, problem.position.column)]
            ) from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadInput([Problem(filename, f"invalid JSON: {error.msg}", error.lineno, error.colno)]) from None
        except RecursionError:
            raise BadInput([Problem(filename, "invalid JSON: nested too deeply")]) from None
    return parse_transcript(data, filename)
