"""Report the intent matcher's quality and speed on the labelled sets.

Usage: python scripts/intent_eval.py [--misses] [SET.jsonl ...]

Without files, reports the training corpus (corpus/train/), the development set
(corpus/dev.jsonl, where the thresholds were chosen) and the test set
(corpus/test.jsonl, written after the matcher was tuned and never used to
tune it). For each: per-intent precision, recall, F1 and support, the macro F1, the
false-positive rate on hard negatives (messages that mimic an intent they do not
carry) and on all messages without an intent; with --misses, every misclassified
message. Then the average matching time per message. Always exits 0.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from coach.intent_training import DEV_FILE, TEST_FILE, LabelledMessage, load_corpus, training_files
from coach.intents import IntentMatcher, default_matcher
from coach.intents_eval import EvalReport, evaluate

TIMING_ROUNDS = 5


def _names(intents: frozenset[str]) -> str:
    return ", ".join(sorted(intents)) or "-"


def print_report(title: str, report: EvalReport, misses: bool) -> None:
    print(f"\n== {title}: {report.messages} messages")
    print(f"{'intent':<24}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}")
    for score in report.per_intent:
        print(f"{score.intent:<24}{score.precision:>10.3f}{score.recall:>8.3f}{score.f1:>7.3f}{score.support:>9}")
    print(f"macro F1: {report.macro_f1:.3f}")
    print(f"false positives on {report.hard_negatives} hard negatives: {report.hard_negative_false_positive_rate:.1%}")
    print(f"false positives on {report.negatives} messages with no intent: {report.false_positive_rate:.1%}")
    if misses:
        print(f"misclassified ({len(report.misses)}):")
        for miss in report.misses:
            print(f"  [{miss.source}] ({miss.speaker}) {miss.text!r}\n"
                  f"      expected: {_names(miss.expected)}\n      found:    {_names(miss.found)}")


def main(argv: list[str]) -> int:
    misses = "--misses" in argv
    paths = [Path(arg) for arg in argv if arg != "--misses"]
    if paths:
        sets = [(str(path), load_corpus([path])) for path in paths]
    else:
        sets = [("training", load_corpus(training_files())), ("development", load_corpus([DEV_FILE]))]
        if TEST_FILE.exists():
            sets.append(("test", load_corpus([TEST_FILE])))
    matcher = default_matcher()
    for title, messages in sets:
        print_report(title, evaluate(matcher, messages), misses)
    # Best of several rounds, to keep scheduler noise out of the figure.
    messages = [m for _, ms in sets for m in ms]
    fastest = min(_seconds_per_round(matcher, messages) for _ in range(TIMING_ROUNDS))
    print(f"\nspeed: {fastest / len(messages) * 1e6:.1f} µs per message "
          f"(best of {TIMING_ROUNDS} rounds over {len(messages)} messages)")
    return 0


def _seconds_per_round(matcher: IntentMatcher, messages: list[LabelledMessage]) -> float:
    started = time.perf_counter()
    for message in messages:
        matcher.match(message.text, message.speaker)
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
