"""Report the intent matcher's quality and speed on the labelled evaluation set.

Usage: python scripts/intent_eval.py [EVAL_SET.yaml]

Prints per-intent precision, recall, F1 and support, the macro F1, the
false-positive rate on messages labelled with no intent, every misclassified
message, and the average matching time per message. Always exits 0.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from coach.intents import IntentMatcher
from coach.intents_eval import EVAL_SET, evaluate, load_eval_set

TIMING_ROUNDS = 20


def _names(intents: frozenset[str]) -> str:
    return ", ".join(sorted(intents)) or "-"


def main(argv: list[str]) -> int:
    messages = load_eval_set(Path(argv[0]) if argv else EVAL_SET)
    matcher = IntentMatcher()
    report = evaluate(matcher, messages)

    print(f"{'intent':<24}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}")
    for score in report.per_intent:
        print(f"{score.intent:<24}{score.precision:>10.3f}{score.recall:>8.3f}"
              f"{score.f1:>7.3f}{score.support:>9}")
    print(f"\nmacro F1: {report.macro_f1:.3f}")
    print(f"false-positive rate on {report.negatives} negatives: {report.false_positive_rate:.1%}")

    print(f"\nmisclassified ({len(report.misses)} of {len(messages)}):")
    for miss in report.misses:
        print(f"  {miss.text!r}\n      expected: {_names(miss.expected)}\n      found:    {_names(miss.found)}")

    # Best of several rounds, to keep scheduler noise out of the figure.
    texts = [message.text for message in messages]
    fastest = min(_seconds_per_round(matcher, texts) for _ in range(TIMING_ROUNDS))
    print(f"\nspeed: {fastest / len(texts) * 1e6:.1f} µs per message "
          f"(best of {TIMING_ROUNDS} rounds over {len(texts)} messages)")
    return 0


def _seconds_per_round(matcher: IntentMatcher, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        matcher.match(text)
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
