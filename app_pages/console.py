"""The Agent Console: pick a scenario, work the chat, wrap up, see the scorecard."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import (
    app_store,
    begin_attempt,
    chat_paragraph,
    current_user,
    require_role,
    resume_attempt,
    published_scenarios,
    show_attempt,
)
from coach.attempt import Attempt, Mode
from coach.events import AgentRoom, Dismiss, Im, PatronSays, StaffSays, _Event
from coach.markdown_text import escape_markdown
from coach.scenario import LoadedScenario
from coach.scenario import Role as ChatRole
from coach.scenario import Status
from coach.scoring import RULESET_VERSION
from coach.simulator import ActionRefused
from coach.storage import Conflict, NotFound, Role, User
from coach import transcript_view
from coach.transcript_view import RESOLUTION_LABELS, colleagues_in_chat, line_of, lines_of

STATUS_BADGES = {Status.AVAILABLE: "Available", Status.BUSY: "Busy", Status.AWAY: "Away"}
PANELS = ("Info", "Staff", "Agent Room")
PANEL_OF_CHANNEL = {"im": "Staff", "agent_room": "Agent Room"}  # where colleagues' IM and Agent Room answers show


# -- actions (callbacks run before the page is drawn again) ---------------------------


def attempt() -> Attempt:
    return st.session_state.console_attempt


# Where an action's refusal or hints appear: next to the part of the console it came from.
NOTICE_PLACES = {"im": "side", "agent_room": "side", "view_info": "side", "set_email": "side",
                 "resolve": "wrap_up", "note": "wrap_up"}


def do(kind: str, **fields) -> bool:
    """Do a trainee action; show why the console refused it, or the practice hints it earned."""
    place = NOTICE_PLACES.get(kind, "chat")
    if current_user(acted=True) is None:
        return False  # logged out elsewhere, reset or disabled: the page goes to the login
    try:
        hints = attempt().act(kind, **fields)
    except ActionRefused as refusal:
        st.session_state.console_notices = [(place, "refused", str(refusal))]
        return False
    except (Conflict, NotFound):
        reload_from_store(place)
        return False
    st.session_state.console_notices = [(place, "hint", hint) for hint in hints]
    return True


def reload_from_store(place: str = "chat") -> None:
    """The attempt went on in another tab (or was finished there): take up the stored one."""
    user = current_user()
    try:
        stored = app_store().load_attempt(user, attempt().attempt_id)
    except NotFound:
        st.session_state.console_attempt = None
        return
    if stored.summary.finished_at is not None:
        st.session_state.console_attempt = None
        st.session_state.console_show_scorecard = stored.summary.id
        return
    show_attempt(resume_attempt(stored, user))
    st.session_state.console_notices = [(place, "refused", "this chat went on in another tab; it has been reloaded")]


def start_attempt(choices: dict[str, LoadedScenario]) -> None:
    begin_attempt(choices[st.session_state.console_pick], Mode(st.session_state.console_pick_mode), current_user())


def send_message() -> None:
    """Enter (or the arrow) sent the message box; Shift+Enter only starts a new line in it."""
    text = (st.session_state.console_draft or "").strip()
    if text:
        do("say", text=text, script=st.session_state.console_draft_script)
    st.session_state.console_draft_script = None


def insert_script(scripts: dict[str, str]) -> None:
    name = st.session_state.console_script_choice
    if name:
        st.session_state.console_draft = scripts[name]
        st.session_state.console_draft_script = name


def send_im() -> None:
    text = st.session_state.console_im_text.strip()
    if text and st.session_state.console_im_to and do("im", to=st.session_state.console_im_to, text=text):
        st.session_state.console_im_text = ""


def post_to_agent_room() -> None:
    text = st.session_state.console_room_text.strip()
    if text and do("agent_room", text=text):
        st.session_state.console_room_text = ""


def dismiss() -> None:
    """Dismiss; once a colleague has entered, say what that did (the chat is not handed over)."""
    current = attempt()
    present = list(current.session.colleagues_in_chat)
    if do("dismiss") and present:
        line = line_of(current.scenario, len(current.events) - 1, current.events[-1], present)
        st.session_state.console_notices.append(("chat", "info", f"You {line.text}."))


def switch_panel() -> None:
    if st.session_state.console_panel == "Info":
        do("view_info")


def open_transfer() -> None:
    if do("open_transfer"):
        st.session_state.console_transfer_open = True
        st.session_state.console_transfer_tab = "Department"


def close_transfer() -> None:
    st.session_state.console_transfer_open = False


def switch_transfer_tab() -> None:
    tab = st.session_state.console_transfer_tab
    if tab:
        do("transfer_tab", tab=tab.lower())
    else:  # clicking the selected tab again clears it; keep it selected
        st.session_state.console_transfer_tab = "Department"


def transfer_to_agent() -> None:
    if do("transfer", to=st.session_state.console_agent_choice):
        st.session_state.console_transfer_open = False


def transfer_to_department() -> None:
    if do("transfer", department=st.session_state.console_department_choice):
        st.session_state.console_transfer_open = False


def save_email() -> None:
    do("set_email", email=st.session_state.console_email.strip())


def save_notes() -> None:
    text = st.session_state.console_notes.strip()
    if text:
        do("note", text=text)


def save_code() -> None:
    code = st.session_state.console_code
    if code:
        do("resolve", code=code)


def finish() -> None:
    user = current_user(acted=True)
    if user is None:
        return
    current = attempt()
    card = current.finish()
    app_store().finish_attempt(user, current.attempt_id, card, RULESET_VERSION)
    st.session_state.console_attempt = None
    st.session_state.console_transfer_open = False
    st.session_state.console_show_scorecard = current.attempt_id


# -- the page ---------------------------------------------------------------------------


def scenario_picker(user: User) -> None:
    st.title("Practice a chat")
    choices = {loaded.scenario.id: loaded for loaded in published_scenarios(user)}
    if not choices:
        st.error("No scenario is published yet: a trainer publishes them from the Workbench.")
        return

    def label(key: str) -> str:
        scenario = choices[key].scenario
        return f"{scenario.title} ({'you receive a transfer' if scenario.role is ChatRole.RECEIVER else 'you take the chat'})"

    st.selectbox("Scenario", list(choices), format_func=label, key="console_pick")
    st.radio(
        "Mode",
        [Mode.PRACTICE.value, Mode.ASSESSMENT.value],
        format_func=lambda value: {"practice": "Practice: hints right after a mistake", "assessment": "Assessment: no hints until the scorecard"}[value],
        key="console_pick_mode",
    )
    st.button("Start chat", type="primary", on_click=start_attempt, args=(choices,), key="console_start")


def frozen_transcript(current: Attempt) -> st.delta_generator.DeltaGenerator:
    """The transcript's box, holding its full blocks (see ``transcript_view.blocks_of``): they no
    longer change, so they are drawn on full reruns only, and the chat area's frequent reruns
    add just the last block. Keeps the box from the newest line in view."""
    box = st.container(height=430, key="console_transcript", autoscroll=True)
    blocks = transcript_blocks(current)
    st.session_state.console_frozen_blocks = max(len(blocks) - 1, 0)
    with box:
        for block in filter(None, blocks[:-1]):
            st.markdown(block)
    return box


@st.fragment(run_every=1.0)
def chat_area(transcript_box: st.delta_generator.DeltaGenerator | None) -> None:
    """The transcript's last block, message box and notices: refreshed alone as the world answers
    and as the trainee writes, so a message does not redraw the whole console."""
    current = attempt()
    if current is None or current_user() is None:
        st.rerun()  # finished, or the login ended (elsewhere, by a reset, disabled, idle): the whole page
    try:
        ticked = current.tick()
    except (Conflict, NotFound):
        reload_from_store()
        st.rerun()
    if any(changes_more_than_the_chat(event) for event in ticked):
        st.rerun()  # buttons or panels change too: redraw the whole console
    if current.session.offer_pending or transcript_box is None:
        st.info("A colleague is offering you a chat. Answer the pop-up to see the transcript.")
        return
    live = transcript_blocks(current, st.session_state.console_frozen_blocks)
    if len(live) > 1:
        st.rerun()  # a block has filled: the full rerun adds it to the frozen ones
    with transcript_box:
        for block in filter(None, live):
            st.markdown(block)
    announce_unseen_replies(current)
    waiting = current.session.waiting_for()
    if waiting:
        st.info(f"Waiting for {escape_markdown(waiting)} to accept...", icon=":material/hourglass_top:")
    message_box(current)
    notices("chat")


def colleague_replies(current: Attempt, channel: str) -> list[int]:
    """Indexes of the colleagues' answers on a private channel ("im" or "agent_room")."""
    found = st.session_state.console_replies
    if found is None or found[0] is not current:
        found = st.session_state.console_replies = (current, transcript_view.PrivateReplies())
    return found[1].of(current.events, channel)


