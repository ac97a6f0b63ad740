"""Validating scenario files made to be slow: CPU time per file, each at most 1 MiB.

Shapes (each within the limit of written values unless it says so): many short keys, many long values, one huge value, a long flow list, a valid
scenario with thousands of walkthrough steps, aliases that multiply a list up to the
expansion limit, and invalid values everywhere (one problem each). Each is validated as the
workbench and `coach validate` do (`coach.catalogue.check_text`), best of 3.
Target (issue #11): at most 2 s of CPU for any file of at most 1 MiB.

    .venv/bin/python bench/scenario_validation.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.catalogue import check_text  # noqa: E402
from coach.yamlsafe import MAX_BYTES, MAX_WRITTEN_VALUES  # noqa: E402

TARGET_SECONDS = 2.0


def shapes() -> dict[str, str]:
    shipped = (ROOT / "scenarios" / "lost-book-charge-maplewood.yaml").read_text(encoding="utf-8")
    step = "    - {type: say, text: \"Let me check that for you, one moment please.\"}\n"
    # as many steps as the value limit lets through (each step is 5 values)
    steps = shipped + "  padded:\n" + step * ((MAX_WRITTEN_VALUES - 1000) // 5)
    flow = "id: x\nextra: [" + ", ".join(f"v{i}" for i in range(MAX_WRITTEN_VALUES - 10)) + "]\n"
    alias = "a: &a [" + ", ".join(["x"] * 1900) + "]\n" + "".join(f"b{i}: *a\n" for i in range(100))
    invalid = "id: x\ntitle: t\nstaff:\n" + "".join(
        f"  - {{id: s{i}, name: n, library: l, department: d, status: asleep}}\n" for i in range(850)
    )
    return {
        "short keys": "id: x\nextra:\n" + "".join(f" k{i}: v\n" for i in range(MAX_WRITTEN_VALUES // 2 - 10)),
        "1 MiB of short keys (refused)": "id: x\nextra:\n" + "".join(f" k{i}: v\n" for i in range(95_000)),
        "long values": "id: x\nextra:\n" + "".join(f" k{i}: {'y' * 90}\n" for i in range(MAX_WRITTEN_VALUES // 2 - 10)),
        "one huge value": "id: x\ntitle: " + "z" * (MAX_BYTES - 100) + "\n",
        "long flow list": flow,
        "valid with thousands of steps": steps,
        "aliases to the expansion limit": alias,
        "invalid everywhere": invalid,
    }


def main() -> None:
    worst = 0.0
    for name, text in shapes().items():
        size = len(text.encode("utf-8"))
        assert size <= MAX_BYTES, (name, size)
        rounds = []
        for _ in range(3):
            start = time.process_time()
            checked = check_text(text, "bench.yaml")
            rounds.append(time.process_time() - start)
        worst = max(worst, min(rounds))
        outcome = "valid" if checked.loaded else f"{len(checked.problems)} problems, first: {checked.problems[0].message[:60]}"
        print(f"{name:32s} {size / 1024:7.0f} KiB  {min(rounds):6.2f} s CPU  ({outcome})")
    print(f"slowest: {worst:.2f} s CPU (target <= {TARGET_SECONDS:.0f} s: {'met' if worst <= TARGET_SECONDS else 'NOT met'})")


if __name__ == "__main__":
    main()
