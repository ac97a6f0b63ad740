"""Tests of the intent matcher (coach.intents, SPEC section 6)."""

from __future__ import annotations

import dataclasses
import runpy
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from coach import phrase_bank
from coach.intents import INTENTS, THRESHOLD, IntentMatcher, default_matcher, normalize
from coach.intents_eval import EvalReport, LabelledMessage, evaluate, load_eval_set

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "intent_eval.py"

# SPEC section 6, the "e.g." column.
SPEC_EXAMPLES = {
    "explain_transfer": "I'm going to transfer you to a librarian at your own library who can see your account.",
    "apologize": "Sorry for the wait.",
    "ask_if_answered": "Does this completely answer your question?",
    "ask_email": "Could you type your email address so we can follow up?",
    "ask_deadline": "When do you need this information by?",
    "thank_and_invite": "Thanks for chatting with us — come back any time!",
    "hold_read_question": "Please wait a moment while I read your question.",
    "hold_review_transcript": "Please wait one moment while I review the chat transcript.",
}

# Trainee lines of the worked examples (../shared/examples); they decide pinned scorecards.
MUST_MATCH = [
    ("ask_email", "I don't see an email address on your request. Could you type your email "
                  "address so I can send you the rest of the articles?"),
    ("ask_deadline", "Thanks! When do you need the articles by?"),
    ("ask_deadline", "When is your paper due?"),
    ("thank_and_invite", "Thanks for chatting with us today, Sam. Come back anytime you have a question!"),
    ("thank_and_invite", "Thanks for using the service, come back any time!"),
    ("thank_and_invite", "Thanks for coming, feel free to chat with us again!"),
    ("thank_and_invite", "Thanks for chatting with us, Pat. Come back any time!"),
    ("explain_transfer", "Since this is about your library account, I'm going to transfer you to Kim "
                         "from Riverton Public Library, who can look at your record."),
    ("explain_transfer", "I'll transfer you to a staff member at Riverton who can see your account."),
    ("hold_review_transcript", "Hi Pat, I'm taking over from Ana. Please wait one moment while I "
                               "review the chat transcript."),
    ("ask_if_answered", "Does this completely answer your question?"),
    ("ask_if_answered", "Does this answer your question?"),
]

MUST_NOT_MATCH = [
    "Hi Priya, I'm a librarian with the 24/7 cooperative. Let me see who can check your account.",
    "Hello! What is your question?",
    "That's a great topic. I found two articles so far; let me get the rest to you by email.",
    "The Galveston passenger lists are on FamilySearch; here is the link for 1905.",
    "The Galveston passenger lists are on FamilySearch.",
    "Let me look at a few more sources for that.",
    "I can't transfer you",
    "Your deadline was yesterday",
    "I sent it to your email address",
    "Don't apologize!",
    "The transfer of credits is handled by the registrar",
    "Thanks for the email you sent",
    "I'm not able to pass you to anyone right now",
]


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return default_matcher()


@pytest.fixture(scope="module")
def eval_set():
    return load_eval_set()


@pytest.fixture(scope="module")
def report(matcher, eval_set) -> EvalReport:
    return evaluate(matcher, eval_set)


def _misses(report: EvalReport) -> str:
    return "\n".join(f"{m.text!r}: expected {sorted(m.expected)}, found {sorted(m.found)}"
                     for m in report.misses)


# --- the evaluation set -----------------------------------------------------

def test_eval_set_is_big_and_varied_enough(eval_set):
    positives = Counter(intent for message in eval_set for intent in message.intents)
    assert len(eval_set) >= 220
    assert all(positives[intent] >= 20 for intent in INTENTS), positives
    assert sum(len(message.intents) > 1 for message in eval_set) >= 25
    assert sum(not message.intents for message in eval_set) >= 60
    assert len({message.text for message in eval_set}) == len(eval_set), "duplicate texts"


def test_macro_f1_at_least_0_90(report):
    assert report.macro_f1 >= 0.90, _misses(report)


def test_false_positive_rate_on_negatives_at_most_5_percent(report):
    assert report.false_positive_rate <= 0.05, _misses(report)


def test_no_eval_text_is_copied_into_the_phrase_bank(eval_set):
    bank = [normalize(phrase)
            for phrases in (*phrase_bank.PHRASES.values(), *phrase_bank.THANK_AND_INVITE_PARTS)
            for phrase in phrases]
    copied = [message.text for message in eval_set
              if any(normalize(message.text) in phrase for phrase in bank)]
    assert copied == []


