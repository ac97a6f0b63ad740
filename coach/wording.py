"""Small pieces of English shared by the pages and the command line."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """"1 rule", "2 rules", "0 things" ("1 person", "3 people" with `plural_form`)."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"
