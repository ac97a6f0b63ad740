"""Golden transcripts: the shipped scenarios, scored end to end and pinned.

Layout (one folder per scenario of ``scenarios/``)::

    tests/golden/<scenario-id>/ideal.json                what a model librarian does: 100.0, passed
    tests/golden/<scenario-id>/<what-goes-wrong>.json    a realistic mistake (at least two per scenario)
    tests/golden/<scenario-id>/<name>.scorecard.json     the pinned scorecard of <name>.json

Each <name>.json is the scenario's walkthrough <name> (scenarios/<id>.yaml, key
``walkthroughs``) played by ``coach.simulator.play_walkthrough``, times rounded to
0.1 s, so the world's events are exactly what the scenario's script makes them.
A pinned scorecard was produced by ``coach score --scenario scenarios/<id>.yaml
tests/golden/<id>/<name>.json`` and checked by hand against the rules of SPEC §5.
When a change to the rules, the intent matcher or a scenario moves a verdict on
purpose, re-read the new scorecard before re-pinning it.
"""

from __future__ import annotations

import io
import re
import json
from functools import cache
from pathlib import Path

import pytest

from coach.cli import main
from coach.events import check_references, load_transcript
from coach.rules import RULES
from coach.scenario import LoadedScenario, load_scenario
from coach.scoring import matcher_for, score
from coach.simulator import play_walkthrough

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
GOLDEN = ROOT / "tests" / "golden"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/scenario.schema.json"
SCORECARD_SUFFIX = ".scorecard.json"


def scenario_files() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def transcript_files() -> list[Path]:
    return sorted(
        path for path in GOLDEN.glob("*/*.json") if not path.name.endswith(SCORECARD_SUFFIX)
    )


def scorecard_path(transcript: Path) -> Path:
    return transcript.with_name(transcript.stem + SCORECARD_SUFFIX)


def label(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@cache
def scenario_for(scenario_id: str) -> LoadedScenario:
    return load_scenario(SCENARIOS / f"{scenario_id}.yaml")


@cache
def scorecard_of(transcript_path: Path) -> dict:
    """Score one golden transcript the way `coach score` does."""
    loaded = scenario_for(transcript_path.parent.name)
    transcript = load_transcript(transcript_path)
    check_references(transcript, loaded.scenario, str(transcript_path))
    assert transcript.scenario == loaded.scenario.id, (
        f"{label(transcript_path)}: the transcript names scenario '{transcript.scenario}'"
    )
    return score(loaded.scenario, transcript.events, transcript.trainee).as_json()


def verdicts(card: dict) -> dict[str, str]:
    return {rule["code"]: rule["verdict"] for rule in card["rules"]}


TRANSCRIPTS = transcript_files()


def test_there_are_golden_transcripts() -> None:
    assert len(scenario_files()) >= 9
    assert TRANSCRIPTS


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=label)
def test_scorecard_matches_pinned(transcript: Path) -> None:
    pinned_path = scorecard_path(transcript)
    assert pinned_path.is_file(), f"no pinned scorecard {pinned_path.relative_to(ROOT)}"
    pinned = json.loads(pinned_path.read_text(encoding="utf-8"))
    assert scorecard_of(transcript) == pinned


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=label)
def test_transcript_is_golden(transcript: Path) -> None:
    data = json.loads(transcript.read_text(encoding="utf-8"))
    assert data["trainee"] == "golden"
    assert data["scenario"] == transcript.parent.name
    times = [event["t"] for event in data["events"]]
    assert times == sorted(times)


def test_every_ideal_scores_100_and_passes() -> None:
    ideals = [path for path in TRANSCRIPTS if path.name == "ideal.json"]
    assert ideals
    for path in ideals:
        card = scorecard_of(path)
        failed = [code for code, verdict in verdicts(card).items() if verdict == "fail"]
        assert (card["score"], card["passed"], failed) == (100.0, True, []), label(path)