def shown_panel() -> str:
    return st.session_state.get("console_panel") or PANELS[1]  # before the panel choice is first drawn: Staff


def mark_replies_seen(current: Attempt, panel: str) -> None:
    """The panel is on screen: the answers it lists have been seen."""
    for channel, channel_panel in PANEL_OF_CHANNEL.items():
        if channel_panel == panel:
            st.session_state.console_replies_seen[channel] = len(colleague_replies(current, channel))


def announce_unseen_replies(current: Attempt) -> None:
    """A colleague's IM or Agent Room answer is announced under the transcript, where the trainee
    is looking, until the tab that lists it is opened."""
    for channel, panel in PANEL_OF_CHANNEL.items():
        replies = colleague_replies(current, channel)
        unseen = replies[st.session_state.console_replies_seen.get(channel, 0):]
        if unseen and shown_panel() != panel:
            reply = current.events[unseen[-1]]
            name = next(member.name for member in current.scenario.staff if member.id == reply.sender)
            where = "by IM" if channel == "im" else "in the Agent Room"
            more = f" ({len(unseen)} new)" if len(unseen) > 1 else ""
            st.info(f"{escape_markdown(name)} answered {where}{more}: “{escape_markdown(reply.text)}” "
                    f"Open the {panel} tab to reply.", icon=":material/chat:")


