"""The review queue and dashboard: counts, search, filters, keyset paging, due dates in working days."""

from __future__ import annotations

import datetime as dt

import pytest

from jssi_app.domain.errors import InvalidValue
from jssi_app.services.review_queue import (
    QueueFilter,
    dashboard_counts,
    encode_cursor,
    list_queue,
)
from tests.services.helpers import HOUR, MIN, NOW
from tests.services.review_fixtures import add_application, add_staff, make_uscc

# NOW is Monday 2026-03-02 09:00 in Nanjing.
TODAY = dt.date(2026, 3, 2)


def walk(db, filt: QueueFilter, *, limit: int = 20, today: dt.date = TODAY):
    """Every page in turn; returns the pages' rows."""
    pages, cursor = [], None
    while True:
        page = list_queue(db, filt, after=cursor, limit=limit, today=today)
        pages.append(page.rows)
        if page.next_cursor is None:
            return pages
        assert len(page.rows) == limit
        cursor = page.next_cursor


def ids(rows) -> list[int]:
    return [r.id for r in rows]


def test_dashboard_counts_by_status_and_overdue(db):
    reviewer = add_staff(db, "zhangsan", display_name="张三")
    past = dt.date(2026, 2, 25)
    add_application(db, 1)
    add_application(db, 2, due_date=past)  # overdue
    add_application(db, 3, due_date=TODAY)  # due today: not overdue yet
    add_application(db, 4, status="in_review", claimed_by=reviewer, due_date=past)  # overdue
    add_application(db, 5, status="in_review", claimed_by=reviewer)
    add_application(db, 6, status="approved", due_date=past)  # decided: never overdue
    add_application(db, 7, status="rejected", due_date=past)
    add_application(db, 8, status="draft")

    assert dashboard_counts(db, today=TODAY) == {
        "draft": 1, "submitted": 3, "in_review": 2, "approved": 1, "rejected": 1, "overdue": 2,
    }
    assert dashboard_counts(db, today=dt.date(2026, 2, 1))["overdue"] == 0


def test_search_by_credit_code_prefix_or_unit_name(db):
    a = add_application(db, 1, unit_name="南京示例科技有限公司", uscc="91320102MA1XYW0001")
    b = add_application(db, 2, unit_name="苏州工业园区示例物流有限公司", uscc="91320594MA2ABC0002", submitted_at=NOW + MIN)
    c = add_application(db, 3, unit_name="无锡100%_测试商行", uscc="92320200MA3DEF0003", submitted_at=NOW + 2 * MIN)

    def found(text):
        return ids(list_queue(db, QueueFilter(search=text), after=None, today=TODAY).rows)

    assert found("913201") == [a.id]
    assert found("9132") == [a.id, b.id]
    assert found(" ９１３２０５９４ｍａ ") == [b.id]  # full-width, lower case, spaces: as an IME types it
    assert found("示例") == [a.id, b.id]
    assert found("苏州工业园区") == [b.id]
    assert found("100%_") == [c.id]  # LIKE wildcards are matched literally
    assert found("%") == [c.id]
    assert found("不存在的单位") == []
    # A code's inner part is no prefix.
    assert found("MA1XYW") == []


def test_filters_by_status_submission_date_and_overdue(db):
    reviewer = add_staff(db, "zhangsan", display_name="张三")
    # 2026-03-01 16:30 UTC is 2026-03-02 00:30 in Nanjing: it counts as submitted on 03-02.
    late_evening = add_application(db, 1, submitted_at=dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC))
    before_midnight = add_application(db, 2, submitted_at=dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC))
    claimed = add_application(db, 3, status="in_review", claimed_by=reviewer, submitted_at=NOW + HOUR)
    old = add_application(db, 4, submitted_at=dt.datetime(2026, 2, 24, 2, 0, tzinfo=dt.UTC))  # due 02-27
    approved = add_application(db, 5, status="approved", submitted_at=dt.datetime(2026, 2, 24, 3, 0, tzinfo=dt.UTC))

    def found(**kw):
        return ids(list_queue(db, QueueFilter(**kw), after=None, today=TODAY).rows)

    assert found() == [old.id, approved.id, before_midnight.id, late_evening.id, claimed.id]
    assert found(statuses=("in_review",)) == [claimed.id]
    assert found(statuses=("submitted", "in_review")) == [old.id, before_midnight.id, late_evening.id, claimed.id]
    assert found(statuses=("draft",)) == []  # drafts are never in the queue
    assert found(submitted_from=TODAY) == [late_evening.id, claimed.id]
    assert found(submitted_to=dt.date(2026, 3, 1)) == [old.id, approved.id, before_midnight.id]
    assert found(submitted_from=dt.date(2026, 3, 1), submitted_to=dt.date(2026, 3, 1)) == [before_midnight.id]
    assert found(overdue_only=True) == [old.id]
    assert found(overdue_only=True, statuses=("approved",)) == []
    assert found(newest_first=True) == [claimed.id, late_evening.id, before_midnight.id, approved.id, old.id]
    with pytest.raises(InvalidValue):
        found(statuses=("archived",))


