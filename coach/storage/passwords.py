"""Password rules and argon2id hashes.

Costs: OWASP's Password Storage Cheat Sheet recommends argon2id with at least 19 MiB of memory,
2 iterations and 1 lane for interactive logins; that is what new hashes use (argon2-cffi's own
default, 64 MiB and 4 lanes, made 40 logins at once take 1.4 GB). Hashes made with other costs
are rehashed at the next successful login. README ("Accounts") has the timings measured here.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coach.storage import AccountError

MIN_LENGTH = 10
# Hashing time grows with length: longer input is refused before it is hashed (a passphrase of
# twenty words fits).
MAX_LENGTH = 128
MEMORY_KIB, ITERATIONS, LANES = 19 * 1024, 2, 1
# A common password with digits or punctuation around it ("monkey2024!") is as easy to guess;
# shorter cores ("abc" in "abc!2024xyz") are not looked up.
MIN_COMMON_CORE = 5
MIN_DISTINCT_CHARACTERS = 5
# What check_password asks, for the forms that ask for a new password.
RULES_IN_WORDS = (
    f"{MIN_LENGTH} to {MAX_LENGTH} characters; not a common password, not containing the username, not "
    "repeating characters. A few unrelated words make a good one."
)

_HASHER = PasswordHasher(time_cost=ITERATIONS, memory_cost=MEMORY_KIB, parallelism=LANES)
_EDGE_DIGITS_AND_SYMBOLS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SAME_CHARACTER_FOUR_TIMES = re.compile(r"(.)\1{3}")
_REPEATED_UNIT = re.compile(r"(.{1,5}?)\1+")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower case (coach/storage/data/README.md says whose)."""
    packed = files("coach.storage").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(packed).decode("utf-8").splitlines() if line.strip())


def check_password(password: str, username: str = "") -> None:
    """Refuse a password that is easy to guess, with a reason in plain English (AccountError)."""
    if len(password) < MIN_LENGTH:
        raise AccountError(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise AccountError(f"The password is too long: use at most {MAX_LENGTH} characters.")
    lowered = password.casefold()
    core = _EDGE_DIGITS_AND_SYMBOLS.sub("", lowered)
    common = common_passwords()
    if lowered in common or (len(core) >= MIN_COMMON_CORE and core in common):
        raise AccountError(
            "That password is on the list of the most common passwords, which are tried first: "
            "choose another (a few unrelated words make a good one)."
        )
    name = username.strip().casefold()
    if len(name) >= 3 and name in lowered:
        raise AccountError("The password must not contain the username.")
    if (
        len(set(lowered)) < MIN_DISTINCT_CHARACTERS
        or _SAME_CHARACTER_FOUR_TIMES.search(lowered)
        or _REPEATED_UNIT.fullmatch(lowered)
    ):
        raise AccountError("The password repeats characters too much: use a less regular one.")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other costs than today's (rehash it at the next login)."""
    return _HASHER.check_needs_rehash(password_hash)


@cache
def _unmatchable_hash() -> str:
    return _HASHER.hash("no account has this password, it only costs the same time")


def spend_verify_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown username takes as long to refuse as a wrong password."""
    verify_password(_unmatchable_hash(), password)