def test_every_flawed_transcript_fails_a_rule() -> None:
    for path in TRANSCRIPTS:
        if path.name != "ideal.json":
            assert "fail" in verdicts(scorecard_of(path)).values(), f"{label(path)} shows no mistake"


def test_every_scenario_has_an_ideal_and_two_flawed_transcripts() -> None:
    for file in scenario_files():
        scenario_id = scenario_for(file.stem).scenario.id
        folder = GOLDEN / scenario_id
        assert (folder / "ideal.json").is_file(), f"{scenario_id}: no ideal.json"
        flawed = [path for path in transcript_files() if path.parent == folder and path.name != "ideal.json"]
        assert len(flawed) >= 2, f"{scenario_id}: only {len(flawed)} flawed transcript(s)"


def test_every_golden_folder_belongs_to_a_scenario() -> None:
    ids = {file.stem for file in scenario_files()}
    for folder in GOLDEN.iterdir():
        if folder.is_dir():
            assert folder.name in ids, f"tests/golden/{folder.name} has no scenarios/{folder.name}.yaml"


def test_scenario_files_are_named_by_id_and_point_to_the_schema() -> None:
    for file in scenario_files():
        assert scenario_for(file.stem).scenario.id == file.stem, file.name
        assert file.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE, file.name


def test_every_rule_is_exercised() -> None:
    exercised = {
        code
        for path in TRANSCRIPTS
        for code, verdict in verdicts(scorecard_of(path)).items()
        if verdict != "n/a"
    }
    missing = [rule.code for rule in RULES if rule.code not in exercised]
    assert not missing, f"rules never applicable in a golden transcript: {missing}"


def test_every_rule_both_passes_and_fails_somewhere() -> None:
    seen: dict[str, set[str]] = {rule.code: set() for rule in RULES}
    for path in TRANSCRIPTS:
        for code, verdict in verdicts(scorecard_of(path)).items():
            seen[code].add(verdict)
    lacking = {code: sorted({"pass", "fail"} - found) for code, found in seen.items() if {"pass", "fail"} - found}
    assert not lacking, f"rules missing a pass or a fail among the golden transcripts: {lacking}"


@pytest.mark.parametrize("scenario_file", scenario_files(), ids=lambda path: path.stem)
def test_walkthroughs_play_to_the_pinned_verdicts(scenario_file: Path) -> None:
    """Each golden transcript is a walkthrough of its scenario played by the simulator; playing it
    again must reach the same outcome and verdicts (times may differ if the simulator's pacing changes)."""
    scenario = scenario_for(scenario_file.stem).scenario
    golden = {path.stem for path in TRANSCRIPTS if path.parent.name == scenario.id}
    assert set(scenario.walkthroughs) == golden
    for name, walkthrough in scenario.walkthroughs.items():
        session = play_walkthrough(scenario, matcher_for(scenario), walkthrough.steps)
        card = score(scenario, session.events).as_json()
        pinned = json.loads(scorecard_path(GOLDEN / scenario.id / f"{name}.json").read_text(encoding="utf-8"))
        assert (card["outcome"], verdicts(card)) == (pinned["outcome"], verdicts(pinned)), name


def test_scenarios_are_valid_and_playable() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = main(["validate", "--playable", str(SCENARIOS)], out, err)
    assert status == 0, out.getvalue() + err.getvalue()


# Words that tell the trainee what to do: a title describes the patron's situation instead.
GIVEAWAY_WORDS = re.compile(r"\b(transfer\w*|hand(ing)? (over|off)|handoff|handover|colleague|flag\w*|follow[- ]?up|refer\w*)\b", re.I)


@pytest.mark.parametrize("scenario_file", scenario_files(), ids=lambda path: path.stem)
def test_no_title_gives_away_what_the_trainee_should_do(scenario_file: Path) -> None:
    title = scenario_for(scenario_file.stem).scenario.title
    assert not GIVEAWAY_WORDS.search(title), title
