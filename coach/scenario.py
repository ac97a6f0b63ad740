"""Scenario files: typed models, loading and validation with located messages.

The contract keys (SPEC §3) are what the scorer relies on. The project's own
keys describe how the patron and colleagues behave (``script``), extra intent
phrases (``phrases``); they are documented for trainers in docs/scenarios.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from coach.files import read_text
from coach.intents import INTENTS, TRAINEE_INTENTS
from coach.problems import BadInput, Problem, describe, errors_of
from coach.yamlsafe import LocatedDocument, YamlProblem, load_located

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "scenario.schema.json"
# More problems than this in one file are counted, not listed.
MAX_PROBLEMS_SHOWN = 200

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
IntentId = Literal[INTENTS]  # type: ignore[valid-type]
TraineeIntentId = Literal[TRAINEE_INTENTS]  # type: ignore[valid-type]


class Role(StrEnum):
    INITIATOR = "initiator"
    RECEIVER = "receiver"


class Status(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"


class Outcome(StrEnum):
    """What a chat ended in (SPEC §5); ``none`` is never an acceptable route."""

    TRANSFER = "transfer"
    ANSWERED = "answered"
    FOLLOWUP_BY_ME = "followup_by_me"
    FOLLOWUP_BY_PATRONS_LIBRARY = "followup_by_patrons_library"
    LOST_CALL = "lost_call"
    PRACTICE = "practice"


class Holding(StrEnum):
    READ_QUESTION = "read_question"
    REVIEW_TRANSCRIPT = "review_transcript"


# YAML reads a bare `off` as false: a trainer who writes `TR003: off` means off.
RuleSetting = Annotated[
    Literal["off", "critical", "major", "minor"],
    BeforeValidator(lambda value: "off" if value is False else value),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patron(_Strict):
    name: Text
    library: Slug = Field(description="A key of `libraries`: the patron's own library.")
    email: str | None = Field(None, description="What the Info tab shows; null = left blank.")
    question: Text


class Library(_Strict):
    name: Text
    goodbye: Text | None = Field(None, description="The library's Goodbye script; null = none.")


class StaffMember(_Strict):
    id: Slug
    name: Text
    library: Slug = Field(description="A key of `libraries`.")
    department: Text
    status: Status = Status.AVAILABLE


class Expect(_Strict):
    route: Annotated[list[Outcome], Field(min_length=1)] = Field(
        description="Acceptable outcomes of the chat."
    )
    answerable: bool = Field(False, description="Can a trainee answer it within the session?")
    transfer_to: list[Slug] | None = Field(None, description="Whom a transfer must go to (staff ids).")
    apology: bool = Field(False, description="Is an apology appropriate when transferring?")
    holding: Holding | None = Field(None, description="Receiver role only: the holding message expected.")


# One reply, or replies played in order (the last one repeated once they run out).
Lines = Text | list[Text]


class Condition(_Strict):
    """What must hold for a reply case to be used; keys left out do not matter."""

    email_given: bool | None = Field(None, description="The patron has typed an email address in the chat.")
    answered: bool | None = Field(
        None, description="The trainee has sent the patron a message with one of `patron.answer_words`."
    )


class ReplyCase(_Strict):
    when: Condition = Field(default_factory=Condition, description="Left out: always.")
    say: Lines


# A reply: one line, lines in order, or cases tried in order (the first whose `when` holds is used).
Reply = Text | list[Text] | list[ReplyCase]


class AgentRoomScript(_Strict):
    """How a colleague answers posts in the Agent Room."""

    answers: Literal["fits", "always", "never"] = Field(
        "fits",
        description="`fits`: answers a handoff request that names their department or library, or names "
        "none at all; `always`; `never`.",
    )
    accepts: bool | list[bool] | None = Field(None, description="Overrides `accepts` in the Agent Room.")
    reply: Lines | None = Field(None, description="Overrides `reply` in the Agent Room.")


class ColleagueScript(_Strict):
    """How one colleague answers the trainee."""

    accepts: bool | list[bool] = Field(
        True,
        description="Agrees to take the patron when asked by IM or in the Agent Room; a list answers the "
        "first request, the second, ... in order (the last repeated).",
    )
    reply: Lines | None = Field(
        None,
        description="What they write back when asked to take a patron (a list: one per request, in order); "
        "null = a default yes or no.",
    )
    other_reply: Lines | None = Field(
        None,
        description="What they write back to any other IM (one that does not ask them to take a patron); "
        "it never agrees to anything. null = \"Hi! What can I do for you?\"",
    )
    reply_after: float = Field(10, ge=0, description="Seconds before they answer.")
    takes_transfer: bool = Field(True, description="Answers Yes to the Transfer pop-up.")
    greeting: Text | None = Field(None, description="What they say in the chat after entering the session.")
    agent_room: AgentRoomScript = Field(default_factory=AgentRoomScript)


class HistoryLine(_Strict):
    """Receiver role: one line of the chat before the trainee is offered it."""

    t: float = Field(ge=0)
    who: Slug = Field(description="`patron` or a staff id.")
    text: Text


class Nudge(_Strict):
    """The patron's line after the trainee has been silent for a while (before `patience` runs out)."""

    after: float = Field(gt=0, description="Seconds without a trainee message.")
    text: Text


