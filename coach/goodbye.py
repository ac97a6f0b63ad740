"""Matching a trainee's goodbye against libraries' Goodbye scripts (SPEC §5, CL002).

A message contains a script when the script occurs in it with small edits (the
patron's name inserted, a typo, a shortened library name): rapidfuzz's partial
ratio of the script inside the message, on normalised text (case, punctuation and
spacing folded), of at least ``SCRIPT_THRESHOLD``. A message shorter than the script
is compared with it whole, so "Thanks!" is not taken for a script it occurs in.

A script that names its library must still name it: the distinctive words of the
library's name (not "Public", "Library", ...) must appear, so that "Thank you for
contacting Harbor City Library" is not Riverton's script with one word changed.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from coach.scenario import Scenario

SCRIPT_THRESHOLD = 80.0
# A word of the message is taken for a word of a library's name at this similarity (typos).
NAME_WORD_THRESHOLD = 85.0
# Words of library names that do not tell one library from another.
GENERIC_NAME_WORDS = frozenset(
    """
    the of and at for a an public library libraries college university community county city town state
    regional district branch system main central memorial free ask service services cooperative
    """.split()
)
_NOT_WORD = re.compile(r"[^\w@]+")


def _normalise(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower()).strip()


def words_of(text: str) -> list[str]:
    """The words of a text, lower case, punctuation dropped (an email address stays one word)."""
    return _normalise(text).split()


def distinctive_words(name: str) -> frozenset[str]:
    """The words of a library's name that tell it from other libraries."""
    return frozenset(word for word in _normalise(name).split() if word not in GENERIC_NAME_WORDS and len(word) > 2)


def script_similarity(text: str, script: str) -> float:
    """0-100: how closely a (normalised) script occurs in a (normalised) message."""
    if len(text) < len(script):
        return fuzz.ratio(text, script)
    return fuzz.partial_ratio(script, text)


class GoodbyeMatcher:
    """The Goodbye scripts and library names of one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self._scripts = {
            key: _normalise(library.goodbye)
            for key, library in scenario.libraries.items()
            if library.goodbye
        }
        self._names = {key: distinctive_words(library.name) for key, library in scenario.libraries.items()}
        # The name words each script itself uses ("Thank you for using Ask Springfield!").
        self._script_names = {
            key: frozenset(word for word in self._names[key] if word in script.split())
            for key, script in self._scripts.items()
        }

    def similarity(self, text: str) -> dict[str, float]:
        """Similarity 0-100 of a message to each library's script, by library key."""
        said = _normalise(text)
        return {key: script_similarity(said, script) for key, script in self._scripts.items()}

    @staticmethod
    def matches_any(scores: dict[str, float]) -> bool:
        """Given a message's similarities, does it contain some library's script?"""
        return any(score >= SCRIPT_THRESHOLD for score in scores.values())

    @staticmethod
    def matches_library(scores: dict[str, float], library: str) -> bool:
        """Given a message's similarities: it contains this library's script and is not closer to another's."""
        own = scores.get(library)
        if own is None or own < SCRIPT_THRESHOLD:
            return False
        return all(own >= score for key, score in scores.items() if key != library)

    def libraries_named(self, text: str) -> set[str]:
        """Keys of the scenario's libraries whose distinctive name words appear in a message."""
        words = _normalise(text).split()
        named = set()
        for key, name_words in self._names.items():
            for name_word in name_words:
                if process.extractOne(name_word, words, scorer=fuzz.ratio, score_cutoff=NAME_WORD_THRESHOLD):
                    named.add(key)
                    break
        return named

    def keeps_library_name(self, text: str, library: str) -> bool:
        """Whether a message that contains a library's script still names that library where the script
        does (a shortened name or a typo is fine; another library's name in its place is not)."""
        if not self._script_names.get(library):
            return True
        words = _normalise(text).split()
        return any(
            process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=NAME_WORD_THRESHOLD)
            for word in self._script_names[library]
        )
