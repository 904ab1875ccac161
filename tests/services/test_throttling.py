"""Named throttles counted where every worker sees them: database rows, or Redis via `limits`."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from tests.backing import require_redis

from jssi_app.config import reset_settings_cache
from jssi_app.domain.throttles import Throttle
from jssi_app.services import throttling
from jssi_app.services.throttling import Throttled, enforce

REDIS_URL = os.environ.get("JSSI_TEST_REDIS_URL", "")
T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)
THREE_PER_HOUR = Throttle("test_three_per_hour", 3, dt.timedelta(hours=1), "太频繁，请{retry}后再试")


def test_database_throttle_refuses_over_the_limit_and_frees_as_the_window_slides(db):
    for minute in (0, 10, 20):
        enforce(db, [(THREE_PER_HOUR, "13800000000")], T0 + dt.timedelta(minutes=minute))
    with pytest.raises(Throttled) as refused:
        enforce(db, [(THREE_PER_HOUR, "13800000000")], T0 + dt.timedelta(minutes=30))
    assert refused.value.retry_after == dt.timedelta(minutes=30)
    assert "30分钟" in refused.value.message
    # Another key has its own count.
    enforce(db, [(THREE_PER_HOUR, "13900000000")], T0 + dt.timedelta(minutes=30))
    # The first hit leaves the window after an hour.
    enforce(db, [(THREE_PER_HOUR, "13800000000")], T0 + dt.timedelta(minutes=60, seconds=1))


def test_a_refused_action_counts_against_no_other_limit(db):
    one = Throttle("test_one", 1, dt.timedelta(hours=1), "请{retry}后再试")
    wide = Throttle("test_wide", 2, dt.timedelta(hours=1), "请{retry}后再试")
    enforce(db, [(one, "a"), (wide, "ip")], T0)
    with pytest.raises(Throttled):
        enforce(db, [(one, "a"), (wide, "ip")], T0 + dt.timedelta(minutes=1))
    # `wide` still has room for one more: the refused attempt above was not counted.
    enforce(db, [(one, "b"), (wide, "ip")], T0 + dt.timedelta(minutes=2))


def test_keys_are_stored_as_fingerprints_only(db):
    from sqlmodel import select

    from jssi_app.models.operations import ThrottleHit

    enforce(db, [(THREE_PER_HOUR, "13812345678")], T0)
    db.commit()
    rows = db.exec(select(ThrottleHit)).all()
    assert rows and all("13812345678" not in r.key_fp for r in rows)


@pytest.fixture
def redis_backend(monkeypatch):
    require_redis()
    monkeypatch.setenv("REFLEX_REDIS_URL", REDIS_URL)
    reset_settings_cache()
    yield
    monkeypatch.delenv("REFLEX_REDIS_URL")
    reset_settings_cache()


def test_redis_throttle_is_shared_and_refuses_over_the_limit(redis_backend, db):
    key = f"redis-{uuid.uuid4().hex}"
    now = dt.datetime.now(dt.UTC)
    for _ in range(3):
        enforce(db, [(THREE_PER_HOUR, key)], now)
    with pytest.raises(Throttled) as refused:
        enforce(db, [(THREE_PER_HOUR, key)], now)
    assert dt.timedelta(minutes=59) < refused.value.retry_after <= dt.timedelta(hours=1)
    # Nothing was written to the database: Redis holds the counts.
    from sqlmodel import select

    from jssi_app.models.operations import ThrottleHit

    assert db.exec(select(ThrottleHit)).all() == []
    throttling.clear(db, THREE_PER_HOUR, key)
    enforce(db, [(THREE_PER_HOUR, key)], now)
