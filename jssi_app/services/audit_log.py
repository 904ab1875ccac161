"""审计日志 for the system administrator: search with filters, CSV export, hash-chain verification.

Paging is by keyset on the id, newest first: a page is ``id < :before_id ORDER BY id DESC LIMIT n`` (never
OFFSET), so page 1,000 costs what page 1 costs and a row appears exactly once even while new events are
appended above the first page. The export walks the same keyset in batches and stops at MAX_EXPORT_ROWS.

Subjects are stored already masked (ID numbers, phones, e-mail addresses), so the log is shown as stored.
Every function checks `admin_id` itself (services.staff_admin.require_admin).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import SHANGHAI, to_local
from jssi_app.domain.audit_chain import EVENTS, ChainCheck
from jssi_app.domain.errors import FieldError, ValidationFailed
from jssi_app.domain.search_text import searchable
from jssi_app.models.operations import AuditEvent
from jssi_app.services import audit, sessions
from jssi_app.services.staff_admin import require_admin

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
EXPORT_BATCH = 2000
MAX_EXPORT_ROWS = 100_000
CSV_HEADER = ("时间", "事件", "操作者", "对象", "客户端地址", "结果", "详情", "哈希")
# Query parameter names of the CSV route, in the order the filter form shows them.
FILTER_PARAMS = ("event", "actor", "subject", "outcome", "since", "until")

OUTCOME_LABELS = {"success": "成功", "failure": "失败"}
# What an administrator reads next to each event name; an event without a label shows its name only.
EVENT_LABELS: dict[str, str] = {
    "account_created": "个人用户注册",
    "real_name_failed": "实名核验未通过",
    "registration_rejected": "注册被拒绝",
    "sms_sent": "发送短信验证码",
    "sms_send_refused": "短信发送被拒绝",
    "sms_code_failed": "短信验证码错误",
    "email_sent": "发送电子邮件",
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "account_locked": "账号锁定",
    "sign_out": "退出",
    "session_expired": "会话超时",
    "profile_completed": "完善个人信息",
    "password_reset_requested": "申请重置密码",
    "password_reset": "重置密码",
    "password_reset_failed": "重置密码失败",
    "password_changed": "修改密码",
    "registry_imported": "导入参保库",
    "registry_import_failed": "导入参保库失败",
    "throttled": "访问频率受限",
    "staff_created": "新增工作人员",
    "staff_disabled": "停用工作人员",
    "staff_enabled": "启用工作人员",
    "staff_password_reset": "重置工作人员密码",
    "unit_registered": "单位用户注册",
    "unit_registration_rejected": "单位注册被拒绝",
    "application_submitted": "提交申请",
    "material_uploaded": "上传材料",
    "material_refused": "材料被拒收",
    "material_removed": "删除材料",
    "material_access_denied": "材料访问被拒绝",
    "material_viewed": "查看材料",
    "progress_queried": "查询审核进度",
    "progress_query_failed": "查询审核进度失败",
    "application_claimed": "领取申请",
    "application_released": "释放申请",
    "application_approved": "审核通过",
    "application_rejected": "审核退回",
    "notification_sent": "发送通知",
    "notification_failed": "通知发送失败",
    "pii_revealed": "查看完整号码",
    "audit_exported": "导出审计日志",
}

# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection): such
# cells are written with a leading apostrophe. Only text that came from outside can start this way.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS = (
    AuditEvent.id, AuditEvent.at, AuditEvent.event, AuditEvent.actor, AuditEvent.subject, AuditEvent.client_ip,
    AuditEvent.outcome, AuditEvent.detail, AuditEvent.hash,
)


@dataclass(frozen=True)
class AuditFilter:
    event: str = ""  # one name of EVENTS, "" for all
    actor: str = ""  # exact, or a prefix when it ends with * ("staff:*")
    subject: str = ""  # exact (as stored, i.e. masked), or a prefix when it ends with *
    outcome: str = ""  # "success", "failure" or "" for both
    since: dt.date | None = None  # China-local dates, both ends included
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str  # China-local "YYYY-MM-DD HH:MM:SS"
    event: str
    event_label: str
    actor: str
    subject: str
    client_ip: str
    outcome: str
    outcome_label: str
    detail: str  # the stored JSON
    hash: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    next_before_id: int | None  # pass as before_id for the next (older) page; None on the last page


def event_label(event: str) -> str:
    label = EVENT_LABELS.get(event)
    return f"{label}（{event}）" if label else event


def event_choices() -> list[tuple[str, str]]:
    """(value, label) for the event select, every name of the vocabulary, by label."""
    return sorted(((e, event_label(e)) for e in EVENTS), key=lambda pair: (pair[0] not in EVENT_LABELS, pair[0]))


def _parse_date(raw: str, field: str, errors: list[FieldError]) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(field, "日期格式应为 YYYY-MM-DD"))
        return None


def filter_from_params(params: Mapping[str, str]) -> AuditFilter:
    """An AuditFilter from query parameters or form fields (FILTER_PARAMS); ValidationFailed when malformed."""
    errors: list[FieldError] = []
    since = _parse_date(str(params.get("since", "")), "since", errors)
    until = _parse_date(str(params.get("until", "")), "until", errors)
    if errors:
        raise ValidationFailed(errors)
    filt = AuditFilter(
        event=searchable(str(params.get("event", ""))),
        actor=searchable(str(params.get("actor", ""))),
        subject=searchable(str(params.get("subject", ""))),
        outcome=searchable(str(params.get("outcome", ""))),
        since=since,
        until=until,
    )
    _conditions(filt)  # validates the rest
    return filt


def filter_params(filt: AuditFilter) -> dict[str, str]:
    """The non-empty filter values as query parameters (the inverse of filter_from_params)."""
    values = {
        "event": filt.event, "actor": filt.actor, "subject": filt.subject, "outcome": filt.outcome,
        "since": filt.since.isoformat() if filt.since else "", "until": filt.until.isoformat() if filt.until else "",
    }
    return {name: values[name] for name in FILTER_PARAMS if values[name]}


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)


def _text_match(column, value: str, field: str, label: str, errors: list[FieldError]):
    if len(value) > 65:
        errors.append(FieldError(field, f"{label}最多64个字符"))
        return None
    if value.endswith("*"):
        prefix = value.rstrip("*")
        return col(column).startswith(prefix, autoescape=True) if prefix else None
    return col(column) == value


def _conditions(filt: AuditFilter) -> list:
    errors: list[FieldError] = []
    conditions = []
    if filt.event:
        if filt.event not in EVENTS:
            errors.append(FieldError("event", "请选择列表中的事件"))
        else:
            conditions.append(col(AuditEvent.event) == filt.event)
    for column, value, field, label in (
        (AuditEvent.actor, filt.actor, "actor", "操作者"), (AuditEvent.subject, filt.subject, "subject", "对象"),
    ):
        if value:
            condition = _text_match(column, value, field, label, errors)
            if condition is not None:
                conditions.append(condition)
    if filt.outcome:
        if filt.outcome not in OUTCOME_LABELS:
            errors.append(FieldError("outcome", "结果应为成功或失败"))
        else:
            conditions.append(col(AuditEvent.outcome) == filt.outcome)
    if filt.since and filt.until and filt.since > filt.until:
        errors.append(FieldError("until", "结束日期不能早于开始日期"))
    if filt.since:
        conditions.append(col(AuditEvent.at) >= _local_midnight_utc(filt.since))
    if filt.until:
        conditions.append(col(AuditEvent.at) < _local_midnight_utc(filt.until + dt.timedelta(days=1)))
    if errors:
        raise ValidationFailed(errors)
    return conditions


def _local_seconds(moment: dt.datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def _row(values) -> AuditRow:  # values: one result tuple in _COLUMNS order
    row_id, at, event, actor, subject, client_ip, outcome, detail, hash_ = values
    return AuditRow(
        id=int(row_id), at=_local_seconds(at), event=event, event_label=event_label(event), actor=actor,
        subject=subject, client_ip=client_ip, outcome=outcome, outcome_label=OUTCOME_LABELS.get(outcome, outcome),
        detail=detail, hash=hash_,
    )


def _batch(db: Session, conditions: list, before_id: int | None, limit: int) -> list:
    query = select(*_COLUMNS).where(*conditions)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    return list(db.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all())


def search_audit(
    db: Session, filt: AuditFilter, *, admin_id: int | None, before_id: int | None = None, limit: int = PAGE_SIZE,
) -> AuditPage:
    """One page, newest first: rows with id < before_id (the first page when None)."""
    require_admin(db, admin_id)
    conditions = _conditions(filt)
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    found = _batch(db, conditions, before_id, limit + 1)
    db.commit()  # end the read (on SQLite it holds the write lock)
    rows = [_row(values) for values in found[:limit]]
    return AuditPage(rows=rows, next_before_id=rows[-1].id if len(found) > limit else None)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_chunks(db: Session, conditions: list, cap: int, counted: dict[str, int]) -> Iterator[bytes]:
    """BOM and header, then one chunk per keyset batch, newest first; counted["rows"] tracks the rows written,
    counted["more"] is 1 when rows beyond `cap` were left out."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    before_id: int | None = None
    while counted["rows"] < cap:
        batch = _batch(db, conditions, before_id, min(EXPORT_BATCH, cap - counted["rows"]))
        if not batch:
            return
        buffer.seek(0)
        buffer.truncate()
        for values in batch:
            r = _row(values)
            writer.writerow((r.at, r.event, _cell(r.actor), _cell(r.subject), _cell(r.client_ip),
                             r.outcome_label, _cell(r.detail), r.hash))
        counted["rows"] += len(batch)
        before_id = batch[-1][0]
        yield buffer.getvalue().encode("utf-8")
    if before_id is not None and _batch(db, conditions, before_id, 1):
        counted["more"] = 1


