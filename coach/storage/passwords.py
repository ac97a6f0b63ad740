"""Password rules and argon2id hashes (argon2-cffi's PasswordHasher and its recommended costs)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coach.storage import AccountError

MIN_LENGTH = 10
MAX_LENGTH = 1000  # hashing cost grows with length: refuse absurd input rather than hash it

_HASHER = PasswordHasher()


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise AccountError(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise AccountError(f"The password is too long: use at most {MAX_LENGTH} characters.")


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
