"""Match trainee chat messages to intents (SPEC section 6).

A message is normalised (lower case, contractions expanded, chat spellings,
synonyms and idioms folded into one canonical wording: see ``normalize``) and
compared with the phrase bank of ``coach.phrase_bank`` plus any phrases a
scenario adds, which go through the same normalisation.

Speed matters (the scorer runs this on every trainee message of every
transcript), so a message is not compared with every phrase:

1. a phrase's content words (its "anchors", compared by a light stem so that
   "questions" finds "question") must all occur in a message for the phrase to
   be scored at all; an inverted index lists each phrase under its rarest
   anchor. A message word of five letters or more that is one edit away from a
   phrase word with the same first letter is read as that word (typos such as
   "emial", "trasnfer");
2. a candidate phrase is scored 0..100 as the mean of two rapidfuzz
   comparisons: the partial ratio on characters (best match of the phrase inside
   the message), which forgives spelling; and a word-level score, with every word
   stem encoded as one character (content words twice), giving the share of the
   phrase found in order around its best alignment, which keeps "misread your
   question" from passing for "read your question";
3. a match is cancelled when a negator (not, no, never, unable, nobody, ...)
   stands among the matched words or a few words before them in the same clause,
   so "I can't transfer you" does not explain a transfer.

An intent's score is its best phrase's score; the intent is matched at
``THRESHOLD`` or above. ``thank_and_invite`` also scores as the weaker of its two
halves (a thanks and an invitation to come back), each found anywhere in the
message.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from coach import phrase_bank

INTENTS: tuple[str, ...] = (
    "explain_transfer",
    "apologize",
    "ask_if_answered",
    "ask_email",
    "ask_deadline",
    "thank_and_invite",
    "hold_read_question",
    "hold_review_transcript",
)

# Score at which an intent counts as matched: where macro F1 peaks on the
# evaluation set (scripts/intent_eval.py) and on sets held out while tuning.
THRESHOLD: int = 74

# Words that carry no intent of their own: never anchors.
STOPWORDS: frozenset[str] = frozenset(
    """
    a about all also am an and any are as at be been being but by can could
    doing done for from had has have here hey hi hello i if in into is it its
    just let me might must my no not now of oh ok on or our please really should
    so some still the then there this to too up us very we were
    while who will with yes you your
    """.split()
)

# A negator this close before matched words (same clause) cancels the match.
NEGATORS: frozenset[str] = frozenset(
    "not no never unable nobody nothing none neither nor without".split()
)
NEGATION_WINDOW = 6
# Conjunctions that start a new clause, so "I can't see your account so I'll
# transfer you" keeps its transfer.
CLAUSE_WORDS: frozenset[str] = frozenset("so but because and although though however".split())

# Shortest message word eligible for typo correction; shorter words collide with
# real words too often ("mail", "read").
TYPO_MIN_LENGTH = 5

# Content words count this many times in the word-level comparison, so that
# "read the question" and "read the transcript" differ by more than "the" would.
CONTENT_WEIGHT = 2
# Share of the word-level score in the final score (the rest is characters).
WORD_SHARE = 0.5
# Codes either side of the aligned window searched for the rest of the phrase.
ALIGNMENT_SLACK = 2

_BOUNDARY = ","
_CLAUSE_PUNCTUATION = ".!?;:,()"
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'",
                             "\u2014": ",", "\u2013": ",", "\u2026": "."})
_EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_NOT_WORD = re.compile(r"[^a-z0-9', ]+")

# Whole-word replacements: contractions typed without apostrophes, chat
# spellings, common misspellings, British spellings and synonyms.
_WORDS: dict[str, str] = {
    "im": "i am", "ive": "i have", "youre": "you are", "youve": "you have",
    "youll": "you will", "dont": "do not", "doesnt": "do not", "didnt": "do not",
    "isnt": "is not", "wasnt": "was not", "arent": "are not", "werent": "were not",
    "cant": "can not", "cannot": "can not", "wont": "will not", "couldnt": "could not",
    "wouldnt": "would not", "shouldnt": "should not", "havent": "have not",
    "hasnt": "has not", "whats": "what is", "thats": "this is", "theres": "there is",
    "heres": "here is", "whens": "when is", "hows": "how is", "lets": "let us",
    "gonna": "going to", "wanna": "want to", "gotta": "have to",
    "u": "you", "ur": "your", "pls": "please", "plz": "please", "thx": "thanks",
    "thnx": "thanks", "thanx": "thanks", "ty": "thanks", "tysm": "thanks",
    "thank": "thanks", "sry": "sorry", "srry": "sorry", "sory": "sorry",
    "soory": "sorry", "sorrry": "sorry", "apologise": "apologize",
    "apologising": "apologizing", "apologised": "apologized",
    "sec": "moment", "secs": "moment", "second": "moment", "seconds": "moment",
    "min": "moment", "mins": "moment", "minute": "moment", "minutes": "moment",
    "mo": "moment", "moments": "moment", "anytime": "any time",
    "addy": "address", "emails": "email", "convo": "conversation",
    "info": "information", "okay": "ok", "k": "ok", "kk": "ok",
    "transfering": "transferring", "transfered": "transferred",
    "needed": "need", "wanted": "want",
    "professor": "teacher", "prof": "teacher", "instructor": "teacher", "tutor": "teacher",
    "review": "read", "reviewing": "reading", "reread": "read",
    "paper": "assignment", "essay": "assignment", "report": "assignment",
    "project": "assignment", "homework": "assignment", "presentation": "assignment",
    # "Does that answer ...", "Did those answer ..." ask the same question.
    "that": "this", "these": "this", "those": "this", "does": "do", "did": "do",
}
# Apostrophe contractions whose stem changes.
_CONTRACTIONS: dict[str, str] = {
    "can't": "can not", "won't": "will not", "ain't": "is not", "shan't": "shall not",
    "let's": "let us",
}
_CONTRACTION_SUFFIXES: dict[str, str] = {
    "m": "am", "re": "are", "ll": "will", "ve": "have", "d": "would",
}
# Stems after which 's means "is"; elsewhere it is a possessive and is dropped.
_IS_STEMS = frozenset("it that what there here who where when how he she".split())

# Multi-word idioms folded into one wording, after word replacement.
_IDIOMS: dict[str, str] = {
    # One pass: an idiom made by another fold needs its own entry too.
    "e mail": "email",
    "thanks you": "thanks", "thanks you so much": "thanks", "thanks you very much": "thanks",
    "thanks so much": "thanks", "thanks very much": "thanks", "thanks a lot": "thanks",
    "thanks again": "thanks", "many thanks": "thanks",
    "do not hesitate to": "feel free to", "never hesitate to": "feel free to",
    "no problem": "ok", "not a problem": "ok", "no worries": "ok",
    "not to worry": "ok", "do not worry": "ok", "no rush": "ok",
    "do not forget to": "remember to",
    "bear with me": "wait", "hang on": "wait", "hold on": "wait",
    "hang tight": "wait", "please hold": "please wait", "please hold on": "please wait",
    "read over": "read", "read through": "read", "read back through": "read",
    "read back over": "read", "look over": "read", "look through": "read",
    "look at": "read", "take a look at": "read", "take a quick look at": "read",
    "have a look at": "read", "go over": "read", "go through": "read",
    "scroll back through": "read", "catch up on": "read",
    "reading over": "reading", "reading through": "reading", "looking over": "reading",
    "looking at": "reading", "going over": "reading", "going through": "reading",
    "catching up on": "reading", "get caught up on": "read", "getting caught up on": "reading",
    "chat history": "chat transcript", "chat log": "chat transcript",
    "chat record": "chat transcript",
    "what is been": "what has been", "dead line": "deadline", "talked about": "discussed",
    "the other librarian": "my colleague", "the previous librarian": "my colleague",
    "the last librarian": "my colleague", "the first librarian": "my colleague",
    "no one": "nobody", "no body": "nobody",
    "any other": "any more", "any further": "any more",
    "anything more": "anything else", "would you need": "do you need",
    # Polite requests: "Could you type ...", "Would you mind typing ...".
    "could you": "can you", "will you": "can you", "would you mind": "can you",
    "do apologize": "apologize", "do come back": "come back",
}
# First word -> (idiom words, replacement words), longest idiom first.
_IDIOMS_BY_FIRST_WORD: dict[str, tuple[tuple[list[str], list[str]], ...]] = {}
for _idiom in sorted(_IDIOMS, key=lambda idiom: -len(idiom.split())):
    _IDIOMS_BY_FIRST_WORD[_idiom.split()[0]] = (
        *_IDIOMS_BY_FIRST_WORD.get(_idiom.split()[0], ()),
        (_idiom.split(), _IDIOMS[_idiom].split()),
    )
del _idiom


_REPLACEMENTS: dict[str, tuple[str, ...]] = {
    word: tuple(replacement.split()) for word, replacement in _WORDS.items()
}


def _expand_apostrophe(token: str) -> list[str]:
    """Canonical words for a token with an apostrophe ("i'm", "patron's")."""
    token = token.strip("'")
    if token in _CONTRACTIONS:
        return _CONTRACTIONS[token].split()
    if token.endswith("n't"):
        return [*_REPLACEMENTS.get(token[:-3], (token[:-3],)), "not"]
    stem, _, suffix = token.partition("'")
    words = list(_REPLACEMENTS.get(stem, (stem,)))
    if suffix == "s":
        return words + ["is"] if stem in _IS_STEMS else words
    return words + _CONTRACTION_SUFFIXES.get(suffix, "").split()


def _canonical_words(text: str) -> list[str]:
    """Canonical words of a text, with ``_BOUNDARY`` between clauses."""
    text = text.lower()
    if not text.isascii():
        text = text.translate(_TYPOGRAPHY)
    if "@" in text:
        text = _EMAIL_ADDRESS.sub(" emailaddress ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" link ", text)
    for mark in _CLAUSE_PUNCTUATION:
        if mark in text:
            text = text.replace(mark, " , ")
    words: list[str] = []
    for token in _NOT_WORD.sub(" ", text).split():
        replacement = _REPLACEMENTS.get(token)
        if replacement is not None:
            words += replacement
        elif "'" in token:
            words += _expand_apostrophe(token)
        else:
            words.append(token)
    # Fold idioms; only the positions where one could start need a look.
    folded: list[str] = []
    position = 0
    for start in [i for i, word in enumerate(words) if word in _IDIOMS_BY_FIRST_WORD]:
        if start < position:
            continue
        for idiom, replacement in _IDIOMS_BY_FIRST_WORD[words[start]]:
            if words[start:start + len(idiom)] == idiom:
                folded += words[position:start]
                folded += replacement
                position = start + len(idiom)
                break
    folded += words[position:]
    return folded


def normalize(text: str) -> str:
    """The canonical wording of ``text`` that phrases and messages are compared in."""
    return " ".join(word for word in _canonical_words(text) if word != _BOUNDARY)


def _stem(word: str) -> str:
    """A crude stem, so that "questions", "reading", "completely" find their phrase
    words. Past tenses keep "-ed": "emailed" and "apologized" report, not ask."""
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
        if word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]
    elif word.endswith("ies") and len(word) >= 5:
        word = word[:-3] + "y"
    elif word.endswith("ly") and len(word) >= 6:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) >= 4:
        word = word[:-1]
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def _weight(word: str) -> int:
    """How many times a word's code is repeated in the word-level comparison."""
    return 1 if word in STOPWORDS else CONTENT_WEIGHT


