"""Matching a trainee's message against libraries' Goodbye scripts (SPEC §5, CL002).

A message matches a script when it is the script with small edits, such as the
patron's name inserted or a word changed: rapidfuzz's ratio on normalised text
(case, punctuation and spacing folded) of at least ``SCRIPT_THRESHOLD``.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from coach.scenario import Scenario

SCRIPT_THRESHOLD = 80.0
_NOT_WORD = re.compile(r"[^\w@]+")


def _normalise(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower()).strip()


class GoodbyeMatcher:
    """The Goodbye scripts of one scenario's libraries."""

    def __init__(self, scenario: Scenario) -> None:
        self._scripts = {
            key: _normalise(library.goodbye)
            for key, library in scenario.libraries.items()
            if library.goodbye
        }

    def similarity(self, text: str) -> dict[str, float]:
        """Similarity 0-100 of a message to each library's script, by library key."""
        said = _normalise(text)
        return {key: fuzz.ratio(said, script) for key, script in self._scripts.items()}

    @staticmethod
    def matches_any(scores: dict[str, float]) -> bool:
        """Given a message's similarities, does it match some library's script?"""
        return any(score >= SCRIPT_THRESHOLD for score in scores.values())

    @staticmethod
    def matches_library(scores: dict[str, float], library: str) -> bool:
        """Given a message's similarities: it is this library's script and not closer to another's."""
        own = scores.get(library)
        if own is None or own < SCRIPT_THRESHOLD:
            return False
        return all(own >= score for key, score in scores.items() if key != library)
