from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from jssi_app.domain.working_days import (
    SLA_WORKING_DAYS,
    DueDate,
    add_working_days,
    is_estimated,
    is_working_day,
    overdue_working_days,
    sla_due_date,
    working_days_between,
)

D = dt.date


def test_sla_is_three_working_days() -> None:
    assert SLA_WORKING_DAYS == 3


def test_the_package_knows_the_2026_schedule_this_module_relies_on() -> None:
    # National Day + Mid-Autumn 2026: 1–7 October off, Saturday 10 October worked (调休).
    assert all(not chinese_calendar.is_workday(D(2026, 10, d)) for d in range(1, 8))
    assert D(2026, 10, 10).weekday() == 5 and chinese_calendar.is_workday(D(2026, 10, 10))
    # Spring Festival 2026: 15–23 February off, Saturdays 14 and 28 February worked.
    assert all(not chinese_calendar.is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.is_workday(D(2026, 2, 14)) and chinese_calendar.is_workday(D(2026, 2, 28))


def test_ordinary_week() -> None:
    # Monday 2026-03-09 → Tue, Wed, Thu.
    assert add_working_days(D(2026, 3, 9), 3) == DueDate(D(2026, 3, 12), estimated=False)


def test_friday_submission_skips_the_weekend() -> None:
    assert add_working_days(D(2026, 3, 13), 3) == DueDate(D(2026, 3, 18), estimated=False)


def test_weekend_submission_counts_from_monday() -> None:
    assert add_working_days(D(2026, 3, 14), 1).date == D(2026, 3, 16)
    assert add_working_days(D(2026, 3, 15), 3).date == D(2026, 3, 18)


def test_zero_days_is_the_start_and_negative_is_refused() -> None:
    assert add_working_days(D(2026, 3, 14), 0) == DueDate(D(2026, 3, 14), estimated=False)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 14), -1)


def test_national_day_2026_counts_the_adjusted_saturday() -> None:
    # Wed 30 Sep: holiday 1–7 Oct; Thu 8, Fri 9, Sat 10 (调休) are the three working days.
    assert sla_due_date(D(2026, 9, 30)) == DueDate(D(2026, 10, 10), estimated=False)


def test_submitted_during_golden_week() -> None:
    assert sla_due_date(D(2026, 10, 3)) == DueDate(D(2026, 10, 10), estimated=False)
    assert sla_due_date(D(2026, 10, 9)) == DueDate(D(2026, 10, 13), estimated=False)


def test_mid_autumn_2026_weekend_before_national_day() -> None:
    # 25 Sep (Fri, Mid-Autumn) is off: Thursday 24 Sep + 3 → Mon 28, Tue 29, Wed 30.
    assert sla_due_date(D(2026, 9, 24)).date == D(2026, 9, 30)


def test_spring_festival_2026() -> None:
    # Thu 12 Feb: Fri 13, Sat 14 (调休) count; 15–23 Feb off; Tue 24 is the third.
    assert sla_due_date(D(2026, 2, 12)) == DueDate(D(2026, 2, 24), estimated=False)
    # Fri 13 Feb: Sat 14, Tue 24, Wed 25.
    assert sla_due_date(D(2026, 2, 13)).date == D(2026, 2, 25)
    # Thu 26 Feb: Fri 27, Sat 28 (调休), Mon 2 Mar.
    assert sla_due_date(D(2026, 2, 26)).date == D(2026, 3, 2)


def test_2027_is_estimated_monday_to_friday() -> None:
    # Fri 2027-03-05 → Mon 8, Tue 9, Wed 10.
    assert add_working_days(D(2027, 3, 5), 3) == DueDate(D(2027, 3, 10), estimated=True)
    assert is_estimated(D(2027, 3, 5)) and not is_estimated(D(2026, 12, 31))


def test_2027_new_year_is_skipped_and_the_due_date_is_estimated() -> None:
    # Thu 2026-12-31 → Fri 1 Jan 2027 is 元旦; Mon 4, Tue 5, Wed 6.
    assert sla_due_date(D(2026, 12, 31)) == DueDate(D(2027, 1, 6), estimated=True)
    assert not is_working_day(D(2027, 1, 1))


def test_estimated_only_when_a_counted_day_is_unknown() -> None:
    assert sla_due_date(D(2026, 12, 25)) == DueDate(D(2026, 12, 30), estimated=False)


def test_fixed_date_holidays_in_the_estimate() -> None:
    assert not is_working_day(D(2027, 10, 1))  # Friday
    assert not is_working_day(D(2028, 5, 1)) and not is_working_day(D(2028, 5, 2))  # Monday, Tuesday
    assert is_working_day(D(2028, 5, 3))
    assert not is_working_day(D(2027, 3, 6))  # Saturday
    # Thu 2027-09-30 → Fri 1 Oct off, weekend, Mon 4, Tue 5, Wed 6 (no lunar holidays or 调休 guessed).
    assert sla_due_date(D(2027, 9, 30)) == DueDate(D(2027, 10, 6), estimated=True)


def test_datetimes_are_refused() -> None:
    with pytest.raises(TypeError):
        add_working_days(dt.datetime(2026, 3, 9, 23, 30), 3)


def test_working_days_between() -> None:
    assert working_days_between(D(2026, 3, 13), D(2026, 3, 18)) == 3
    assert working_days_between(D(2026, 3, 13), D(2026, 3, 13)) == 0
    assert working_days_between(D(2026, 3, 13), D(2026, 3, 15)) == 0  # weekend only
    assert working_days_between(D(2026, 3, 18), D(2026, 3, 13)) == -3
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 11)) == 3  # 8, 9, 10 Oct
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 6)) == 3


@pytest.mark.parametrize("start", [D(2026, 2, 10), D(2026, 9, 29), D(2026, 12, 30), D(2027, 4, 30)])
def test_between_inverts_add(start) -> None:
    for days in range(12):
        assert working_days_between(start, add_working_days(start, days).date) == days


def test_overdue_working_days() -> None:
    due = D(2026, 9, 30)
    assert overdue_working_days(due, D(2026, 9, 29)) == 0
    assert overdue_working_days(due, due) == 0
    assert overdue_working_days(due, D(2026, 10, 7)) == 0  # still the holiday
    assert overdue_working_days(due, D(2026, 10, 8)) == 1
    assert overdue_working_days(due, D(2026, 10, 10)) == 3
    assert overdue_working_days(due, D(2026, 10, 11)) == 3


def test_running_counts_agree_with_counting_day_by_day() -> None:
    """working_days_between uses per-year running counts; check it against a plain day-by-day count,
    across years, the calendar's edge (2004) and the estimated years after it."""
    from jssi_app.domain.working_days import is_working_day

    def naive(start, end):
        if end < start:
            return -naive(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += is_working_day(day)
        return count

    days = [D(2004, 1, 1), D(2004, 1, 2), D(2025, 12, 31), D(2026, 1, 1), D(2026, 2, 13), D(2026, 2, 24),
            D(2026, 5, 4), D(2026, 12, 31), D(2027, 1, 4), D(2027, 10, 8)]
    for start in days:
        for end in days:
            assert working_days_between(start, end) == naive(start, end), (start, end)
