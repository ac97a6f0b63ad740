"""The Rules page: every rule with its sections, the filters, and the trainers' rule settings help."""

from __future__ import annotations

import textwrap

import pytest
from streamlit.testing.v1 import AppTest

from coach.markdown_text import escape_markdown, escape_markdown_except_code
from coach.rules import RULES, Severity, find_rules
from coach.scenario import parse_scenario
from coach.seeds import CONCLUDING_TIP, TRANSFER_TIP
from coach.storage import Role
from tests.conftest import ROOT
from tests.test_app import logged_in

TRAINER_SECTION = "For trainers: switch a rule off or change its severity in one scenario"


def catalogue(store, role: Role) -> AppTest:
    app = logged_in(store, role)
    app.switch_page("app_pages/rule_catalogue.py").run()
    assert not app.exception
    return app


def codes_shown(app: AppTest) -> list[str]:
    return [expander.label.split(" · ")[0] for expander in app.expander]


def test_every_rule_is_shown_with_its_sections(store) -> None:
    app = catalogue(store, Role.TRAINEE)
    assert codes_shown(app) == [rule.code for rule in RULES]
    for expander, rule in zip(app.expander, RULES):
        assert expander.label == (
            f"{rule.code} · {rule.name} · {rule.severity.value} (weight {rule.severity.weight})"
        )
        doc = rule.documentation
        shown = [markdown.value for markdown in expander.markdown]
        assert shown == [
            f"**{escape_markdown(rule.summary)}**",
            f"**What it checks**\n\n{escape_markdown_except_code(doc.what_it_checks)}",
            f"**Why it matters**\n\n{escape_markdown_except_code(doc.why_it_matters)}",
            f"**From the tip**\n\n> {escape_markdown(rule.quote)}\n>\n"
            f"> — *{escape_markdown(rule.seed.title)}* ({rule.seed.topic.lower()})",
            f":material/check_circle: **A good example**\n\n{escape_markdown_except_code(doc.passes)}",
            f":material/cancel: **A bad example**\n\n{escape_markdown_except_code(doc.fails)}",
        ]
    assert "15 of 15 rules" in [caption.value for caption in app.caption]


def test_the_severity_filter_narrows_the_list(store) -> None:
    app = catalogue(store, Role.TRAINEE)
    app.multiselect(key="rules_severities").set_value([Severity.CRITICAL]).run()
    assert codes_shown(app) == ["FU001", "RT001", "TR001"]
    app.multiselect(key="rules_severities").set_value([Severity.CRITICAL, Severity.MINOR]).run()
    assert codes_shown(app) == ["FU001", "FU004", "RT001", "TR001", "TR003"]
    assert "5 of 15 rules" in [caption.value for caption in app.caption]


def test_the_tip_filter_narrows_the_list(store) -> None:
    app = catalogue(store, Role.TRAINEE)
    app.radio(key="rules_tip").set_value(TRANSFER_TIP).run()
    assert codes_shown(app) == ["RT001", "RX001", "RX002", "TR001", "TR002", "TR003", "TR004"]
    app.radio(key="rules_tip").set_value(CONCLUDING_TIP).run()
    assert codes_shown(app) == ["CL001", "CL002", "FU001", "FU002", "FU003", "FU004", "FU005", "FU006"]
    app.radio(key="rules_tip").set_value(None).run()
    assert codes_shown(app) == [rule.code for rule in RULES]


def test_the_search_looks_at_code_name_and_summary_and_combines_with_the_filters(store) -> None:
    app = catalogue(store, Role.TRAINEE)
    app.text_input(key="rules_search").input("goodbye SCRIPT").run()  # the name, any case, words in any place
    assert codes_shown(app) == ["CL002"]
    app.text_input(key="rules_search").input("tr00").run()  # a code
    assert codes_shown(app) == ["TR001", "TR002", "TR003", "TR004"]
    app.text_input(key="rules_search").input("email").run()  # words of the summary
    assert codes_shown(app) == ["FU001", "FU002", "FU004", "FU005"]
    app.multiselect(key="rules_severities").set_value([Severity.CRITICAL]).run()
    assert codes_shown(app) == ["FU001"]
    app.radio(key="rules_tip").set_value(TRANSFER_TIP).run()
    assert codes_shown(app) == []
    assert [info.value for info in app.info] == ["No rule matches these filters."]


def test_find_rules_without_a_choice_is_every_rule() -> None:
    assert find_rules() == list(RULES)
    assert find_rules(search="   ") == list(RULES)
    assert find_rules(seeds=[TRANSFER_TIP, CONCLUDING_TIP]) == list(RULES)
    assert [rule.code for rule in find_rules(search="“does this completely")] == ["CL001"]  # the summary's words


def test_trainees_do_not_see_how_to_change_rules(store) -> None:
    app = catalogue(store, Role.TRAINEE)
    assert TRAINER_SECTION not in [header.value for header in app.subheader]
    assert not app.code


@pytest.mark.parametrize("role", [Role.TRAINER, Role.COORDINATOR], ids=lambda role: role.value)
def test_trainers_and_coordinators_see_how_to_change_a_rule_for_one_scenario(store, role: Role) -> None:
    app = catalogue(store, role)
    assert TRAINER_SECTION in [header.value for header in app.subheader]
    [snippet] = [code.value for code in app.code]
    assert snippet.strip() in (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")  # the same example
    scenario = textwrap.dedent(
        """\
        id: settings
        title: Rule settings
        patron: {name: Sam, library: lakeside, email: null, question: "Five articles?"}
        libraries:
          lakeside: {name: Lakeside Community College Library, goodbye: null}
        expect: {route: [answered]}
        """
    )
    settings = parse_scenario(scenario + snippet, "snippet.yaml").scenario.rules
    assert settings == {"TR003": "off", "CL002": "minor"}  # the example is a valid `rules:` that does what it says
