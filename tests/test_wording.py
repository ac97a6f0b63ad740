"""Counted nouns read right."""

from coach.wording import plural


def test_plural_counts_agree_with_their_nouns() -> None:
    assert [plural(n, "thing") for n in (0, 1, 2)] == ["0 things", "1 thing", "2 things"]
    assert plural(3, "person", "people") == "3 people" and plural(1, "person", "people") == "1 person"
