"""The `coach` command (SPEC §7): validate scenarios, score transcripts, match intents, list rules.

Exit status: 0 done; 1 problems found (validate); 2 bad usage or bad input, with
``PATH: problem`` on standard error and never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from coach.events import check_references, load_transcript
from coach.intents import INTENTS, default_matcher
from coach.problems import BadInput, Problem
from coach.rules import RULES
from coach.scenario import LoadedScenario, json_schema, load_scenario
from coach.scoring import matcher_for, score

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2
SCENARIO_SUFFIXES = (".yaml", ".yml")

DESCRIPTION = """\
Chat Reference Coach: score library chat-reference practice sessions.

commands:
  validate PATH...          check scenario files (and folders of them); one
                            file:line:col: message per problem; exit 1 if any
  score --scenario FILE LOG...
                            score session transcripts (JSON or YAML event logs);
                            one JSON scorecard per line
  match [--scenario FILE] TEXT...
                            show which intents are found in each text
  rules                     list the rules: code, name, severity, summary, source
  schema                    print the JSON Schema of scenario files

exit status: 0 done, 1 problems found (validate), 2 bad usage or bad input
(reported on standard error as PATH: problem).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coach", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check scenario files and folders",
        description="Check scenario files (folders are searched for *.yaml and *.yml). Prints one "
        "'file:line:col: message' per problem and exits 1 when there are problems, 0 when all are valid.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="scenario file or folder")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="json: a JSON list of problems")
    validate.add_argument(
        "--playable", action="store_true",
        help="also report scenarios without a 'script' or an 'ideal' walkthrough (they score but cannot be played)"
    )

    score_cmd = commands.add_parser(
        "score",
        help="score transcripts against a scenario",
        description="Score session transcripts (SPEC §4 event logs, JSON or YAML) against one scenario. "
        "Prints one JSON scorecard per transcript, one per line. A broken transcript is reported as "
        "'PATH: event N (...): problem' on standard error, the others are still scored, and the exit status is 2.",
    )
    score_cmd.add_argument("--scenario", required=True, metavar="FILE", help="the scenario file (YAML)")
    score_cmd.add_argument("logs", nargs="+", metavar="LOG", help="transcript file")

    match = commands.add_parser(
        "match",
        help="show the intents found in texts",
        description="Show which intents each text matches, with a 0-100 score for every intent. "
        "With --scenario, the scenario's extra phrases are used too.",
    )
    match.add_argument("--scenario", metavar="FILE", help="scenario whose 'phrases' extend the phrase bank")
    match.add_argument("texts", nargs="+", metavar="TEXT", help="a trainee message")

    rules = commands.add_parser(
        "rules", help="list the rules", description="List every rule: code, name, severity, summary and source tip."
    )
    rules.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="markdown: the full rule documentation"
    )

    commands.add_parser(
        "schema",
        help="print the scenario JSON Schema",
        description="Print the JSON Schema of scenario files (the same as schema/scenario.schema.json).",
    )
    return parser


def _scenario_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    return [path]


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    missing = [path for path in args.paths if not Path(path).exists()]
    for path in missing:
        print(f"{path}: no such file or folder", file=err)
    if missing:
        return EXIT_BAD_INPUT
    problems: list[Problem] = []
    seen_ids: dict[str, str] = {}
    for path in args.paths:
        files = _scenario_files(Path(path))
        if not files:
            print(f"{path}: no scenario files (*.yaml, *.yml) in this folder", file=err)
            return EXIT_BAD_INPUT
        for file in files:
            try:
                loaded = load_scenario(file)
            except BadInput as bad:
                problems.extend(bad.problems)
                continue
            problems.extend(_file_level_problems(loaded, seen_ids, args.playable))
    if args.format == "json":
        print(json.dumps([problem.as_dict() for problem in problems], ensure_ascii=False, indent=1), file=out)
    else:
        for problem in problems:
            print(problem, file=out)
    return EXIT_PROBLEMS if problems else EXIT_OK