class PatronScript(_Strict):
    """How the patron behaves."""

    opening: Text | None = Field(None, description="The patron's first message; default: patron.question.")
    replies: dict[TraineeIntentId, Reply] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        description="The patron's reply to a trainee message with this intent (an email address in the "
        "ask_email reply counts as typed by the patron).",
    )
    goodbye: Reply | None = Field(None, description="The patron's reply to the library's Goodbye script.")
    otherwise: Reply | None = Field(None, description="Reply to any other message; null = stays silent.")
    answer_words: list[Text] = Field(
        default_factory=list,
        description="Words or phrases that mark a trainee message as the answer (for `when: {answered: ...}`).",
    )
    nudges: list[Nudge] = Field(default_factory=list, description="Lines when the trainee goes quiet.")
    patience: float | None = Field(
        None, gt=0, description="Seconds without a trainee message before the patron leaves; null = never."
    )


class TimedLine(_Strict):
    """Something that happens at a time in the chat, whatever the trainee does."""

    at: float = Field(ge=0, description="Seconds since the chat started.")
    patron: Text | None = Field(None, description="A line the patron types (if still in the chat).")
    staff: Slug | None = Field(None, description="A staff id whose status changes ...")
    status: Status | None = Field(None, description="... to this.")


class Script(_Strict):
    patron: PatronScript = Field(default_factory=PatronScript)
    colleagues: dict[Slug, ColleagueScript] = Field(
        default_factory=dict, description="Keyed by staff id; staff not listed answer with the defaults."
    )
    timeline: list[TimedLine] = Field(default_factory=list)
    history: list[HistoryLine] = Field(default_factory=list, description="Receiver role only.")
    offer_from: Slug | None = Field(None, description="Receiver role only: the staff id offering the chat.")


VerdictName = Literal["pass", "fail", "n/a"]
RULE_CODE_PATTERN = r"^[A-Z]{2}[0-9]{3}$"