def changes_more_than_the_chat(event: _Event) -> bool:
    """A patron's message or a colleague's line in the chat only adds to the transcript;
    anything else (someone entering or leaving, an IM or Agent Room reply) changes the panels."""
    return not isinstance(event, PatronSays) and not (isinstance(event, StaffSays) and event.channel == "chat")


def transcript_blocks(current: Attempt, first: int = 0) -> list[str]:
    """The chat as QuestionPoint shows it, in Markdown blocks (``transcript_view.blocks_of``).
    Events are append-only, so only new lines are rendered."""
    rendered = st.session_state.console_rendered
    if rendered is None or rendered[0] is not current:
        rendered = st.session_state.console_rendered = (current, [])
    paragraphs = rendered[1]
    for index in range(len(paragraphs), len(current.events)):
        event = current.events[index]
        present = colleagues_in_chat(current.events[:index]) if isinstance(event, Dismiss) else ()
        paragraphs.append(chat_paragraph(line_of(current.scenario, index, event, present)))
    return transcript_view.blocks_of(paragraphs, first)


def message_box(current: Attempt) -> None:
    st.chat_input("Message to the patron", key="console_draft", on_submit=send_message,
                  disabled=current.session.closed)


def canned_scripts(current: Attempt) -> None:
    """Outside the chat fragment: inserting a script is rare, and redraws the message box."""
    library = current.scenario.patron_library
    scripts = {"Greeting": f"Hi {current.scenario.patron.name}, thanks for contacting {library.name}. Let me look at your question."}
    if library.goodbye:
        scripts[f"Goodbye ({library.name})"] = library.goodbye
    with st.container(horizontal=True, vertical_alignment="bottom"):  # the button keeps its width, the list stretches
        st.selectbox("Scripts", list(scripts), key="console_script_choice", index=None, placeholder="Canned scripts")
        st.button("Insert", on_click=insert_script, args=(scripts,), key="console_insert")  # scripts are fixed per attempt


