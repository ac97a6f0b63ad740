"""Match chat messages to intents (SPEC section 6), by speaker.

Each speaker (the trainee, a colleague, the patron) has its own intents and its own
model, trained by ``scripts/train_intents.py`` from the labelled corpus in
``corpus/`` (labelled by ``docs/intent-labels.md``) and committed as
``coach/intent_model.npz``; nothing is downloaded or trained at run time.

How a message is read is ``coach.intent_text``: canonical words (contractions
expanded, chat and British spellings folded, email addresses and links replaced by a
placeholder), clauses and sentences, question marks, negation scope (a word after
"not", "nobody", ... up to the end of its clause is another word: "!transfer") and
quotation (quoted passages and capitalised words inside a sentence, such as titles,
are mentioned, not said: "~sorry"). Its features are the words, their character
3- and 4-grams (which carry typos and word families to what the model knows), the
pairs of neighbouring words in a clause, and each question's first two words.

The model sums a learnt vector per feature, passes the sum through one hidden layer
and gives each intent a probability, shown as a score 0..100; an intent is matched at
its threshold, chosen on the development set. A message of several sentences is
scored whole and sentence by sentence, and each intent keeps its best score, so an
intent said in the middle of a long message counts. ``explain`` says which words or
pairs of words decided a score: how much it falls when they are left out.

A scenario may add phrases for the chat intents; a phrase matches where it occurs
almost word for word in a message (rapidfuzz, at least ``PHRASE_THRESHOLD``) and is
not negated there. The intent's score is then the higher of the model's and the
phrase's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from coach.intent_text import (
    CLAUSE_START,
    NEGATED,
    QUESTION_MARK,
    QUOTED,
    Reading,
    contrast_features,
    normalize,
    read_message,
    word_features,
)

# The chat intents a trainee's message to the patron can carry; scenarios may add phrases for them.
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
TRAINEE_INTENTS: tuple[str, ...] = (*INTENTS, "greet", "request_handoff")
COLLEAGUE_INTENTS: tuple[str, ...] = ("accept_handoff", "decline_handoff")
PATRON_INTENTS: tuple[str, ...] = ("needs_more_help",)
SPEAKER_INTENTS: dict[str, tuple[str, ...]] = {
    "trainee": TRAINEE_INTENTS,
    "colleague": COLLEAGUE_INTENTS,
    "patron": PATRON_INTENTS,
}
SPEAKERS: tuple[str, ...] = tuple(SPEAKER_INTENTS)
ALL_INTENTS: tuple[str, ...] = tuple(i for intents in SPEAKER_INTENTS.values() for i in intents)

# Who writes each kind of transcript event that carries text.
_SPEAKER_OF_EVENT = {"say": "trainee", "im": "trainee", "agent_room": "trainee",
                     "staff_says": "colleague", "patron_says": "patron"}

MODEL_FILE = Path(__file__).resolve().parent / "intent_model.npz"

# A scenario phrase matches where it occurs this closely in a message (0..100).
PHRASE_THRESHOLD = 90


def speaker_of(event: object) -> str:
    """The speaker whose intents apply to a transcript event with text."""
    return _SPEAKER_OF_EVENT[event.type]  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What moved an intent's score: a word or a pair of words, and its weight (positive: towards)."""

    words: str
    weight: float


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The intents found in one message: ``matched`` in the speaker's intent order, and a
    0..100 score for every intent of that speaker."""

    text: str
    speaker: str
    matched: tuple[str, ...]
    scores: dict[str, int]


@dataclass(frozen=True, slots=True)
class SpeakerModel:
    """One speaker's model: a vector per feature, summed over the features of a message, then one
    hidden layer (ReLU) and a logistic output per intent."""

    intents: tuple[str, ...]
    rows: dict[str, int]  # feature -> row of ``embedding``
    embedding: np.ndarray  # (features, hidden)
    hidden_bias: np.ndarray  # (hidden,)
    output: np.ndarray  # (hidden, intents)
    output_bias: np.ndarray  # (intents,)
    thresholds: tuple[int, ...]  # 0..100, per intent

    def logits_of_sums(self, sums: np.ndarray) -> np.ndarray:
        """Logits (n, intents) from summed feature vectors (n, hidden)."""
        return np.maximum(sums + self.hidden_bias, 0) @ self.output + self.output_bias

    def with_thresholds(self, thresholds: Sequence[int]) -> SpeakerModel:
        return SpeakerModel(self.intents, self.rows, self.embedding, self.hidden_bias, self.output,
                            self.output_bias, tuple(thresholds))


class _WordTable:
    """The vectors a message is summed from: each known word's features summed once (its own vector
    plus its character n-grams', which never change), followed by every feature's own vector (for
    pairs, and for the n-grams of words the corpus never had). One gather then reads a message."""

    __slots__ = ("word_index", "feature_index", "vectors", "zeros")

    def __init__(self, model: SpeakerModel) -> None:
        words = [feature[2:] for feature in model.rows if feature.startswith("w ")]
        self.word_index = {word: number for number, word in enumerate(words)}
        self.feature_index = {feature: len(words) + row for feature, row in model.rows.items()}
        summed = np.zeros((len(words), model.embedding.shape[1]), dtype=np.float32)
        for number, word in enumerate(words):
            rows = [row for row in (model.rows.get(f) for f in word_features(word)) if row is not None]
            summed[number] = model.embedding[rows].sum(axis=0)
        self.vectors = np.vstack([summed, model.embedding.astype(np.float32)])
        self.zeros = np.zeros((1, self.vectors.shape[1]), np.float32)  # the sum of no features
        for array in (self.vectors, self.zeros):
            array.setflags(write=False)  # shared between threads: read-only


def load_models(path: Path = MODEL_FILE) -> tuple[dict[str, SpeakerModel], str]:
    """The committed models by speaker, and the fingerprint of the data they were trained on."""
    with np.load(path, allow_pickle=False) as stored:
        models = {}
        for speaker in SPEAKERS:
            names = stored[f"{speaker}.features"].tolist()
            models[speaker] = SpeakerModel(
                intents=tuple(stored[f"{speaker}.intents"].tolist()),
                rows={name: row for row, name in enumerate(names)},
                embedding=stored[f"{speaker}.embedding"].astype(np.float32),
                hidden_bias=stored[f"{speaker}.hidden_bias"],
                output=stored[f"{speaker}.output"],
                output_bias=stored[f"{speaker}.output_bias"],
                thresholds=tuple(int(t) for t in stored[f"{speaker}.thresholds"].tolist()),
            )
        return models, str(stored["fingerprint"])


def _probabilities(logits: np.ndarray) -> list[list[int]]:
    """Logits (messages, intents) as 0..100 scores, rounded half to even."""
    return np.rint(100 / (1 + np.exp(-np.clip(logits.astype(np.float64), -40, 40)))).astype(int).tolist()


@dataclass(frozen=True, slots=True)
class _Phrase:
    intent: str
    wording: str  # normalised


class IntentMatcher:
    """Matches messages to intents; immutable after construction, so thread-safe."""

    __slots__ = ("_models", "_phrases", "_words")

    def __init__(
        self,
        extra_phrases: Mapping[str, Sequence[str]] | None = None,
        models: Mapping[str, SpeakerModel] | None = None,
    ) -> None:
        """Build from the committed models plus ``extra_phrases`` (chat intent id -> phrases).

        Raises ValueError for an unknown intent id or a phrase that is not a
        string with at least one word.
        """
        extra_phrases = extra_phrases or {}
        unknown = sorted(set(extra_phrases) - set(INTENTS))
        if unknown:
            raise ValueError(f"unknown intent id {unknown[0]!r}; known ids: {', '.join(INTENTS)}")
        phrases = []
        for intent, extras in extra_phrases.items():
            if isinstance(extras, str) or not all(isinstance(p, str) for p in extras or ()):
                raise ValueError(f"phrases for intent {intent!r} must be a list of strings")
            for phrase in extras or ():
                wording = normalize(phrase)
                if not wording:
                    raise ValueError(f"phrase {phrase!r} for intent {intent!r} has no words")
                phrases.append(_Phrase(intent, wording))
        self._phrases = tuple(phrases)
        if models is None:
            self._models, self._words = _committed_models()
        else:
            self._models = dict(models)
            self._words = {speaker: _WordTable(model) for speaker, model in self._models.items()}

    def _sentence_rows(self, table: _WordTable, reading: Reading, left_out: frozenset[int]) -> list[list[int]]:
        """The rows of ``table.vectors`` that each sentence of a reading sums: each word (a known word's
        own summed row, an unknown word's character n-grams), each pair of neighbouring words in a
        clause, each question's first two words and the words after a sentence's last contrast word
        (the features of ``intent_text.features``).
        Words at ``left_out`` positions, and the pairs they are in, are ignored (for ``explain``)."""
        words = reading.words
        if not words:
            return []
        feature_index = table.feature_index
        word_rows = list(map(table.word_index.get, words))
        before = [CLAUSE_START, *words[:-1]]
        for start in reading.clause_starts:
            before[start] = CLAUSE_START
        pair_rows = list(map(feature_index.get, map("b {} {}".format, before, words)))
        extra: list[tuple[int, int | None]] = []  # (position, row) of n-grams and questions
        if QUESTION_MARK in words:
            clause_start = 0
            clause_starts = set(reading.clause_starts)
            for position, word in enumerate(words):
                if position in clause_starts:
                    clause_start = position
                if word == QUESTION_MARK and position not in left_out and position - 1 not in left_out:
                    question = " ".join(words[clause_start:min(clause_start + 2, position)])
                    extra.append((position, feature_index.get("q " + question)))
        extra += [(position, feature_index.get(feature)) for position, feature in contrast_features(reading)
                  if position not in left_out]
        for position in left_out:
            word_rows[position] = pair_rows[position] = None
            if position + 1 < len(words):
                pair_rows[position + 1] = None
        if None in word_rows:
            for position, row in enumerate(word_rows):
                if row is None and position not in left_out:  # a word the corpus never had: its n-grams
                    extra += [(position, r) for r in map(feature_index.get, word_features(words[position]))]
        ends = [*reading.sentence_starts[1:], len(words)]
        sentences = []
        for start, end in zip(reading.sentence_starts, ends):
            rows = [row for row in word_rows[start:end] if row is not None]
            rows += [row for row in pair_rows[start:end] if row is not None]
            rows += [row for position, row in extra if start <= position < end and row is not None]
            sentences.append(rows)
        return sentences

    def _logits(self, speaker: str, readings: Sequence[tuple[Reading, frozenset[int]]]) -> np.ndarray:
        """The model's logits (messages, intents) for each (reading, left-out word positions): the best of
        each intent over the whole message and each of its sentences, so that an intent said in one
        sentence of a long message counts. One batch costs a handful of NumPy calls however many
        messages it holds."""
        model, table = self._models[speaker], self._words[speaker]
        flat: list[int] = []
        sentence_offsets: list[int] = []
        message_offsets: list[int] = []
        with_words: list[int] = []  # the messages with at least one known feature
        for number, (reading, left_out) in enumerate(readings):
            sentences = [rows for rows in self._sentence_rows(table, reading, left_out) if rows]
            if sentences:
                with_words.append(number)
                message_offsets.append(len(sentence_offsets))
                for rows in sentences:
                    sentence_offsets.append(len(flat))
                    flat += rows
        if not flat:
            return np.repeat(model.logits_of_sums(table.zeros), len(readings), axis=0)
        # ndarray.take with a list is about twice as fast as fancy indexing here.
        sentence_sums = np.add.reduceat(table.vectors.take(flat, axis=0), sentence_offsets, axis=0)
        if len(sentence_offsets) == len(message_offsets):  # one sentence each: the whole is the sentence
            found = model.logits_of_sums(sentence_sums)
        else:
            message_sums = np.add.reduceat(sentence_sums, message_offsets, axis=0)
            both = model.logits_of_sums(np.concatenate([message_sums, sentence_sums]))
            whole, by_sentence = both[:len(message_offsets)], both[len(message_offsets):]
            found = np.maximum(whole, np.maximum.reduceat(by_sentence, message_offsets, axis=0))
        if len(with_words) == len(readings):
            return found
        logits = np.repeat(model.logits_of_sums(table.zeros), len(readings), axis=0)
        logits[with_words] = found
        return logits

    def match(self, text: str, speaker: str = "trainee") -> IntentMatch:
        """Score ``text`` as written by ``speaker`` against that speaker's intents.

        Raises TypeError if ``text`` is not a str, ValueError for an unknown speaker."""
        return self.match_many([text], speaker)[0]

    def match_many(self, texts: Sequence[str], speaker: str = "trainee") -> list[IntentMatch]:
        """``match`` for several messages of one speaker at once (quicker than one by one)."""
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"text must be a str, not {type(text).__name__}")
        model = self._model(speaker)
        readings = [read_message(text) for text in texts]
        probabilities = _probabilities(self._logits(speaker, [(reading, frozenset()) for reading in readings]))
        if speaker == "trainee" and self._phrases:
            return [self._with_phrases(text, model, reading, scores)
                    for text, reading, scores in zip(texts, readings, probabilities)]
        intents, thresholds = model.intents, model.thresholds
        return [IntentMatch(text, speaker, tuple(i for i, p, t in zip(intents, scores, thresholds) if p >= t),
                            dict(zip(intents, scores)))
                for text, scores in zip(texts, probabilities)]

    def _with_phrases(self, text: str, model: SpeakerModel, reading: Reading, probabilities: list[int]) -> IntentMatch:
        """A trainee's match where the scenario's phrases may raise intents' scores."""
        scores = dict(zip(model.intents, probabilities))
        thresholds = dict(zip(model.intents, model.thresholds))
        for intent, phrase_score in self._phrase_scores(reading).items():
            if phrase_score >= PHRASE_THRESHOLD and phrase_score > scores[intent]:
                scores[intent] = phrase_score
                thresholds[intent] = min(thresholds[intent], PHRASE_THRESHOLD)
        matched = tuple(intent for intent in model.intents if scores[intent] >= thresholds[intent])
        return IntentMatch(text, "trainee", matched, scores)

    def intents(self, text: str, speaker: str = "trainee") -> frozenset[str]:
        """The ids of the intents ``text`` matches, as written by ``speaker``."""
        return frozenset(self.match(text, speaker).matched)

    def threshold(self, intent: str) -> int:
        """The score at which an intent counts as matched."""
        for model in self._models.values():
            if intent in model.intents:
                return model.thresholds[model.intents.index(intent)]
        raise ValueError(f"unknown intent id {intent!r}")

    def explain(self, text: str, speaker: str = "trainee", limit: int = 5) -> dict[str, list[Evidence]]:
        """For each intent of the speaker, the words and pairs of neighbouring words that weighed most,
        either way: how much the intent's logit falls (positive weight) or rises (negative) when they
        are left out of the message. A scenario phrase that matched is listed first, with its score."""
        model = self._model(speaker)
        reading = read_message(text)
        spans = [(position,) for position in range(len(reading.words))]
        spans += [(position, position + 1) for position in range(len(reading.words) - 1)]
        logits = self._logits(speaker, [(reading, frozenset()), *((reading, frozenset(span)) for span in spans)])
        full, withouts = logits[0].tolist(), logits[1:].tolist()
        weighed: list[tuple[str, list[float]]] = []
        for span, without in zip(spans, withouts):
            label = " ".join(_shown(reading.words[position]) for position in span)
            weighed.append((label, [f - w for f, w in zip(full, without)]))
        explained: dict[str, list[Evidence]] = {}
        for column, intent in enumerate(model.intents):
            ranked = sorted(weighed, key=lambda item: -abs(item[1][column]))
            evidence: list[Evidence] = []
            for label, deltas in ranked:
                # A pair is shown only when it weighs more than each of its words alone.
                if len(evidence) == limit or abs(deltas[column]) < 0.05:
                    break
                if not any(e.words in label.split(" ") or label in e.words.split(" ") for e in evidence):
                    evidence.append(Evidence(label, round(deltas[column], 2)))
            explained[intent] = evidence
        if speaker == "trainee":
            for intent, phrase_score in self._phrase_scores(reading).items():
                if phrase_score >= PHRASE_THRESHOLD:
                    best = max((p for p in self._phrases if p.intent == intent),
                               key=lambda p: _phrase_score(p, reading))
                    explained[intent] = [Evidence(f"scenario phrase “{best.wording}”", float(phrase_score)),
                                         *explained[intent]]
        return explained

    def _model(self, speaker: str) -> SpeakerModel:
        model = self._models.get(speaker)
        if model is None:
            raise ValueError(f"unknown speaker {speaker!r}; known: {', '.join(self._models)}")
        return model

    def _phrase_scores(self, reading: Reading) -> dict[str, int]:
        scores: dict[str, int] = {}
        for phrase in self._phrases:
            scores[phrase.intent] = max(scores.get(phrase.intent, 0), _phrase_score(phrase, reading))
        return scores


def _shown(word: str) -> str:
    """A word as ``explain`` shows it: marks spelled out."""
    if word == CLAUSE_START:
        return "(start)"
    if word == QUESTION_MARK:
        return "?"
    if word.startswith(NEGATED):
        return "not-" + word[1:]
    if word.startswith(QUOTED):
        return "quoted-" + word[1:]
    return word


def _phrase_score(phrase: _Phrase, reading: Reading) -> int:
    """How closely a scenario phrase occurs in a message (0..100); 0 where it is negated there."""
    words = reading.words
    words = tuple(word for word in words if word != QUESTION_MARK)
    message = " ".join(word.lstrip(NEGATED + QUOTED) for word in words)
    if len(message) < len(phrase.wording):
        return round(fuzz.ratio(phrase.wording, message))
    found = fuzz.partial_ratio_alignment(phrase.wording, message)
    if found is None:
        return 0
    # The words the phrase was found on: negated there means the phrase is not said.
    first = message[:found.dest_start].count(" ")
    last = message[:max(found.dest_end - 1, found.dest_start)].count(" ")
    if any(word.startswith(NEGATED) for word in words[first:last + 1]):
        return 0
    return round(found.score)


@functools.cache
def _committed_models() -> tuple[dict[str, SpeakerModel], dict[str, _WordTable]]:
    """The committed models and their word tables, loaded once and shared by every matcher (both are
    read-only, so threads may share them); a scenario's matcher adds only its phrases."""
    models = load_models()[0]
    return models, {speaker: _WordTable(model) for speaker, model in models.items()}


@functools.cache
def default_matcher() -> IntentMatcher:
    """The shared matcher with the committed models and no scenario phrases."""
    return IntentMatcher()