def test_rows_show_claimant_flags_and_local_time(db):
    reviewer = add_staff(db, "zhangsan", display_name="张三")
    nameless = add_staff(db, "lisi")
    add_application(db, 1, status="in_review", claimed_by=reviewer,
                    prechecks={"code_exists": True, "name_matches": False, "legal_rep_matches": False})
    add_application(db, 2, status="in_review", claimed_by=nameless, submitted_at=NOW + MIN)
    add_application(db, 3, submitted_at=NOW + 2 * MIN, prechecks={"code_exists": False, "name_matches": False,
                                                                    "legal_rep_matches": False})
    rows = list_queue(db, QueueFilter(), after=None, today=TODAY).rows
    assert [(r.claimed_by, r.flags, r.status_label) for r in rows] == [
        ("张三", 2, "审核中"), ("lisi", 0, "审核中"), ("", 3, "待审核")]
    first = rows[0]
    assert first.submitted_at == "2026-03-02 09:00"
    assert (first.uscc, first.round_number, first.reference_no) == (make_uscc(1), 1, "DW20260302000001")


def test_due_and_overdue_in_working_days(db):
    # Submitted Monday 03-02: due Thursday 03-05 (three working days).
    fresh = add_application(db, 1)
    assert fresh.due_date == dt.date(2026, 3, 5)
    # Due Thursday 04-30, before the 劳动节 holiday (05-01 to 05-05): on Thursday 05-07 two working days late.
    add_application(db, 2, due_date=dt.date(2026, 4, 30), submitted_at=NOW + MIN)
    add_application(db, 3, status="approved", due_date=dt.date(2026, 4, 30), submitted_at=NOW + 2 * MIN)

    def row_of(today):
        return {r.id: r for r in list_queue(db, QueueFilter(), after=None, today=today).rows}

    rows = row_of(TODAY)
    assert (rows[fresh.id].due_in_working_days, rows[fresh.id].overdue) == (3, False)
    rows = row_of(dt.date(2026, 3, 5))
    assert (rows[fresh.id].due_in_working_days, rows[fresh.id].overdue) == (0, False)
    rows = row_of(dt.date(2026, 3, 9))  # Monday after the due Thursday: Friday and Monday have passed
    assert (rows[fresh.id].due_in_working_days, rows[fresh.id].overdue) == (-2, True)

    rows = row_of(dt.date(2026, 5, 7))
    late = next(r for r in rows.values() if r.status == "submitted" and r.id != fresh.id)
    assert (late.due_in_working_days, late.overdue) == (-2, True)
    # Over the holiday itself it is overdue, though no working day has passed yet.
    rows = row_of(dt.date(2026, 5, 4))
    late = rows[late.id]
    assert (late.due_in_working_days, late.overdue) == (0, True)
    decided = next(r for r in rows.values() if r.status == "approved")
    assert (decided.due_in_working_days, decided.overdue) == (None, False)


@pytest.mark.parametrize("newest_first", [False, True])
def test_keyset_pages_walk_every_row_once_in_order(db, newest_first):
    reviewer = add_staff(db, "zhangsan", display_name="张三")
    statuses = ["submitted", "in_review", "approved", "rejected"]
    seeded = []
    for n in range(45):
        # Groups of three share a submission instant, so the id has to break ties across page boundaries.
        status = statuses[n % 4]
        seeded.append(add_application(
            db, n + 1, submitted_at=NOW + (n // 3) * MIN, status=status,
            claimed_by=reviewer if status == "in_review" else None,
        ))
    expected = sorted(((a.submitted_at, a.id) for a in seeded), reverse=newest_first)

    pages = walk(db, QueueFilter(newest_first=newest_first), limit=20)
    assert [len(p) for p in pages] == [20, 20, 5]
    walked = [r.id for page in pages for r in page]
    assert walked == [i for _, i in expected]
    assert len(set(walked)) == 45

    # One status (a single index range) and a filtered walk page the same way.
    open_pages = walk(db, QueueFilter(statuses=("submitted",), newest_first=newest_first), limit=5)
    assert [r.id for p in open_pages for r in p] == [i for _, i in expected if i in
                                                      {a.id for a in seeded[0::4]}]
    assert [len(p) for p in open_pages] == [5, 5, 2]


def test_rows_added_while_paging_do_not_shift_pages(db):
    first = [add_application(db, n + 1, submitted_at=NOW + n * MIN) for n in range(6)]
    page1 = list_queue(db, QueueFilter(), after=None, limit=3, today=TODAY)
    assert ids(page1.rows) == [a.id for a in first[:3]]
    # A newcomer sorts after everything (FIFO): the next page still starts right after page 1's last row.
    newcomer = add_application(db, 99, submitted_at=NOW + HOUR)
    page2 = list_queue(db, QueueFilter(), after=page1.next_cursor, limit=3, today=TODAY)
    assert ids(page2.rows) == [a.id for a in first[3:]]
    page3 = list_queue(db, QueueFilter(), after=page2.next_cursor, limit=3, today=TODAY)
    assert ids(page3.rows) == [newcomer.id] and page3.next_cursor is None


def test_a_bad_cursor_is_refused(db):
    add_application(db)
    for cursor in ("not-a-cursor", "W10", encode_cursor(NOW, 1)[:-3]):
        with pytest.raises(InvalidValue):
            list_queue(db, QueueFilter(), after=cursor, today=TODAY)
    # The empty queue is one empty page.
    assert list_queue(db, QueueFilter(statuses=("rejected",)), after=None, today=TODAY).rows == []
