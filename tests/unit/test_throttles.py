from __future__ import annotations

import datetime as dt

import pytest

from jssi_app.domain import throttles
from jssi_app.domain.throttles import (
    ALL_THROTTLES,
    SMS_PER_PHONE_HOUR,
    SMS_RESEND_INTERVAL,
    Throttle,
    ThrottleDecision,
    format_wait,
)

NOW = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
S = dt.timedelta(seconds=1)
M = dt.timedelta(minutes=1)

THREE_PER_MINUTE = Throttle("test", 3, M, "请{retry}后再试")


def test_no_hits_is_allowed_without_wait() -> None:
    assert THREE_PER_MINUTE.decide([], NOW) == ThrottleDecision(True, dt.timedelta(0))


def test_one_below_the_limit_is_allowed() -> None:
    assert THREE_PER_MINUTE.decide([NOW - 30 * S, NOW - 20 * S], NOW).allowed


def test_exactly_at_the_limit_is_refused_until_the_oldest_hit_leaves() -> None:
    hits = [NOW - 50 * S, NOW - 30 * S, NOW - 10 * S]
    assert THREE_PER_MINUTE.decide(hits, NOW) == ThrottleDecision(False, 10 * S)


def test_hits_order_does_not_matter() -> None:
    hits = [NOW - 10 * S, NOW - 50 * S, NOW - 30 * S]
    assert THREE_PER_MINUTE.decide(hits, NOW).retry_after == 10 * S


def test_window_slides_a_hit_exactly_one_window_old_no_longer_counts() -> None:
    hits = [NOW - 50 * S, NOW - 30 * S, NOW - 10 * S]
    assert not THREE_PER_MINUTE.decide(hits, NOW + 9 * S).allowed
    assert THREE_PER_MINUTE.decide(hits, NOW + 10 * S) == ThrottleDecision(True, dt.timedelta(0))


def test_retry_after_is_exactly_when_a_slot_frees() -> None:
    hits = [NOW - 50 * S, NOW - 30 * S, NOW - 10 * S]
    decision = THREE_PER_MINUTE.decide(hits, NOW)
    assert THREE_PER_MINUTE.decide(hits, NOW + decision.retry_after).allowed
    assert not THREE_PER_MINUTE.decide(hits, NOW + decision.retry_after - dt.timedelta(microseconds=1)).allowed


def test_over_the_limit_waits_for_enough_hits_to_leave() -> None:
    # Five hits against a limit of three: the three oldest must leave, so the third-oldest decides.
    hits = [NOW - 55 * S, NOW - 45 * S, NOW - 35 * S, NOW - 25 * S, NOW - 15 * S]
    assert THREE_PER_MINUTE.decide(hits, NOW) == ThrottleDecision(False, 25 * S)


def test_hits_outside_the_window_or_in_the_future_are_ignored() -> None:
    hits = [NOW - 2 * M, NOW - M, NOW + S, NOW - 5 * S]
    assert THREE_PER_MINUTE.decide(hits, NOW).allowed


def test_a_hit_at_now_counts() -> None:
    assert not SMS_RESEND_INTERVAL.decide([NOW], NOW).allowed
    assert SMS_RESEND_INTERVAL.decide([NOW], NOW).retry_after == 60 * S


def test_sms_resend_interval_allows_after_sixty_seconds() -> None:
    assert not SMS_RESEND_INTERVAL.decide([NOW - 59 * S], NOW).allowed
    assert SMS_RESEND_INTERVAL.decide([NOW - 60 * S], NOW).allowed


def test_sms_per_phone_hour_sixth_in_an_hour_is_refused() -> None:
    hits = [NOW - k * 10 * M for k in range(5)]
    decision = SMS_PER_PHONE_HOUR.decide(hits, NOW + M)
    assert decision == ThrottleDecision(False, 19 * M)


@pytest.mark.parametrize(
    ("throttle", "limit", "window"),
    [
        (throttles.SMS_RESEND_INTERVAL, 1, dt.timedelta(seconds=60)),
        (throttles.SMS_PER_PHONE_HOUR, 5, dt.timedelta(hours=1)),
        (throttles.SMS_PER_PHONE_DAY, 10, dt.timedelta(days=1)),
        (throttles.SMS_PER_IP_HOUR, 20, dt.timedelta(hours=1)),
        (throttles.SMS_PER_IP_DAY, 100, dt.timedelta(days=1)),
        (throttles.SIGN_IN_PER_IP, 30, dt.timedelta(minutes=15)),
        (throttles.REGISTER_PER_IP, 20, dt.timedelta(hours=1)),
        (throttles.RESET_PER_IP, 20, dt.timedelta(hours=1)),
        (throttles.VERIFY_PER_IP, 60, dt.timedelta(minutes=10)),
        (throttles.SIGN_IN_UNKNOWN_ID, 5, dt.timedelta(minutes=30)),
        (throttles.SIGN_IN_UNKNOWN_ID_LOCKED, 1, dt.timedelta(minutes=30)),
    ],
)
def test_named_throttles_have_the_agreed_limits(throttle: Throttle, limit: int, window: dt.timedelta) -> None:
    assert (throttle.limit, throttle.window) == (limit, window)
    assert throttle in ALL_THROTTLES


def test_all_throttles_have_unique_names_and_a_retry_placeholder() -> None:
    assert len(ALL_THROTTLES) == 13
    assert len({t.name for t in ALL_THROTTLES}) == len(ALL_THROTTLES)
    assert all("{retry}" in t.message for t in ALL_THROTTLES)


def test_refusal_message_fills_in_the_wait() -> None:
    assert SMS_RESEND_INTERVAL.refusal_message(45 * S) == "验证码已发送，请45秒后再重新获取"


@pytest.mark.parametrize(("limit", "window"), [(0, M), (1, dt.timedelta(0))])
def test_nonsense_throttle_is_refused_at_definition(limit: int, window: dt.timedelta) -> None:
    with pytest.raises(ValueError):
        Throttle("bad", limit, window, "{retry}")


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(0), "1秒"),
        (dt.timedelta(milliseconds=200), "1秒"),
        (45 * S, "45秒"),
        (dt.timedelta(seconds=44, milliseconds=1), "45秒"),
        (59 * S, "59秒"),
        (60 * S, "1分钟"),
        (61 * S, "2分钟"),
        (3 * M, "3分钟"),
        (59 * M, "59分钟"),
        (60 * M, "1小时"),
        (65 * M, "1小时5分钟"),
        (64 * M + S, "1小时5分钟"),
        (dt.timedelta(days=1), "24小时"),
    ],
)
def test_format_wait_rounds_up_to_a_human_unit(delta: dt.timedelta, text: str) -> None:
    assert format_wait(delta) == text
