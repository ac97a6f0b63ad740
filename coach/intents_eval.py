"""Quality metrics of the intent matcher on a labelled set (corpus/*.jsonl).

Shared by ``scripts/intent_eval.py`` and the tests, so that the printed report and
the test thresholds come from one computation. Each message is matched as its
speaker's; an intent is scored on the messages of the speaker it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.intent_training import LabelledMessage
from coach.intents import ALL_INTENTS, SPEAKER_INTENTS, IntentMatcher


@dataclass(frozen=True, slots=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int  # messages labelled with the intent


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    speaker: str
    expected: frozenset[str]
    found: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class EvalReport:
    messages: int
    per_intent: tuple[IntentScore, ...]  # in ALL_INTENTS order
    macro_f1: float
    hard_negatives: int  # messages that mimic an intent they do not carry
    hard_negative_false_positive_rate: float  # share of those where an unlabelled intent was found
    negatives: int  # messages labelled with no intent
    false_positive_rate: float  # share of those that matched anything
    misses: tuple[Miss, ...]  # messages whose found intents differ from the labels


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def evaluate(matcher: IntentMatcher, messages: Sequence[LabelledMessage]) -> EvalReport:
    """Per-intent precision/recall/F1, macro F1 and false-positive rates of ``matcher``."""
    found = [matcher.intents(m.text, m.speaker) for m in messages]
    per_intent = []
    for intent in ALL_INTENTS:
        pairs = [(f, m) for f, m in zip(found, messages) if intent in SPEAKER_INTENTS[m.speaker]]
        true_pos = sum(intent in f and intent in m.intents for f, m in pairs)
        false_pos = sum(intent in f and intent not in m.intents for f, m in pairs)
        support = sum(intent in m.intents for _, m in pairs)
        per_intent.append(IntentScore(
            intent,
            precision=_ratio(true_pos, true_pos + false_pos),
            recall=_ratio(true_pos, support),
            f1=_ratio(2 * true_pos, 2 * true_pos + false_pos + (support - true_pos)),
            support=support,
        ))
    scored = [s for s in per_intent if s.support]
    hard = [(f, m) for f, m in zip(found, messages) if m.mimics - m.intents]
    negatives = [f for f, m in zip(found, messages) if not m.intents]
    return EvalReport(
        messages=len(messages),
        per_intent=tuple(per_intent),
        macro_f1=sum(s.f1 for s in scored) / len(scored) if scored else 0.0,
        hard_negatives=len(hard),
        hard_negative_false_positive_rate=_ratio(sum(bool(f - m.intents) for f, m in hard), len(hard)),
        negatives=len(negatives),
        false_positive_rate=_ratio(sum(bool(f) for f in negatives), len(negatives)),
        misses=tuple(
            Miss(m.text, m.speaker, m.intents, f, m.source) for f, m in zip(found, messages) if f != m.intents
        ),
    )
