"""People's words shown through Markdown: the one escaping function every page uses.

Streamlit renders Markdown in titles, captions, alerts, expander and button labels, radio
options and help texts. Anything a person typed (scenario titles and texts, library and
staff names, display names, usernames, cohorts, notes, chat) goes through `escape_markdown`
before it reaches one of them, or is shown with `st.text` / in a table, which render none.
"""

from __future__ import annotations

import re

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


# Bidirectional embedding, override and isolate controls reorder what follows them on screen
# ("Kim\u202etxt.exe" shows as "Kimexe.txt"): dropped. Zero-width characters stay (joiners
# are part of emoji and of several scripts); they cannot hide a link, which is inline code.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally (links, images and HTML included), line breaks kept."""
    lines = []
    for line in _BIDI_CONTROLS.sub("", text).splitlines():
        lines.append("".join(part if part.isspace() else _escape_word(part) for part in re.split(r"(\s+)", line) if part))
    return "  \n".join(lines)


_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def escape_markdown_except_code(text: str) -> str:
    """Our own prose (rule documentation) shown literally but for its `code` spans, which stay code
    (Markdown shows a code span's text as it is); blank lines still separate paragraphs."""
    return "\n\n".join(
        "".join(part if _CODE_SPAN.fullmatch(part) else escape_markdown(part) for part in _CODE_SPAN.split(paragraph))
        for paragraph in text.split("\n\n")
    )