class WalkthroughExpect(BaseModel):
    """What a walkthrough should teach: rule verdicts by code, and bounds on its score."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        json_schema_extra={
            "patternProperties": {RULE_CODE_PATTERN: {"enum": ["pass", "fail", "n/a"]}},
            "additionalProperties": False,
        },
    )

    score_below: float | None = Field(None, description="The score must be below this.")
    score_at_least: float | None = Field(None, description="The score must be at least this.")
    passed: bool | None = Field(None, description="Whether the chat must pass (true) or not pass (false).")

    @model_validator(mode="after")
    def _rule_verdicts(self) -> WalkthroughExpect:
        for key, value in (self.model_extra or {}).items():
            if not re.fullmatch(RULE_CODE_PATTERN, key):
                raise ValueError(f"unknown key '{key}' in expect (allowed: score_below, score_at_least, passed, "
                                 "or a rule code such as TR001)")
            if value not in ("pass", "fail", "n/a"):
                raise ValueError(f"{key}: the verdict must be pass, fail or n/a (got {value!r})")
        return self

    def verdicts(self) -> dict[str, str]:
        return dict(self.model_extra or {})

    def unmet(self, score: float | None, passed: bool, verdicts: dict[str, str]) -> list[str]:
        """What the scorecard (score, passed, verdict by rule code) does not do of what is expected."""
        misses = [f"{code} should be {wanted}, got {verdicts.get(code, 'no such rule')}"
                  for code, wanted in self.verdicts().items() if verdicts.get(code) != wanted]
        shown = "n/a" if score is None else f"{score:g}"
        if self.score_below is not None and (score is None or score >= self.score_below):
            misses.append(f"the score should be below {self.score_below:g}, got {shown}")
        if self.score_at_least is not None and (score is None or score < self.score_at_least):
            misses.append(f"the score should be at least {self.score_at_least:g}, got {shown}")
        if self.passed is not None and passed != self.passed:
            misses.append(f"the chat should {'pass' if self.passed else 'not pass'}, and it does{'' if passed else ' not'}")
        return misses


def _steps_alone(value: Any) -> Any:
    return {"steps": value} if isinstance(value, list) else value


class Walkthrough(_Strict):
    steps: list[dict[str, Any]]
    expect: WalkthroughExpect = Field(default_factory=WalkthroughExpect)


class Scenario(_Strict):
    id: Slug
    title: Text
    role: Role = Role.INITIATOR
    patron: Patron
    libraries: dict[Slug, Library] = Field(min_length=1)
    staff: list[StaffMember] = Field(default_factory=list)
    expect: Expect
    phrases: dict[IntentId, list[Text]] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Extra phrases for the intent matcher, by intent id."
    )
    script: Script | None = Field(None, description="How the patron and colleagues behave (needed to play).")
    rules: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9]{3}$")], RuleSetting] = Field(
        default_factory=dict,
        description="Per-scenario rule settings by rule code: `off` (not scored here) or another "
        "severity (critical, major, minor).",
    )
    walkthroughs: dict[Slug, Annotated[Walkthrough, BeforeValidator(_steps_alone)]] = Field(
        default_factory=dict,
        description="Named lists of trainee actions to autoplay: `ideal` plays to a score of 100, others show "
        "typical mistakes. A step is a trainee event without `t`, plus optional `after` (seconds after the "
        "previous step; default: once the world has answered). Write a list of steps, or `steps` with "
        "`expect` (what the walkthrough should teach).",
    )

    def staff_by_id(self) -> dict[str, StaffMember]:
        return {member.id: member for member in self.staff}

    def departments(self) -> set[str]:
        return {member.department for member in self.staff}

    @property
    def patron_library(self) -> Library:
        return self.libraries[self.patron.library]


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    scenario: Scenario
    path: str
    content_hash: str  # sha256 of the file's text: names the exact version scored
    text: str  # the file's text, kept so that attempts can store the version they used

    def warnings(self) -> list[Problem]:
        """Settings of this valid scenario that do nothing when it is played, at their lines."""
        from coach.simulator import setting_warnings

        return self.located(setting_warnings(self.scenario), "warning")

    def located(
        self, found: Iterable[tuple[tuple[str | int, ...], str]], severity: Literal["error", "warning"] = "error"
    ) -> list[Problem]:
        """Problems at the lines of their keys, given as (path, message); the file is parsed again, once."""
        document = load_located(self.text)
        problems = [_at(self.path, document, path, message, at_key=True) for path, message in found]
        return sorted((replace(p, severity=severity) for p in problems), key=lambda p: (p.line, p.column))


def _cross_checks(scenario: Scenario) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Checks that span several keys, as (path, message)."""
    libraries = set(scenario.libraries)
    known = ", ".join(sorted(libraries))
    if scenario.patron.library not in libraries:
        yield ("patron", "library"), f"patron library '{scenario.patron.library}' is not in libraries ({known})"
    seen: dict[str, int] = {}
    for index, member in enumerate(scenario.staff):
        if member.id in seen:
            yield ("staff", index, "id"), f"staff id '{member.id}' is used twice (also staff #{seen[member.id] + 1})"
        else:
            seen[member.id] = index
        if member.library not in libraries:
            yield ("staff", index, "library"), f"library '{member.library}' of {member.name} is not in libraries ({known})"
        if member.id in ("trainee", "patron"):
            yield ("staff", index, "id"), f"'{member.id}' is reserved; choose another staff id"
    for index, target in enumerate(scenario.expect.transfer_to or []):
        if target not in seen:
            yield ("expect", "transfer_to", index), f"transfer target '{target}' is not a staff id ({', '.join(seen) or 'no staff'})"
    if scenario.expect.holding is not None and scenario.role is not Role.RECEIVER:
        yield ("expect", "holding"), "'holding' only applies to receiver scenarios (role: receiver)"
    if scenario.expect.transfer_to and Outcome.TRANSFER not in scenario.expect.route:
        yield ("expect", "transfer_to"), "'transfer_to' is set but 'transfer' is not in expect.route"
    script = scenario.script
    if script is None:
        return
    for staff_id in script.colleagues:
        if staff_id not in seen:
            yield ("script", "colleagues", staff_id), f"'{staff_id}' in script.colleagues is not a staff id"
    for index, timed in enumerate(script.timeline):
        if (timed.patron is None) == (timed.staff is None) or (timed.staff is None) != (timed.status is None):
            yield ("script", "timeline", index), "a timeline entry has either 'patron', or 'staff' and 'status'"
        elif timed.staff is not None and timed.staff not in seen:
            yield ("script", "timeline", index, "staff"), f"'{timed.staff}' is not a staff id"
    patience = script.patron.patience
    for index, nudge in enumerate(script.patron.nudges):
        if patience is not None and nudge.after >= patience:
            yield ("script", "patron", "nudges", index, "after"), (
                f"the patron leaves after {patience:g} s of silence, so a nudge at {nudge.after:g} s never shows"
            )
    for index, line in enumerate(script.history):
        if line.who != "patron" and line.who not in seen:
            yield ("script", "history", index, "who"), f"'{line.who}' is neither 'patron' nor a staff id"
        if index and line.t < script.history[index - 1].t:
            yield ("script", "history", index, "t"), "history times must not go backwards"
    if scenario.role is Role.RECEIVER:
        if script.offer_from is None:
            yield ("script",), "a receiver scenario needs 'offer_from': the colleague who offers the chat"
        elif script.offer_from not in seen:
            yield ("script", "offer_from"), f"'{script.offer_from}' is not a staff id"
    elif script.history or script.offer_from:
        yield ("script",), "'history' and 'offer_from' only apply to receiver scenarios (role: receiver)"


