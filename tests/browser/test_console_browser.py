"""A trainee works chats in a real browser, as Streamlit's own e2e tests drive it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from coach.transcript_view import TRANSCRIPT_BLOCK
from tests.browser.conftest import TRAINEE
from tests.conftest import PASSWORD


def wait_for_app(page: Page) -> None:
    """Wait as Streamlit's e2e tests do: connected, then the script not running."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_timeout(150)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def click(page: Page, name: str, scope=None) -> None:
    (scope or page).get_by_role("button", name=name, exact=True).click()
    wait_for_app(page)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    wait_for_app(page)


def type_into(page: Page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).fill(text)
    page.get_by_label(label, exact=True).press("Tab")  # commit the value, as a trainee moving on does
    wait_for_app(page)


def message_box(page: Page):
    return page.get_by_placeholder("Message to the patron", exact=True)


def say(page: Page, text: str) -> None:
    message_box(page).fill(text)
    message_box(page).press("Enter")
    wait_for_app(page)


def log_in(page: Page) -> None:
    wait_for_app(page)
    type_into(page, "Username", TRAINEE)
    type_into(page, "Password", PASSWORD)
    click(page, "Log in")
    expect(page.get_by_text("Practice a chat")).to_be_visible()


def start(page: Page, title: str, mode: str) -> None:
    log_in(page)
    choose(page, "Scenario", title)
    page.get_by_text(re.compile(f"^{mode}: ")).click()
    wait_for_app(page)
    click(page, "Start chat")


def transcript(page: Page):
    return page.locator(".st-key-console_transcript")


def finish(page: Page) -> None:
    click(page, "Finish and see scorecard")
    expect(page.get_by_text("Scorecard:", exact=False)).to_be_visible()
    wait_for_app(page)