def _deletes(word: str) -> list[str]:
    """``word`` with one letter removed, every way (for one-edit typo lookup)."""
    return [word[:i] + word[i + 1:] for i in range(len(word))]


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The intents found in one message: ``matched`` in ``INTENTS`` order, and a
    0..100 score for every intent id (negated matches score 0)."""

    text: str
    matched: tuple[str, ...]
    scores: dict[str, int]


@dataclass(frozen=True, slots=True)
class _Phrase:
    wording: str             # normalised
    codes: str               # one character per word stem, see _weight
    group: int               # index into IntentMatcher._groups
    anchors: frozenset[str]  # stems of the content words; all must be in a message
    negated_ok: bool         # the phrase itself contains a negator


@dataclass(slots=True)
class _Message:
    wording: str              # normalised words joined by single spaces
    codes: str                # one character per word stem, see _weight
    positions: list[int]      # word index of each code
    words: list[str]
    clauses: list[int]        # clause number of each word
    anchors: set[str]         # phrase anchors among the message's stems


# A message word as the matcher reads it: (word after typo correction, its stem
# if that is a phrase anchor else "", its code repeated by weight).
_Reading = tuple[str, str, str]

# Code of message words that appear in no phrase: matches nothing.
_UNKNOWN_CODE = "\x00"


class IntentMatcher:
    """Matches messages to intents; immutable after construction, so thread-safe."""

    __slots__ = ("_groups", "_phrases", "_index", "_codes", "_readings", "_typos")

    def __init__(self, extra_phrases: Mapping[str, Sequence[str]] | None = None):
        """Build from the built-in bank plus ``extra_phrases`` (intent id -> phrases).

        Raises ValueError for an unknown intent id or a phrase that is not a
        string with at least one word.
        """
        extra_phrases = extra_phrases or {}
        unknown = sorted(set(extra_phrases) - set(INTENTS))
        if unknown:
            raise ValueError(f"unknown intent id {unknown[0]!r}; known ids: {', '.join(INTENTS)}")
        # Phrases come in groups, each scored as its best phrase: one group per
        # intent (in INTENTS order), then one per part of thank_and_invite.
        groups = [*INTENTS, *["thank_and_invite"] * len(phrase_bank.THANK_AND_INVITE_PARTS)]
        wordings: list[tuple[str, int]] = []
        for group, intent in enumerate(INTENTS):
            extras = extra_phrases.get(intent) or ()
            if isinstance(extras, str) or not all(isinstance(p, str) for p in extras):
                raise ValueError(f"phrases for intent {intent!r} must be a list of strings")
            wordings += [(p, group) for p in (*phrase_bank.PHRASES[intent], *extras)]
        for group, part_phrases in enumerate(phrase_bank.THANK_AND_INVITE_PARTS, len(INTENTS)):
            wordings += [(p, group) for p in part_phrases]

        normalised = []
        for text, group in wordings:
            words = normalize(text).split()
            if not words:
                raise ValueError(f"phrase {text!r} for intent {groups[group]!r} has no words")
            normalised.append((words, group))
        vocabulary = sorted({word for words, _ in normalised for word in words})
        codes: dict[str, str] = {}
        for word in vocabulary:
            codes.setdefault(_stem(word), chr(0x4E00 + len(codes)))

        phrases = []
        for words, group in normalised:
            content = [word for word in words if word not in STOPWORDS] or words
            phrases.append(_Phrase(
                wording=" ".join(words),
                codes="".join(codes[_stem(word)] * _weight(word) for word in words),
                group=group,
                anchors=frozenset(_stem(word) for word in content),
                negated_ok=any(word in NEGATORS for word in words),
            ))
        # A candidate must contain all anchors of a phrase, so the phrase need
        # only be listed under its rarest anchor: short lists to go through.
        frequency = Counter(anchor for phrase in phrases for anchor in phrase.anchors)
        index: dict[str, list[int]] = {anchor: [] for anchor in frequency}
        for number, phrase in enumerate(phrases):
            index[min(sorted(phrase.anchors), key=frequency.__getitem__)].append(number)

        # One-edit typo lookup (symmetric deletes): a phrase word and each of its
        # one-letter deletions -> the phrase words they come from.
        typos: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) >= TYPO_MIN_LENGTH - 1 and word not in STOPWORDS:
                for key in (word, *_deletes(word)):
                    typos.setdefault(key, set()).add(word)

        self._groups = tuple(groups)
        self._phrases = tuple(phrases)
        self._index = {anchor: tuple(numbers) for anchor, numbers in index.items()}
        self._codes = codes
        self._typos = {key: tuple(sorted(words)) for key, words in typos.items()}
        # Readings of the words a message most often contains, worked out once;
        # these are real words, never typos.
        self._readings = {word: self._reading(word, fix_typos=False)
                          for word in (*vocabulary, *STOPWORDS, *NEGATORS, *CLAUSE_WORDS)}

    def match(self, text: str) -> IntentMatch:
        """Score ``text`` against every intent; raises TypeError if it is no str."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        message = self._message(text)
        best = [0] * len(self._groups)
        for number in self._candidates(message):
            phrase = self._phrases[number]
            if best[phrase.group] < 100:
                best[phrase.group] = max(best[phrase.group], _score(phrase, message))
        scores = dict(zip(INTENTS, best))
        # thank_and_invite: a whole phrase, or else every part somewhere.
        scores["thank_and_invite"] = max(scores["thank_and_invite"], min(best[len(INTENTS):]))
        matched = tuple(intent for intent in INTENTS if scores[intent] >= THRESHOLD)
        return IntentMatch(text, matched, scores)

    def intents(self, text: str) -> frozenset[str]:
        """The ids of the intents ``text`` matches."""
        return frozenset(self.match(text).matched)

    def _message(self, text: str) -> _Message:
        words, clauses, codes = [], [], []
        anchors = set()
        clause = 0
        readings = self._readings
        for word in _canonical_words(text):
            if word == _BOUNDARY:
                clause += 1
                continue
            word, anchor, code = readings.get(word) or self._reading(word)
            if word in CLAUSE_WORDS:
                clause += 1
            if anchor:
                anchors.add(anchor)
            codes.append(code)
            words.append(word)
            clauses.append(clause)
        positions = [position for position, code in enumerate(codes) for _ in code]
        return _Message(" ".join(words), "".join(codes), positions, words, clauses, anchors)

    def _reading(self, word: str, *, fix_typos: bool = True) -> _Reading:
        """How a message word is read: typo-corrected, stemmed and encoded."""
        stem = _stem(word)
        if fix_typos and stem not in self._codes and len(word) >= TYPO_MIN_LENGTH:
            corrected = self._typo_fix(word)
            if corrected != word:
                return self._readings[corrected]
        anchor = stem if stem in self._index else ""
        return word, anchor, self._codes.get(stem, _UNKNOWN_CODE) * _weight(word)

    def _typo_fix(self, word: str) -> str:
        """The phrase word one edit away from ``word`` (same first letter), else ``word``."""
        # A past tense is another meaning, not a typo ("emailed", "apologized").
        if word.endswith("ed"):
            return word
        typos = self._typos
        found = [known for key in (word, *_deletes(word)) for known in typos.get(key, ())
                 # Letters added at the end make another word, not a typo ("taken").
                 if known[0] == word[0] and not word.startswith(known)]
        if not found:
            return word
        return max(sorted(set(found)), key=lambda known: fuzz.ratio(word, known))

    def _candidates(self, message: _Message) -> set[int]:
        """Phrases whose anchors all occur in the message."""
        numbers: set[int] = set()
        for anchor in message.anchors:
            numbers.update(self._index[anchor])
        phrases = self._phrases
        return {number for number in numbers if phrases[number].anchors <= message.anchors}