def _rule_setting_problems(scenario: Scenario) -> Iterator[tuple[tuple[str | int, ...], str]]:
    from coach.rules import RULES_BY_CODE

    for code in scenario.rules:
        if code not in RULES_BY_CODE:
            yield ("rules", code), f"there is no rule {code} (rules: {', '.join(RULES_BY_CODE)})"
    for name, walkthrough in scenario.walkthroughs.items():
        for code in walkthrough.expect.verdicts():
            if code not in RULES_BY_CODE:
                yield ("walkthroughs", name, "expect", code), f"there is no rule {code} (rules: {', '.join(RULES_BY_CODE)})"


def _step_problems(scenario: Scenario) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Walkthrough steps must be trainee actions of the right shape, naming this scenario's staff."""
    from coach.events import STEP_ADAPTER, TRAINEE_TYPES, Im, Transfer

    staff = {member.id for member in scenario.staff}
    if scenario.walkthroughs and "ideal" not in scenario.walkthroughs:
        yield ("walkthroughs",), "walkthroughs need an 'ideal' one: the actions of a model librarian"
    for name, walkthrough in scenario.walkthroughs.items():
        for index, step in enumerate(walkthrough.steps):
            where = ("walkthroughs", name, "steps", index)
            kind = step.get("type")
            if kind not in TRAINEE_TYPES:
                yield (*where, "type"), f"step type must be a trainee action: {', '.join(TRAINEE_TYPES)} (got {kind!r})"
                continue
            after = step.get("after")
            if after is not None and (not isinstance(after, (int, float)) or isinstance(after, bool) or after < 0):
                yield (*where, "after"), f"'after' must be a number of seconds, 0 or more (got {after!r})"
            try:
                action = STEP_ADAPTER.validate_python(step)
            except ValidationError as error:
                for item in errors_of(error):
                    loc = tuple(part for part in item["loc"][1:] if part != "[key]")
                    item["loc"] = loc
                    yield (*where, *loc), describe(item)
                continue
            named = action.to if isinstance(action, (Im, Transfer)) else None
            if named is not None and named not in staff:
                yield (*where, "to"), f"'{named}' is not a staff id"
            if isinstance(action, Transfer) and action.department and action.department not in scenario.departments():
                yield (*where, "department"), f"no staff member works in department '{action.department}'"


