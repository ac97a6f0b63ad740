"""Chat text as the intent model reads it: canonical words, clauses and negation scope.

Shared by the matcher (``coach.intents``) and its trainer (``coach.intent_training``),
so that a message is read the same way in both.

``canonical_words`` lower-cases a message, folds typography, replaces email
addresses and links by a placeholder word, expands contractions ("can't" ->
"can not", "im" -> "i am"), folds chat spellings, British spellings and a few
idioms into one wording ("hang on" -> "wait", "e mail" -> "email"), and puts
``BOUNDARY`` where punctuation ends a clause. Past tenses are kept: "wanted to
put you through" reports a failed attempt, it does not explain a transfer.

``read_message`` then marks the words in a negation's scope (after "not", "no",
"never", "nobody", ... up to the end of the clause), so that the model sees
"not transfer" as a word of its own rather than as "transfer".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOUNDARY = ","
_CLAUSE_PUNCTUATION = ";:,()"
# Where ". ! ?" end a sentence; a sentence end also ends a clause.
SENTENCE_END = "zsentenceend"
# A question mark is kept as a word of its own at the end of its clause: questions and
# statements with the same words carry different intents ("Is your email x?" / "Your email is x.").
QUESTION_MARK = "qmark"
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'",
                             "\u2014": ",", "\u2013": ",", "\u2026": "."})
_EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_NOT_WORD = re.compile(r"[^a-z0-9', ]+")
# Sentence and clause punctuation as words (one translate for all of them).
_PUNCTUATION = str.maketrans({"?": f" {QUESTION_MARK} {SENTENCE_END} ", ".": f" {SENTENCE_END} ",
                              "!": f" {SENTENCE_END} ", **dict.fromkeys(_CLAUSE_PUNCTUATION, " , ")})
# Numbers are read as one word, "0": page 3 and page 47 say the same ("14th" -> "0th", "5pm" -> "0pm").
_DIGITS = re.compile(r"\d+")

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
    """Canonical words of a text, with ``BOUNDARY`` between clauses."""
    text = text.lower()
    if not text.isascii():
        text = text.translate(_TYPOGRAPHY)
    if "@" in text:
        text = _EMAIL_ADDRESS.sub(" emailaddress ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" link ", text)
    text = _DIGITS.sub("0", text.translate(_PUNCTUATION))
    tokens = _NOT_WORD.sub(" ", text).split()
    if "'" not in text:
        words = [word for token in tokens for word in _REPLACEMENTS.get(token, (token,))]
    else:
        words = []
        for token in tokens:
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


NEGATORS: frozenset[str] = frozenset("not no never unable nobody nothing none neither nor without".split())
# Words that end a negation's scope, as a clause boundary does ("I can't see it, so I'll transfer you").
SCOPE_ENDERS: frozenset[str] = frozenset("so but because and although though however instead".split())
# How read_message treats the words that are not plain words.
_SKIP, _MARK, _END, _NEGATOR, _SCOPE_END = "skip", "mark", "end", "negator", "scope end"
# Marks a word read inside a negation's scope.
NEGATED = "!"
# Marks a word that is quoted or part of a title or name: mentioned, not said.
QUOTED = "~"
QUOTE_OPEN, QUOTE_CLOSE = "zquoteopen", "zquoteclose"
# A passage in quotation marks: double quotes, curly quotes, or single quotes that are not apostrophes.
_QUOTED = re.compile(
    r"[\"“]([^\"“”]{1,80})[\"”]|(?<![\w])['‘]([^'‘’]{1,80}?)['’](?![\w])|(?<![\w*])[*_]([^*_]{1,80})[*_](?![\w*])"
)
# A capitalised word inside a sentence: not after . ! ? or a comma, a colon, a dash or an opening
# bracket, and not "I" or its contractions.
_TITLE_MARKED = rf" {QUOTE_OPEN} \g<0> {QUOTE_CLOSE} "
_TITLE_WORD = re.compile(r"(?<=[\w'\"”’)] )(?!I\b|I')[A-Z][a-z]+(?:'[a-z]+)?\b")


@dataclass(frozen=True, slots=True)
class Reading:
    """A message as the model reads it: sentences of words, each word marked when negated."""

    words: tuple[str, ...]  # canonical words, marked NEGATED or QUOTED where they are
    clause_starts: tuple[int, ...]  # index of the first word of each clause
    sentence_starts: tuple[int, ...]  # index of the first word of each sentence

    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) word ranges of the sentences."""
        ends = [*self.sentence_starts[1:], len(self.words)]
        return [(start, end) for start, end in zip(self.sentence_starts, ends) if end > start]


_SPECIAL_WORDS: dict[str, str] = {
    "": _SKIP, QUOTE_OPEN: _MARK, QUOTE_CLOSE: _MARK, BOUNDARY: _END, SENTENCE_END: _END,
    **dict.fromkeys(SCOPE_ENDERS, _SCOPE_END), **dict.fromkeys(NEGATORS, _NEGATOR),
}