def test_transfer_played_through_the_ui_scores_100(page: Page) -> None:
    start(page, "Billed for a lost book", "Assessment")
    page.screenshot_step("started")
    say(page, "Hi Gloria, I'm not at Maplewood, so I can't see your account, but let me find someone there who can.")
    choose(page, "IM to", "Denise Park")
    type_into(page, "Instant message", "Hi Denise, can you take a Maplewood patron with a lost-book charge?")
    click(page, "Send IM")
    expect(page.get_by_text("Sure, send her over.", exact=False)).to_be_visible()
    page.screenshot_step("colleague-agreed")
    say(page, "Since this is about a charge on your Maplewood account, I'm going to transfer you to Denise "
              "in circulation, who can check the book drop records.")
    click(page, "Transfer")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("radio", name="Department")).to_be_checked()
    dialog.get_by_role("radio", name="Agent", exact=True).click()
    wait_for_app(page)
    dialog.get_by_text("Denise Park (Circulation", exact=False).click()
    wait_for_app(page)
    page.screenshot_step("transfer-popup")
    click(page, "Transfer", dialog)
    expect(transcript(page).get_by_text("Denise Park has entered the session", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Leave", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="End", exact=True)).to_have_count(0)
    page.screenshot_step("colleague-entered")
    click(page, "Leave")
    expect(transcript(page).get_by_text("You have left the session", exact=True)).to_be_visible()
    finish(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("100.0")
    expect(page.get_by_text("Every rule that applied was followed", exact=False)).to_be_visible()
    page.screenshot_step("scorecard")


def test_the_coach_reads_ordinary_wording_and_says_what_it_could_not_find(page: Page) -> None:
    """Issue #9: a plain handover sentence explains the transfer, and an IM that asks nothing is no
    request: the colleague does not agree to it, and the scorecard quotes the closest message."""
    start(page, "Billed for a lost book", "Assessment")
    choose(page, "IM to", "Denise Park")
    type_into(page, "Instant message", "Did you see the new schedule for next week?")
    click(page, "Send IM")
    expect(page.get_by_text("How's your day going?", exact=False)).to_be_visible()
    say(page, "Gloria, I'm handing you over to Denise in Maplewood's circulation department - she can check "
              "the drop log and your account directly")
    click(page, "Transfer")
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name="Agent", exact=True).click()
    wait_for_app(page)
    dialog.get_by_text("Denise Park (Circulation", exact=False).click()
    wait_for_app(page)
    click(page, "Transfer", dialog)
    expect(transcript(page).get_by_text("Denise Park has entered the session", exact=False)).to_be_visible()
    click(page, "Leave")
    finish(page)
    expect(page.get_by_text(re.compile("^Pass · TR002 "))).to_be_visible()
    expect(page.get_by_text(re.compile("^Fail · TR001 "))).to_be_visible()
    explanation = page.get_by_text("didn't find a message asking them to take the patron. Closest:", exact=False)
    expect(explanation).to_be_visible()
    explanation.scroll_into_view_if_needed()
    page.screenshot_step("scorecard")


def test_follow_up_with_mistakes_shows_the_failed_rules(page: Page) -> None:
    start(page, "1920s photos of the old textile mill", "Practice")
    say(page, "Good afternoon Walt! Let me see what the library has on the Harmon mill.")
    choose(page, "Resolution code", "Followup by me")
    click(page, "Save code")
    hint = page.get_by_text("FU001 email-before-follow-up", exact=False)
    expect(hint).to_be_visible()
    expect(page.get_by_text("It is important to check that the patron did in fact provide an email address",
                            exact=False).first).to_be_visible()
    page.screenshot_step("practice-hint")
    say(page, "Thanks for chatting with us, Walt. Come back any time!")
    click(page, "End")
    finish(page)
    expect(page.get_by_text("Not passed yet", exact=False)).to_be_visible()
    for code in ("FU001", "FU002", "FU003", "FU004"):
        expect(page.get_by_text(re.compile(f"^Fail · {code} "))).to_be_visible()
    expect(page.get_by_text(re.compile("^Pass · CL002 "))).to_be_visible()
    page.screenshot_step("scorecard")


def test_typed_html_and_markdown_appear_as_text(page: Page) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    start(page, "Billed for a lost book", "Practice")
    typed = ("<b>bold</b> <img src=x onerror=\"window.pwned=1\"> <script>window.pwned=2</script> "
             "[a link](http://evil.example.org/) ![an image](http://evil.example.org/x.png) "
             "http://evil.example.org/bare www.evil.example.org **strong** :red[red] $x^2$ :smile:")
    say(page, typed)
    expect(transcript(page)).to_contain_text(typed)
    page.screenshot_step("typed")
    found = transcript(page).locator("b, img, script, a, em, .katex")
    assert found.count() == 0, [found.nth(i).evaluate("e => e.outerHTML") for i in range(found.count())]
    assert transcript(page).locator("strong").count() == 2  # the speakers' names, not the typed **strong**
    assert page.evaluate("window.pwned") is None
    finish(page)
    page.get_by_text("The whole transcript", exact=False).click()
    expect(page.get_by_text(typed, exact=True).first).to_be_visible()
    assert page.locator("[data-testid='stMain'] a[href*='evil.example.org'], img[src*='evil.example.org']").count() == 0
    assert page.evaluate("window.pwned") is None
    assert not [url for url in fetched if "evil.example.org" in url]
    page.screenshot_step("scorecard")


def test_the_info_tab_shows_this_attempts_patron_after_another_attempt(page: Page) -> None:
    start(page, "page-not-found error", "Practice")
    show_panel(page, "Info")
    expect(page.get_by_label("Email", exact=True)).to_have_value("amoreno@oldmail.example.net")
    finish(page)
    page.get_by_role("link", name="Practice").first.click()
    wait_for_app(page)
    choose(page, "Scenario", "1920s photos of the old textile mill")
    page.get_by_text(re.compile("^Practice: ")).click()
    wait_for_app(page)
    click(page, "Start chat")
    show_panel(page, "Staff")
    show_panel(page, "Info")
    expect(page.get_by_text("Name: Walt", exact=False)).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_have_value("")
    page.screenshot_step("second-attempt-info")


def panel_choice(page: Page, name: str):
    return page.get_by_role("radiogroup").get_by_text(name, exact=True)


def show_panel(page: Page, name: str) -> None:
    panel_choice(page, name).click()
    wait_for_app(page)


def test_enter_sends_shift_enter_starts_a_new_line_and_the_newest_line_stays_in_view(page: Page) -> None:
    start(page, "Billed for a lost book", "Practice")
    box = message_box(page)
    box.click()
    box.type("First line of my answer")
    box.press("Shift+Enter")
    box.type("and the second line")
    wait_for_app(page)
    expect(transcript(page).get_by_text("First line of my answer", exact=False)).to_have_count(0)  # not sent yet
    box.press("Enter")
    wait_for_app(page)
    expect(transcript(page).get_by_text("First line of my answer", exact=False)).to_be_visible()
    expect(transcript(page)).to_contain_text("and the second line")
    expect(box).to_have_value("")
    for number in range(1, 13):
        say(page, f"Still checking the Maplewood records for you, step {number} of twelve.")
    newest = transcript(page).get_by_text("step 12 of twelve", exact=False)
    expect(newest).to_be_in_viewport()
    scroller = transcript(page)
    assert scroller.evaluate("e => e.scrollHeight > e.clientHeight + 50"), "the transcript should overflow here"
    assert scroller.evaluate("e => e.scrollHeight - e.scrollTop - e.clientHeight < 40"), "not scrolled to the newest line"
    page.screenshot_step("scrolled-to-newest")


def test_a_chat_past_its_first_transcript_block_shows_every_line_once_and_the_newest(page: Page) -> None:
    """Issue #10 (long chats): the transcript's full blocks are drawn apart from its live one;
    crossing a block boundary must neither lose nor repeat a line."""
    start(page, "Billed for a lost book", "Practice")
    count = TRANSCRIPT_BLOCK // 2 + 5  # each message is answered: past the first block
    for number in range(1, count + 1):
        say(page, f"Checking record {number} of the loan history.")
    wait_for_app(page)
    for number in range(1, count + 1):  # polled: a refresh running at that moment may show stale lines
        line = re.compile(rf"Checking record {number} of the loan history\.")
        expect(transcript(page).get_by_text(line)).to_have_count(1)
    text = transcript(page).inner_text()
    positions = [text.find(f"record {number} of the loan history") for number in range(1, count + 1)]
    assert positions == sorted(positions), "lines out of order"
    expect(transcript(page).get_by_text(f"record {count} of the loan history", exact=False)).to_be_in_viewport()
    page.screenshot_step("past-the-first-block")


def test_a_colleagues_answer_is_announced_under_the_chat(page: Page) -> None:
    start(page, "Billed for a lost book", "Practice")
    choose(page, "IM to", "Denise Park")
    type_into(page, "Instant message", "Hi Denise, can you take a Maplewood patron with a lost-book charge?")
    click(page, "Send IM")
    show_panel(page, "Info")
    announcement = page.get_by_text("Denise Park answered by IM", exact=False)
    expect(announcement).to_be_visible()
    expect(page.get_by_text("Open the Staff tab to reply", exact=False)).to_be_visible()
    page.screenshot_step("announced")
    show_panel(page, "Staff")
    expect(announcement).to_have_count(0)


def test_at_820_pixels_wide_the_console_is_usable(page: Page) -> None:
    page.set_viewport_size({"width": 820, "height": 900})
    start(page, "Billed for a lost book", "Practice")
    say(page, "Hi Gloria, let me look into that charge for you.")
    expect(transcript(page).get_by_text("let me look into that charge", exact=False)).to_be_visible()
    page.screenshot_step("820px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820, "the page scrolls sideways"
    for name in ("Transfer", "Dismiss", "End", "Send IM", "Finish and see scorecard"):
        button = page.get_by_role("button", name=name, exact=True)
        button.scroll_into_view_if_needed()
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 820, name
    for panel in ("Info", "Staff", "Agent Room"):
        box = panel_choice(page, panel).bounding_box()
        assert box and box["x"] + box["width"] <= 820, panel
    show_panel(page, "Info")
    page.screenshot_step("820px-info")
