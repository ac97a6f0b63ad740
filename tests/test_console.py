"""The trainee's Agent Console and scorecard, driven through Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from coach.markdown_text import escape_markdown
from coach.attempt import ManualClock
from coach.storage import Role
from tests.conftest import PASSWORD, ROOT, sign_in

TRANSFER_SCENARIO = "lost-book-charge-maplewood"
RECEIVER_SCENARIO = "receiver-gardening-books"


class Console:
    """A logged-in trainee at the console, with a clock the test moves."""

    def __init__(self, store, username: str = "alex", role: Role = Role.TRAINEE) -> None:
        self.store = store
        self.user = store.find_user(username) or store.create_user(username, username.title(), role, PASSWORD)
        self.clock = ManualClock()
        self.app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        self.app.session_state["console_clock"] = self.clock
        sign_in(self.app, self.store, self.user)
        self.app.run()
        self.check()

    def check(self) -> None:
        assert not self.app.exception, [e.value for e in self.app.exception]

    def run(self) -> Console:
        self.app.run()
        self.check()
        return self

    def start(self, scenario_id: str, mode: str) -> Console:
        self.app.selectbox(key="console_pick").select(scenario_id)
        self.app.radio(key="console_pick_mode").set_value(mode)
        self.app.button(key="console_start").click()
        return self.run()

    def wait(self, seconds: float) -> Console:
        self.clock.advance(seconds)
        return self.run()

    def press(self, key: str) -> Console:
        self.clock.advance(3)
        self.app.button(key=key).click()
        return self.run()

    def say(self, text: str) -> Console:
        self.clock.advance(5)
        self.app.chat_input(key="console_draft").set_value(text)
        return self.run()

    def im(self, to: str, text: str) -> Console:
        self.clock.advance(5)
        self.app.selectbox(key="console_im_to").set_value(to)
        self.app.text_input(key="console_im_text").input(text)
        self.app.button(key="console_send_im").click()
        return self.run()

    def transfer_to_agent(self, staff_id: str) -> Console:
        self.press("console_transfer")
        self.app.segmented_control(key="console_transfer_tab").set_value("Agent")
        self.run()
        self.app.radio(key="console_agent_choice").set_value(staff_id)
        self.run()
        return self.press("console_do_agent_transfer")

    @property
    def events(self) -> list:
        return self.app.session_state["console_attempt"].events

    @property
    def buttons(self) -> list[str]:
        return [button.label for button in self.app.button]

    @property
    def hints(self) -> list[str]:
        return [warning.value for warning in self.app.warning]

    def finish(self) -> Console:
        return self.press("console_finish").run()  # Finish, then the switch to the scorecard page

    @property
    def transcript(self) -> str:
        return "\n".join(markdown.value for markdown in self.app.markdown)

    @property
    def score(self) -> str:
        return next(metric.value for metric in self.app.metric if metric.label == "Score")


@pytest.fixture
def console(store) -> Console:
    return Console(store)


def ideal_transfer(console: Console) -> Console:
    console.say("Hi Gloria, I'm not at Maplewood so I can't see your account, but let me find someone who can.")
    console.im("denise", "Hi Denise, can you take a Maplewood patron with a lost-book charge?")
    console.wait(20)
    console.say("Since this is about your Maplewood account, I'm going to transfer you to Denise in "
                "circulation, who can check the book drop records.")
    console.transfer_to_agent("denise")
    console.wait(10)
    return console.press("console_leave")


def test_picker_lists_the_shipped_scenarios(console: Console) -> None:
    options = console.app.selectbox(key="console_pick").options
    assert len(options) >= 15 and any("you receive a transfer" in option for option in options)


def test_transfer_flow_to_a_perfect_scorecard(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    assert {"Transfer", "Dismiss", "End"} <= set(console.buttons) and "Leave" not in console.buttons
    ideal_transfer(console)
    types = [event.type for event in console.events]
    assert types[-2:] == ["leave", "left"] and "joined" in types and "transfer_tab" in types
    console.finish()
    assert console.score == "100.0"
    assert any(metric.value == "Transferred" for metric in console.app.metric)


def test_buttons_change_once_a_colleague_enters(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.im("denise", "Can you take a patron?")
    console.wait(20)
    console.transfer_to_agent("denise")
    assert "End" in console.buttons  # Denise has not entered yet
    console.wait(10)
    assert {"Dismiss", "Leave"} <= set(console.buttons)
    assert "End" not in console.buttons and "Transfer" not in console.buttons
    assert "Denise Park has entered the session" in console.transcript


def test_transfer_popup_opens_on_department_and_agent_tab_lists_only_available(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    console.press("console_transfer")
    assert console.app.segmented_control(key="console_transfer_tab").value == "Department"
    assert console.app.selectbox(key="console_department_choice").options == ["Circulation", "Reference"]
    console.app.segmented_control(key="console_transfer_tab").set_value("Agent")
    console.run()
    options = console.app.radio(key="console_agent_choice").options
    # radio options are Markdown: the names are escaped (shown as typed)
    assert options == [escape_markdown("Denise Park (Circulation, Maplewood Public Library)"),
                       escape_markdown("Tom Kessler (Reference, Cedar Falls Public Library)")]
    console.press("console_cancel_transfer")
    assert "console_agent_choice" not in [radio.key for radio in console.app.radio]
    assert [event.type for event in console.events] == ["patron_says", "open_transfer", "transfer_tab"]


def test_practice_mode_hints_right_after_a_mistake(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    console.say("Hello, let me check.")
    assert console.hints == []
    console.transfer_to_agent("denise")
    assert any("TR001 contact-before-transfer" in hint and "Contact the other staff person first" in hint
               for hint in console.hints)
    assert any("TR002 explain-transfer" in hint for hint in console.hints)


def test_assessment_mode_keeps_hints_for_the_scorecard(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.transfer_to_agent("denise")
    assert console.hints == []
    console.wait(10).press("console_dismiss").finish()
    failed = [expander.label for expander in console.app.expander if expander.label.startswith("Fail · ")]
    assert any("TR001" in label for label in failed) and any("TR004" in label for label in failed)
    texts = [text.value for text in console.app.text]
    assert any("without contacting anyone first" in text for text in texts)


def test_receiver_flow_with_the_offer_popup(console: Console) -> None:
    console.start(RECEIVER_SCENARIO, "practice")
    assert console.app.button(key="console_offer_yes").label == "Yes"
    assert "raised" not in console.transcript  # transcript hidden until Yes
    console.press("console_offer_yes").wait(10)
    types = [event.type for event in console.events]
    assert types[-3:] == ["accept_transfer", "joined", "left"]
    console.say("Hi Hector, I'm taking over from Sandra. Please wait a moment while I read your question.")
    assert console.hints == []
    console.say("Try 'The Vegetable Gardener's Bible'; it has step-by-step photos of raised beds.")
    console.say("Does this completely answer your question?")
    console.wait(15)
    console.app.selectbox(key="console_script_choice").set_value("Goodbye (Cedar Falls Public Library)")
    console.press("console_insert")
    inserted = console.app.chat_input(key="console_draft").proto.value
    assert inserted.startswith("Thank you for chatting with Cedar Falls")
    console.say(inserted)  # Enter sends the message box as the script filled it
    console.app.selectbox(key="console_code").set_value("answered")
    console.press("console_save_code")
    console.press("console_end")
    say = [event for event in console.events if event.type == "say"][-1]
    assert say.script == "Goodbye (Cedar Falls Public Library)"
    console.finish()
    assert console.score == "100.0"


def test_receiver_saying_no_is_hinted(console: Console) -> None:
    console.start(RECEIVER_SCENARIO, "practice")
    console.press("console_offer_no")
    assert any("RX001 accept-transfer" in hint for hint in console.hints)


def test_info_panel_is_logged_and_email_can_be_changed(console: Console) -> None:
    console.start("mill-photos-followup", "practice")
    console.app.radio(key="console_panel").set_value("Info")
    console.run()
    console.app.text_input(key="console_email").input("patron@mail.example.org")
    console.press("console_save_email")
    types = [event.type for event in console.events]
    assert types[-2:] == ["view_info", "set_email"]
    assert console.events[-1].email == "patron@mail.example.org"


def test_patron_who_waited_too_long_leaves_and_refusals_are_explained(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    console.wait(300)
    assert "Gloria has left the session" in console.transcript
    console.say("Are you still there?")
    assert any("The console won't do that: the patron has left the chat" in hint for hint in console.hints)
    assert console.events[-1].type == "left"


def test_typed_html_and_markdown_are_shown_as_text(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    typed = "<b>bold</b> <script>alert(1)</script> [link](http://example.org) ![img](http://example.org/x.png)"
    console.say(typed)
    assert escape_markdown(typed) in console.transcript
    # Address-like words become inline code, where Markdown links nothing; the rest is escaped.
    assert "`[link](http://example.org)`" in console.transcript
    assert "\\<b\\>bold\\<\\/b\\>" in console.transcript
    console.finish()
    assert typed in [text.value for text in console.app.text]
    assert all("example.org" not in markdown.value for markdown in console.app.markdown)


def test_try_again_starts_a_fresh_attempt(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    first = console.app.session_state["console_attempt"].attempt_id
    console.finish()
    console.press("scorecard_retry").run()
    attempt = console.app.session_state["console_attempt"]
    assert attempt.scenario.id == TRANSFER_SCENARIO and [e.type for e in attempt.events] == ["patron_says"]
    assert attempt.attempt_id != first and console.app.query_params["attempt"] == attempt.attempt_id


def test_every_action_is_stored_with_everything_before_it(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    console.say("Hi Gloria, let me find someone who can see your account.")
    console.im("denise", "Can you take a Maplewood patron?")
    console.wait(20)  # Denise answers: the world's answers are stored with the next action
    console.say("I'm going to transfer you to Denise at Maplewood, who can see your account.")
    attempt = console.app.session_state["console_attempt"]
    stored = console.store.load_attempt(console.user, attempt.attempt_id)
    assert list(stored.events) == attempt.events
    assert any(event.type == "staff_says" for event in stored.events)


def test_a_reload_continues_the_chat_where_it_was(console: Console, store) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    console.say("Hi Gloria, let me find someone who can see your account.")
    console.im("denise", "Can you take a Maplewood patron?")
    attempt_id = console.app.session_state["console_attempt"].attempt_id
    before = list(console.events)
    reloaded = Console(store)  # a new browser session: the same user, the attempt in the URL
    reloaded.clock.seconds = console.clock.seconds
    reloaded.app.query_params["attempt"] = attempt_id
    reloaded.run()
    assert reloaded.events[: len(before)] == before
    reloaded.wait(30)
    assert any(event.type == "staff_says" for event in reloaded.events)  # Denise's reply still came


def test_another_trainees_attempt_cannot_be_opened(console: Console, store) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    attempt_id = console.app.session_state["console_attempt"].attempt_id
    intruder = Console(store, "sam")
    intruder.app.query_params["attempt"] = attempt_id
    intruder.run()
    assert intruder.app.session_state["console_attempt"] is None
    assert any("no such chat" in error.value for error in intruder.app.error)
    intruder.app.switch_page("app_pages/scorecard.py")
    intruder.app.query_params["attempt"] = attempt_id
    intruder.run()
    assert not intruder.app.metric and "Gloria" not in " ".join(m.value for m in intruder.app.markdown)


def test_replay_steps_through_the_chat_with_verdicts_pinned(console: Console, store) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.transfer_to_agent("denise")  # without asking first: TR001 fails on the transfer
    transfer_step = next(i for i, e in enumerate(console.events) if e.type == "transfer") + 1
    console.wait(10).press("console_leave").finish()
    attempt_id = console.app.query_params["attempt"]
    coordinator = store.create_user("maria", "Maria", Role.COORDINATOR, PASSWORD)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    sign_in(app, store, coordinator)
    app.run()
    app.switch_page("app_pages/replay.py")
    app.query_params["attempt"] = attempt_id
    app.run()
    assert not app.exception
    decided = [text.value for text in app.text]
    assert any(text.startswith("Fail: TR001") for text in decided)
    app.slider(key="replay_step").set_value(transfer_step - 1).run()
    assert not any(text.value.startswith("Fail: TR001") for text in app.text)  # not decided before the transfer
    app.slider(key="replay_step").set_value(transfer_step).run()
    assert any(text.value.startswith("Fail: TR001") for text in app.text)


def test_after_transfer_the_pop_up_closes_and_the_chat_says_whom_it_waits_for(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.im("denise", "Can you take a patron?")
    console.wait(20)
    console.transfer_to_agent("denise")
    assert not console.app.session_state["console_transfer_open"]
    assert [info.value for info in console.app.info] == ["Waiting for Denise Park to accept..."]
    console.wait(10)
    assert not [info for info in console.app.info if info.value.startswith("Waiting for")]


def test_the_scorecard_shows_failed_rules_first_and_folds_away_those_that_did_not_apply(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.transfer_to_agent("denise")
    console.wait(10).press("console_dismiss").finish()
    labels = [expander.label for expander in console.app.expander]
    verdicts = [label.split(" · ")[0] for label in labels if " · " in label]
    assert verdicts == sorted(verdicts, key=["Fail", "Pass"].index), labels
    folded = [label for label in labels if label.endswith("did not apply to this chat")]
    assert len(folded) == 1 and folded[0].split()[1] in ("rule", "rules")
    assert not any(label.startswith("n/a · ") for label in labels)
    assert not any("(s)" in element.value for element in [*console.app.error, *console.app.info])


def test_clicking_the_shown_panel_tab_again_keeps_it_shown(console: Console) -> None:
    console.start("mill-photos-followup", "practice")
    console.app.radio(key="console_panel").set_value("Info")
    console.run()
    console.app.radio(key="console_panel").set_value("Info")  # the shown tab clicked again
    console.run()
    assert console.app.radio(key="console_panel").value == "Info"
    assert any(element.label == "Email" for element in console.app.text_input)
    assert [event.type for event in console.events].count("view_info") == 1


def test_dismiss_after_a_colleague_entered_says_what_happened(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.im("denise", "Can you take a patron?")
    console.wait(20)
    console.transfer_to_agent("denise")
    console.wait(10).press("console_dismiss")
    (notice,) = [info.value for info in console.app.info if "Dismiss" in info.value]
    assert "without a handover" in notice and "Denise Park and the patron are still in the session" in notice


def test_a_colleagues_answer_is_announced_under_the_chat_until_its_tab_is_opened(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.im("denise", "Hi Denise, can you take a Maplewood patron with a lost-book charge?")
    console.app.radio(key="console_panel").set_value("Info")
    console.wait(20)

    def announcements() -> list[str]:
        return [info.value for info in console.app.info if "answered by IM" in info.value]

    (announcement,) = announcements()
    assert announcement.startswith("Denise Park answered by IM: “") and "Open the Staff tab" in announcement
    console.app.radio(key="console_panel").set_value("Staff")
    console.run()
    assert announcements() == []
    console.wait(5)
    assert announcements() == []  # seen stays seen


def test_no_announcement_while_the_tab_with_the_answer_is_shown(console: Console) -> None:
    console.start(TRANSFER_SCENARIO, "assessment")
    console.im("denise", "Hi Denise, can you take a Maplewood patron with a lost-book charge?")
    console.wait(20)
    assert any(event.type == "staff_says" for event in console.events)
    assert not [info.value for info in console.app.info if "answered by IM" in info.value]


def test_a_long_transcript_is_sent_in_blocks_of_which_only_the_last_changes(console: Console, monkeypatch) -> None:
    from coach import transcript_view

    monkeypatch.setattr(transcript_view, "TRANSCRIPT_BLOCK", 4)
    console.start(TRANSFER_SCENARIO, "practice")
    for number in range(5):
        console.say(f"Line {number} of a long chat.")

    def blocks() -> list[str]:  # the transcript's Markdown elements: its lines carry a time
        return [markdown.value for markdown in console.app.markdown if ":gray[" in markdown.value]

    before = blocks()
    assert len(before) >= 2 and sum("Line" in block for block in before) >= 2
    console.say("Line 5 of a long chat.")
    after = blocks()
    assert after[: len(before) - 1] == before[:-1]  # the full blocks are sent again unchanged
    assert "Line 5 of a long chat" in after[-1] and "Line 5" not in "".join(after[:-1])
    assert -(-len(console.events) // 4) >= len(after)


def test_a_message_reads_the_login_once_per_action_not_again_for_the_chat(console: Console, monkeypatch) -> None:
    console.start(TRANSFER_SCENARIO, "practice")
    reads = []
    real = type(console.store).check_session
    monkeypatch.setattr(type(console.store), "check_session",
                        lambda store, *args, **kwargs: reads.append(args) or real(store, *args, **kwargs))
    console.say("Hi Gloria, let me look into that charge for you.")
    # AppTest runs the whole page: the message's callback and app.py are actions and read the login;
    # the chat area drawn after them uses that reading (in a browser only the callback reads it)
    assert [acted for _, _, acted in reads] == [True, True]
