"""The closing goodbye, worked out a message at a time, is the one SPEC §5 reads back from the end."""

from __future__ import annotations

import random
from pathlib import Path

from coach.events import Say
from coach.rules.base import Context, MessageMemo
from coach.scenario import load_scenario
from coach.scoring import matcher_for

SCENARIO = load_scenario(Path(__file__).parent.parent / "scenarios" / "apa-citation-youtube.yaml").scenario
SCRIPT = (
    "Thank you for chatting with Cedar Falls Public Library. If you have more questions, "
    "we're here 24/7. Have a great day!"
)
SAYS = [
    "ok",
    "You're welcome!",
    "Here is the APA format for a TED talk on YouTube, with the speaker as author.",
    "Thanks for chatting with us today, come back any time!",
    SCRIPT,
    "Thank you for chatting with Cedar Falls Public Library.",
    "If you have more questions, we're here 24/7. Have a great day!",
    f"Glad that helped, Jada. {SCRIPT}",
]


def read_back(context: Context) -> tuple[tuple[int, ...], ...]:
    """SPEC §5 as written: from the last `say` back, goodbye units until a long message that is none."""
    says = context.indices(Say)
    units: list[tuple[int, ...]] = []
    position = len(says) - 1
    while position >= 0:
        index = says[position]
        if context._contains_script(index):
            units.append((index,))
            position -= 1
        elif position >= 1 and context._is_split_script(says[position - 1], index):
            units.append((says[position - 1], index))
            position -= 2
        elif context.is_goodbye_message(index):
            units.append((index,))
            position -= 1
        elif context._is_short(index):
            position -= 1
        else:
            break
    return tuple(reversed(units))


def test_the_closing_goodbye_of_every_prefix_matches_reading_back_from_its_end() -> None:
    matcher = matcher_for(SCENARIO)
    for seed in range(30):
        chosen = random.Random(seed)
        events = tuple(Say(t=second, text=chosen.choice(SAYS)) for second in range(40))
        shared = MessageMemo()
        for end in range(1, len(events) + 1):
            growing = Context(SCENARIO, events[:end], matcher, shared)
            fresh = Context(SCENARIO, events[:end], matcher)
            assert growing.closing_goodbyes == read_back(fresh), (seed, end)
            assert growing.goodbye_messages == [i for i in range(end) if fresh.is_goodbye_message(i)], (seed, end)


def test_a_prefix_scored_after_a_longer_chat_ignores_the_later_messages() -> None:
    matcher = matcher_for(SCENARIO)
    events = tuple(Say(t=second, text=text) for second, text in enumerate(SAYS))
    shared = MessageMemo()
    whole = Context(SCENARIO, events, matcher, shared)
    assert whole.closing_goodbyes and whole.goodbye_messages  # the memo now knows every message
    for end in range(1, len(events) + 1):
        prefix = Context(SCENARIO, events[:end], matcher, shared)
        fresh = Context(SCENARIO, events[:end], matcher)
        assert prefix.closing_goodbyes == read_back(fresh)
        assert prefix.goodbye_messages == [i for i in range(end) if fresh.is_goodbye_message(i)]
