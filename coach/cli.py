"""The `coach` command (SPEC §7): validate scenarios, score transcripts, match intents, list rules,
manage accounts.

Exit status: 0 done; 1 problems found (validate); 2 bad usage or bad input, with
``PATH: problem`` on standard error and never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from coach.events import check_references, load_transcript
from coach.intents import SPEAKERS, default_matcher
from coach.problems import BadInput, Problem
from coach.rules import RULES
from coach.scenario import LoadedScenario, json_schema, load_scenario
from coach.scoring import matcher_for, score
from coach.storage import AccountError, NotFound, Role, Store, User
from coach.storage.config import default_database_url

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
  coverage PATH...          which rules each scenario's walkthroughs exercise
  schema                    print the JSON Schema of scenario files
  users ACTION ...          manage the app's accounts: add, list, set-role,
                            reset-password, disable, enable (coach users --help)

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
        "With --scenario, the scenario's extra phrases are used too; --speaker says who wrote the texts.",
    )
    match.add_argument("--scenario", metavar="FILE", help="scenario whose 'phrases' add to the trainee's intents")
    match.add_argument(
        "--speaker",
        choices=SPEAKERS,
        default="trainee",
        help="who wrote the texts (default trainee: the chat intents, greet and request_handoff; "
        "colleague: accept_handoff, decline_handoff; patron: needs_more_help)",
    )
    match.add_argument(
        "--explain", action="store_true", help="also show, per intent, the words and word pairs behind its score"
    )
    match.add_argument("texts", nargs="+", metavar="TEXT", help="a message")

    rules = commands.add_parser(
        "rules", help="list the rules", description="List every rule: code, name, severity, summary and source tip."
    )
    rules.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="markdown: the full rule documentation"
    )

    coverage_cmd = commands.add_parser(
        "coverage",
        help="which rules each scenario exercises",
        description="Play every walkthrough of the scenarios and show, for each rule, whether they pass it (P), "
        "fail it (F), both (PF) or never reach it (.); then the rules no scenario exercises.",
    )
    coverage_cmd.add_argument("paths", nargs="+", metavar="PATH", help="scenario file or folder")
    coverage_cmd.add_argument("--format", choices=("text", "json"), default="text")

    play = commands.add_parser(
        "play",
        help="autoplay a walkthrough and show the chat and its scorecard",
        description="Play one walkthrough of a scenario (default: ideal) as the console would, then print "
        "the transcript as the console shows it and the coach's scorecard.",
    )
    play.add_argument("scenario", metavar="SCENARIO", help="the scenario file (YAML)")
    play.add_argument("--walkthrough", default="ideal", metavar="NAME", help="which walkthrough (default: ideal)")
    play.add_argument("--format", choices=("text", "json"), default="text", help="json: the events and the scorecard")

    commands.add_parser(
        "schema",
        help="print the scenario JSON Schema",
        description="Print the JSON Schema of scenario files (the same as schema/scenario.schema.json).",
    )
    _add_users_parser(commands)
    return parser


USERS_DESCRIPTION = """\
Manage the app's accounts, straight in its database (the app need not run).

actions:
  add USERNAME --role ROLE [--name NAME] [--cohort C]
                            make an account; asks for its first password
  list [--format json]      every account: username, role, name, cohort, state
  set-role USERNAME ROLE    give an account another role
  reset-password USERNAME   set a new password; asks for it
  disable USERNAME          refuse the account's logins (its attempts are kept)
  enable USERNAME           allow them again
  unlock USERNAME           forget the failed sign-ins that make its logins wait