def test_eval_metrics_agree_with_a_hand_count():
    class SorryOnly:
        """Stands in for a matcher: finds apologize wherever "sorry" occurs."""

        def intents(self, text):
            return frozenset({"apologize"}) if "sorry" in text else frozenset()

    messages = [
        LabelledMessage("sorry", frozenset({"apologize"})),         # true positive
        LabelledMessage("sorry, one moment", frozenset()),          # false positive
        LabelledMessage("my apologies", frozenset({"apologize"})),  # false negative
        LabelledMessage("hello", frozenset()),                      # true negative
    ]
    result = evaluate(SorryOnly(), messages)
    apologize = result.per_intent[INTENTS.index("apologize")]
    assert (apologize.precision, apologize.recall, apologize.f1, apologize.support) == (0.5, 0.5, 0.5, 2)
    assert result.negatives == 2 and result.false_positive_rate == 0.5
    assert [miss.text for miss in result.misses] == ["sorry, one moment", "my apologies"]


def test_eval_script_reports_and_exits_0(capsys):
    script = runpy.run_path(str(SCRIPT), run_name="intent_eval")
    assert script["main"]([]) == 0
    output = capsys.readouterr().out
    assert "macro F1" in output and "false-positive rate" in output and "µs per message" in output


# --- worked examples and SPEC ----------------------------------------------

@pytest.mark.parametrize("intent", INTENTS)
def test_spec_example_matches_its_intent(matcher, intent):
    assert intent in matcher.intents(SPEC_EXAMPLES[intent])


@pytest.mark.parametrize(("intent", "text"), MUST_MATCH)
def test_worked_example_matches(matcher, intent, text):
    assert intent in matcher.intents(text), matcher.match(text).scores


@pytest.mark.parametrize("text", MUST_NOT_MATCH)
def test_worked_example_or_negation_matches_nothing(matcher, text):
    assert matcher.intents(text) == frozenset(), matcher.match(text).scores


def test_several_intents_in_one_message(matcher):
    text = "Sorry for the wait — I'm going to transfer you to Kim at Riverton, who can see your account."
    assert matcher.match(text).matched == ("explain_transfer", "apologize")


def test_negation_in_another_clause_does_not_cancel(matcher):
    text = "I can't see your account from here, so I'll transfer you to someone at Springfield."
    assert "explain_transfer" in matcher.intents(text)


# --- scenario phrases ---------------------------------------------------------

def test_extra_phrases_extend_the_bank(matcher):
    text = "What's the best address to reach you at?"
    assert "ask_email" not in matcher.intents(text)
    extended = IntentMatcher({"ask_email": ["what's the best address to reach you"]})
    assert "ask_email" in extended.intents(text)
    # The built-in bank is still there.
    assert "apologize" in extended.intents("Sorry for the wait.")


def test_extra_phrases_are_normalised_like_messages():
    extended = IntentMatcher({"thank_and_invite": ["Thank you for using Ask Springfield!"]})
    assert "thank_and_invite" in extended.intents("thx 4 using ask springfield")


def test_unknown_intent_id_raises_value_error_naming_it():
    with pytest.raises(ValueError, match="ask_emial"):
        IntentMatcher({"ask_emial": ["what is your email"]})


@pytest.mark.parametrize("phrases", ["what is your email", [""], ["?!"], [42]])
def test_malformed_extra_phrases_raise_value_error(phrases):
    with pytest.raises(ValueError, match="ask_email"):
        IntentMatcher({"ask_email": phrases})


# --- result shape -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "!!!", "Sorry for the wait.", "ok", "1905",
    "Does this completely answer your question? Thanks for chatting, come back any time!",
])
def test_scores_are_ints_from_0_to_100_for_every_intent(matcher, text):
    result = matcher.match(text)
    assert list(result.scores) == list(INTENTS)
    assert all(type(score) is int and 0 <= score <= 100 for score in result.scores.values())
    assert result.matched == tuple(i for i in INTENTS if result.scores[i] >= THRESHOLD)
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


def test_matcher_gives_the_same_answers_from_many_threads(matcher, eval_set):
    texts = [message.text for message in eval_set]
    expected = [matcher.match(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(matcher.match, texts)) == expected
