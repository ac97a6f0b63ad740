"""Password rules (what a coordinator or a user may set) and the argon2id costs of new hashes."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from coach.storage import AccountError, Role
from coach.storage.passwords import (
    ITERATIONS,
    LANES,
    MAX_LENGTH,
    MEMORY_KIB,
    check_password,
    common_passwords,
    hash_password,
    needs_rehash,
)
from coach.storage.sql import SqlStore

LONGEST = ("ocelot marmalade " * 10)[:MAX_LENGTH]


def test_the_bundled_list_has_at_least_ten_thousand_common_passwords() -> None:
    common = common_passwords()
    assert len(common) >= 10_000
    assert {"password", "qwertyuiop", "password12", "iloveyou"} <= common
    assert all(entry == entry.casefold() for entry in common)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "too short"),
        (LONGEST, None),
        (LONGEST + "s", "too long"),
        ("password12", "common"),
        ("PassWord12", "common"),
        ("qwertyuiop", "common"),
        ("monkey2024!!", "common"),  # a listed password with digits and symbols around it
        ("!!sunshine99", "common"),
        ("aaaaaaaaaa", "common"),  # on the list as well
        ("bbbbbbbbbbbb", "repeats"),
        ("3333344444", "repeats"),
        ("abcabcabcabc", "repeats"),
        ("ab12ab12ab12", "repeats"),
        ("tidepool oooo vessel", "repeats"),
        ("tara.nguyen-library", "username"),
        ("my name is TARA.NGUYEN", "username"),
        ("correct horse battery", None),
        ("ocelot-marmalade-77", None),
        ("Leaf Basket Orbit 9", None),
    ],
)
def test_password_rules(password: str, reason: str | None) -> None:
    if reason is None:
        check_password(password, "tara.nguyen")
        return
    with pytest.raises(AccountError, match=reason):
        check_password(password, "tara.nguyen")


def test_new_hashes_use_owasps_argon2id_costs_and_older_ones_are_rehashed() -> None:
    parameters = extract_parameters(hash_password("correct horse battery"))
    assert (parameters.type.name, parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        "ID", MEMORY_KIB, ITERATIONS, LANES,
    )
    assert (MEMORY_KIB, ITERATIONS, LANES) == (19 * 1024, 2, 1)
    from argon2 import PasswordHasher

    assert needs_rehash(PasswordHasher().hash("correct horse battery"))  # argon2-cffi's default, 64 MiB


@pytest.mark.parametrize("action", ["create", "reset"])
def test_the_store_applies_the_rules_with_the_username(store: SqlStore, action: str) -> None:
    if action == "create":
        with pytest.raises(AccountError, match="username"):
            store.create_user("tara", "Tara", Role.TRAINEE, "tara is the best 42")
        with pytest.raises(AccountError, match="common"):
            store.create_user("tara", "Tara", Role.TRAINEE, "password123")
        assert store.find_user("tara") is None
    else:
        store.create_user("tara", "Tara", Role.TRAINEE, "correct horse battery")
        with pytest.raises(AccountError, match="repeats"):
            store.set_password("tara", "zzzzzzzzzzzz")
