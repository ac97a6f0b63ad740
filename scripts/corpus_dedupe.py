"""Keep the intent sets apart: drop from the training corpus every message that the development
or test set has, and from the development set every message the test set has.

Usage: python scripts/corpus_dedupe.py

Messages are compared as the matcher reads them (``coach.intent_text.normalize``), so "Hang
tight while I look over your question." and "Bear with me while I look over your question."
are one message. Short messages written independently often coincide; the held-out sets
are never edited, the sets they are held out from are. Prints what it removed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from coach.intent_text import normalize
from coach.intent_training import DEV_FILE, TEST_FILE, training_files


def _keys(path: Path) -> set[tuple[str, str]]:
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            keys.add((normalize(entry["text"]), entry["speaker"]))
    return keys


def _drop(path: Path, held_out: set[tuple[str, str]]) -> int:
    kept, dropped = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if (normalize(entry["text"]), entry["speaker"]) in held_out:
            dropped += 1
            print(f"  {path.name}: {entry['text']!r}")
        else:
            kept.append(line)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return dropped


def main() -> int:
    test = _keys(TEST_FILE) if TEST_FILE.exists() else set()
    dropped = _drop(DEV_FILE, test)
    held_out = test | _keys(DEV_FILE)
    dropped += sum(_drop(path, held_out) for path in training_files())
    print(f"dropped {dropped} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
