"""The pure rules of 人脸识别认证: who needs it, three tries a China-local day, valid until the month next year."""

from __future__ import annotations

import datetime as dt

import pytest

from jssi_app.domain import face_certification as rules


@pytest.mark.parametrize(
    ("person_type", "status", "needed"),
    [
        ("退休人员", "退休", True),
        ("职工", "退休", True),  # a registry record whose type lags behind its status
        ("退休人员", "正常参保", True),
        ("职工", "正常参保", False),
        ("灵活就业人员", "正常参保", False),
        ("职工", "暂停参保", False),
    ],
)
def test_only_pensioners_need_certification(person_type, status, needed):
    assert rules.needs_certification(person_type, status) is needed


def test_others_are_told_why_not():
    reason = rules.not_needed_reason("职工", "正常参保")
    assert "职工" in reason and "退休人员" in reason and "无需办理" in reason


@pytest.mark.parametrize(
    ("certified", "until"),
    [
        (dt.date(2026, 11, 28), dt.date(2027, 11, 30)),
        (dt.date(2026, 1, 1), dt.date(2027, 1, 31)),
        (dt.date(2027, 2, 28), dt.date(2028, 2, 29)),  # next February is a leap one
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 31), dt.date(2027, 12, 31)),
    ],
)
def test_valid_until_the_end_of_the_same_month_next_year(certified, until):
    assert rules.valid_until(certified) == until


def test_three_failures_a_day_then_no_more_online_tries():
    assert [rules.tries_left(n) for n in range(5)] == [3, 2, 1, 0, 0]
    assert [rules.blocked_today(n) for n in range(5)] == [False, False, False, True, True]


def test_the_day_is_china_local():
    # 17:30 UTC is already the next day in Beijing (UTC+8).
    assert rules.local_day(dt.datetime(2026, 11, 28, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 11, 28)
    assert rules.local_day(dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.UTC)) == dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("faces", "distance", "outcome"),
    [
        (0, None, rules.NO_FACE),
        (2, None, rules.SEVERAL_FACES),
        (1, 0.61, rules.MISMATCH),
        (1, 0.6, rules.MATCHED),
        (1, 0.2, rules.MATCHED),
    ],
)
def test_outcome_of_a_try(faces, distance, outcome):
    assert rules.outcome_of(faces, distance, 0.6) == outcome


def test_standing_says_status_and_due_date():
    today = dt.date(2026, 11, 28)
    assert rules.standing(None, today).label == "待认证"
    valid = rules.standing(dt.date(2027, 11, 30), today)
    assert valid.certified and valid.label == "已认证" and "2027年11月" in valid.due_text
    assert not valid.due_now
    lapsed = rules.standing(dt.date(2026, 10, 31), today)
    assert not lapsed.certified and lapsed.label == "已过期" and lapsed.due_now
    assert rules.standing(None, today).due_now
    # In the month the certification runs out, the next one may be made (it is still valid meanwhile).
    ending = rules.standing(dt.date(2026, 11, 30), today)
    assert ending.certified and ending.due_now