def _model_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys allowed where an unknown key was found, for 'did you mean' hints."""
    node: Any = Scenario
    for part in loc[:-1]:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return []
            node = field.annotation
        elif get_origin(node) in (list, dict):
            node = get_args(node)[-1]
        else:
            return []
    node = _unwrap(node)
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated so that nested models can be found."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is not None and type(None) in get_args(annotation):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def parse_scenario(text: str, filename: str) -> LoadedScenario:
    """Validate a scenario's text; raise BadInput with every located problem."""
    try:
        document = load_located(text)
    except YamlProblem as problem:
        raise BadInput([Problem(filename, problem.message, problem.position.line, problem.position.column)]) from None
    if not isinstance(document.value, dict):
        raise BadInput([Problem(filename, "a scenario must be a mapping of keys (id, title, patron, ...)", 1, 1)])
    try:
        scenario = Scenario.model_validate(document.value)
    except ValidationError as error:
        raise BadInput(_at_most_shown(filename, _located(filename, document, errors_of(error)))) from None
    checks = [*_cross_checks(scenario), *_rule_setting_problems(scenario), *_step_problems(scenario)]
    problems = [_at(filename, document, path, message, at_key=path[0] == "rules") for path, message in checks]
    if problems:
        raise BadInput(_at_most_shown(filename, problems))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedScenario(scenario=scenario, path=filename, content_hash=digest, text=text)


def _at_most_shown(filename: str, problems: list[Problem]) -> list[Problem]:
    """The first MAX_PROBLEMS_SHOWN problems, and one that counts the rest: a file that is wrong
    everywhere gets a list a trainer can read (and a page that stays quick)."""
    if len(problems) <= MAX_PROBLEMS_SHOWN:
        return problems
    rest = len(problems) - MAX_PROBLEMS_SHOWN
    last = problems[MAX_PROBLEMS_SHOWN - 1]
    more = Problem(filename, f"... and {rest:,} more problems after this line; fix these first", last.line, last.column)
    return [*problems[:MAX_PROBLEMS_SHOWN], more]


def _located(filename: str, document: LocatedDocument, errors: list[dict[str, Any]]) -> list[Problem]:
    problems = []
    for error in errors:
        loc = tuple(part for part in error["loc"] if part != "[key]")
        message = describe(error, _model_keys(loc) if error["type"] == "extra_forbidden" else ())
        if error["loc"] and error["loc"][-1] == "[key]":
            rest = message.split("' ", 1)[-1] if message.startswith("'") else message
            message = f"key {loc[-1]!r} {rest}"
        problems.append(_at(filename, document, loc, message, at_key=error["type"] == "extra_forbidden"))
    return sorted(problems, key=lambda p: (p.line, p.column))


def _at(
    filename: str, document: LocatedDocument, path: tuple[str | int, ...], message: str, at_key: bool = False
) -> Problem:
    if len(path) > 2 and path[0] == "walkthroughs" and path[2] == "steps" and path[:3] not in document.value_positions:
        path = (*path[:2], *path[3:])  # written as a list of steps: the steps are the walkthrough itself
    position = document.position_of(path, at_key)
    return Problem(filename, message, position.line, position.column)


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and validate one scenario file."""
    return parse_scenario(read_text(path), str(path))


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors use for scenario files (committed as schema/scenario.schema.json)."""
    from coach.events import step_json_schema

    schema = Scenario.model_json_schema()
    step = step_json_schema()
    schema["$defs"]["Walkthrough"]["properties"]["steps"]["items"] = step
    for walkthrough in schema["properties"]["walkthroughs"]["patternProperties"].values():
        walkthrough.clear()
        walkthrough["anyOf"] = [{"type": "array", "items": step}, {"$ref": "#/$defs/Walkthrough"}]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Chat Reference Coach scenario"
    return schema
