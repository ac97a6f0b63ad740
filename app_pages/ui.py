"""Small UI helpers shared by the pages: session state, safe text, transcript lines."""

from __future__ import annotations

import re

import streamlit as st

from coach.attempt import Attempt, Mode
from coach.library import ScenarioLibrary
from coach.scenario import LoadedScenario
from coach.transcript_view import Line, LineKind

# Every session_state key the app uses, with its starting value; prefixed by page.
STATE_DEFAULTS: dict[str, object] = {
    "console_attempt": None,  # coach.attempt.Attempt being played
    "console_clock": None,  # a clock to use instead of the real one (tests)
    "console_transfer_open": False,  # the Transfer pop-up is open
    "console_show_scorecard": False,  # Finish was pressed: go to the scorecard page
    "console_rendered": None,  # (attempt, Markdown of each event so far): the transcript, rendered once a line
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


def begin_attempt(loaded: LoadedScenario, mode: Mode, trainee: str | None = None) -> None:
    """Put a fresh attempt in the console, with the console's inputs cleared."""
    st.session_state.console_attempt = Attempt(loaded, mode, st.session_state.console_clock, trainee)
    st.session_state.console_email = loaded.scenario.patron.email or ""
    st.session_state.console_notices = []
    st.session_state.console_draft = ""
    st.session_state.console_notes = ""


@st.cache_resource
def scenario_library() -> ScenarioLibrary:
    """The shipped scenarios; immutable, so one instance serves every session."""
    return ScenarioLibrary()


# Every ASCII punctuation mark can be backslash-escaped in CommonMark; escaping them all
# leaves no link, image, emphasis, HTML, LaTeX, emoji or colour syntax.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# GFM turns addresses into links even when escaped (it links the decoded text), so a
# word that could become one is shown as inline code instead, where nothing is linked.
_LINKABLE = re.compile(r"@|://|www\.|mailto:|xmpp:", re.IGNORECASE)


def _code_span(word: str) -> str:
    fence = "`" * (max((len(run) for run in re.findall(r"`+", word)), default=0) + 1)
    padding = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{padding}{word}{padding}{fence}"


def _escape_word(word: str) -> str:
    if _LINKABLE.search(word):
        return _code_span(word)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", word)


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally (links, images and HTML included), line breaks kept."""
    lines = []
    for line in text.splitlines():
        lines.append("".join(part if part.isspace() else _escape_word(part) for part in re.split(r"(\s+)", line) if part))
    return "  \n".join(lines)


SPEAKER_STYLES = {
    LineKind.PATRON: "**{who}**",
    LineKind.TRAINEE: ":blue[**{who}**]",
    LineKind.COLLEAGUE: ":green[**{who}**]",
}


def chat_paragraph(line: Line) -> str | None:
    """One line of the chat as escaped Markdown; None for lines the patron never sees."""
    if line.kind in SPEAKER_STYLES:
        who = SPEAKER_STYLES[line.kind].format(who=escape_markdown(line.who))
        return f"{who} :gray[{line.clock}]  \n{escape_markdown(line.text)}"
    if line.kind is LineKind.SYSTEM:
        return f":gray[*{escape_markdown(line.text)}* · {line.clock}]"
    return None


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