def mark_quotations(text: str) -> str:
    """``text`` with quoted passages and capitalised words inside a sentence (titles, names) put
    between ``QUOTE_OPEN`` and ``QUOTE_CLOSE``, so that "the board game Sorry!" or
    'it says "sorry, no results"' are read as naming words, not saying them."""
    if '"' in text or "“" in text or "'" in text or "‘" in text or "*" in text or "_" in text:
        text = _QUOTED.sub(lambda m: f" {QUOTE_OPEN} {m[1] or m[2] or m[3]} {QUOTE_CLOSE} ", text)
    return _TITLE_WORD.sub(_TITLE_MARKED, text)


def read_message(text: str) -> Reading:
    """``text`` as the model reads it: canonical words marked by negation and quotation, and where
    its clauses and sentences begin."""
    words: list[str] = []
    starts: list[int] = []
    sentence_starts: list[int] = []
    negated = quoted = False
    new_clause = new_sentence = True
    special = _SPECIAL_WORDS
    for word in _canonical_words(mark_quotations(text)):
        kind = special.get(word)
        if kind is _SKIP:
            continue
        if kind is _MARK:
            quoted = word == QUOTE_OPEN
            continue
        if kind is _END:
            negated, new_clause = False, True
            new_sentence = new_sentence or word == SENTENCE_END
            continue
        if new_clause:
            starts.append(len(words))
            new_clause = False
            if new_sentence:
                sentence_starts.append(len(words))
                new_sentence = False
        if quoted:
            words.append(QUOTED + word)
        elif kind is _NEGATOR:
            words.append(word)
            negated = True
        else:
            if kind is _SCOPE_END:
                negated = False
            words.append(NEGATED + word if negated else word)
    return Reading(tuple(words), tuple(starts), tuple(sentence_starts))


def normalize(text: str) -> str:
    """The canonical wording of ``text`` (no clause marks), as phrases are compared in."""
    return " ".join(word for word in _canonical_words(text) if word not in (BOUNDARY, SENTENCE_END, QUESTION_MARK))


# -- features: what the model sees of a reading --------------------------------------

# Character n-grams of each word (with start and end marks), shortest and longest.
CHAR_NGRAMS = (3, 4)
CLAUSE_START = "<s>"


def char_ngrams(word: str) -> list[str]:
    """The character n-grams of one word, marked at its start and end."""
    marked = f"<{word}>"
    low, high = CHAR_NGRAMS
    return [marked[i:i + n] for n in range(low, high + 1) for i in range(len(marked) - n + 1)]


def word_features(word: str) -> list[str]:
    """The features of one word, negation mark included: the word and its character n-grams."""
    if word == QUESTION_MARK:
        return ["w " + word]
    # A negated or quoted word's n-grams are other features than the plain word's.
    mark = word[0] if word[0] in (NEGATED, QUOTED) else ""
    return ["w " + word, *(f"c {mark}{gram}" for gram in char_ngrams(word[len(mark):]))]


def pair_features(reading: Reading) -> list[tuple[int, str]]:
    """(position, feature): one per pair of neighbouring words in a clause (the first word with a
    start mark), and one per question, by its first two words ("when do", "could you")."""
    words, starts = reading.words, set(reading.clause_starts)
    before = [CLAUSE_START if position in starts or position == 0 else words[position - 1]
              for position in range(len(words))]
    pairs = [(position, "b " + first + " " + second) for position, (first, second) in enumerate(zip(before, words))]
    if QUESTION_MARK in words:
        clause_start = 0
        for position, word in enumerate(words):
            if position in starts:
                clause_start = position
            if word == QUESTION_MARK:
                pairs.append((position, f"q {' '.join(words[clause_start:min(clause_start + 2, position)])}"))
        pairs.sort(key=lambda pair: pair[0])
    return pairs


# Words that turn a sentence round ("the old card didn't work, but the new one does"): what follows
# the last of them in a sentence is what the writer ends on.
CONTRAST_WORDS: frozenset[str] = frozenset("but however though although yet now".split())


def contrast_features(reading: Reading) -> list[tuple[int, str]]:
    """(position, feature): each word after the last contrast word of its sentence, marked as such,
    so that a trouble that is over ("it kept failing but now it works") reads otherwise than one
    that goes on ("that fixed the login but now the audiobook won't play")."""
    found = []
    for start, end in reading.sentences():
        turns = [p for p in range(start, end) if reading.words[p].lstrip(NEGATED + QUOTED) in CONTRAST_WORDS]
        if turns:
            found += [(p, "a " + reading.words[p]) for p in range(turns[-1] + 1, end)]
    return found


def features(text: str) -> list[str]:
    """Every feature of a message, with repeats: the model sums them all."""
    reading = read_message(text)
    found = [feature for word in reading.words for feature in word_features(word)]
    return found + [feature for _, feature in pair_features(reading)] + [f for _, f in contrast_features(reading)]
