"""The trainer's loop: walkthroughs that say what they teach, and the commands that check them."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from coach.catalogue import publication_problems
from coach.cli import main
from coach.problems import BadInput
from coach.scenario import parse_scenario

SCENARIO = textwrap.dedent(
    """\
    id: loop
    title: Renewal block
    patron: {name: Priya, library: riverton, email: null, question: "Why can't I renew?"}
    libraries:
      riverton: {name: Riverton Public Library, goodbye: "Thank you for contacting Riverton. Goodbye!"}
    staff:
      - {id: kim, name: Kim Alvarez, library: riverton, department: Circulation, status: available}
    expect: {route: [transfer], transfer_to: [kim]}
    script:
      patron:
        replies: {explain_transfer: "OK, thanks."}
      colleagues:
        kim: {accepts: true, reply: "Sure, send her over.", reply_after: 5}
    walkthroughs:
      ideal:
        - {type: im, to: kim, text: "Hi Kim, can you take a Riverton patron with a renewal block?"}
        - {type: say, text: "I'm going to transfer you to Kim at Riverton, who can see your account."}
        - {type: transfer, to: kim}
        - {type: leave}
      transfer-without-asking:
        expect: {TR001: fail, score_below: 80, passed: false}
        steps:
          - {type: say, text: "I'm going to transfer you to Kim at Riverton, who can see your account."}
          - {type: transfer, to: kim}
          - {type: leave}
      claims-too-much:
        expect: {TR001: pass, score_at_least: 90}
        steps:
          - {type: transfer, to: kim}
          - {type: leave}
      leaves-too-early:
        - {type: leave}
    """
)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def scenario_file(tmp_path: Path) -> str:
    path = tmp_path / "loop.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return str(path)


def line_of(key: str) -> int:
    return next(number for number, line in enumerate(SCENARIO.splitlines(), 1) if line.strip().startswith(key))


def test_validate_playable_names_each_walkthrough_that_does_not_teach_what_it_should(scenario_file) -> None:
    status, out, _ = run("validate", "--playable", scenario_file)
    assert status == 1
    lines = out.splitlines()
    assert len(lines) == 3, out
    claims = [line for line in lines if "'claims-too-much'" in line]
    assert any(f":{line_of('claims-too-much:')}:" in line and "TR001 should be pass, got fail" in line for line in claims)
    assert any("the score should be at least 90" in line for line in claims)
    assert any("'leaves-too-early'" in line and "refuses a step" in line and "Leave" in line for line in lines)
    assert not any("'ideal'" in line or "'transfer-without-asking'" in line for line in lines)


def test_coverage_fails_on_the_same_walkthroughs(scenario_file) -> None:
    status, out, _ = run("coverage", "--format", "json", scenario_file)
    assert status == 1
    problems = json.loads(out)["problems"]
    assert {" ".join(problem["message"].split()[:2]) for problem in problems} == {
        "walkthrough 'claims-too-much'", "walkthrough 'leaves-too-early'"}


def test_an_ideal_that_does_not_score_100_is_a_problem(tmp_path) -> None:
    im_step = '    - {type: im, to: kim, text: "Hi Kim, can you take a Riverton patron with a renewal block?"}\n'
    assert im_step in SCENARIO
    text = SCENARIO.replace(im_step, "")
    path = tmp_path / "loop.yaml"
    path.write_text(text, encoding="utf-8")
    _, out, _ = run("validate", "--playable", str(path))
    assert "walkthrough 'ideal' scores" in out and "fails TR001" in out


def test_the_walkthrough_problems_block_publishing() -> None:
    problems = publication_problems(parse_scenario(SCENARIO, "loop.yaml"))
    assert len(problems) == 3 and all(p.startswith("its `") for p in problems)


def test_play_prints_the_chat_as_the_console_shows_it_and_the_scorecard(scenario_file) -> None:
    status, out, _ = run("play", scenario_file, "--walkthrough", "transfer-without-asking")
    assert status == 0
    assert "Priya: Why can't I renew?" in out
    assert "You: transferred the chat to Kim Alvarez" in out
    assert "You have left the session" in out
    assert "fail  TR001 contact-before-transfer" in out
    assert "not passed" in out


def test_play_as_json_gives_events_and_scorecard(scenario_file) -> None:
    status, out, _ = run("play", "--format", "json", scenario_file)
    played = json.loads(out)
    assert status == 0 and played["scorecard"]["score"] == 100.0
    assert played["events"][0] == {"t": 0.0, "type": "patron_says", "text": "Why can't I renew?"}


@pytest.mark.parametrize(("walkthrough", "message"), [
    ("nope", "there is no walkthrough 'nope'"),
    ("leaves-too-early", "the console refuses a step"),
])
def test_play_says_why_it_cannot_play(scenario_file, walkthrough, message) -> None:
    status, _, err = run("play", scenario_file, "--walkthrough", walkthrough)
    assert status == 2 and message in err


@pytest.mark.parametrize(("expect", "message"), [
    ("{TR999: fail}", "there is no rule TR999"),
    ("{TR001: maybe}", "the verdict must be pass, fail or n/a"),
    ("{score_under: 80}", "unknown key 'score_under' in expect"),
])
def test_a_bad_expect_is_reported_where_it_is(expect, message) -> None:
    text = SCENARIO.replace("{TR001: fail, score_below: 80, passed: false}", expect)
    with pytest.raises(BadInput) as raised:
        parse_scenario(text, "loop.yaml")
    (problem,) = raised.value.problems
    assert message in problem.message and problem.line == line_of("expect: {TR001: fail"), problem


WARNED = SCENARIO.replace(
    "  - {id: kim, name: Kim Alvarez, library: riverton, department: Circulation, status: available}\n",
    "  - {id: kim, name: Kim Alvarez, library: riverton, department: Circulation, status: available}\n"
    "  - {id: omar, name: Omar Haddad, library: riverton, department: Reference, status: busy}\n",
).replace("transfer_to: [kim]", "transfer_to: [kim, omar]").replace(
    '    kim: {accepts: true, reply: "Sure, send her over.", reply_after: 5}\n',
    '    kim: {accepts: true, reply: "Sure, send her over.", reply_after: 5}\n'
    '    omar: {accepts: true}\n',
).replace('replies: {explain_transfer: "OK, thanks."}', 'replies: {explain_transfer: "OK, thanks.", request_handoff: "Who?"}')


def test_settings_that_do_nothing_are_warned_about_at_their_lines(tmp_path) -> None:
    path = tmp_path / "warned.yaml"
    path.write_text(WARNED, encoding="utf-8")
    status, out, _ = run("validate", str(path))
    assert status == 0, "warnings are not problems"
    warnings = out.splitlines()
    assert len(warnings) == 3 and all(": warning: " in line for line in warnings)
    assert any("Omar Haddad is Busy and never becomes Available, so this script never plays" in w for w in warnings)
    assert any("the Agent tab lists only Available staff, so no trainee can transfer to them" in w for w in warnings)
    assert any("the patron never answers 'request_handoff'" in w for w in warnings)
    status, out, _ = run("validate", "--format", "json", str(path))
    assert {entry["severity"] for entry in json.loads(out)} == {"warning"}


def test_a_colleague_who_becomes_available_on_the_timeline_is_not_warned_about(tmp_path) -> None:
    text = WARNED.replace("\nwalkthroughs:", "\n  timeline:\n    - {at: 30, staff: omar, status: available}\nwalkthroughs:")
    assert "timeline:" in text
    path = tmp_path / "woken.yaml"
    path.write_text(text, encoding="utf-8")
    _, out, _ = run("validate", str(path))
    assert "Omar" not in out and "request_handoff" in out


def test_an_unknown_reply_key_is_named_in_plain_english() -> None:
    text = SCENARIO.replace('replies: {explain_transfer: "OK, thanks."}', 'replies: {explain_transfr: "OK, thanks."}')
    with pytest.raises(BadInput) as raised:
        parse_scenario(text, "loop.yaml")
    (problem,) = raised.value.problems
    assert problem.message.startswith("key 'explain_transfr' must be one of: explain_transfer, apologize"), problem
