"""Tests of the intent matcher (coach.intents, SPEC section 6) and of its data."""

from __future__ import annotations

import dataclasses
import runpy
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from coach import intent_training
from coach.intent_text import features, normalize, read_message
from coach.intent_training import (
    DEV_FILE,
    TEST_FILE,
    LabelledMessage,
    fingerprint,
    load_corpus,
    plateau_threshold,
    train_speaker,
    training_files,
)
from coach.intents import (
    ALL_INTENTS,
    INTENTS,
    SPEAKER_INTENTS,
    IntentMatcher,
    default_matcher,
    load_models,
)
from coach.intents_eval import evaluate

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "intent_eval.py"

# Floors under the figures measured on the test set (README), guarding the measured level against
# regressions. Issue #9's targets are macro F1 >= 0.95, a recall of 0.90 for every intent (both met
# on the eleventh to thirteenth test sets: 0.976, 0.974, 0.968; lowest 0.923, 0.924, 0.908) and at
# most 3% false positives on hard negatives (not met: 3.1%, 3.4%, 5.6%), so the ceiling guards the
# measured level until it is met.
TEST_MACRO_F1_FLOOR = 0.965
TEST_HARD_NEGATIVE_FP_CEILING = 0.057
TEST_RECALL_FLOOR = 0.90

# SPEC section 6, the "e.g." column, and the examples of the speakers' intents.
SPEC_EXAMPLES = [
    ("trainee", "explain_transfer",
     "I'm going to transfer you to a librarian at your own library who can see your account."),
    ("trainee", "apologize", "Sorry for the wait."),
    ("trainee", "ask_if_answered", "Does this completely answer your question?"),
    ("trainee", "ask_email", "Could you type your email address so we can follow up?"),
    ("trainee", "ask_deadline", "When do you need this information by?"),
    ("trainee", "thank_and_invite", "Thanks for chatting with us — come back any time!"),
    ("trainee", "hold_read_question", "Please wait a moment while I read your question."),
    ("trainee", "hold_review_transcript", "Please wait one moment while I review the chat transcript."),
    ("trainee", "greet", "Hi Chidi, I'm Sam, taking over from Priya."),
    ("trainee", "request_handoff", "Can you take a patron with a renewal block?"),
    ("trainee", "request_handoff", "Anyone from Riverton free?"),
    ("colleague", "accept_handoff", "Sure, send them over"),
    ("colleague", "accept_handoff", "I can take it"),
    ("colleague", "decline_handoff", "Sorry, I'm with someone"),
    ("colleague", "decline_handoff", "Can't right now"),
    ("patron", "needs_more_help", "No, not really, my card is still blocked"),
    ("patron", "needs_more_help", "you haven't answered anything yet"),
]

# Lines of the worked examples (../shared/examples) and of issue #9 that decide verdicts.
MUST_MATCH = [
    ("trainee", "explain_transfer", "Gloria, I'm handing you over to Denise in Maplewood's circulation department "
                                    "- she can check the drop log and your account directly"),
    ("trainee", "ask_email", "I don't see an email address on your request. Could you type your email address "
                             "so I can send you the rest of the articles?"),
    ("trainee", "ask_deadline", "Thanks! When do you need the articles by?"),
    ("trainee", "ask_deadline", "When is your paper due?"),
    ("trainee", "thank_and_invite", "Thanks for chatting with us today, Sam. Come back anytime you have a question!"),
    ("trainee", "thank_and_invite", "Thanks for using the service, come back any time!"),
    ("trainee", "explain_transfer", "Your own library can see your account, so I'm passing you to Kim at Riverton now."),
    ("trainee", "hold_review_transcript", "Hi Pat, I'm taking over from Ana. Please wait one moment while I review "
                                          "the chat transcript."),
    ("trainee", "request_handoff", "Hi Kim, I have a Riverton patron with a renewal block on her account. Can you "
                                   "take her now?"),
    ("trainee", "request_handoff", "Kim, are you free to take a Riverton patron with a renewal block?"),
    ("colleague", "accept_handoff", "Sure, send her my way."),
    ("patron", "needs_more_help", "Not quite, I also need to know if the parking garage is open then."),
]

MUST_NOT_MATCH = [
    ("trainee", "The Galveston passenger lists are on FamilySearch."),
    ("trainee", "I can't transfer you"),
    ("trainee", "Your deadline was yesterday"),
    ("trainee", "The mayor's apology is on page 3"),
    ("trainee", "I wanted to put you through, but nobody is free"),
    ("trainee", "Did you see the new schedule for next week?"),
    ("trainee", "?"),
    ("colleague", "Yes, looks good!"),
    ("colleague", "Yes, see you then!"),
    ("patron", "Yes, that's perfect."),
    ("patron", "No, that's everything, thanks!"),
]


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return default_matcher()


