"""Train the intent models from corpus/ and write coach/intent_model.npz.

Usage: python scripts/train_intents.py

Reads the training corpus (corpus/train/*.jsonl), fits one model per speaker,
chooses each intent's threshold on the development set (corpus/dev.jsonl),
and writes the models with the fingerprint of their inputs. The test set
(corpus/test.jsonl) is never read here. Deterministic: the same inputs give
the same file.
"""

from __future__ import annotations

import sys
import time

from coach.intent_training import DEV_FILE, fingerprint, load_corpus, save_models, train_all, training_files
from coach.intents import MODEL_FILE


def main() -> int:
    files = training_files()
    train = load_corpus(files)
    dev = load_corpus([DEV_FILE])
    started = time.perf_counter()
    models = train_all(train, dev)
    save_models(models, fingerprint([*files, DEV_FILE]), MODEL_FILE)
    print(f"trained on {len(train)} messages in {time.perf_counter() - started:.1f} s; wrote {MODEL_FILE}")
    for speaker, model in models.items():
        thresholds = ", ".join(f"{i} {t}" for i, t in zip(model.intents, model.thresholds))
        print(f"  {speaker}: {len(model.rows)} features; thresholds: {thresholds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