def export_audit_csv(
    db: Session, filt: AuditFilter, *, admin_id: int | None, now: dt.datetime, client_ip: str,
    max_rows: int = MAX_EXPORT_ROWS,
) -> bytes:
    """The matching events as CSV (UTF-8 with BOM for Excel), newest first, at most `max_rows` of them.

    The export itself is audited (audit_exported, with the filter and the row count) in the same transaction
    that read the rows: no file leaves without its record.
    """
    require_admin(db, admin_id)
    conditions = _conditions(filt)
    counted = {"rows": 0, "more": 0}
    data = b"".join(_csv_chunks(db, conditions, max(0, min(max_rows, MAX_EXPORT_ROWS)), counted))
    audit.record(db, "audit_exported", actor=f"staff:{admin_id}", subject="audit_log", client_ip=client_ip,
                 detail={"filter": filter_params(filt), "rows": counted["rows"], "truncated": bool(counted["more"])})
    db.commit()
    return data


def export_filename(now: dt.datetime) -> str:
    return f"audit-{to_local(now):%Y%m%d}.csv"


def verify_log(db: Session, *, admin_id: int | None) -> ChainCheck:
    """校验哈希链 over the whole log: ok, how many rows were checked, and the id of the first bad row."""
    require_admin(db, admin_id)
    db.commit()
    result = audit.verify_audit_log(db)
    db.commit()
    return result


def export_for_session(
    db: Session, token: str, params: Mapping[str, str], *, now: dt.datetime, client_ip: str,
) -> tuple[bytes, str]:
    """The CSV route's work: (csv bytes, file name) for the admin whose session cookie is `token`.

    AdminRefused for anyone else (checked before the parameters are looked at); ValidationFailed for a
    malformed filter.
    """
    principal = sessions.resume_session(db, token, now)
    admin_id = principal.account_id if principal is not None and principal.account_kind == "staff" else None
    require_admin(db, admin_id)
    filt = filter_from_params(params)
    return export_audit_csv(db, filt, admin_id=admin_id, now=now, client_ip=client_ip), export_filename(now)