@pytest.fixture(scope="module")
def train() -> list[LabelledMessage]:
    return load_corpus(training_files())


@pytest.fixture(scope="module")
def dev() -> list[LabelledMessage]:
    return load_corpus([DEV_FILE])


@pytest.fixture(scope="module")
def test_set() -> list[LabelledMessage]:
    return load_corpus([TEST_FILE])


# --- the data -------------------------------------------------------------------

def test_training_corpus_is_big_varied_and_one_third_hard_negatives(train):
    assert len(train) >= 3000
    positives = Counter(intent for message in train for intent in message.intents)
    assert all(positives[intent] >= 100 for intent in ALL_INTENTS), positives
    hard = [m for m in train if m.mimics - m.intents]
    assert len(hard) >= len(train) / 3
    assert sum(len(m.intents) > 1 for m in train) >= 300
    assert Counter(m.speaker for m in train).keys() == SPEAKER_INTENTS.keys()


@pytest.mark.parametrize("name", ["dev", "test_set"])
def test_held_out_sets_cover_every_intent_and_hard_negatives(name, request):
    messages = request.getfixturevalue(name)
    positives = Counter(intent for message in messages for intent in message.intents)
    # At least 20 messages for each intent (test sets lose the common lines training already has).
    assert all(positives[intent] >= 20 for intent in ALL_INTENTS), positives
    assert sum(bool(m.mimics - m.intents) for m in messages) >= 200


def test_the_three_sets_share_no_message(train, dev, test_set):
    def texts(messages):
        return {(normalize(m.text), m.speaker) for m in messages}  # as scripts/corpus_dedupe.py compares

    assert not texts(train) & texts(dev)
    assert not texts(train) & texts(test_set)
    assert not texts(dev) & texts(test_set)


def test_a_bad_corpus_line_is_named(tmp_path):
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"text": "hi", "intents": ["greet"], "speaker": "trainee"}\n'
                      '{"text": "sure", "intents": ["greet"], "speaker": "colleague"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: intent 'greet' is not one of the colleague's"):
        load_corpus([corpus])


# --- the committed model ---------------------------------------------------------

def test_committed_model_was_trained_on_the_current_corpus_and_code():
    _, stamp = load_models()
    assert stamp == fingerprint([*training_files(), DEV_FILE]), (
        "corpus or the matcher changed since coach/intent_model.npz was written: "
        "run python scripts/train_intents.py"
    )


def test_training_is_deterministic(train, monkeypatch):
    monkeypatch.setattr(intent_training, "ITERATIONS", 20)
    sample = [m for m in train if m.speaker == "colleague"][:120]
    first, second = train_speaker("colleague", sample), train_speaker("colleague", sample)
    assert first.rows == second.rows
    for name in ("embedding", "hidden_bias", "output", "output_bias"):
        assert np.array_equal(getattr(first, name), getattr(second, name))


def test_hard_negatives_weigh_more_against_the_intents_they_mimic(train, monkeypatch):
    monkeypatch.setattr(intent_training, "ITERATIONS", 8)
    sample = [m for m in train if m.speaker == "colleague"][:400]
    hard = [m for m in sample if m.mimics - m.intents]
    assert len(hard) >= 40

    def mean_mimicked_score(weight: float) -> float:
        monkeypatch.setattr(intent_training, "HARD_NEGATIVE_WEIGHT", weight)
        matcher = IntentMatcher(models={"colleague": train_speaker("colleague", sample)})
        scores = [matcher.match(m.text, "colleague").scores[i] for m in hard for i in m.mimics - m.intents]
        return sum(scores) / len(scores)

    assert mean_mimicked_score(4.0) < 0.8 * mean_mimicked_score(1.0)


def test_thresholds_sit_in_the_middle_of_the_plateau_the_development_set_cannot_tell_from_the_best():
    # Positives score 100, negatives 0-40: every threshold from 41 to 100 is perfect (the mean over
    # the window reaches it a few points later); the plateau runs to the top of the range, and the
    # threshold is taken in its middle, not at its top.
    separable = [(100, True)] * 30 + [(i % 41, False) for i in range(200)]
    threshold = plateau_threshold(separable)
    assert 60 <= threshold <= 75
    assert plateau_threshold([(100, True)] * 30 + [(i % 61, False) for i in range(200)]) > threshold
    # A third of the positives score 60: thresholds above 60 lose them, so F1 drops by far
    # more than the tolerance and the threshold stays at or below 60 (but above the negatives).
    mixed = [(60, True)] * 10 + [(99, True)] * 20 + [(i % 41, False) for i in range(200)]
    assert 41 <= plateau_threshold(mixed) <= 60


