"""The scenario library's rules: what a draft is filed under, what may be published, what ships.

Trainers save drafts (valid or not) as numbered versions of a scenario and publish a valid,
playable one; trainees practise the published version of each scenario; attempts keep the
version they were played on. The store keeps the history (`coach.storage.Store`); this module
decides what goes in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from coach.library import ScenarioLibrary
from coach.problems import BadInput, Problem
from coach.coverage import Autoplay, autoplay
from coach.scenario import LoadedScenario, parse_scenario
from coach.storage import SavedDraft, ScenarioEntry, ScenarioHistory, ScenarioVersion, Store, User
from coach.yamlsafe import MAX_BYTES, YamlProblem, load_located

SLUG = re.compile(r"[a-z0-9-]{1,64}")
# A text that is not even YAML yet is still filed by its top-level `id:` and `title:` lines.
_ID_LINE = re.compile(r"""^id:[ \t]*(["']?)([a-z0-9-]{1,64})\1[ \t]*(?:#.*)?$""", re.MULTILINE)
_TITLE_LINE = re.compile(r"""^title:[ \t]*(["']?)(.+?)\1[ \t]*$""", re.MULTILINE)


class DraftProblem(ValueError):
    """A draft that cannot be saved at all; the message says why, in plain words."""


class NotPublishable(Exception):
    """A version that trainees should not get; `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class CheckedText:
    """A scenario text, validated: the scenario when it loads, else its located problems."""

    loaded: LoadedScenario | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class EditorBase:
    """What the workbench opened: a saved version of a scenario (None for a new scenario's draft)."""

    scenario_id: str
    number: int


class LibraryStatus(StrEnum):
    """Where a scenario stands, as its newest saved version says."""

    PUBLISHED = "published"  # trainees practise the newest version
    DRAFT = "draft"  # the newest version is valid but not what trainees practise
    INVALID = "invalid"  # the newest version does not load
    WITHDRAWN = "withdrawn"  # trainees no longer get it (the newest version is valid)


class VersionStatus(StrEnum):
    PUBLISHED = "published"  # what trainees practise now
    PUBLISHED_BEFORE = "published before"
    DRAFT = "draft"  # valid, never published
    INVALID = "invalid"  # does not load


def library_status(entry: ScenarioEntry, newest_is_valid: bool) -> LibraryStatus:
    if not newest_is_valid:
        return LibraryStatus.INVALID
    if entry.published is not None and entry.published.id == entry.latest.id:
        return LibraryStatus.PUBLISHED
    if entry.published is None and entry.ever_published:
        return LibraryStatus.WITHDRAWN
    return LibraryStatus.DRAFT


def version_status(version: ScenarioVersion, history: ScenarioHistory, is_valid: bool) -> VersionStatus:
    if version.number == history.published_number:
        return VersionStatus.PUBLISHED
    if any(publication.version_number == version.number for publication in history.publications):
        return VersionStatus.PUBLISHED_BEFORE
    return VersionStatus.DRAFT if is_valid else VersionStatus.INVALID


def check_text(text: str, name: str) -> CheckedText:
    try:
        return CheckedText(parse_scenario(text, name), ())
    except BadInput as bad:
        return CheckedText(None, tuple(bad.problems))


def draft_identity(text: str) -> tuple[str, str]:
    """The scenario id and title a draft is filed under, read even from a text that does not load."""
    scenario_id = title = None
    try:
        document = load_located(text).value
    except YamlProblem:
        document = None
    if isinstance(document, dict):
        scenario_id, title = document.get("id"), document.get("title")
    else:
        id_line, title_line = _ID_LINE.search(text), _TITLE_LINE.search(text)
        scenario_id = id_line.group(2) if id_line else None
        title = title_line.group(2) if title_line else None
    if not isinstance(scenario_id, str) or not SLUG.fullmatch(scenario_id):
        raise DraftProblem(
            "A draft is filed under its scenario's id: give it a top-level line such as `id: my-scenario` "
            "(lower-case letters, digits and dashes, at most 64)."
        )
    title = title.strip() if isinstance(title, str) and title.strip() else scenario_id
    return scenario_id, title


def save_draft(store: Store, viewer: User, text: str, note: str, base: EditorBase | None) -> SavedDraft:
    """Save the workbench's text as the next version of the scenario its `id:` names.

    An edit of version N of a scenario must still be based on that scenario's newest version; a
    text with another id (a new scenario, or a copy given a new id) must name a scenario that does
    not exist yet. Otherwise the store raises Conflict, saying who saved what since."""
    if not text.strip():
        raise DraftProblem("There is nothing to save: the scenario is empty.")
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise DraftProblem(f"The scenario is larger than {MAX_BYTES // 1024} KiB: it cannot be saved.")
    scenario_id, title = draft_identity(text)
    base_number = base.number if base is not None and base.scenario_id == scenario_id else None
    return store.save_scenario_draft(viewer, scenario_id, title, text, note, base_number)


def publication_problems(loaded: LoadedScenario, played: Autoplay | None = None) -> list[str]:
    """Why trainees should not get this valid scenario yet: empty when it may be published.
    `played`: its walkthroughs, when already played."""
    scenario = loaded.scenario
    if scenario.script is None:
        return ["it has no `script`, so trainees could not play it"]
    if "ideal" not in scenario.walkthroughs:
        return ["it has no `ideal` walkthrough, so nothing shows that a model chat scores 100"]
    return [f"its `{name}` walkthrough {problem}" for name, problem in (played or autoplay(loaded)).problems()]


def publish(store: Store, viewer: User, version: ScenarioVersion) -> None:
    """Make a saved version the one trainees practise, if it loads and plays to 100; else NotPublishable."""
    checked = check_text(version.text, f"{version.scenario_id} version {version.number}")
    if checked.loaded is None:
        raise NotPublishable([f"line {p.line}, column {p.column}: {p.message}" for p in checked.problems])
    problems = publication_problems(checked.loaded)
    if problems:
        raise NotPublishable(problems)
    store.publish_scenario_version(viewer, version.id)


def import_shipped(store: Store, library: ScenarioLibrary) -> None:
    """Put the playable scenarios shipped under scenarios/ into the store's library (idempotent)."""
    store.import_shipped_scenarios(library.playable())
