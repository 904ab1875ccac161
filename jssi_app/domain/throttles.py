"""Named rate limits and the sliding-window arithmetic behind them.

Where the hits are stored (database rows, Redis) is jssi_app/services/throttling.py's business;
here a throttle only decides, given the times of earlier hits and the current time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

_NO_WAIT = dt.timedelta(0)


@dataclass(frozen=True)
class ThrottleDecision:
    allowed: bool
    retry_after: dt.timedelta


@dataclass(frozen=True)
class Throttle:
    """At most `limit` actions per key within any `window`; `message` may contain {retry}, e.g. "3分钟"."""

    name: str
    limit: int
    window: dt.timedelta
    message: str

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= _NO_WAIT:
            raise ValueError(f"throttle {self.name!r} needs a positive limit and window")

    def decide(self, hit_times: Sequence[dt.datetime], now: dt.datetime) -> ThrottleDecision:
        """Whether one more action is allowed now; if not, how long until it would be."""
        start = now - self.window
        in_window = sorted(t for t in hit_times if start < t <= now)
        excess = len(in_window) - self.limit
        if excess < 0:
            return ThrottleDecision(True, _NO_WAIT)
        # Enough hits must leave the window to free one slot; the last of them to leave decides the wait.
        return ThrottleDecision(False, in_window[excess] + self.window - now)

    def refusal_message(self, retry_after: dt.timedelta) -> str:
        return self.message.format(retry=format_wait(retry_after))


def format_wait(delta: dt.timedelta) -> str:
    """A wait a person can act on ("45秒", "3分钟", "1小时5分钟"), rounded up so retrying then succeeds."""
    seconds = max(1, math.ceil(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}秒"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes}分钟"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"


_MINUTE = dt.timedelta(minutes=1)
_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)

# Keyed by phone + purpose: the code just sent is still valid, so a second one only confuses.
SMS_RESEND_INTERVAL = Throttle("sms_resend_interval", 1, _MINUTE, "验证码已发送，请{retry}后再重新获取")
# Per-phone caps stop the service being used to flood someone else's phone with texts.
SMS_PER_PHONE_HOUR = Throttle(
    "sms_per_phone_hour", 5, _HOUR, "该手机号1小时内获取验证码次数已达上限，请{retry}后再试"
)
SMS_PER_PHONE_DAY = Throttle(
    "sms_per_phone_day", 10, _DAY, "该手机号24小时内获取验证码次数已达上限，请{retry}后再试"
)
# Per-address caps stop one machine cycling through many phone numbers (SMS costs money).
SMS_PER_IP_HOUR = Throttle(
    "sms_per_ip_hour", 20, _HOUR, "当前网络获取验证码过于频繁，请{retry}后再试"
)
SMS_PER_IP_DAY = Throttle(
    "sms_per_ip_day", 100, _DAY, "当前网络24小时内获取验证码次数已达上限，请{retry}后再试"
)
# Password guessing across many accounts from one address; per-account lockout covers a single account.
SIGN_IN_PER_IP = Throttle(
    "sign_in_per_ip", 30, dt.timedelta(minutes=15), "登录尝试过于频繁，请{retry}后再试"
)
# Registration and reset both reveal whether an ID number/name pair is in the registry.
REGISTER_PER_IP = Throttle("register_per_ip", 20, _HOUR, "注册请求过于频繁，请{retry}后再试")
RESET_PER_IP = Throttle("reset_per_ip", 20, _HOUR, "找回密码请求过于频繁，请{retry}后再试")
# Lookups that answer by ID number (progress queries) are an enumeration oracle without a cap.
VERIFY_PER_IP = Throttle("verify_per_ip", 60, dt.timedelta(minutes=10), "查询过于频繁，请{retry}后再试")
# Sign-in failures against an ID number that has no account lock it exactly as they would lock a
# real account (5 in 30 minutes), so the lock message does not reveal which IDs are registered.
SIGN_IN_UNKNOWN_ID = Throttle(
    "sign_in_unknown_id", 5, dt.timedelta(minutes=30), "密码连续错误次数过多，账号已锁定，请{retry}后再试"
)
# An unknown ID's lock: one hit at its 5th failure that lives 30 minutes, like a real account's
# locked_until (the lock message shows its end, so it must end at the same minute); the failure count
# restarts with it, as a real account's does.
SIGN_IN_UNKNOWN_ID_LOCKED = Throttle(
    "sign_in_unknown_id_locked", 1, dt.timedelta(minutes=30), "密码连续错误次数过多，账号已锁定，请{retry}后再试"
)

# 参保缴费证明: each issue renders a PDF (CPU) and stores it; a person needs a few, not hundreds.
PROOF_ISSUE_PER_ACCOUNT = Throttle("proof_issue_per_account", 10, _HOUR, "打印缴费证明过于频繁，请{retry}后再试")
# The public /verify page answers anyone: cap guessing from one address (codes carry 90 random bits anyway).
PROOF_VERIFY_PER_IP = Throttle(
    "proof_verify_per_ip", 30, dt.timedelta(minutes=10), "核验次数过多，请{retry}后再试"
)

ALL_THROTTLES: tuple[Throttle, ...] = (
    SMS_RESEND_INTERVAL,
    SMS_PER_PHONE_HOUR,
    SMS_PER_PHONE_DAY,
    SMS_PER_IP_HOUR,
    SMS_PER_IP_DAY,
    SIGN_IN_PER_IP,
    REGISTER_PER_IP,
    RESET_PER_IP,
    VERIFY_PER_IP,
    SIGN_IN_UNKNOWN_ID,
    SIGN_IN_UNKNOWN_ID_LOCKED,
    PROOF_ISSUE_PER_ACCOUNT,
    PROOF_VERIFY_PER_IP,
)
