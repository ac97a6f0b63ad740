"""Browser tests: the real app in a Streamlit server, driven by Playwright in Debian's Chromium.

Chromium comes from the system (`apt-get install chromium`), never from Playwright's
download. Without it these tests are skipped locally; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.streamlit_protocol import start_server
from coach.library import ScenarioLibrary
from coach.scoring import RULESET_VERSION, matcher_for, score
from coach.simulator import play_walkthrough
from coach.storage import Role
from coach.storage.sql import open_store
from tests.conftest import PASSWORD, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIME_SCALE = "10"  # the world runs ten times faster: a colleague's 15 s reply takes 1.5 s
TRAINEE = "terry"
COORDINATOR = "cora"
TRAINER = "tina"
# Finished attempts for the coordinator's pages: (trainee, cohort, scenario, walkthrough)
FINISHED = [
    ("ana", "fall", "lost-book-charge-maplewood", "ideal"),
    ("ben", "spring", "lost-book-charge-maplewood", "transfer-without-contacting"),
    ("ben", "spring", "mill-photos-followup", "ideal"),
]


def store_finished_attempts(store) -> None:
    library = ScenarioLibrary()
    for username, cohort, scenario_id, walkthrough in FINISHED:
        user = store.find_user(username) or store.create_user(username, username.title(), Role.TRAINEE, PASSWORD, cohort)
        loaded = library.get(scenario_id)
        steps = loaded.scenario.walkthroughs[walkthrough].steps
        events = play_walkthrough(loaded.scenario, matcher_for(loaded.scenario), steps).events
        attempt_id = store.start_attempt(user, store.save_scenario_version(loaded, loaded.text), "assessment")
        store.append_events(user, attempt_id, 0, events)
        store.finish_attempt(user, attempt_id, score(loaded.scenario, events, username), RULESET_VERSION)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def app_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The browser tests' database, for tests that change accounts behind the app's back."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'coach.sqlite3'}"


@pytest.fixture(scope="session")
def app_url(chromium_path: str, app_database: str) -> Iterator[str]:
    """The app with its own database, holding one account of each role per test run."""
    database = app_database
    store = open_store(database)
    store.create_user(TRAINEE, "Terry Trainee", Role.TRAINEE, PASSWORD)
    store.create_user(COORDINATOR, "Cora Coordinator", Role.COORDINATOR, PASSWORD)
    store.create_user(TRAINER, "Tina Trainer", Role.TRAINER, PASSWORD)
    store_finished_attempts(store)
    env = {**os.environ, "COACH_TIME_SCALE": TIME_SCALE, "COACH_DATABASE_URL": database}
    server, port = start_server(ROOT / "server.py", env)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url: str, request):
    """A fresh browser tab on the app. The test fails if the page's Content-Security-Policy refused
    anything (the app must work under it) or the page asked another site for anything."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    refused: list[str] = []
    elsewhere: list[str] = []
    context.on("console", lambda message: refused.append(message.text)
               if "Content Security Policy" in message.text else None)
    context.on("request", lambda asked: elsewhere.append(asked.url)
               if not asked.url.startswith((app_url, "data:", "blob:")) else None)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(app_url)
    page.screenshot_step = _screenshot_step(page, request.node.name)
    yield page
    context.close()
    assert not refused, refused
    assert not elsewhere, elsewhere


def _screenshot_step(page, test_name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(step: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{test_name}-{next(counter):02d}-{step}.png"), full_page=True)

    return take
