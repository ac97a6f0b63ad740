"""Scenario files: located plain-English problems, YAML safety limits, and the committed JSON Schema."""

from __future__ import annotations

import json
import textwrap

import pytest

from coach.problems import BadInput
from coach.scenario import MAX_PROBLEMS_SHOWN, SCHEMA_PATH, json_schema, parse_scenario
from coach.yamlsafe import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, MAX_WRITTEN_VALUES

VALID = textwrap.dedent(
    """\
    id: renewal
    title: Renewal block
    patron:
      name: Priya
      library: riverton
      email: null
      question: Why can't I renew?
    libraries:
      riverton:
        name: Riverton Public Library
        goodbye: null
    staff:
      - id: kim
        name: Kim Alvarez
        library: riverton
        department: Circulation
        status: available
    expect:
      route: [transfer]
      transfer_to: [kim]
    """
)


def problems_of(text: str) -> list[str]:
    with pytest.raises(BadInput) as raised:
        parse_scenario(text, "s.yaml")
    return [str(problem) for problem in raised.value.problems]


def test_valid_scenario_loads_with_defaults() -> None:
    loaded = parse_scenario(VALID, "s.yaml")
    assert loaded.scenario.role == "initiator"
    assert loaded.scenario.staff[0].status == "available"
    assert len(loaded.content_hash) == 64


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  email: null", "  emial: null", "s.yaml:6:3: unknown key 'emial'; did you mean 'email'?"),
        ("    status: available", "    status: sleeping", "s.yaml:17:13: 'status' must be one of: available, busy, away (got 'sleeping')"),
        ("  route: [transfer]", "  route: [transfer, teleport]", "s.yaml:19:21: 'route' must be one of"),
        ("  library: riverton\n  email", "  library: shelbyville\n  email", "s.yaml:5:12: patron library 'shelbyville' is not in libraries (riverton)"),
        ("  transfer_to: [kim]", "  transfer_to: [bob]", "s.yaml:20:17: transfer target 'bob' is not a staff id (kim)"),
        ("title: Renewal block", "title: [Renewal]", "s.yaml:2:8: 'title' must be text (got a list)"),
        ("id: renewal", "id: Renewal_Block", "s.yaml:1:5: 'id' must use only lowercase letters, digits and hyphens"),
        ("id: renewal\n", "id: renewal\nid: again\n", "s.yaml:2:1: duplicate key 'id' (first given at line 1)"),
        ("  route: [transfer]", "  route: [transfer", "s.yaml:20:14: YAML syntax error"),
    ],
)
def test_problems_are_located_and_plain(old: str, new: str, expected: str) -> None:
    assert old in VALID
    found = problems_of(VALID.replace(old, new, 1))
    assert any(problem.startswith(expected) for problem in found), found


def test_duplicate_staff_ids_are_reported_at_the_second() -> None:
    staff = "  - id: kim\n    name: Kim Two\n    library: riverton\n    department: Reference\n"
    found = problems_of(VALID.replace("expect:", staff + "expect:"))
    assert found == ["s.yaml:18:9: staff id 'kim' is used twice (also staff #1)"]


def test_every_problem_in_a_file_is_reported() -> None:
    text = VALID.replace("  email: null", "  emial: null").replace("status: available", "status: sleeping")
    assert len(problems_of(text)) == 2


def test_not_a_mapping() -> None:
    assert problems_of("- just\n- a list\n") == ["s.yaml:1:1: a scenario must be a mapping of keys (id, title, patron, ...)"]


def test_size_cap() -> None:
    assert "larger than" in problems_of("a: '" + "x" * MAX_BYTES + "'\n")[0]


def test_nesting_depth_is_refused_before_building() -> None:
    # Deep enough to crash a C-based loader; must be refused, not recursed into.
    deep = "a: " + "[" * 100_000 + "]" * 100_000
    assert f"nests deeper than {MAX_DEPTH}" in problems_of(deep)[0]


def test_alias_count_and_expansion_are_limited() -> None:
    many = "a: &x 1\n" + "".join(f"b{i}: *x\n" for i in range(MAX_ALIASES + 1))
    assert "aliases" in problems_of(many)[0]
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    laughs += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    assert "expands to more than" in problems_of("\n".join(laughs))[0]


@pytest.mark.parametrize(
    ("character", "named"), [("\0", "a NUL character"), ("\x07", "the control character U+0007")]
)
def test_a_character_yaml_refuses_is_a_located_problem(character: str, named: str) -> None:
    text = VALID.replace("title: Renewal block", f"title: Renewal{character} block")
    assert problems_of(text) == [f"s.yaml:2:15: the file contains {named}, which YAML does not allow; remove it"]


def test_a_file_of_too_many_values_is_refused_as_soon_as_it_has_them() -> None:
    many = "id: x\nextra:\n" + "".join(f"  k{i}: v\n" for i in range(MAX_WRITTEN_VALUES))
    (problem,) = problems_of(many)
    assert problem.endswith(f"the file has more than {MAX_WRITTEN_VALUES:,} values; a scenario needs far fewer")
    stopped_at = int(problem.split(":")[1])
    assert stopped_at < MAX_WRITTEN_VALUES // 2 + 2, "it stops where the count is passed, not at the end"


def test_a_file_wrong_everywhere_lists_the_first_problems_and_counts_the_rest() -> None:
    text = VALID + "".join(f"unknown{i}: 1\n" for i in range(MAX_PROBLEMS_SHOWN + 40))
    problems = problems_of(text)
    assert len(problems) == MAX_PROBLEMS_SHOWN + 1
    assert problems[-1].endswith("... and 40 more problems after this line; fix these first")


def test_unsafe_tags_are_refused() -> None:
    assert "not allowed" in problems_of("id: !!python/object/apply:os.system ['true']\n")[0]
    assert "YAML syntax error" in problems_of("id: !!python/name:os.system ''\n")[0]


def test_committed_schema_is_current() -> None:
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == json_schema(), "regenerate with: coach schema > schema/scenario.schema.json"


def test_schema_knows_the_contract_keys() -> None:
    properties = json_schema()["properties"]
    assert {"id", "title", "role", "patron", "libraries", "staff", "expect", "script", "phrases"} <= set(properties)
