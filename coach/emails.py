"""Email addresses in chat text, and the address a patron means (SPEC §5).

An email address is ``local@domain.tld``, or the same spelled out with the words
"at" and "dot" ("kayla.m at gmail dot com"); addresses compare in lower case.

The patron's address is the last address the patron typed, read as a person would:
an address the same message rejects ("use X, not Y") is skipped, and a later
message that corrects it in words ("sorry, gmail not gmial") applies the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_LOCAL = r"[a-z0-9][a-z0-9._%+'-]*"
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_TLD = r"[a-z]{2,24}"
WRITTEN = re.compile(rf"(?<![\w.+-])({_LOCAL})@((?:{_LABEL}\.)+{_TLD})(?![\w-])", re.IGNORECASE)
_AT = r"(?:\s+at\s+|\s*[\(\[]\s*at\s*[\)\]]\s*)"
_DOT = r"(?:\s+dot\s+|\s*[\(\[]\s*dot\s*[\)\]]\s*|\.)"
SPELLED = re.compile(rf"(?<![\w.+-])({_LOCAL}){_AT}((?:{_LABEL}{_DOT})+{_TLD})(?![\w-])", re.IGNORECASE)
_SPELLED_DOT = re.compile(_DOT, re.IGNORECASE)
# Words that are never the local part of a spelled-out address ("look at gmail dot com").
_NOT_LOCAL = frozenset("me us is it its at look email mail reach write send find be here there".split())

# An address is rejected when one of these stands just before it ("not", "instead of")
# or just after it ("is wrong", "doesn't work").
_REJECT_BEFORE = re.compile(
    r"(?:\bnot|\bnever|instead of|rather than|\bno longer|\bold|\bwrong|\bdon'?t use|\bdo not use|\bstop using"
    r"|\bignore|\bdisregard|\bnot to)\W*(?:the\s+|my\s+|use\s+|email\s+|address\s+|one\s+)*$",
    re.IGNORECASE,
)
_REJECT_AFTER = re.compile(
    r"^\W*(?:is|was|'s)?\s*(?:wrong|old|outdated|out of date|not right|incorrect|a typo|no longer|dead|"
    r"doesn'?t work|does not work|bounces|isn'?t mine|is not mine|not mine)\b",
    re.IGNORECASE,
)
# "X not Y", "X, not Y", "X instead of Y", "not Y but X", "meant X" in a later message.
_FIX_X_NOT_Y = re.compile(r"([\w.+-]+)\s*,?\s+(?:not|instead of|rather than)\s+([\w.+-]+)", re.IGNORECASE)
_FIX_NOT_Y_BUT_X = re.compile(r"\bnot\s+([\w.+-]+)\s*,?\s+(?:but|it'?s|its)\s+([\w.+-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FoundAddress:
    address: str  # local@domain.tld, in lower case
    start: int  # character span in the text
    end: int
    rejected: bool  # the same message says not to use it


def _normalise(local: str, domain: str) -> str:
    return f"{local}@{_SPELLED_DOT.sub('.', domain)}".lower()


def find_addresses(text: str) -> list[FoundAddress]:
    """Every email address in ``text``, written or spelled out, in order."""
    found: list[tuple[int, int, str]] = []
    for match in WRITTEN.finditer(text):
        found.append((match.start(), match.end(), _normalise(match[1], match[2])))
    lowered = text.lower()
    if " at " in lowered or "(at)" in lowered or "[at]" in lowered:
        for match in SPELLED.finditer(text):
            if match[1].lower() in _NOT_LOCAL:
                continue
            if not any(start < match.end() and match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), _normalise(match[1], match[2])))
    found.sort()
    return [FoundAddress(address, start, end, _rejected(text, start, end)) for start, end, address in found]


def _rejected(text: str, start: int, end: int) -> bool:
    return bool(_REJECT_BEFORE.search(text[max(0, start - 30):start]) or _REJECT_AFTER.search(text[end:end + 30]))


def is_email_address(value: str | None) -> bool:
    """Whether ``value`` as a whole is one email address (written or spelled out)."""
    return parse_address(value) is not None


def parse_address(value: str | None) -> str | None:
    """``value`` as one normalised address, or None when it is not exactly one address."""
    if not value or not value.strip():
        return None
    text = value.strip().strip("<>").strip()
    for pattern in (WRITTEN, SPELLED):
        match = pattern.fullmatch(text)
        if match and match[1].lower() not in _NOT_LOCAL:
            return _normalise(match[1], match[2])
    return None


def _correction(text: str, address: str) -> str | None:
    """``address`` with a fix in words from ``text`` applied ("gmail not gmial"), if one fits it."""
    pairs = [(m[1], m[2]) for m in _FIX_X_NOT_Y.finditer(text)]
    pairs += [(m[2], m[1]) for m in _FIX_NOT_Y_BUT_X.finditer(text)]
    for right, wrong in pairs:
        right, wrong = right.strip(".").lower(), wrong.strip(".").lower()
        if not right or not wrong or right == wrong:
            continue
        # The wrong part must be a whole piece of the address: the local part, a label, or the domain.
        pattern = re.compile(rf"(?:(?<=^)|(?<=[@.]))({re.escape(wrong)})(?=$|[@.])")
        if pattern.search(address):
            return pattern.sub(right, address, count=1)
    return None


def patron_address(messages: Iterable[tuple[int, str]]) -> tuple[int, str] | None:
    """(index, address) of the patron's address from their messages ``(index, text)`` in order."""
    current: tuple[int, str] | None = None
    for index, text in messages:
        kept = [found.address for found in find_addresses(text) if not found.rejected]
        if kept:
            current = (index, kept[-1])
        elif current is not None and not find_addresses(text):
            fixed = _correction(text, current[1])
            if fixed and parse_address(fixed):
                current = (index, fixed)
    return current