def chat_buttons(current: Attempt) -> None:
    closed = current.session.closed
    with st.container(horizontal=True, wrap=True):  # a row that wraps in a narrow window, never truncates
        if not current.session.colleagues_in_chat:
            st.button("Transfer", on_click=open_transfer, key="console_transfer", disabled=closed)
        st.button("Dismiss", on_click=dismiss, key="console_dismiss", disabled=closed)
        if current.session.colleagues_in_chat:
            st.button("Leave", on_click=do, args=("leave",), key="console_leave", disabled=closed)
        else:
            st.button("End", on_click=do, args=("end",), key="console_end", disabled=closed)


@st.fragment
def side_panel(panel: str) -> None:
    """The Info, Staff or Agent Room panel; its own actions redraw only the panel."""
    current = attempt()
    if current is None:
        st.rerun()
    mark_replies_seen(current, panel)
    {"Info": info_panel, "Agent Room": agent_room_panel}.get(panel, staff_panel)(current)
    notices("side")


def info_panel(current: Attempt) -> None:
    patron = current.scenario.patron
    st.text(f"Name: {patron.name}")
    st.text(f"Library: {current.scenario.patron_library.name}")
    st.text(f"Question: {patron.question}")
    st.text_input("Email", key="console_email", placeholder="(none given)")
    st.button("Save email", on_click=save_email, key="console_save_email")


def staff_panel(current: Attempt) -> None:
    staff = current.scenario.staff
    for member in staff:
        st.text(f"{STATUS_BADGES[current.session.status_of(member.id)]} · {member.name} · {member.department} · "
                f"{current.scenario.libraries[member.library].name}")
    ids = [member.id for member in staff]
    names = {member.id: member.name for member in staff}
    st.selectbox("IM to", ids, format_func=names.get, key="console_im_to")
    st.text_input("Instant message", key="console_im_text")
    st.button("Send IM", on_click=send_im, key="console_send_im", disabled=current.session.closed)
    show_private_lines(current, Im, "im")


def show_private_lines(current: Attempt, written: type, channel: str) -> None:
    """The trainee's IMs or Agent Room posts (`written`) and the colleagues' answers on that channel."""
    for index, event in enumerate(current.events):
        if isinstance(event, written) or (isinstance(event, StaffSays) and event.channel == channel):
            line = line_of(current.scenario, index, event)
            st.text(f"{line.clock} {line.who}: {line.text}")


def agent_room_panel(current: Attempt) -> None:
    st.caption("Group chat seen by every librarian on duty.")
    show_private_lines(current, AgentRoom, "agent_room")
    st.text_input("Post to the Agent Room", key="console_room_text")
    st.button("Post", on_click=post_to_agent_room, key="console_post", disabled=current.session.closed)


@st.fragment
def wrap_up() -> None:
    """Resolution code, Librarian NOTES and Finish; saving redraws only this part."""
    if st.session_state.console_show_scorecard or attempt() is None:
        st.rerun()  # Finish was pressed (the page moves to the scorecard), or the login ended
    st.subheader("Wrap-up")
    st.selectbox("Resolution code", list(RESOLUTION_LABELS), format_func=RESOLUTION_LABELS.get, index=None,
                 key="console_code", placeholder="Choose a code")
    st.button("Save code", on_click=save_code, key="console_save_code")
    st.text_area("Librarian NOTES (not shown to the patron)", key="console_notes", height=68)
    st.button("Save notes", on_click=save_notes, key="console_save_notes")
    st.button("Finish and see scorecard", type="primary", on_click=finish, key="console_finish")
    notices("wrap_up")


def notices(place: str) -> None:
    for where, kind, content in st.session_state.console_notices:
        if where != place:
            continue
        if kind == "refused":
            st.warning(f"The console won't do that: {escape_markdown(content)}", icon=":material/block:")
        elif kind == "info":
            st.info(escape_markdown(content), icon=":material/info:")
        else:
            st.warning(
                f"**{content.rule.code} {content.rule.name}:** {escape_markdown(content.message)}\n\n"
                f"*Tip:* “{escape_markdown(content.tip)}”",
                icon=":material/lightbulb:",
            )


