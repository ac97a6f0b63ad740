"""Email addresses in chat text and the address a patron means (coach.emails, SPEC §5)."""

from __future__ import annotations

import pytest

from coach.emails import find_addresses, is_email_address, parse_address, patron_address


@pytest.mark.parametrize(("text", "addresses"), [
    ("sure it's sam.ortiz@students.example.edu", ["sam.ortiz@students.example.edu"]),
    ("sam.ortiz at students dot example dot edu", ["sam.ortiz@students.example.edu"]),
    ("kayla.m at gmail dot com", ["kayla.m@gmail.com"]),
    ("Kayla.M AT Gmail DOT com", ["kayla.m@gmail.com"]),
    ("kayla (at) gmail (dot) com", ["kayla@gmail.com"]),
    ("kayla [at] gmail [dot] com", ["kayla@gmail.com"]),
    ("email me at sam at gmail dot com please", ["sam@gmail.com"]),
    ("it's KAY@Example.ORG.", ["kay@example.org"]),
    ("I'm at work right now, so I'd rather not give my email.", []),
    ("look at gmail dot com", []),
    ("meet me at the front desk at noon", []),
    ("the file is report.pdf at version 2", []),
])
def test_addresses_are_found_written_or_spelled_out(text, addresses):
    assert [found.address for found in find_addresses(text)] == addresses


@pytest.mark.parametrize(("text", "rejected"), [
    ("use kayla@gmail.com, not kayla@gmial.com", [False, True]),
    ("not kayla@gmial.com but kayla@gmail.com", [True, False]),
    ("my old address kay@aol.com is dead, use kay@gmail.com", [True, False]),
    ("kay@aol.com doesn't work any more, try kay@gmail.com", [True, False]),
    ("please use ray.b@gmail.com instead of ray@mail.example.org", [False, True]),
    ("Not sure which you need: sam@x.org or sam@y.org", [False, False]),
])
def test_an_address_the_same_message_rejects_is_marked(text, rejected):
    assert [found.rejected for found in find_addresses(text)] == rejected


@pytest.mark.parametrize(("messages", "meant"), [
    ([(1, "it's kayla@gmial.com"), (3, "sorry, gmail not gmial")], (3, "kayla@gmail.com")),
    ([(1, "it's kayla@gmial.com"), (3, "oops, it should be gmail instead of gmial")], (3, "kayla@gmail.com")),
    ([(1, "it's kayla@gmial.com"), (3, "not gmial but gmail")], (3, "kayla@gmail.com")),
    ([(1, "it's kayla.n@gmail.com"), (3, "sorry, kayla.m not kayla.n")], (3, "kayla.m@gmail.com")),
    ([(1, "it's kayla@gmial.com"), (3, "not really, no")], (1, "kayla@gmial.com")),
    ([(1, "a@x.org"), (2, "actually b at y dot org")], (2, "b@y.org")),
    ([(1, "use kayla@gmail.com, not kayla@gmial.com")], (1, "kayla@gmail.com")),
    ([(1, "my old one kay@aol.com no longer works")], None),
    ([(1, "no email, sorry")], None),
])
def test_the_patrons_address_follows_rejections_and_corrections(messages, meant):
    assert patron_address(messages) == meant


@pytest.mark.parametrize(("value", "address"), [
    ("sam@example.org", "sam@example.org"),
    ("  Sam@Example.ORG ", "sam@example.org"),
    ("<sam@example.org>", "sam@example.org"),
    ("sam at example dot org", "sam@example.org"),
    ("unknown", None), ("n/a", None), ("none", None), ("", None), (None, None),
    ("sam@example", None), ("sam@example.org and more", None),
])
def test_a_value_on_record_is_an_address_only_when_it_is_one(value, address):
    assert parse_address(value) == address
    assert is_email_address(value) is (address is not None)
