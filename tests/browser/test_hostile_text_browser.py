"""Nothing a person wrote makes a browser fetch anything: a canary server on loopback, named in
images and links of a scenario, a display name, a cohort and a chat message, gets no request
while a trainee practises the scenario and a coordinator reads the results."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from playwright.sync_api import Page, expect

from coach.catalogue import publish
from coach.storage import Role
from coach.storage.sql import open_store
from tests.browser.test_console_browser import choose, click, finish, say, transcript, type_into, wait_for_app
from tests.conftest import PASSWORD, ROOT

TITLE = "Canary fire alarm"


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    """(base URL, paths asked for) of an HTTP server that records every request."""
    asked: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()


def hostile(base: str, where: str) -> str:
    return f"![i]({base}/{where}.png) [l]({base}/{where}) <img src={base}/{where}-html.png>"


def publish_canary_scenario(app_database: str, base: str) -> None:
    store = open_store(app_database)
    coordinator = store.find_user("canary-cora") or store.create_user(
        "canary-cora", "Cora", Role.COORDINATOR, PASSWORD)
    data = yaml.safe_load((ROOT / "scenarios" / "fire-alarm-handoff.yaml").read_text(encoding="utf-8"))
    data["id"], data["title"] = "canary-fire-alarm", f"{TITLE} {hostile(base, 'title')}"
    data["patron"]["name"] = f"Marcus {hostile(base, 'patron')}"
    data["patron"]["question"] += " " + hostile(base, "question")
    for library in data["libraries"].values():
        library["name"] += " " + hostile(base, "library")
    for member in data["staff"]:
        member["name"] += " " + hostile(base, "staff")
    saved = store.save_scenario_draft(coordinator, data["id"], data["title"], yaml.safe_dump(data, sort_keys=False),
                                      "canary", None)
    publish(store, coordinator, saved.version)
    if store.find_user("canary-tess") is None:
        store.create_user("canary-tess", f"Tess {hostile(base, 'name')}"[:100], Role.TRAINEE, PASSWORD,
                          f"c {hostile(base, 'cohort')}"[:100])
    store.close()


def log_in_as(page: Page, username: str) -> None:
    wait_for_app(page)
    type_into(page, "Username", username)
    type_into(page, "Password", PASSWORD)
    click(page, "Log in")


def no_rendered_canary(page: Page, base: str) -> None:
    found = page.locator(f"img[src^='{base}'], a[href^='{base}']")
    assert found.count() == 0, [found.nth(i).evaluate("e => e.outerHTML") for i in range(found.count())]


def test_hostile_text_fetches_nothing_in_the_console_the_scorecard_or_the_dashboard(
    page: Page, app_database: str, canary: tuple[str, list[str]], app_url: str
) -> None:
    base, asked = canary
    publish_canary_scenario(app_database, base)
    log_in_as(page, "canary-tess")
    expect(page.get_by_text("Practice a chat")).to_be_visible()
    choose(page, "Scenario", TITLE)
    click(page, "Start chat")
    say(page, f"Hello Marcus {hostile(base, 'chat')}")
    expect(transcript(page)).to_contain_text(f"{base}/chat")  # shown, as text
    click(page, "Transfer")
    page.get_by_role("dialog").get_by_text("Agent", exact=True).click()
    wait_for_app(page)
    no_rendered_canary(page, base)
    page.screenshot_step("transfer-pop-up")
    page.keyboard.press("Escape")
    wait_for_app(page)
    finish(page)
    no_rendered_canary(page, base)
    page.screenshot_step("scorecard")

    coordinator = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    coordinator.goto(app_url)
    log_in_as(coordinator, "canary-cora")
    expect(coordinator.get_by_role("heading", name="Dashboard")).to_be_visible()
    for name in ("Trainee", "All attempts", "Scenarios"):
        coordinator.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        wait_for_app(coordinator)
        no_rendered_canary(coordinator, base)
    coordinator.context.close()
    page.wait_for_timeout(500)  # anything asked for in the background has arrived by now
    assert asked == [], asked
