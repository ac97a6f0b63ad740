"""Re-pin the golden scorecards under tests/golden after a deliberate change to the coach.

Each transcript's scorecard is written next to it as NAME.scorecard.json. Read the diff
(`git diff tests/golden`) before committing: every changed verdict must be intended.

    .venv/bin/python scripts/pin_golden.py
    .venv/bin/python scripts/pin_golden.py --play SCENARIO_ID   # first (re)write that scenario's
                                                                # transcripts from its walkthroughs
"""

import json
import sys
from pathlib import Path

from coach.events import check_references, load_transcript
from coach.scenario import load_scenario
from coach.scoring import matcher_for, score
from coach.simulator import play_walkthrough

ROOT = Path(__file__).resolve().parent.parent


def play(scenario_id: str) -> None:
    """Write tests/golden/<id>/<walkthrough>.json: each walkthrough played by the simulator."""
    scenario = load_scenario(ROOT / "scenarios" / f"{scenario_id}.yaml").scenario
    folder = ROOT / "tests" / "golden" / scenario_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, walkthrough in scenario.walkthroughs.items():
        session = play_walkthrough(scenario, matcher_for(scenario), walkthrough.steps)
        transcript = {"scenario": scenario.id, "trainee": "golden",
                      "events": [event.as_json() for event in session.events]}
        path = folder / f"{name}.json"
        path.write_text(json.dumps(transcript, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"played {path.relative_to(ROOT)}")


def main() -> None:
    if sys.argv[1:2] == ["--play"]:
        play(sys.argv[2])
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