Usernames are 3 to 40 letters, digits, dots, dashes or underscores; case does not
matter. Roles: trainee, trainer, coordinator. Passwords have 10 to 128 characters and
are neither common passwords, nor contain the username, nor repeat characters much.
Every action takes --database URL; without it the database is $COACH_DATABASE_URL,
else the SQLite file coach.sqlite3 in $COACH_DATA_DIR or ./data.
"""


def _add_users_parser(commands: Any) -> None:
    users = commands.add_parser(
        "users", help="manage accounts", description=USERS_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database", metavar="URL",
        help="sqlite:///PATH or postgresql://USER@HOST/DATABASE (default: $COACH_DATABASE_URL, "
        "else coach.sqlite3 in $COACH_DATA_DIR or ./data)",
    )
    password = argparse.ArgumentParser(add_help=False)
    password.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of standard input instead of asking for it twice",
    )
    roles = [role.value for role in Role]

    add = actions.add_parser(
        "add", parents=[database, password], help="make an account",
        description="Make an account. Asks for its first password twice (or reads it with --password-stdin).",
    )
    add.add_argument("username", metavar="USERNAME", help="3-40 letters, digits, dots, dashes, underscores")
    add.add_argument("--role", required=True, choices=roles, help="what the account may do")
    add.add_argument("--name", default="", help="the name the app shows (default: the username)")
    add.add_argument("--cohort", help="the training group, e.g. fall-2026")

    listing = actions.add_parser(
        "list", parents=[database], help="list the accounts",
        description="List every account: username, role, display name, cohort, whether disabled, when made.",
    )
    listing.add_argument("--format", choices=("text", "json"), default="text", help="json: a JSON list of accounts")

    set_role = actions.add_parser(
        "set-role", parents=[database], help="change an account's role",
        description="Give an account another role.",
    )
    set_role.add_argument("username", metavar="USERNAME")
    set_role.add_argument("role", metavar="ROLE", choices=roles, help=", ".join(roles))

    reset = actions.add_parser(
        "reset-password", parents=[database, password], help="set a new password",
        description="Set a new password for an account. Asks for it twice (or reads it with --password-stdin).",
    )
    reset.add_argument("username", metavar="USERNAME")

    for name, summary, description in (
        ("disable", "refuse an account's logins", "Refuse the account's logins from now on; its attempts are kept."),
        ("enable", "allow a disabled account again", "Allow a disabled account's logins again."),
        ("unlock", "end an account's sign-in delays",
         "Forget the failed sign-ins counted against the username, which make its next logins wait."),
    ):
        switch = actions.add_parser(name, parents=[database], help=summary, description=description)
        switch.add_argument("username", metavar="USERNAME")


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
            problems.extend(loaded.warnings())
    if args.format == "json":
        print(json.dumps([problem.as_dict() for problem in problems], ensure_ascii=False, indent=1), file=out)
    else:
        for problem in problems:
            print(problem, file=out)
    return EXIT_PROBLEMS if any(problem.severity == "error" for problem in problems) else EXIT_OK


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
    elif playable:
        yield from _walkthrough_problems(loaded)


def _walkthrough_problems(loaded: LoadedScenario, played: Any = None) -> Iterator[Problem]:
    """A problem, at the walkthrough's line, for each walkthrough that does not teach what it should."""
    from coach.coverage import autoplay

    found = [(("walkthroughs", name), f"walkthrough '{name}' {problem}") for name, problem in (played or autoplay(loaded)).problems()]
    yield from loaded.located(found)