def _score(phrase: _Phrase, message: _Message) -> int:
    """0..100: how well ``phrase`` occurs in ``message``; 0 when negated there."""
    codes = message.codes
    if len(codes) >= len(phrase.codes):
        found = fuzz.partial_ratio_alignment(phrase.codes, codes)
        start, end = found.dest_start, found.dest_end
        # Share of the phrase found, in order, around the best alignment, so
        # that an inserted word ("I do apologize") costs little.
        nearby = codes[max(start - ALIGNMENT_SLACK, 0):
                       max(end, start + len(phrase.codes)) + ALIGNMENT_SLACK]
        by_words = 100 * LCSseq.similarity(phrase.codes, nearby) / len(phrase.codes)
    else:
        # partial ratio would look for the message inside the phrase, and "What
        # is your question?" would match a long phrase ending in "your
        # question"; compare them whole instead.
        start, end = 0, len(codes)
        by_words = fuzz.ratio(phrase.codes, codes)
    first, last = message.positions[start], message.positions[max(end - 1, start)]
    if not phrase.negated_ok and _negated(message, first, last):
        return 0
    if len(message.wording) >= len(phrase.wording):
        by_characters = fuzz.partial_ratio(phrase.wording, message.wording)
    else:
        by_characters = fuzz.ratio(phrase.wording, message.wording)
    return round(WORD_SHARE * by_words + (1 - WORD_SHARE) * by_characters)


def _negated(message: _Message, first: int, last: int) -> bool:
    """Whether a negator stands among words first..last, or shortly before them,
    in the clause of the last one."""
    clause = message.clauses[last]
    for position in range(last, max(first - NEGATION_WINDOW, 0) - 1, -1):
        if message.clauses[position] != clause:
            return False
        if message.words[position] in NEGATORS:
            return True
    return False


@functools.cache
def default_matcher() -> IntentMatcher:
    """The shared matcher with the built-in phrase bank only."""
    return IntentMatcher()
