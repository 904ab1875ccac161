"""Counting named throttles where every worker sees them.

Embedded default: rows in `throttle_hit` (same database, same transaction as the action).
With REFLEX_REDIS_URL set: the `limits` library's moving window on Redis.
The limits themselves are named objects in jssi_app/domain/throttles.py.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlmodel import Session, col, delete, select

from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.domain.errors import DomainError
from jssi_app.domain.throttles import Throttle, ThrottleDecision, format_wait
from jssi_app.models.operations import ThrottleHit


class Throttled(DomainError):
    code = "throttled"

    def __init__(self, throttle: Throttle, retry_after: dt.timedelta) -> None:
        super().__init__(throttle.message.format(retry=format_wait(retry_after)))
        self.throttle = throttle
        self.retry_after = retry_after


def _key_fp(key: str) -> str:
    # Keys are phones, ID numbers and addresses: only their fingerprint is stored.
    return cipher().fingerprint("throttle", key)


@functools.lru_cache(maxsize=2)
def _redis_limiter(url: str):
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    return MovingWindowRateLimiter(storage_from_string(url))


def _item(throttle: Throttle):
    from limits import RateLimitItemPerSecond

    return RateLimitItemPerSecond(throttle.limit, int(throttle.window.total_seconds()))


def _redis_decide(throttle: Throttle, key_fp: str, *, count: bool) -> ThrottleDecision:
    import time

    limiter = _redis_limiter(settings().redis_url)
    item = _item(throttle)
    allowed = limiter.hit(item, throttle.name, key_fp) if count else limiter.test(item, throttle.name, key_fp)
    if allowed:
        return ThrottleDecision(True, dt.timedelta(0))
    reset_at, _remaining = limiter.get_window_stats(item, throttle.name, key_fp)
    return ThrottleDecision(False, dt.timedelta(seconds=max(1.0, reset_at - time.time())))


def _db_hits(session: Session, throttle: Throttle, key_fp: str, now: dt.datetime) -> list[dt.datetime]:
    return list(
        session.exec(
            select(ThrottleHit.at).where(
                ThrottleHit.name == throttle.name,
                ThrottleHit.key_fp == key_fp,
                ThrottleHit.at > now - throttle.window,
            )
        ).all()
    )


def peek(session: Session, throttle: Throttle, key: str, now: dt.datetime) -> ThrottleDecision:
    """Would one more action be allowed? Counts nothing."""
    key_fp = _key_fp(key)
    if settings().redis_url:
        return _redis_decide(throttle, key_fp, count=False)
    return throttle.decide(_db_hits(session, throttle, key_fp, now), now)


def hit(session: Session, throttle: Throttle, key: str, now: dt.datetime) -> ThrottleDecision:
    """Count one action if allowed; return the decision (a refused action is not counted)."""
    key_fp = _key_fp(key)
    if settings().redis_url:
        return _redis_decide(throttle, key_fp, count=True)
    decision = throttle.decide(_db_hits(session, throttle, key_fp, now), now)
    if decision.allowed:
        session.exec(
            delete(ThrottleHit).where(
                col(ThrottleHit.name) == throttle.name,
                col(ThrottleHit.key_fp) == key_fp,
                col(ThrottleHit.at) <= now - throttle.window,
            )
        )
        session.add(ThrottleHit(name=throttle.name, key_fp=key_fp, at=now))
        session.flush()
    return decision


def enforce(session: Session, throttles: list[tuple[Throttle, str]], now: dt.datetime) -> None:
    """Check every (throttle, key) first, then count them all; raise Throttled on the first refusal.

    Checking before counting means a refused action does not eat into the other limits.
    """
    for throttle, key in throttles:
        decision = peek(session, throttle, key, now)
        if not decision.allowed:
            raise Throttled(throttle, decision.retry_after)
    for throttle, key in throttles:
        decision = hit(session, throttle, key, now)
        if not decision.allowed:  # lost a race with another worker
            raise Throttled(throttle, decision.retry_after)


def clear(session: Session, throttle: Throttle, key: str) -> None:
    key_fp = _key_fp(key)
    if settings().redis_url:
        _redis_limiter(settings().redis_url).clear(_item(throttle), throttle.name, key_fp)
        return
    session.exec(delete(ThrottleHit).where(col(ThrottleHit.name) == throttle.name, col(ThrottleHit.key_fp) == key_fp))
