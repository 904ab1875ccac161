from __future__ import annotations

import datetime as dt

from jssi_app.domain import accounts
from jssi_app.domain.accounts import (
    LOCK_DURATION,
    MAX_FAILED_SIGN_INS,
    SESSION_ABSOLUTE_TIMEOUT,
    SESSION_IDLE_TIMEOUT,
    is_locked,
    register_failure,
    session_alive,
    session_expiry,
)

NOW = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc)


def test_constants() -> None:
    assert MAX_FAILED_SIGN_INS == 5
    assert LOCK_DURATION == dt.timedelta(minutes=30)
    assert SESSION_IDLE_TIMEOUT == dt.timedelta(minutes=30)
    assert SESSION_ABSOLUTE_TIMEOUT == dt.timedelta(hours=12)
    assert accounts.RESET_TOKEN_TTL == dt.timedelta(minutes=30)
    assert accounts.SMS_RESET_TTL == dt.timedelta(minutes=10)


def test_failures_below_the_limit_only_count() -> None:
    assert register_failure(0, NOW) == (1, None)
    assert register_failure(3, NOW) == (4, None)


def test_fifth_failure_locks_for_thirty_minutes_and_resets_the_count() -> None:
    assert register_failure(4, NOW) == (0, NOW + dt.timedelta(minutes=30))


def test_five_failures_in_sequence_lock() -> None:
    count, locked_until = 0, None
    for _ in range(5):
        count, locked_until = register_failure(count, NOW)
    assert (count, locked_until) == (0, NOW + LOCK_DURATION)


def test_is_locked_until_the_lock_ends() -> None:
    until = NOW + LOCK_DURATION
    assert not is_locked(None, NOW)
    assert is_locked(until, NOW)
    assert is_locked(until, until - dt.timedelta(seconds=1))
    assert not is_locked(until, until)


def test_session_expiry_is_twelve_hours_after_start() -> None:
    assert session_expiry(NOW) == NOW + dt.timedelta(hours=12)


def test_active_session_is_alive() -> None:
    assert session_alive(
        last_seen_at=NOW - dt.timedelta(minutes=29), absolute_expires_at=session_expiry(NOW), ended_at=None, now=NOW
    )


def test_session_dies_after_thirty_idle_minutes() -> None:
    assert not session_alive(
        last_seen_at=NOW - dt.timedelta(minutes=30), absolute_expires_at=session_expiry(NOW), ended_at=None, now=NOW
    )


def test_session_dies_at_its_absolute_expiry_however_active() -> None:
    started = NOW - dt.timedelta(hours=12)
    assert not session_alive(last_seen_at=NOW, absolute_expires_at=session_expiry(started), ended_at=None, now=NOW)
    just_before = NOW - dt.timedelta(seconds=1)
    assert session_alive(
        last_seen_at=just_before, absolute_expires_at=session_expiry(started), ended_at=None, now=just_before
    )


def test_ended_session_is_dead() -> None:
    assert not session_alive(
        last_seen_at=NOW, absolute_expires_at=session_expiry(NOW), ended_at=NOW - dt.timedelta(minutes=1), now=NOW
    )