def test_training_learns_the_labels(train, monkeypatch):
    monkeypatch.setattr(intent_training, "ITERATIONS", 150)
    sample = [m for m in train if m.speaker == "colleague"]
    model = train_speaker("colleague", sample)
    report = evaluate(IntentMatcher(models={"colleague": model}), sample)
    assert report.macro_f1 >= 0.9


# --- quality on the sets (figures in the README) ---------------------------------

def test_quality_on_the_test_set(matcher, test_set):
    report = evaluate(matcher, test_set)
    recalls = {s.intent: round(s.recall, 3) for s in report.per_intent}
    assert report.macro_f1 >= TEST_MACRO_F1_FLOOR, recalls
    assert report.hard_negative_false_positive_rate <= TEST_HARD_NEGATIVE_FP_CEILING
    assert min(recalls.values()) >= TEST_RECALL_FLOOR, recalls


def test_quality_on_the_development_set(matcher, dev):
    report = evaluate(matcher, dev)
    assert report.macro_f1 >= 0.97
    assert min(s.recall for s in report.per_intent) >= 0.94


def test_eval_metrics_agree_with_a_hand_count():
    class SorryOnly:
        """Stands in for a matcher: finds apologize wherever "sorry" occurs."""

        def intents(self, text, speaker):
            return frozenset({"apologize"}) if "sorry" in text else frozenset()

    messages = [
        LabelledMessage("sorry", frozenset({"apologize"}), "trainee"),  # true positive
        LabelledMessage("sorry, Wrong Number is on DVD", frozenset(), "trainee",
                        frozenset({"apologize"})),  # false positive on a hard negative
        LabelledMessage("my apologies", frozenset({"apologize"}), "trainee"),  # false negative
        LabelledMessage("hello", frozenset(), "trainee"),  # true negative
        LabelledMessage("sorry, I'm with someone", frozenset({"decline_handoff"}), "colleague"),
    ]
    result = evaluate(SorryOnly(), messages)
    scores = {s.intent: s for s in result.per_intent}
    apologize = scores["apologize"]
    assert (apologize.precision, apologize.recall, apologize.f1, apologize.support) == (0.5, 0.5, 0.5, 2)
    assert scores["decline_handoff"].recall == 0.0 and scores["decline_handoff"].support == 1
    assert result.hard_negatives == 1 and result.hard_negative_false_positive_rate == 1.0
    assert result.negatives == 2 and result.false_positive_rate == 0.5
    assert [miss.text for miss in result.misses] == [
        "sorry, Wrong Number is on DVD", "my apologies", "sorry, I'm with someone"]


def test_eval_script_reports_every_set_and_exits_0(capsys):
    script = runpy.run_path(str(SCRIPT), run_name="intent_eval")
    assert script["main"]([]) == 0
    output = capsys.readouterr().out
    for heading in ("training", "development", "test"):
        assert heading in output
    assert "macro F1" in output and "hard negatives" in output and "µs per message" in output


# --- SPEC and worked examples ------------------------------------------------------

@pytest.mark.parametrize(("speaker", "intent", "text"), SPEC_EXAMPLES)
def test_spec_example_matches_its_intent(matcher, speaker, intent, text):
    assert intent in matcher.intents(text, speaker), matcher.match(text, speaker).scores


@pytest.mark.parametrize(("speaker", "intent", "text"), MUST_MATCH)
def test_worked_example_matches(matcher, speaker, intent, text):
    assert intent in matcher.intents(text, speaker), matcher.match(text, speaker).scores


@pytest.mark.parametrize(("speaker", "text"), MUST_NOT_MATCH)
def test_negation_report_or_other_sense_matches_nothing(matcher, speaker, text):
    assert matcher.intents(text, speaker) == frozenset(), matcher.match(text, speaker).scores


def test_a_greeting_before_a_question_is_only_a_greeting(matcher):
    assert matcher.intents("Hello! What is your question?") == {"greet"}


def test_several_intents_in_one_message(matcher):
    text = "Sorry for the wait — I'm going to transfer you to Kim at Riverton, who can see your account."
    assert {"explain_transfer", "apologize"} <= matcher.intents(text)


def test_an_intent_in_the_middle_of_a_long_message_counts(matcher):
    text = ("I found two articles on night-shift fatigue in the CINAHL database. Could you type your email "
            "address so I can send you the rest? The third one is still on order from another library.")
    assert "ask_email" in matcher.intents(text)


def test_each_speaker_has_only_its_own_intents(matcher):
    for speaker, intents in SPEAKER_INTENTS.items():
        assert tuple(matcher.match("Sure, sorry!", speaker).scores) == intents
    with pytest.raises(ValueError, match="speaker"):
        matcher.match("hi", "robot")


def test_quoted_and_title_words_are_read_as_mentioned():
    reading = read_message('The board game Sorry! is in, and the error said "sorry, no results".')
    assert "sorry" not in reading.words
    assert "~sorry" in reading.words


