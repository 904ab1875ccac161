"""The counter queue: only a clerk (or admin) lists and finishes tasks; a kind's completion runs with it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from jssi_app.domain.counter_tasks import BASE_DECREASE, DONE, MANUAL_CERTIFICATION, OPEN, REFUSED
from jssi_app.domain.errors import InvalidValue
from jssi_app.models.counter import CounterTask
from jssi_app.services import counter_tasks
from jssi_app.services.counter_tasks import CounterRefused, complete_task, get_task, list_tasks, open_task
from jssi_app.services.staff_accounts import create_staff
from tests.services.helpers import audit_rows

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
PW = "Counter2026ok"


@pytest.fixture
def staff(db):
    ids = {role: create_staff(db, username=f"{role}1", role=role, password=PW, now=T0).account_id
           for role in ("reviewer", "clerk", "admin")}
    db.commit()
    return ids


def _open(db, kind=MANUAL_CERTIFICATION, summary="退休人员 张** 人工认证", minutes=0):
    task = open_task(db, kind, summary=summary, actor="person:1", detail={"tries": 3},
                     now=T0 + dt.timedelta(minutes=minutes))
    db.commit()
    return task.id


def test_tasks_are_listed_oldest_first_to_a_clerk_only(db, staff):
    second = _open(db, BASE_DECREASE, "单位 某公司 缴费基数调减", minutes=5)
    first = _open(db)
    rows = list_tasks(db, staff_id=staff["clerk"]).rows
    assert [r.id for r in rows] == [first, second]
    assert rows[0].kind_label == "人工认证" and rows[0].status_label == "待办理"
    assert rows[0].detail == {"tries": 3}
    assert [r.id for r in list_tasks(db, staff_id=staff["clerk"], kind=BASE_DECREASE).rows] == [second]
    assert list_tasks(db, staff_id=staff["admin"]).total == 2
    for who in (staff["reviewer"], None, 999):
        with pytest.raises(CounterRefused):
            list_tasks(db, staff_id=who)
        with pytest.raises(CounterRefused):
            get_task(db, first, staff_id=who)


def test_a_long_queue_is_paged_in_order_with_every_task_once(db, staff):
    ids = [_open(db, summary=f"人工认证 {i}", minutes=i) for i in range(7)]
    _open(db, BASE_DECREASE, "单位 某公司 缴费基数调减", minutes=99)
    pages = [list_tasks(db, staff_id=staff["clerk"], kind=MANUAL_CERTIFICATION, page=n, page_size=3) for n in (1, 2, 3)]
    assert [p.page for p in pages] == [1, 2, 3] and {(p.total, p.pages) for p in pages} == {(7, 3)}
    assert [r.id for p in pages for r in p.rows] == ids  # oldest first, across pages, none twice or missed
    # A page past the end (tasks were finished meanwhile) shows the last one; before the start, the first.
    assert list_tasks(db, staff_id=staff["clerk"], kind=MANUAL_CERTIFICATION, page=9, page_size=3).page == 3
    assert list_tasks(db, staff_id=staff["clerk"], kind=MANUAL_CERTIFICATION, page=-2, page_size=3).rows[0].id == ids[0]
    empty = list_tasks(db, staff_id=staff["clerk"], status=DONE)
    assert (empty.rows, empty.total, empty.page, empty.pages) == ([], 0, 1, 1)


def test_completing_runs_the_kinds_completion_and_closes_once(db, staff, monkeypatch):
    calls = []
    monkeypatch.setitem(counter_tasks.COMPLETIONS, MANUAL_CERTIFICATION,
                        lambda _db, task, clerk, approved, note, now: calls.append((task.id, clerk.username, approved)))
    task_id = _open(db)
    row = complete_task(db, task_id, staff_id=staff["clerk"], approved=True, note="", now=T0)
    assert row.status == DONE and calls == [(task_id, "clerk1", True)]
    with pytest.raises(CounterRefused) as closed:
        complete_task(db, task_id, staff_id=staff["clerk"], approved=True, note="", now=T0)
    assert closed.value.code == "closed"
    assert len(calls) == 1
    events = [(r.event, r.outcome) for r in audit_rows(db) if r.subject == f"counter_task:{task_id}"]
    assert events == [("counter_task_opened", "success"), ("counter_task_completed", "success")]


def test_refusing_needs_a_note_and_a_failed_completion_leaves_the_task_open(db, staff, monkeypatch):
    task_id = _open(db)
    with pytest.raises(InvalidValue):
        complete_task(db, task_id, staff_id=staff["clerk"], approved=False, note="  ", now=T0)

    def boom(*_args):
        raise CounterRefused("本人未到场", code="absent")

    monkeypatch.setitem(counter_tasks.COMPLETIONS, MANUAL_CERTIFICATION, boom)
    with pytest.raises(CounterRefused):
        complete_task(db, task_id, staff_id=staff["clerk"], approved=True, note="", now=T0)
    assert db.exec(select(CounterTask.status).where(CounterTask.id == task_id)).one() == OPEN
    db.commit()

    monkeypatch.delitem(counter_tasks.COMPLETIONS, MANUAL_CERTIFICATION)
    row = complete_task(db, task_id, staff_id=staff["clerk"], approved=False, note="本人未携带身份证", now=T0)
    assert row.status == REFUSED and row.outcome_note == "本人未携带身份证"
    with pytest.raises(CounterRefused):
        complete_task(db, task_id, staff_id=staff["reviewer"], approved=True, note="", now=T0)
