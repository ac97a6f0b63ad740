"""A coordinator filters the dashboard, finds the attempts behind the weakest rule, and replays one."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import COORDINATOR
from tests.browser.test_console_browser import click, type_into, wait_for_app
from tests.conftest import PASSWORD


def test_coordinator_filters_the_dashboard_and_opens_a_replay(page: Page) -> None:
    wait_for_app(page)
    type_into(page, "Username", COORDINATOR)
    type_into(page, "Password", PASSWORD)
    click(page, "Log in")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    metric = page.get_by_test_id("stMetricValue").first
    expect(metric).to_have_text(re.compile(r"^\d+$"))
    assert int(metric.inner_text()) >= 3  # the console tests of this session may have finished more
    # the charts draw under the Content-Security-Policy (no eval: Vega's interpreter)
    expect(page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first).to_be_visible()
    page.screenshot_step("dashboard")

    sidebar = page.get_by_test_id("stSidebar")
    cohorts = sidebar.get_by_role("combobox", name=re.compile("Cohorts"))
    cohorts.scroll_into_view_if_needed()
    cohorts.click()
    page.keyboard.type("spring")  # the list opens as the filter is typed, even at the window's foot
    page.get_by_role("option", name="spring").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    wait_for_app(page)
    expect(metric).to_have_text("2")
    page.screenshot_step("filtered-to-spring")

    # spring's weakest rule is TR001: the box follows the filters to it without being asked
    expect(page.get_by_text("The weakest rule for these filters", exact=False)).to_be_visible()
    expect(page.get_by_text("1 attempt failed TR001", exact=False)).to_be_visible()
    page.get_by_role("link", name="Replay this attempt").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=re.compile("^Replay:"))).to_be_visible()
    expect(page.get_by_text(re.compile("^Fail: TR001")).first).to_be_visible()
    page.screenshot_step("replay")
