"""Small UI helpers shared by the pages: session state, safe text, transcript lines."""

from __future__ import annotations

import re

import streamlit as st

from coach.library import ScenarioLibrary
from coach.transcript_view import Line, LineKind

# Every session_state key the app uses, with its starting value; prefixed by page.
STATE_DEFAULTS: dict[str, object] = {
    "console_attempt": None,  # coach.attempt.Attempt being played
    "console_clock": None,  # a clock to use instead of the real one (tests)
    "console_transfer_open": False,  # the Transfer pop-up is open
    "console_show_scorecard": False,  # Finish was pressed: go to the scorecard page
    "console_notices": [],  # refusals and practice hints to show after the last action
    "console_draft": "",  # the message box
    "console_draft_script": None,  # name of the canned script inserted into the message box
    "console_im_text": "",
    "console_room_text": "",
    "console_notes": "",
    "console_email": "",
    "scorecard_card": None,  # the last finished attempt's scorecard
    "scorecard_attempt": None,  # ... and the attempt itself, for the transcript and Try again
    "scorecard_try_again": False,  # Try again was pressed: go back to the console
}

AVATARS = {LineKind.PATRON: "🙋", LineKind.TRAINEE: "🧑‍💼", LineKind.COLLEAGUE: "👩‍💼"}


def init_state() -> None:
    """Give every key its starting value once per browser session."""
    for key, value in STATE_DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = list(value) if isinstance(value, list) else value


@st.cache_resource
def scenario_library() -> ScenarioLibrary:
    """The shipped scenarios; immutable, so one instance serves every session."""
    return ScenarioLibrary()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally: no links, images, emphasis or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def show_chat_line(line: Line, highlight: str | None = None) -> None:
    """One transcript line; people's words always go through st.text, never Markdown."""
    if line.kind in AVATARS:
        with st.chat_message(line.kind.value, avatar=AVATARS[line.kind]):
            st.caption(f"{escape_markdown(line.who)} · {line.clock}")
            st.text(line.text)
            if highlight:
                st.caption(highlight)
    else:
        st.caption(f"{line.clock} · {escape_markdown(line.text)}" + (f" — {highlight}" if highlight else ""))