def _score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One line per log, in the order given, each naming its file: a scorecard, or (for a log that cannot
    be scored) its problems, so that one bad file never shifts the lines of the others."""
    loaded = load_scenario(args.scenario)
    status = EXIT_OK
    for log in args.logs:
        try:
            transcript = load_transcript(log)
            check_references(transcript, loaded.scenario, log)
        except BadInput as bad:
            for problem in bad.problems:
                print(problem, file=err)
            print(json.dumps({"file": log, "problems": [str(p) for p in bad.problems]}, ensure_ascii=False), file=out)
            status = EXIT_BAD_INPUT
            continue
        card = score(loaded.scenario, transcript.events, transcript.trainee)
        print(json.dumps({"file": log, **card.as_json()}, ensure_ascii=False), file=out)
    return status


def _match(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    matcher = matcher_for(load_scenario(args.scenario).scenario) if args.scenario else default_matcher()
    for text in args.texts:
        found = matcher.match(text, args.speaker)
        line: dict[str, Any] = {"text": text, "matched": list(found.matched), "scores": found.scores}
        if args.explain:
            line["thresholds"] = {intent: matcher.threshold(intent) for intent in found.scores}
            line["explain"] = {
                intent: [{"words": e.words, "weight": round(e.weight, 2)} for e in evidence]
                for intent, evidence in matcher.explain(text, args.speaker).items()
            }
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
    """The rule documentation for trainers (committed as docs/rules.md), in the rule catalogue page's words."""
    parts = [
        "# The rules\n\n",
        "Generated by `coach rules --format markdown`; do not edit by hand.\n\n",
        "Weights: critical 3, major 2, minor 1. A chat passes with a score of at least 80 and no critical rule failed.\n",
    ]
    for rule in RULES:
        doc = rule.documentation
        parts.append(
            f"\n## {rule.code} {rule.name} ({rule.severity.value}, weight {rule.severity.weight})\n\n"
            f"{doc.title}\n\n"
            f"> {rule.quote}\n>\n> — *{rule.seed.title}* ({rule.seed.topic.lower()})\n\n"
            f"**What it checks**\n\n{doc.what_it_checks}\n\n"
            f"**Why it matters**\n\n{doc.why_it_matters}\n\n"
            f"**A good example**\n\n{doc.passes}\n\n"
            f"**A bad example**\n\n{doc.fails}\n"
        )
    return "".join(parts)


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