@st.dialog("Transfer", on_dismiss=close_transfer)
def transfer_popup() -> None:
    current = attempt()
    tab = st.segmented_control("Transfer to", ["Department", "Agent"], key="console_transfer_tab",
                               on_change=switch_transfer_tab)
    if tab == "Agent":
        available = current.session.available_staff()
        names = {member.id: f"{member.name} ({member.department}, {current.scenario.libraries[member.library].name})"
                 for member in available}
        choice = st.radio("Available staff", list(names), format_func=lambda staff_id: escape_markdown(names[staff_id]),
                          index=None, key="console_agent_choice")
        st.button("Transfer", type="primary", on_click=transfer_to_agent, disabled=choice is None,
                  key="console_do_agent_transfer")
    else:
        departments = sorted(current.scenario.departments())
        st.selectbox("Department", departments, key="console_department_choice")
        st.button("Transfer", type="primary", on_click=transfer_to_department, key="console_do_department_transfer")
    st.button("Cancel", on_click=close_transfer, key="console_cancel_transfer")


@st.dialog("Transfer request", dismissible=False)
def offer_popup() -> None:
    current = attempt()
    offer = next(line for line in lines_of(current.scenario, current.events) if line.text.endswith("asks you to take this chat"))
    st.text(f"{offer.text}: {current.scenario.patron.name} ({current.scenario.patron_library.name}).")
    st.text("Do you want to accept the transfer?")
    yes, no = st.columns(2)
    yes.button("Yes", type="primary", on_click=do, args=("accept_transfer",), kwargs={"accepted": True}, key="console_offer_yes")
    no.button("No", on_click=do, args=("accept_transfer",), kwargs={"accepted": False}, key="console_offer_no")


def console() -> None:
    current = attempt()
    st.title(escape_markdown(current.scenario.title))
    mode = "Practice: hints are on" if current.mode is Mode.PRACTICE else "Assessment: hints at the end"
    st.caption(f"{mode} · Patron: {escape_markdown(current.scenario.patron.name)}, "
               f"{escape_markdown(current.scenario.patron_library.name)}")
    mark_replies_seen(current, shown_panel())  # before the chat area, which announces the others
    chat, side = st.columns([3, 2], gap="large")
    with chat:
        chat_area(None if current.session.offer_pending else frozen_transcript(current))
        canned_scripts(current)
    with side:
        chat_buttons(current)
        # Radio buttons, not a segmented control: they wrap onto a second line in a narrow window.
        panel = st.radio("Panel", PANELS, index=1, key="console_panel", on_change=switch_panel, horizontal=True,
                         label_visibility="collapsed")
        side_panel(panel)
        st.divider()
        wrap_up()
    if current.session.offer_pending:
        offer_popup()
    elif st.session_state.console_transfer_open:
        transfer_popup()


def open_from_url(user: User) -> None:
    """?attempt=ID: continue that attempt (after a reload, in a new tab, after a restart), for its owner only."""
    wanted = st.query_params.get("attempt")
    current = attempt()
    if not wanted or (current is not None and current.attempt_id == wanted):
        return
    try:
        stored = app_store().load_attempt(user, wanted)
    except NotFound:
        st.query_params.pop("attempt", None)
        st.error("There is no such chat among yours.")
        return
    if stored.summary.owner_id != user.id:  # a coordinator may look, but only the owner may play on
        st.switch_page("app_pages/scorecard.py", query_params={"attempt": wanted})
    if stored.summary.finished_at is not None:
        st.switch_page("app_pages/scorecard.py", query_params={"attempt": wanted})
    show_attempt(resume_attempt(stored, user))


def unfinished_attempts(user: User) -> None:
    unfinished = app_store().list_attempts(user, owner_id=user.id, unfinished=True, limit=5)
    if unfinished:
        st.subheader("Continue where you left off")
        for summary in unfinished:
            st.page_link("app_pages/console.py", query_params={"attempt": summary.id}, icon=":material/undo:",
                         label=f"{summary.scenario_title} · started {summary.started_at:%Y-%m-%d %H:%M} UTC")


user = require_role(Role.TRAINEE, Role.TRAINER, Role.COORDINATOR)
if st.session_state.console_show_scorecard:
    finished_id = st.session_state.console_show_scorecard
    st.session_state.console_show_scorecard = None
    st.switch_page("app_pages/scorecard.py", query_params={"attempt": finished_id})
open_from_url(user)
if st.session_state.console_attempt is None:
    scenario_picker(user)
    unfinished_attempts(user)
else:
    console()