def _file_level_problems(loaded: LoadedScenario, seen_ids: dict[str, str], playable: bool) -> Iterator[Problem]:
    scenario = loaded.scenario
    if scenario.id in seen_ids:
        yield Problem(loaded.path, f"scenario id '{scenario.id}' is also used by {seen_ids[scenario.id]}", 1, 1)
    else:
        seen_ids[scenario.id] = loaded.path
    if playable and scenario.script is None:
        yield Problem(loaded.path, "no 'script': this scenario can be scored but not played", 1, 1)
    elif playable and "ideal" not in scenario.walkthroughs:
        yield Problem(loaded.path, "no 'ideal' walkthrough: the actions of a model librarian, to autoplay", 1, 1)


def _score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = load_scenario(args.scenario)
    status = EXIT_OK
    for log in args.logs:
        try:
            transcript = load_transcript(log)
            check_references(transcript, loaded.scenario, log)
        except BadInput as bad:
            for problem in bad.problems:
                print(problem, file=err)
            status = EXIT_BAD_INPUT
            continue
        card = score(loaded.scenario, transcript.events, transcript.trainee)
        print(json.dumps(card.as_json(), ensure_ascii=False), file=out)
    return status


def _match(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    matcher = matcher_for(load_scenario(args.scenario).scenario) if args.scenario else default_matcher()
    for text in args.texts:
        found = matcher.match(text)
        line = {"text": text, "matched": list(found.matched), "scores": {i: found.scores[i] for i in INTENTS}}
        print(json.dumps(line, ensure_ascii=False), file=out)
    return EXIT_OK


def rule_catalogue() -> list[dict[str, Any]]:
    return [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity.value,
            "summary": rule.summary,
            "source": {"title": rule.seed.title, "file": rule.seed.file, "quote": rule.quote},
        }
        for rule in RULES
    ]


def rules_markdown() -> str:
    """The rule documentation for trainers (committed as docs/rules.md)."""
    parts = [
        "# The rules\n\n",
        "Generated by `coach rules --format markdown`; do not edit by hand.\n\n",
        "Weights: critical 3, major 2, minor 1. A chat passes with a score of at least 80 and no critical rule failed.\n",
    ]
    for rule in RULES:
        title, _, body = rule.doc.partition("\n")
        parts.append(f"\n## {rule.code} {rule.name} ({rule.severity.value})\n\n{title}\n\n")
        parts.append(f"> {rule.quote}\n>\n> — *{rule.seed.title}*\n")
        for line in body.strip("\n").splitlines():
            heading = line.rstrip(":")
            if line and not line.startswith(" ") and line.endswith(":"):
                parts.append(f"\n**{heading}**\n\n")
            else:
                parts.append(f"{line.strip()}\n" if line.strip() else "\n")
    return re.sub(r"\n{3,}", "\n\n", "".join(parts))


def _rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalogue = rule_catalogue()
    if args.format == "json":
        print(json.dumps(catalogue, ensure_ascii=False, indent=1), file=out)
        return EXIT_OK
    if args.format == "markdown":
        print(rules_markdown(), file=out, end="")
        return EXIT_OK
    for entry in catalogue:
        print(f"{entry['code']}  {entry['name']}  ({entry['severity']})", file=out)
        print(f"    {entry['summary']}", file=out)
        print(f"    source: {entry['source']['title']}: “{entry['source']['quote']}”", file=out)
    return EXIT_OK


def _schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2), file=out)
    return EXIT_OK


HANDLERS = {"validate": _validate, "score": _score, "match": _match, "rules": _rules, "schema": _schema}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    try:
        return HANDLERS[args.command](args, out, err)
    except BadInput as bad:
        for problem in bad.problems:
            print(problem, file=err)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # the contract is: never a traceback
        if os.environ.get("COACH_DEBUG"):
            raise
        print(f"coach: internal error: {type(error).__name__}: {error}", file=err)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
