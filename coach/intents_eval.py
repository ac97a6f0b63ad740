"""Quality metrics of the intent matcher on a labelled evaluation set.

Shared by ``scripts/intent_eval.py`` and ``tests/test_intents.py`` so that the
printed report and the test thresholds come from one computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from coach.intents import INTENTS, IntentMatcher

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "intents" / "eval_set.yaml"


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    text: str
    intents: frozenset[str]


@dataclass(frozen=True, slots=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int          # messages labelled with the intent


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    expected: frozenset[str]
    found: frozenset[str]


@dataclass(frozen=True, slots=True)
class EvalReport:
    per_intent: tuple[IntentScore, ...]   # in INTENTS order
    macro_f1: float
    negatives: int                         # messages labelled with no intent
    false_positive_rate: float             # share of negatives that matched anything
    misses: tuple[Miss, ...]               # messages whose found intents differ from the labels


def load_eval_set(path: Path = EVAL_SET) -> list[LabelledMessage]:
    """Read a YAML list of ``{text, intents}``; raises ValueError on a bad entry."""
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of {{text, intents}} entries")
    messages = []
    for number, entry in enumerate(entries):
        if not (isinstance(entry, dict) and isinstance(entry.get("text"), str)
                and isinstance(entry.get("intents"), list)):
            raise ValueError(f"{path}: entry {number} needs a text and a list of intents")
        unknown = set(entry["intents"]) - set(INTENTS)
        if unknown:
            raise ValueError(f"{path}: entry {number} has unknown intent {sorted(unknown)[0]!r}")
        messages.append(LabelledMessage(entry["text"], frozenset(entry["intents"])))
    return messages


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def evaluate(matcher: IntentMatcher, messages: Sequence[LabelledMessage]) -> EvalReport:
    """Per-intent precision/recall/F1, macro F1 and false-positive rate of ``matcher``."""
    found = [matcher.intents(message.text) for message in messages]
    per_intent = []
    for intent in INTENTS:
        true_pos = sum(intent in f and intent in m.intents for f, m in zip(found, messages))
        false_pos = sum(intent in f and intent not in m.intents for f, m in zip(found, messages))
        support = sum(intent in m.intents for m in messages)
        precision = _ratio(true_pos, true_pos + false_pos)
        recall = _ratio(true_pos, support)
        f1 = _ratio(2 * true_pos, 2 * true_pos + false_pos + (support - true_pos))
        per_intent.append(IntentScore(intent, precision, recall, f1, support))
    negatives = [f for f, m in zip(found, messages) if not m.intents]
    return EvalReport(
        per_intent=tuple(per_intent),
        macro_f1=sum(score.f1 for score in per_intent) / len(per_intent),
        negatives=len(negatives),
        false_positive_rate=_ratio(sum(bool(f) for f in negatives), len(negatives)),
        misses=tuple(Miss(m.text, m.intents, f) for f, m in zip(found, messages) if f != m.intents),
    )
