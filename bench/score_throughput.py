"""Scoring throughput: how many transcripts a second one core scores, and p95 for one.

Generates N transcripts of about 30 events with 10 trainee messages each, every text
distinct (so no cache can help), then in one process, pinned to one core:

- baseline: load and validate each transcript (shape, then references to the scenario);
- coach: the same, plus scoring against all 15 rules (intents included).

Prints transcripts/s and p95 ms for both, and the ratio. Targets for the coach:
>= 1,000 transcripts/s and p95 < 10 ms.

    .venv/bin/python bench/score_throughput.py [--count 5000] [--seed 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
from collections.abc import Callable

from coach.events import check_references, parse_transcript
from coach.scenario import Scenario, parse_scenario
from coach.scoring import score

SCENARIO = """
id: bench-renewal
title: Renewal block
patron: {name: Priya, library: riverton, email: null, question: "Why can't I renew?"}
libraries:
  riverton: {name: Riverton Public Library, goodbye: "Thank you for contacting Riverton Public Library. If you have more questions, please chat with us again any time. Goodbye!"}
  harbor: {name: Harbor City Libraries, goodbye: "Thanks for using Ask Harbor City! We are here 24/7 whenever you need us."}
staff:
  - {id: kim, name: Kim Alvarez, library: riverton, department: Circulation, status: available}
  - {id: omar, name: Omar Haddad, library: riverton, department: Reference, status: busy}
  - {id: jo, name: Jo Whitfield, library: harbor, department: Reference, status: available}
expect: {route: [transfer, followup_by_patrons_library, followup_by_me], transfer_to: [kim], answerable: false}
"""

NAMES = ["Priya", "Sam", "Dana", "Lee", "Ray", "Alex", "Jordan", "Morgan", "Chris", "Taylor", "Robin", "Jamie"]
TOPICS = [
    "renewal block", "overdue DVD", "interlibrary loan", "nursing articles", "census data", "tax forms",
    "local history photos", "APA citations", "e-book checkout", "hold request", "museum passes", "job databases",
    "genealogy records", "printing from home", "study rooms", "audiobooks", "zoning maps", "grant directories",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend", "next week", "the 14th", "noon"]
MESSAGES = [
    "Hi {name}, thanks for your question about {topic}. Let me take a look.",
    "I'm going to transfer you to {colleague} at your library, who can check your {topic}.",
    "Sorry for the wait, {name}; the {topic} search is taking a moment.",
    "Could you type your email address so we can follow up about the {topic}?",
    "When do you need the {topic} information by? Is {day} OK?",
    "Does this completely answer your question about {topic}?",
    "Thanks for chatting with us, {name}. Come back any time you need help with {topic}!",
    "Here is a link to the {topic} guide; page {n} has the details.",
    "I found {n} results for {topic} in the catalog.",
    "Let me check with a colleague about your {topic} before {day}.",
    "The {topic} page says it is updated every {day}.",
    "Please wait a moment while I read your question about {topic}.",
    "I can't transfer you right now, but I can look up {topic} myself.",
    "Your {topic} deadline was {day}, according to the record.",
]


def distinct_texts(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        template = rng.choice(MESSAGES)
        text = template.format(
            name=rng.choice(NAMES), topic=rng.choice(TOPICS), colleague=rng.choice(["Kim", "Kim Alvarez"]),
            day=rng.choice(DAYS), n=rng.randint(2, 9999),
        )
        seen.add(text)
    texts = list(seen)
    rng.shuffle(texts)
    return texts


def make_transcript(rng: random.Random, says: list[str], patron_lines: list[str]) -> dict:
    """About 30 events: 10 trainee messages, patron lines, a transfer or a follow-up."""
    events: list[dict] = []
    clock = 0.0

    def add(**event: object) -> None:
        nonlocal clock
        clock += rng.uniform(2, 20)
        events.append({"t": round(clock, 1), **event})

    add(type="patron_says", text=patron_lines[0])
    add(type="view_info")
    for index, text in enumerate(says):
        add(type="say", text=text)
        add(type="patron_says", text=patron_lines[index + 1])
    if rng.random() < 0.5:
        add(type="im", to="kim", text="Can you take a Riverton patron?")
        add(type="staff_says", **{"from": "kim"}, channel="im", text="Sure.", accepts=True)
        add(type="open_transfer")
        add(type="transfer_tab", tab="agent")
        add(type="transfer", to="kim")
        add(type="joined", who="kim")
        add(type="leave")
    else:
        add(type="set_email", email=f"patron{rng.randint(1, 10**6)}@mail.example.org")
        add(type="note", text="Patron needs the list by Friday; please follow up.")
        add(type="resolve", code=rng.choice(["followup_by_me", "followup_by_patrons_library"]))
        add(type="end")
    return {"scenario": "bench-renewal", "trainee": f"trainee{rng.randint(1, 500)}", "events": events}


def generate(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    says = distinct_texts(rng, count * 10)
    patron = [f"ok {i}, thanks" for i in range(count * 11)]
    return [make_transcript(rng, says[i * 10 : i * 10 + 10], patron[i * 11 : i * 11 + 11]) for i in range(count)]


def measure(name: str, work: Callable[[dict], object], transcripts: list[dict]) -> tuple[float, float]:
    durations = []
    gc.collect()
    start = time.perf_counter()
    for data in transcripts:
        begin = time.perf_counter_ns()
        work(data)
        durations.append(time.perf_counter_ns() - begin)
    elapsed = time.perf_counter() - start
    rate = len(transcripts) / elapsed
    p95 = statistics.quantiles(durations, n=100)[94] / 1e6
    print(f"{name:<28} {rate:>10,.0f} transcripts/s   p95 {p95:6.3f} ms   median {statistics.median(durations) / 1e6:6.3f} ms")
    return rate, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    scenario: Scenario = parse_scenario(SCENARIO, "bench").scenario
    transcripts = generate(args.count, args.seed)
    events = sum(len(t["events"]) for t in transcripts) / len(transcripts)
    says = [e["text"] for t in transcripts for e in t["events"] if e["type"] == "say"]
    print(f"{len(transcripts)} transcripts, {events:.1f} events each on average, "
          f"{len(says)} trainee messages ({len(set(says))} distinct texts), one core")

    def baseline(data: dict) -> object:
        transcript = parse_transcript(data, "bench")
        check_references(transcript, scenario, "bench")
        return transcript

    def coach(data: dict) -> object:
        return score(scenario, baseline(data).events, data["trainee"])  # type: ignore[attr-defined]

    coach(transcripts[0])  # build the phrase index outside the timed loop
    base_rate, base_p95 = measure("baseline (load + validate)", baseline, transcripts)
    rate, p95 = measure("coach (validate + score)", coach, transcripts)
    print(f"ratio: scoring runs at {rate / base_rate:.2f}x the baseline's rate "
          f"(the coach itself costs {1e3 / rate - 1e3 / base_rate:.3f} ms a transcript)")
    print(f"targets: >= 1,000 transcripts/s {'met' if rate >= 1000 else 'NOT met'}; "
          f"p95 < 10 ms {'met' if p95 < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
