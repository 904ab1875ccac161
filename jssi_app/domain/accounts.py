"""Account rules: lockout after failed sign-ins, session lifetimes, password-reset windows."""

from __future__ import annotations

import datetime as dt

MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = dt.timedelta(minutes=30)

# Idle: a shared or public computer left signed in. Absolute: a stolen session cookie stops working.
SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)

RESET_TOKEN_TTL = dt.timedelta(minutes=30)  # the e-mailed link; mail can be slow to arrive
SMS_RESET_TTL = dt.timedelta(minutes=10)  # from a confirmed SMS code to the new password being set


def register_failure(failed_count: int, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """The new failure count and, when this failure reaches the limit, the time the lock ends.

    The count restarts at 0 with the lock so that after the lock the person gets the full number of
    attempts again instead of being re-locked by their first typo.
    """
    count = failed_count + 1
    if count >= MAX_FAILED_SIGN_INS:
        return 0, now + LOCK_DURATION
    return count, None


def is_locked(locked_until: dt.datetime | None, now: dt.datetime) -> bool:
    return locked_until is not None and now < locked_until


def session_expiry(started_at: dt.datetime) -> dt.datetime:
    """The absolute end of a session started at `started_at`, however active it stays."""
    return started_at + SESSION_ABSOLUTE_TIMEOUT


def session_alive(
    *,
    last_seen_at: dt.datetime,
    absolute_expires_at: dt.datetime,
    ended_at: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    return ended_at is None and now < absolute_expires_at and now - last_seen_at < SESSION_IDLE_TIMEOUT
