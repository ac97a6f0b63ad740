"""Re-pin the golden scorecards under tests/golden after a deliberate change to the coach.

Each transcript's scorecard is written next to it as NAME.scorecard.json. Read the diff
(`git diff tests/golden`) before committing: every changed verdict must be intended.

    .venv/bin/python scripts/pin_golden.py
"""

import json
from pathlib import Path

from coach.events import check_references, load_transcript
from coach.scenario import load_scenario
from coach.scoring import score

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for folder in sorted((ROOT / "tests" / "golden").iterdir()):
        scenario = load_scenario(ROOT / "scenarios" / f"{folder.name}.yaml").scenario
        for log in sorted(folder.glob("*.json")):
            if log.name.endswith(".scorecard.json"):
                continue
            transcript = load_transcript(log)
            check_references(transcript, scenario, str(log))
            card = score(scenario, transcript.events, transcript.trainee).as_json()
            pinned = log.with_name(log.stem + ".scorecard.json")
            pinned.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"pinned {pinned.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
