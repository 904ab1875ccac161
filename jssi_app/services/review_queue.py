"""The review queue (审核列表) and the dashboard counts for staff.

The queue pages by keyset on (submitted_at, id), never OFFSET: a cursor names the last row shown and the
next page starts strictly after it, so paging stays as fast on page 5,000 as on page 1 and a row is shown
exactly once even while new applications arrive. The cursor is opaque to pages (base64 of the two values).

Each status is read by its own ``status = :s ORDER BY submitted_at, id LIMIT n`` branch, which is a range
scan of ix_unit_application_queue (status, submitted_at, id); the branches are merged with UNION ALL and
cut to the page. A single ``status IN (…)`` query could not use the index order across statuses and would
sort every matching row at 100,000 applications.

Due dates are China-local calendar dates and due/overdue is counted in working days
(jssi_app/domain/working_days.py): an application is overdue once its due date has passed while it is
still 待审核 or 审核中.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, literal, or_, tuple_, union_all
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import SHANGHAI, format_local
from jssi_app.domain.credit_codes import normalize_credit_code
from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.review import STATUS_LABELS, ApplicationStatus
from jssi_app.domain.search_text import searchable
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import UnitApplication
from jssi_app.domain.working_days import working_days_between

OPEN_STATUSES: tuple[ApplicationStatus, ...] = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)
# Drafts were never submitted (no submitted_at): they are the unit's business, not the queue's.
QUEUE_STATUSES: tuple[ApplicationStatus, ...] = (
    ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED, ApplicationStatus.REJECTED,
)
MAX_PAGE_SIZE = 100
BAD_CURSOR = "翻页参数无效，请回到第一页重新查看"


@dataclass(frozen=True)
class QueueFilter:
    search: str = ""  # a credit-code prefix (any case, full-width allowed) or part of the unit name
    statuses: tuple[str, ...] = ()  # empty: every submitted status (待审核, 审核中, 已通过, 未通过)
    submitted_from: dt.date | None = None  # China-local dates, both ends included
    submitted_to: dt.date | None = None
    overdue_only: bool = False
    newest_first: bool = False  # the default is first come, first served


@dataclass(frozen=True)
class QueueRow:
    id: int
    reference_no: str
    uscc: str
    unit_name: str
    status: str
    status_label: str
    submitted_at: str  # China-local "YYYY-MM-DD HH:MM"
    due_date: dt.date | None
    due_estimated: bool
    # Working days until due (0 = due today); negative = overdue by that many working days. None once decided.
    due_in_working_days: int | None
    # The due date has passed while still open. Over a weekend right after the due day this is True while
    # due_in_working_days is still 0 (no working day has passed yet).
    overdue: bool
    claimed_by: str  # the claimant's display name (username when none), "" when nobody holds the claim
    round_number: int
    flags: int  # failed automatic pre-checks (unit registry), shown to the reviewer as warnings


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None  # None on the last page


def dashboard_counts(db: Session, *, today: dt.date) -> dict[str, int]:
    """Applications per status (every ApplicationStatus value, 0 when none) and "overdue": open ones past due."""
    counts = {status.value: 0 for status in ApplicationStatus}
    for status, number in db.exec(
        select(UnitApplication.status, func.count()).group_by(UnitApplication.status)
    ).all():
        counts[status] = int(number)
    counts["overdue"] = int(
        db.exec(
            select(func.count())
            .select_from(UnitApplication)
            .where(col(UnitApplication.status).in_([s.value for s in OPEN_STATUSES]),
                   col(UnitApplication.due_date) < today)
        ).one()
    )
    db.commit()  # end the read (on SQLite it holds the write lock)
    return counts


def encode_cursor(submitted_at: dt.datetime, application_id: int) -> str:
    if submitted_at.tzinfo is None:  # stored UTC; a dialect without zones hands it back naive
        submitted_at = submitted_at.replace(tzinfo=dt.UTC)
    raw = json.dumps([submitted_at.astimezone(dt.UTC).isoformat(), application_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, application_id = json.loads(raw)
        at = dt.datetime.fromisoformat(at_text)
        if at.tzinfo is None or not isinstance(application_id, int) or isinstance(application_id, bool):
            raise ValueError("bad cursor")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidValue(BAD_CURSOR) from None
    return at, application_id


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)


def _conditions(filt: QueueFilter, today: dt.date) -> list:
    conditions = []
    text = searchable(filt.search)
    if text:
        code = normalize_credit_code(text)
        name_match = col(UnitApplication.unit_name).icontains(text, autoescape=True)
        if code.isascii() and code.isalnum():
            conditions.append(or_(col(UnitApplication.uscc).startswith(code, autoescape=True), name_match))
        else:
            conditions.append(name_match)
    if filt.submitted_from is not None:
        conditions.append(col(UnitApplication.submitted_at) >= _local_midnight_utc(filt.submitted_from))
    if filt.submitted_to is not None:
        end = _local_midnight_utc(filt.submitted_to + dt.timedelta(days=1))
        conditions.append(col(UnitApplication.submitted_at) < end)
    if filt.overdue_only:
        conditions.append(col(UnitApplication.due_date) < today)
    return conditions


def _statuses(filt: QueueFilter) -> list[ApplicationStatus]:
    wanted: Iterable[ApplicationStatus] = QUEUE_STATUSES
    if filt.statuses:
        try:
            chosen = {ApplicationStatus(s) for s in filt.statuses}
        except ValueError:
            raise InvalidValue("审核状态筛选条件无效，请重新选择") from None
        wanted = [s for s in QUEUE_STATUSES if s in chosen]
    if filt.overdue_only:
        wanted = [s for s in wanted if s in OPEN_STATUSES]
    return list(wanted)


def _flags(prechecks: str) -> int:
    try:
        checks = json.loads(prechecks or "{}")
    except ValueError:
        return 0
    if not isinstance(checks, dict):
        return 0
    return sum(1 for value in checks.values() if value is False)


def _row(app: UnitApplication, claimant: str, today: dt.date) -> QueueRow:
    status = ApplicationStatus(app.status)
    is_open = status in OPEN_STATUSES and app.due_date is not None
    return QueueRow(
        id=int(app.id),
        reference_no=app.reference_no,
        uscc=app.uscc,
        unit_name=app.unit_name,
        status=status.value,
        status_label=STATUS_LABELS[status],
        submitted_at=format_local(app.submitted_at),
        due_date=app.due_date,
        due_estimated=app.due_estimated,
        due_in_working_days=working_days_between(today, app.due_date) if is_open else None,
        overdue=is_open and app.due_date < today,
        claimed_by=claimant,
        round_number=app.round_number,
        flags=_flags(app.prechecks),
    )


def list_queue(
    db: Session, filt: QueueFilter, *, after: str | None = None, limit: int = 20, today: dt.date
) -> QueuePage:
    """One page of the queue in submission order (oldest first unless `newest_first`), after the cursor
    `after` (the previous page's next_cursor; None for the first page)."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    statuses = _statuses(filt)
    if not statuses:
        return QueuePage([], None)
    position = decode_cursor(after) if after else None
    conditions = _conditions(filt, today)
    at_col, id_col = col(UnitApplication.submitted_at), col(UnitApplication.id)
    desc = filt.newest_first

    branches = []
    for status in statuses:
        branch = select(at_col.label("submitted_at"), id_col.label("id")).where(
            col(UnitApplication.status) == status.value, at_col.is_not(None), *conditions
        )
        if position is not None:
            key = tuple_(at_col, id_col)
            bound = tuple_(literal(position[0], at_col.type), literal(position[1], id_col.type))
            branch = branch.where(key < bound if desc else key > bound)
        order = (at_col.desc(), id_col.desc()) if desc else (at_col, id_col)
        branches.append(branch.order_by(*order).limit(limit + 1))
    if len(branches) == 1:
        page_query = branches[0]
    else:
        # Each branch is wrapped as a subquery: SQLite allows no ORDER BY/LIMIT on a bare UNION member.
        merged = union_all(*(select(b.subquery()) for b in branches)).subquery()
        order = (merged.c.submitted_at.desc(), merged.c.id.desc()) if desc else (merged.c.submitted_at, merged.c.id)
        page_query = select(merged.c.submitted_at, merged.c.id).order_by(*order).limit(limit + 1)
    keys = [(at, int(i)) for at, i in db.exec(page_query).all()]

    more = len(keys) > limit
    keys = keys[:limit]
    rows: list[QueueRow] = []
    if keys:
        found = db.exec(
            select(UnitApplication, StaffAccount.display_name, StaffAccount.username)
            .outerjoin(StaffAccount, col(StaffAccount.id) == col(UnitApplication.claimed_by))
            .where(col(UnitApplication.id).in_([i for _, i in keys]))
        ).all()
        by_id = {int(app.id): (app, (name or "").strip() or (username or "")) for app, name, username in found}
        rows = [_row(by_id[i][0], by_id[i][1], today) for _, i in keys if i in by_id]
    db.commit()  # end the read (on SQLite it holds the write lock)
    next_cursor = encode_cursor(*keys[-1]) if more else None
    return QueuePage(rows, next_cursor)
