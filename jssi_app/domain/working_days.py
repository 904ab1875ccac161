"""Working days (工作日) for review deadlines: weekends, public holidays and adjusted working days (调休).

The State Council publishes each year's holiday schedule only in the autumn before, and it moves weekends
around (a Saturday becomes a working day, 调休), so no rule can compute it. The `chinesecalendar` package
(import name `chinese_calendar`) carries the published schedules; version 1.11.0 knows 2004–2026 and raises
NotImplementedError for any other year.

For a day outside the package's years the answer is an estimate: Monday to Friday are working days except
the fixed-date statutory holidays (元旦 1 January, 劳动节 1–2 May, 国庆 1–3 October). The lunar holidays
(春节, 清明, 端午, 中秋) and 调休 are not known then, so the estimate may be early. Any result that looked at
such a day is marked `estimated=True`, and pages then say ESTIMATE_NOTE next to the date. Upgrading the
package when the next year's schedule is published turns estimates into exact dates with no code change.

Dates only: the caller turns a submission time into the China-local calendar date (Asia/Shanghai) first,
since a UTC date would put evening submissions on the wrong day.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import chinese_calendar

# The guide: 社保经办机构会在1-3个工作日内进行审核. Deadlines use the upper bound.
SLA_WORKING_DAYS = 3

ESTIMATE_NOTE = "节假日安排公布前按周一至周五估算"

# (month, day) of statutory holidays with a fixed solar date. 劳动节 has been two days (1–2 May) since the
# 2024 revision of 《全国年节及纪念日放假办法》 took effect on 1 January 2025.
FIXED_DATE_HOLIDAYS: frozenset[tuple[int, int]] = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    estimated: bool  # True when the published holiday schedule did not cover every day counted


def _check_date(value: dt.date, name: str) -> None:
    # A datetime is a date too, but its calendar day depends on its time zone; the caller must decide it.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date in China local time, not {type(value).__name__}")


def _working(day: dt.date) -> tuple[bool, bool]:
    """(whether `day` is a working day, whether that is an estimate)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS, True


def is_working_day(day: dt.date) -> bool:
    """Whether offices work on `day` (estimated outside the package's years, see the module docstring)."""
    _check_date(day, "day")
    return _working(day)[0]


def is_estimated(day: dt.date) -> bool:
    """Whether `day` lies outside the published holiday schedules the package knows."""
    _check_date(day, "day")
    return _working(day)[1]


def add_working_days(start: dt.date, days: int) -> DueDate:
    """The day on which the `days`-th working day after `start` falls; `start` itself never counts.

    Submitted on a Friday with 3 working days: Monday, Tuesday, Wednesday → Wednesday. `days=0` is `start`.
    """
    _check_date(start, "start")
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    estimated = False
    remaining = days
    while remaining:
        day += _ONE_DAY
        working, guessed = _working(day)
        estimated = estimated or guessed
        if working:
            remaining -= 1
    return DueDate(day, estimated)


def sla_due_date(submitted_on: dt.date) -> DueDate:
    """When the review of an application submitted (or resubmitted) on `submitted_on` is due."""
    return add_working_days(submitted_on, SLA_WORKING_DAYS)


@functools.lru_cache(maxsize=64)
def _working_days_through(year: int) -> tuple[int, ...]:
    """[n] = working days from 1 January of `year` through its (n+1)-th day; computed once per year."""
    counts, total, day = [], 0, dt.date(year, 1, 1)
    while day.year == year:
        total += _working(day)[0]
        counts.append(total)
        day += _ONE_DAY
    return tuple(counts)


def _through(day: dt.date) -> int:
    return _working_days_through(day.year)[day.timetuple().tm_yday - 1]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; negative (the same count) if `end` < `start`.

    add_working_days(s, n).date always gives working_days_between(s, that date) == n. Computed from per-year
    running counts: a queue page asks this for rows whose due dates may lie years back.
    """
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        return -working_days_between(end, start)
    if start.year == end.year:
        return _through(end) - _through(start)
    count = _working_days_through(start.year)[-1] - _through(start)
    for year in range(start.year + 1, end.year):
        count += _working_days_through(year)[-1]
    return count + _through(end)


def overdue_working_days(due: dt.date, today: dt.date) -> int:
    """How many working days past `due` it is `today`; 0 on the due day, before it, or over a holiday."""
    return max(0, working_days_between(due, today))
