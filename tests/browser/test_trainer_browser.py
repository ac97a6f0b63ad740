"""A trainer writes a new scenario in the browser, sees it validated and autoplayed, publishes it,
and a trainee then finds it on the Practice page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import TRAINEE, TRAINER
from tests.browser.test_console_browser import click, type_into, wait_for_app
from tests.conftest import PASSWORD

TITLE = "A hold stuck in transit at Home Town"


def log_in_as(page: Page, username: str) -> None:
    wait_for_app(page)
    type_into(page, "Username", username)
    type_into(page, "Password", PASSWORD)
    click(page, "Log in")


def test_trainer_writes_validates_autoplays_and_publishes_a_scenario(page: Page) -> None:
    log_in_as(page, TRAINER)
    page.get_by_role("link", name="Workbench").click()
    wait_for_app(page)
    click(page, "Start from the template")
    editor = page.get_by_label("Scenario (YAML)", exact=True)
    template = editor.input_value()
    style = editor.evaluate("e => { const s = getComputedStyle(e); return [s.fontFamily, s.whiteSpace, s.backgroundImage]; }")
    assert "monospace" in style[0] and style[1] == "pre", style
    assert "svg" in style[2] and "%3E20%3C" in style[2].replace(">", "%3E").replace("<", "%3C"), "no line numbers"
    page.screenshot_step("editor-line-numbers")

    type_into(page, "Scenario (YAML)", template.replace("status: available", "status: asleep"))
    expect(page.get_by_text("1 problem to fix:")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^line 20, column 13: 'status' must be one of"))).to_be_visible()
    expect(page.get_by_role("button", name="Save and publish")).to_be_disabled()
    page.screenshot_step("invalid")

    mine = template.replace("id: my-new-scenario", "id: hold-in-transit").replace(
        "title: A patron asks why a hold has not arrived", f"title: {TITLE}")
    type_into(page, "Scenario (YAML)", mine)
    expect(page.get_by_text("Valid and playable.")).to_be_visible()
    expect(page.get_by_role("heading", name="Autoplay")).to_be_visible()
    type_into(page, "What changed (saved with the version)", "A first version")
    page.screenshot_step("valid-and-autoplayed")
    click(page, "Save and publish")
    expect(page.get_by_text("Version 1 of hold-in-transit is published", exact=False)).to_be_visible()
    page.screenshot_step("published")

    page.get_by_role("link", name="Scenarios").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Scenarios", exact=True)).to_be_visible()
    page.screenshot_step("library")
    click(page, "Log out")

    log_in_as(page, TRAINEE)
    page.get_by_role("combobox", name="Scenario", exact=True).click()
    expect(page.get_by_role("option", name=re.compile(re.escape(TITLE)))).to_be_visible()
    page.screenshot_step("trainee-sees-it")