# --- explanations -------------------------------------------------------------------

def test_explain_names_the_words_that_decided(matcher):
    text = "Gloria, I'm handing you over to Denise in circulation, she can check your account"
    evidence = matcher.explain(text)["explain_transfer"]
    assert evidence and evidence[0].weight > 0
    assert any(word in " ".join(e.words for e in evidence) for word in ("handing", "over", "you"))


def test_explain_shows_a_negation_pushing_down(matcher):
    evidence = matcher.explain("I can't transfer you tonight")["explain_transfer"]
    assert any("not" in e.words and e.weight < 0 for e in evidence), evidence


# --- scenario phrases -----------------------------------------------------------------

def test_extra_phrases_extend_the_matcher(matcher):
    text = "Shall I ping the Riverton crew for you?"
    extended = IntentMatcher({"explain_transfer": ["ping the riverton crew"]})
    assert "explain_transfer" in extended.intents(text)
    assert extended.explain(text)["explain_transfer"][0].words.startswith("scenario phrase")
    # The model is still there.
    assert "apologize" in extended.intents("Sorry for the wait.")


def test_a_negated_extra_phrase_does_not_match():
    extended = IntentMatcher({"explain_transfer": ["ping the riverton crew"]})
    assert "explain_transfer" not in extended.intents("I can't ping the Riverton crew tonight")


def test_unknown_intent_id_raises_value_error_naming_it():
    with pytest.raises(ValueError, match="ask_emial"):
        IntentMatcher({"ask_emial": ["what is your email"]})


@pytest.mark.parametrize("phrases", ["what is your email", [""], ["?!"], [42]])
def test_malformed_extra_phrases_raise_value_error(phrases):
    with pytest.raises(ValueError, match="ask_email"):
        IntentMatcher({"ask_email": phrases})


# --- result shape ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "!!!", "Sorry for the wait.", "ok", "1905", "zzzqqq xyzzy",
    "Does this completely answer your question? Thanks for chatting, come back any time!",
])
def test_scores_are_ints_from_0_to_100_for_every_intent(matcher, text):
    result = matcher.match(text)
    assert list(result.scores) == list(SPEAKER_INTENTS["trainee"])
    assert all(type(score) is int and 0 <= score <= 100 for score in result.scores.values())
    assert result.matched == tuple(i for i in result.scores if result.scores[i] >= matcher.threshold(i))
    assert matcher.intents(text) == frozenset(result.matched)
    assert result.text == text


def test_result_is_immutable(matcher):
    with pytest.raises(dataclasses.FrozenInstanceError):
        matcher.match("Sorry!").matched = ()


def test_default_matcher_is_shared():
    assert default_matcher() is default_matcher()


def test_non_text_is_rejected(matcher):
    with pytest.raises(TypeError):
        matcher.match(None)


@pytest.mark.parametrize("speaker", ["trainee", "colleague", "patron"])
def test_matching_many_messages_at_once_gives_each_message_its_own_answer(matcher, dev, speaker):
    texts = ["", "zzqx", "Sorry! Let me read your question. Could you type your email?",
             *(m.text for m in dev if m.speaker == speaker)]
    assert matcher.match_many(texts, speaker) == [matcher.match(text, speaker) for text in texts]
    with_phrases = IntentMatcher({"explain_transfer": ["sending you across to the branch"]})
    assert with_phrases.match_many(texts[:40]) == [with_phrases.match(text) for text in texts[:40]]


def test_the_matcher_sums_exactly_the_features_the_model_was_trained_on(matcher, dev):
    """The matcher reads a message through precomputed word vectors; for a one-sentence message
    that must come to the sum of the vectors of ``features(text)``, as in training."""
    model = load_models()[0]["trainee"]
    single = [m.text for m in dev if m.speaker == "trainee" and len(read_message(m.text).sentence_starts) == 1]
    assert len(single) > 100
    for text in single[:200]:
        rows = [model.rows[f] for f in features(text) if f in model.rows]
        summed = model.embedding[rows].sum(axis=0, keepdims=True) if rows else np.zeros((1, model.embedding.shape[1]))
        expected = 1 / (1 + np.exp(-model.logits_of_sums(summed)[0]))
        scores = matcher.match(text).scores
        assert [scores[i] for i in model.intents] == pytest.approx(100 * expected, abs=0.51), text


def test_numbers_are_read_alike():
    assert read_message("See page 3 by the 5th").words == read_message("See page 47 by the 14th").words


def test_matcher_gives_the_same_answers_from_many_threads(matcher, dev):
    texts = [message.text for message in dev]
    expected = [matcher.match(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(matcher.match, texts)) == expected


def test_chat_intents_are_the_trainee_intents_scenarios_can_extend():
    assert set(INTENTS) < set(SPEAKER_INTENTS["trainee"])