def _users(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # imported here so that only this command pays for loading SQLAlchemy
    from sqlalchemy.exc import SQLAlchemyError

    from coach.storage.sql import SchemaTooNew, open_store

    url = args.database or default_database_url()
    try:
        store = open_store(url)
    except (ValueError, SQLAlchemyError, SchemaTooNew) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise BadInput([Problem(_shown_url(url), f"cannot open the database: {reason}")]) from None
    try:
        USER_ACTIONS[args.action](store, args, out)
    except (AccountError, NotFound) as problem:
        raise BadInput([Problem(f"coach users {args.action}", str(problem))]) from None
    finally:
        store.close()
    return EXIT_OK


def _shown_url(url: str) -> str:
    """The URL for a message, without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database URL"


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise AccountError("no password on standard input")
        return line.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise AccountError("no terminal to ask for the password: pipe it in with --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise AccountError("the two passwords differ; nothing was changed")
    return password


def _users_add(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    if store.find_user(args.username) is not None:  # before asking for a password in vain
        raise AccountError(f"The username '{args.username.strip().lower()}' is taken.")
    user = store.create_user(args.username, args.name, Role(args.role), _new_password(args), args.cohort)
    print(f"added {user.username} ({user.display_name}), {user.role.value}", file=out)


def _user_as_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role.value,
        "cohort": user.cohort, "disabled": user.disabled, "created_at": user.created_at.isoformat(),
    }


def _users_list(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    users = store.list_users()
    if args.format == "json":
        print(json.dumps([_user_as_json(user) for user in users], ensure_ascii=False, indent=1), file=out)
        return
    rows = [("USERNAME", "ROLE", "NAME", "COHORT", "STATE", "CREATED")] + [
        (
            user.username, user.role.value, user.display_name, user.cohort or "-",
            "disabled" if user.disabled else "enabled", user.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
        for user in users
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)


def _users_set_role(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    user = store.set_role(args.username, Role(args.role))
    print(f"{user.username} is now a {user.role.value}", file=out)


def _users_reset_password(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    if store.find_user(args.username) is None:  # before asking for a password in vain
        raise NotFound(f"There is no user '{args.username.strip().lower()}'.")
    user = store.set_password(args.username, _new_password(args))
    print(f"new password set for {user.username}", file=out)


def _users_disable(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    print(f"{store.set_disabled(args.username, True).username} is disabled", file=out)


def _users_enable(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    print(f"{store.set_disabled(args.username, False).username} is enabled", file=out)


def _users_unlock(store: Store, args: argparse.Namespace, out: TextIO) -> None:
    store.unlock(args.username)
    print(f"failed sign-ins of {args.username.strip().lower()} forgotten", file=out)


USER_ACTIONS = {
    "add": _users_add, "list": _users_list, "set-role": _users_set_role,
    "reset-password": _users_reset_password, "disable": _users_disable, "enable": _users_enable,
    "unlock": _users_unlock,
}

def _coverage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from coach.coverage import autoplay, coverage

    missing = [path for path in args.paths if not Path(path).exists()]
    for path in missing:
        print(f"{path}: no such file or folder", file=err)
    if missing:
        return EXIT_BAD_INPUT
    loaded = [load_scenario(file) for path in args.paths for file in _scenario_files(Path(path))]
    played = [autoplay(one) for one in loaded]
    found = coverage(loaded, played)
    problems = [problem for one, plays in zip(loaded, played) for problem in _walkthrough_problems(one, plays)]
    status = EXIT_PROBLEMS if problems else EXIT_OK
    if args.format == "json":
        report = {**found.as_json(), "problems": [problem.as_dict() for problem in problems]}
        print(json.dumps(report, ensure_ascii=False, indent=1), file=out)
        return status
    codes = [rule.code for rule in RULES]
    width = max((len(s.scenario_id) for s in found.scenarios), default=8)
    print(" " * width + "  " + " ".join(f"{code:>5}" for code in codes), file=out)
    for row in found.scenarios:
        cells = ["".join(mark for mark, verdict in (("P", "pass"), ("F", "fail")) if verdict in row.verdicts[code]) or "."
                 for code in codes]
        print(f"{row.scenario_id:<{width}}  " + " ".join(f"{cell:>5}" for cell in cells), file=out)
    uncovered = found.uncovered()
    print(f"rules no scenario exercises: {', '.join(uncovered) if uncovered else 'none'}", file=out)
    for problem in problems:
        print(problem, file=out)
    return status


def _play(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from coach.simulator import ActionRefused, play_walkthrough
    from coach.transcript_view import lines_of

    loaded = load_scenario(args.scenario)
    scenario = loaded.scenario
    if scenario.script is None:
        raise BadInput([Problem(loaded.path, "no 'script': this scenario can be scored but not played", 1, 1)])
    if args.walkthrough not in scenario.walkthroughs:
        known = ", ".join(scenario.walkthroughs) or "none"
        raise BadInput([Problem(loaded.path, f"there is no walkthrough '{args.walkthrough}' (walkthroughs: {known})")])
    try:
        session = play_walkthrough(scenario, matcher_for(scenario), scenario.walkthroughs[args.walkthrough].steps)
    except ActionRefused as refusal:
        raise BadInput([Problem(loaded.path, f"walkthrough '{args.walkthrough}': the console refuses a step: {refusal}")]) from None
    card = score(scenario, session.events)
    if args.format == "json":
        events = [event.as_json() for event in session.events]
        print(json.dumps({"events": events, "scorecard": card.as_json()}, ensure_ascii=False, indent=1), file=out)
        return EXIT_OK
    print(f"{scenario.title} - walkthrough '{args.walkthrough}'\n", file=out)
    for line in lines_of(scenario, session.events):
        who = f"{line.who}: " if line.who else ""
        print(f"[{line.index:>3}] {line.clock:>5}  {who}{line.text}", file=out)
    verdict = "passed" if card.passed else "not passed"
    shown = "n/a" if card.score is None else f"{card.score:g}"
    print(f"\nscore {shown}, {verdict} (outcome: {card.outcome})", file=out)
    for result in card.results:
        evidence = f" [{', '.join(map(str, result.verdict.evidence))}]" if result.verdict.evidence else ""
        print(f"  {result.verdict.outcome.value:<5} {result.rule.code} {result.rule.name}{evidence}: "
              f"{result.verdict.message}", file=out)
    return EXIT_OK


HANDLERS = {
    "validate": _validate, "score": _score, "match": _match, "rules": _rules, "schema": _schema, "users": _users,
    "coverage": _coverage, "play": _play,
}


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
