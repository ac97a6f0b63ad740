"""The Streamlit app starts on the console and shows the rule catalogue."""

from streamlit.testing.v1 import AppTest

from coach.rules import RULES
from tests.conftest import ROOT


def test_app_opens_on_the_scenario_picker() -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert app.title[0].value == "Practice a chat"


def test_rule_catalogue_page_lists_every_rule() -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    app.switch_page("app_pages/rule_catalogue.py").run()
    assert not app.exception
    labels = [expander.label for expander in app.expander]
    assert [label.split(" · ")[0] for label in labels] == [rule.code for rule in RULES]
