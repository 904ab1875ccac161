"""The clerk's counter queue (窗口经办): open, list and finish counter tasks.

Other use cases hand work to the counter with `open_task` inside their own transaction (a task exists
exactly when the thing that needs it was stored). Finishing a task runs the kind's own completion
(`COMPLETIONS`), so that e.g. a 人工认证 records the certification and a 缴费基数调减 applies the base,
in the same transaction as closing the task.

Only an enabled 窗口经办 (or the system administrator) with a changed password may list or finish tasks;
`require_clerk` is the one place that decides it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import format_local
from jssi_app.domain.counter_tasks import (
    DONE,
    KIND_LABELS,
    OPEN,
    REFUSED,
    STATUS_LABELS,
    validate_kind,
    validate_note,
)
from jssi_app.domain.errors import DomainError
from jssi_app.domain.paging import page_count, shown_page
from jssi_app.models.counter import CounterTask
from jssi_app.models.staff import StaffAccount
from jssi_app.services import audit

CLERK_ROLES = ("clerk", "admin")
CLERK_ONLY = "仅窗口经办人员可以办理此业务"
CHANGE_PASSWORD_FIRST = "请先修改初始密码，再办理业务"
TASK_NOT_FOUND = "该窗口业务不存在"
TASK_CLOSED = "该窗口业务已办结，无需重复办理"


class CounterRefused(DomainError):
    code = "counter_refused"


# kind → completion(db, task, clerk, approved, note, now); registered by the module that owns the kind.
Completion = Callable[[Session, CounterTask, StaffAccount, bool, str, dt.datetime], None]
COMPLETIONS: dict[str, Completion] = {}


def register_completion(kind: str, completion: Completion) -> None:
    COMPLETIONS[validate_kind(kind)] = completion


@dataclass(frozen=True)
class TaskRow:
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    summary: str
    created: str
    handled: str
    outcome_note: str
    detail: dict


def require_clerk(db: Session, staff_id: int | None) -> StaffAccount:
    """The enabled clerk (or admin) `staff_id`; CounterRefused for anyone else, including None."""
    account = db.get(StaffAccount, staff_id, populate_existing=True) if staff_id else None
    if account is None or account.disabled_at is not None or account.role not in CLERK_ROLES:
        raise CounterRefused(CLERK_ONLY, code="not_clerk")
    if account.must_change_password:
        raise CounterRefused(CHANGE_PASSWORD_FIRST, code="password_change_required")
    return account


def open_task(
    db: Session,
    kind: str,
    *,
    summary: str,
    actor: str,
    person_id: int | None = None,
    unit_id: int | None = None,
    ref_id: int | None = None,
    detail: dict | None = None,
    now: dt.datetime,
) -> CounterTask:
    """Adds a task inside the caller's transaction (the caller commits)."""
    task = CounterTask(
        kind=validate_kind(kind),
        status=OPEN,
        person_id=person_id,
        unit_id=unit_id,
        ref_id=ref_id,
        summary=summary[:200],
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        created_at=now,
    )
    db.add(task)
    db.flush()
    audit.record(db, "counter_task_opened", actor=actor, subject=f"counter_task:{task.id}",
                 detail={"kind": kind})
    return task


def _row(task: CounterTask) -> TaskRow:
    return TaskRow(
        id=task.id or 0,
        kind=task.kind,
        kind_label=KIND_LABELS.get(task.kind, task.kind),
        status=task.status,
        status_label=STATUS_LABELS.get(task.status, task.status),
        summary=task.summary,
        created=format_local(task.created_at),
        handled=format_local(task.handled_at) if task.handled_at else "",
        outcome_note=task.outcome_note,
        detail=json.loads(task.detail or "{}"),
    )


PAGE_SIZE = 50


@dataclass(frozen=True)
class TaskPage:
    rows: list[TaskRow]
    total: int
    page: int  # the page shown: the one asked for, brought into 1..pages
    pages: int


def list_tasks(db: Session, *, staff_id: int, status: str = OPEN, kind: str = "", page: int = 1,
               page_size: int = PAGE_SIZE) -> TaskPage:
    """Oldest first: the counter works first come, first served. Numbered pages (a clerk says "page 3" to a
    colleague); a counter's queue is hundreds of tasks at most, so OFFSET costs nothing here."""
    try:
        require_clerk(db, staff_id)
        where = [CounterTask.status == status]
        if kind:
            where.append(CounterTask.kind == validate_kind(kind))
        total = db.exec(select(func.count()).select_from(CounterTask).where(*where)).one()
        pages = page_count(total, page_size)
        page = shown_page(page, pages)
        tasks = db.exec(select(CounterTask).where(*where)
                        .order_by(col(CounterTask.created_at), col(CounterTask.id))
                        .offset((page - 1) * page_size).limit(page_size)).all()
        return TaskPage([_row(t) for t in tasks], total, page, pages)
    finally:
        db.commit()


def get_task(db: Session, task_id: int, *, staff_id: int) -> TaskRow:
    try:
        require_clerk(db, staff_id)
        task = db.get(CounterTask, task_id)
        if task is None:
            raise CounterRefused(TASK_NOT_FOUND, code="not_found")
        return _row(task)
    finally:
        db.commit()


def complete_task(
    db: Session,
    task_id: int,
    *,
    staff_id: int,
    approved: bool,
    note: str,
    now: dt.datetime,
    client_ip: str = "",
) -> TaskRow:
    """办结 (approved) or 不予办理 (refused, a note is required); runs the kind's completion first."""
    clean = validate_note(note, required=not approved)
    try:
        clerk = require_clerk(db, staff_id)
        task = db.get(CounterTask, task_id, populate_existing=True)
        if task is None:
            raise CounterRefused(TASK_NOT_FOUND, code="not_found")
        if task.status != OPEN:
            raise CounterRefused(TASK_CLOSED, code="closed")
        completion = COMPLETIONS.get(task.kind)
        if completion is not None:
            completion(db, task, clerk, approved, clean, now)
        task.status = DONE if approved else REFUSED
        task.handled_by = clerk.id
        task.handled_at = now
        task.outcome_note = clean
        db.add(task)
        audit.record(db, "counter_task_completed", actor=f"staff:{clerk.id}", subject=f"counter_task:{task_id}",
                     client_ip=client_ip, outcome="success" if approved else "refused",
                     detail={"kind": task.kind, "clerk": clerk.username})
        row = _row(task)
        db.commit()
        return row
    except BaseException:
        db.rollback()
        raise
