"""How long a sign-in must wait after failed ones: a delay that grows with every failure, counted
per key, never a hard lock.

Three keys are counted for each sign-in:

- `pair` (username, source address): one guesser at one account. It is the only key that slows
  the account's owner down at a place they have signed in from before, so a stranger elsewhere
  cannot keep a coordinator out.
- `user` (username, any source): one account guessed at from many addresses. It is not applied
  at addresses the user has signed in from in the last `KNOWN_SOURCE_DAYS` days.
- `source` (any username, one address): one address trying many accounts. It allows more
  failures, because a library's computers may share one address.

The failures of a key are forgotten `WINDOW` after the last one, at a successful sign-in (for
`pair`), after a password reset and after a coordinator's unlock. Under `pair` and `user`,
`SqlStore.authenticate` counts an attempt as failed before it checks the password, in the same
transaction that reads the delay, so guesses sent in parallel are all counted (a success gives
its count back); under `source` it counts a check that failed, so that many people behind one
address can sign in at the same moment.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

WINDOW = timedelta(minutes=15)
MAX_DELAY = timedelta(minutes=15)
KNOWN_SOURCE_DAYS = 30


class Key(StrEnum):
    PAIR = "pair"
    USER = "user"
    SOURCE = "source"


# Failures before the first delay, per key.
FREE_FAILURES = {Key.PAIR: 4, Key.USER: 20, Key.SOURCE: 50}


def delay_after(key: Key, failures: int) -> timedelta:
    """The wait before the next attempt once `failures` have been counted: none for the free ones,
    then 1 s, 2 s, 4 s ... doubling up to MAX_DELAY."""
    over = failures - FREE_FAILURES[key]
    if over <= 0:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(over - 1, 20)), MAX_DELAY)


def wait_in_words(wait: timedelta) -> str:
    seconds = max(1, round(wait.total_seconds()))
    if seconds < 90:
        return f"{seconds} second{'s' * (seconds != 1)}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"
