"""The `coach` command's contract (SPEC §7): outputs, JSON shapes and exit statuses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach.cli import main
from coach.intents import SPEAKER_INTENTS
from coach.rules import RULES
from tests.conftest import ROOT

RULE_SCENARIOS = ROOT / "tests" / "rules" / "scenarios"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), out, err)
    return status, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: object) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


TRANSCRIPT = {
    "scenario": "account",
    "trainee": "alex",
    "events": [
        {"t": 0, "type": "patron_says", "text": "Why can't I renew?"},
        {"t": 5, "type": "im", "to": "kim", "text": "Can you take a patron?"},
        {"t": 9, "type": "staff_says", "from": "kim", "channel": "im", "text": "Yes", "accepts": True},
        {"t": 12, "type": "say", "text": "I'm going to transfer you to Kim at your library, who can see your account."},
        {"t": 20, "type": "transfer", "to": "kim"},
        {"t": 25, "type": "joined", "who": "kim"},
        {"t": 30, "type": "leave"},
    ],
}


def test_score_prints_one_scorecard_per_line(tmp_path: Path) -> None:
    log = write(tmp_path, "a.json", TRANSCRIPT)
    status, out, err = run("score", "--scenario", str(RULE_SCENARIOS / "account.yaml"), log, log)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2
    card = json.loads(lines[0])
    assert list(card) == ["file", "scenario", "trainee", "outcome", "score", "passed", "rules"]
    assert card["file"] == log
    assert (card["scenario"], card["trainee"], card["outcome"], card["score"], card["passed"]) == (
        "account", "alex", "transfer", 100.0, True
    )
    assert [rule["code"] for rule in card["rules"]] == sorted(rule.code for rule in RULES)
    tr001 = next(rule for rule in card["rules"] if rule["code"] == "TR001")
    assert set(tr001) == {"code", "name", "severity", "verdict", "evidence", "message"}
    assert (tr001["name"], tr001["severity"], tr001["verdict"], tr001["evidence"]) == (
        "contact-before-transfer", "critical", "pass", [1, 2]
    )


def test_score_accepts_yaml_transcripts(tmp_path: Path) -> None:
    import yaml

    log = write(tmp_path, "a.yaml", yaml.safe_dump(TRANSCRIPT))
    status, out, _ = run("score", "--scenario", str(RULE_SCENARIOS / "account.yaml"), log)
    assert status == 0 and json.loads(out)["score"] == 100.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"t": 3, "type": "teleport"}, "event 3 (teleport): unknown event type 'teleport'"),
        ({"t": 10, "type": "im", "to": "bob", "text": "hi"}, "event 3 (im): 'to' 'bob' is not a staff id of scenario 'account'"),
        ({"t": 3, "type": "im", "text": "hi"}, "event 3 (im): 'to' is required"),
        ({"t": 3, "type": "resolve", "code": "done"}, "event 3 (resolve): 'code' must be one of"),
        ({"t": 3, "type": "say", "text": "x", "colour": "red"}, "event 3 (say): unknown key 'colour'"),
        ({"t": 1, "type": "view_info"}, "event 3 (view_info): time t=1.0 is earlier than the event before it"),
        ({"t": 10, "type": "transfer", "department": "Magic"}, "event 3 (transfer): no staff member of scenario 'account' works in department 'Magic'"),
        ({"type": "view_info"}, "event 3 (view_info): 't' is required"),
        ("not an event", "event 3: "),
    ],
)
def test_broken_transcript_exits_2_naming_file_and_event(tmp_path: Path, change: object, message: str) -> None:
    events = [dict(event) for event in TRANSCRIPT["events"]]
    events[3] = change
    log = write(tmp_path, "broken.json", {**TRANSCRIPT, "events": events})
    good = write(tmp_path, "good.json", TRANSCRIPT)
    status, out, err = run("score", "--scenario", str(RULE_SCENARIOS / "account.yaml"), log, good)
    assert status == 2
    assert f"{log}: {message}" in err, err
    assert "Traceback" not in err
    bad_line, good_line = (json.loads(line) for line in out.splitlines())
    assert bad_line["file"] == log and any(message in problem for problem in bad_line["problems"])
    assert (good_line["file"], good_line["score"]) == (good, 100.0), "the good transcript is still scored, in its place"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ([1, 2], "a transcript must be an object"),
        ({"events": []}, "'scenario' (the scenario id) is required"),
        ({"scenario": "other", "events": []}, "the transcript is for scenario 'other'"),
        ("[" * 100_000, "invalid JSON"),
    ],
)
def test_unusable_transcript_files(tmp_path: Path, content: object, message: str) -> None:
    log = write(tmp_path, "x.json", content)
    status, _, err = run("score", "--scenario", str(RULE_SCENARIOS / "account.yaml"), log)
    assert status == 2 and message in err and "Traceback" not in err


def test_missing_and_bad_scenario_for_score(tmp_path: Path) -> None:
    status, _, err = run("score", "--scenario", str(tmp_path / "nope.yaml"), "x.json")
    assert status == 2 and err == f"{tmp_path / 'nope.yaml'}: no such file\n"
    bad = write(tmp_path, "bad.yaml", "id: [\n")
    status, _, err = run("score", "--scenario", bad, "x.json")
    assert status == 2 and err.startswith(f"{bad}:2:1: YAML syntax error")


def test_validate_reports_every_file_and_exits_1(tmp_path: Path) -> None:
    good = (RULE_SCENARIOS / "account.yaml").read_text()
    write(tmp_path, "good.yaml", good)
    write(tmp_path, "bad1.yaml", good.replace("status: busy", "status: sleeping"))
    write(tmp_path, "bad2.yml", "id: x\nid: y\n")
    status, out, _ = run("validate", str(tmp_path))
    lines = out.splitlines()
    assert status == 1
    assert any(line.startswith(f"{tmp_path / 'bad1.yaml'}:") and "'status' must be one of" in line for line in lines)
    assert f"{tmp_path / 'bad2.yml'}:2:1: duplicate key 'id' (first given at line 1)" in lines
    status, out, _ = run("validate", "--format", "json", str(tmp_path))
    problems = json.loads(out)
    assert status == 1 and {p["file"] for p in problems} >= {str(tmp_path / "bad1.yaml"), str(tmp_path / "bad2.yml")}
    assert set(problems[0]) == {"file", "line", "column", "message", "severity"}


def test_validate_reports_a_nul_byte_as_a_located_problem(tmp_path: Path) -> None:
    good = (RULE_SCENARIOS / "account.yaml").read_text()
    write(tmp_path, "nul.yaml", good.replace("status: busy", "status: b\0usy", 1))
    status, out, err = run("validate", str(tmp_path))
    assert status == 1 and "internal error" not in out + err
    assert "the file contains a NUL character, which YAML does not allow; remove it" in out


def test_validate_clean_and_duplicate_ids(tmp_path: Path) -> None:
    status, out, _ = run("validate", str(RULE_SCENARIOS))
    assert (status, out) == (0, "")
    write(tmp_path, "a.yaml", (RULE_SCENARIOS / "account.yaml").read_text())
    write(tmp_path, "b.yaml", (RULE_SCENARIOS / "account.yaml").read_text())
    status, out, _ = run("validate", str(tmp_path))
    assert status == 1 and "scenario id 'account' is also used by" in out


def test_validate_playable_needs_a_script() -> None:
    status, out, _ = run("validate", "--playable", str(RULE_SCENARIOS / "account.yaml"))
    assert status == 1 and "can be scored but not played" in out


def test_validate_bad_paths_exit_2(tmp_path: Path) -> None:
    status, _, err = run("validate", str(tmp_path / "missing"))
    assert status == 2 and err == f"{tmp_path / 'missing'}: no such file or folder\n"
    status, _, err = run("validate", str(tmp_path))
    assert status == 2 and "no scenario files" in err


def test_match_shape_and_scenario_phrases(tmp_path: Path) -> None:
    status, out, _ = run("match", "Does this completely answer your question?", "The library opens at nine.")
    first, second = (json.loads(line) for line in out.splitlines())
    assert status == 0
    assert first["matched"] == ["ask_if_answered"] and second["matched"] == []
    assert list(first["scores"]) == list(SPEAKER_INTENTS["trainee"])
    assert all(isinstance(value, int) and 0 <= value <= 100 for value in first["scores"].values())
    scenario = (RULE_SCENARIOS / "account.yaml").read_text() + "phrases:\n  ask_email: [pop the answer in your inbox]\n"
    path = write(tmp_path, "s.yaml", scenario)
    text = "Shall I pop the answer in your inbox?"
    status, out, _ = run("match", "--scenario", path, text)
    assert status == 0 and "ask_email" in json.loads(out)["matched"]
    status, out, _ = run("match", text)
    assert "ask_email" not in json.loads(out)["matched"]


@pytest.mark.parametrize(("speaker", "text", "intent"), [
    ("colleague", "Sure, send her over.", "accept_handoff"),
    ("colleague", "Sorry, I'm swamped right now.", "decline_handoff"),
    ("patron", "Not quite, my card is still blocked.", "needs_more_help"),
    ("trainee", "Kim, could you take a Riverton patron with a renewal block?", "request_handoff"),
])
def test_match_reads_the_text_as_its_speakers(speaker: str, text: str, intent: str) -> None:
    status, out, _ = run("match", "--speaker", speaker, text)
    line = json.loads(out)
    assert status == 0 and line["matched"] == [intent]
    assert list(line["scores"]) == list(SPEAKER_INTENTS[speaker])


def test_match_explain_names_the_deciding_words() -> None:
    status, out, _ = run("match", "--explain", "I'm handing you over to Denise in circulation")
    line = json.loads(out)
    assert status == 0 and "explain_transfer" in line["matched"]
    evidence = line["explain"]["explain_transfer"]
    assert evidence and all(set(item) == {"words", "weight"} for item in evidence)
    assert evidence[0]["weight"] > 0 and line["thresholds"]["explain_transfer"] > 0


def test_match_refuses_an_unknown_speaker(capsys) -> None:
    status, _, _ = run("match", "--speaker", "robot", "hi")
    assert status == 2 and "invalid choice: 'robot'" in capsys.readouterr().err  # argparse's own message


def test_rules_text_and_json() -> None:
    status, out, _ = run("rules")
    assert status == 0 and all(rule.code in out for rule in RULES)
    status, out, _ = run("rules", "--format", "json")
    catalogue = json.loads(out)
    assert [entry["code"] for entry in catalogue] == [rule.code for rule in RULES]
    assert set(catalogue[0]) == {"code", "name", "severity", "summary", "source"}


def test_usage_errors_exit_2() -> None:
    assert run()[0] == 2
    assert run("frobnicate")[0] == 2
    assert run("score", "x.json")[0] == 2


def test_help_explains_each_command() -> None:
    result = subprocess.run([sys.executable, "-m", "coach", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("validate", "score", "match", "rules"):
        assert command in result.stdout
        sub = subprocess.run([sys.executable, "-m", "coach", command, "--help"], capture_output=True, text=True)
        assert sub.returncode == 0 and "usage: coach " + command in sub.stdout


def test_committed_rule_documentation_is_current() -> None:
    from coach.cli import rules_markdown

    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "regenerate with: coach rules --format markdown > docs/rules.md"
    for rule in RULES:
        assert f"## {rule.code} {rule.name}" in committed and rule.quote in committed
