"""审核 (staff review of unit registrations): 领取, 释放, 通过, 退回, and showing a masked personal number.

Every action is one transaction. The application row only ever changes through a conditional
``UPDATE … WHERE id = :id AND version = :read_version`` that also bumps the version, so when two staff
members act on the same application at once exactly one update matches; the other is refused with
ConcurrentDecision, which names who acted and when. On SQLite whole transactions are serialised (every
one begins IMMEDIATE, see jssi_app/db.py), so there the second one reads the new state and `decide`
refuses it; that refusal names who acted too. A page that passes `expected_version` (the version it
showed) gets ConcurrentDecision whenever the application moved on since it was shown.

The handler is notified of every decision after the commit: by SMS, and by mail when an address was
given. A failed delivery is audited (notification_failed) and never undoes the decision.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import format_local, to_local
from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.domain.contact import mask_email, mask_phone
from jssi_app.domain.errors import DomainError, FieldError, ValidationFailed
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.domain.review import (
    ACTION_ROLES,
    MATERIAL_LABELS,
    MAX_OPINION_LENGTH,
    ROLE_LABELS,
    STATUS_LABELS,
    Action,
    ApplicationStatus,
    ClaimEffect,
    Rejection,
    Role,
    TransitionRefused,
    decide,
    validate_rejection,
)
from jssi_app.domain.review import (
    clean_text as _clean_review_text,  # the cleaning validate_rejection applies
)
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import MaterialRejection as MaterialRejectionRow
from jssi_app.models.units import ReviewRound, UnitAccount, UnitApplication
from jssi_app.services import audit

log = logging.getLogger(__name__)

STAFF_ROLES = frozenset({Role.REVIEWER, Role.CLERK, Role.ADMIN})
STAFF_UNAVAILABLE = "您的工作人员账号不存在或已停用，请联系系统管理员。"
NOT_FOUND = "未找到该注册申请，请返回审核列表刷新后重试。"

_EVENTS: dict[Action, str] = {
    Action.CLAIM: "application_claimed",
    Action.RELEASE: "application_released",
    Action.APPROVE: "application_approved",
    Action.REJECT: "application_rejected",
}

# What the other person did, as the refused one is told: "该申请已由审核员 张三（zhangsan）于 11-28 14:05 领取".
_VERBS: dict[ApplicationStatus, str] = {
    ApplicationStatus.IN_REVIEW: "领取",
    ApplicationStatus.APPROVED: "审核通过",
    ApplicationStatus.REJECTED: "退回",
}

SMS_APPROVED = (
    "【江苏人社】您单位（统一社会信用代码末4位为{tail}）的网上服务大厅注册申请已审核通过，"
    "可使用统一社会信用代码和密码登录。"
)
SMS_REJECTED = (
    "【江苏人社】您单位（统一社会信用代码末4位为{tail}）的网上服务大厅注册申请未通过审核，"
    "请登录或通过“审核进度查询”查看原因，修改后重新提交。"
)
MAIL_SUBJECT = "江苏社保网上服务大厅：单位注册申请审核结果"


class ReviewRefused(DomainError):
    """The staff account may not act at all (missing, disabled, not a staff role) or the application is gone."""

    code = "review_refused"


class ConcurrentDecision(DomainError):
    """Someone else acted on the application between this person's read and their write.

    `actor_id`, `verb` and `at` say who did what when (None when it cannot be told, e.g. after a release).
    """

    code = "concurrent_decision"

    def __init__(self, message: str, *, actor_id: int | None = None, verb: str = "", at: dt.datetime | None = None):
        super().__init__(message)
        self.actor_id = actor_id
        self.verb = verb
        self.at = at


@dataclass(frozen=True)
class Notifier:
    """Where decision notices go; tests pass OutboxSms(engine)/OutboxMail(engine)."""

    sms: Any  # send_notice(phone, text)
    mail: Any  # send(to, subject, body)

    @classmethod
    def default(cls) -> Notifier:
        from jssi_app.adapters.mail import mailer
        from jssi_app.adapters.sms import sms_sender

        return cls(sms=sms_sender(), mail=mailer())


@dataclass(frozen=True)
class ReviewResult:
    application_id: int
    reference_no: str
    status: ApplicationStatus
    status_label: str
    version: int
    round_number: int
    claimed_by: int | None
    notified: tuple[str, ...] = ()  # channels that took the notice: "sms", "email"
    not_notified: tuple[str, ...] = ()  # channels that failed (audited as notification_failed)


# --- shared steps ----------------------------------------------------------------------------------


def _staff(db: Session, staff_id: int) -> tuple[StaffAccount, Role]:
    account = db.get(StaffAccount, staff_id, populate_existing=True)
    if account is None or account.disabled_at is not None:
        raise ReviewRefused(STAFF_UNAVAILABLE, code="staff_unavailable")
    try:
        role = Role(account.role)
    except ValueError:
        role = None
    if role not in STAFF_ROLES:
        raise ReviewRefused(STAFF_UNAVAILABLE, code="staff_unavailable")
    return account, role


def _application(db: Session, application_id: int) -> UnitApplication:
    app = db.exec(
        select(UnitApplication).where(UnitApplication.id == application_id).execution_options(populate_existing=True)
    ).first()
    if app is None:
        raise ReviewRefused(NOT_FOUND, code="not_found")
    return app


def _current_round(db: Session, app: UnitApplication) -> ReviewRound | None:
    return db.exec(
        select(ReviewRound)
        .where(ReviewRound.application_id == app.id, ReviewRound.number == app.round_number)
        .execution_options(populate_existing=True)
    ).first()


def staff_label(account: StaffAccount | None) -> str:
    """审核员 张三（zhangsan）, or 审核员 zhangsan when no display name was set."""
    if account is None:
        return "其他工作人员"
    try:
        role = ROLE_LABELS[Role(account.role)]
    except ValueError:
        role = "工作人员"
    name = (account.display_name or "").strip()
    return f"{role} {name}（{account.username}）" if name else f"{role} {account.username}"


@dataclass(frozen=True)
class _LastAct:
    actor_id: int | None
    verb: str
    at: dt.datetime | None

    def describe(self, db: Session, viewer_id: int) -> str:
        who = "您本人" if self.actor_id == viewer_id else staff_label(
            db.get(StaffAccount, self.actor_id) if self.actor_id is not None else None
        )
        when = f" {to_local(self.at):%m-%d %H:%M} " if self.at else " "
        return f"{who}于{when}{self.verb}"


def _last_act(db: Session, app: UnitApplication) -> _LastAct | None:
    """Who put the application where it is now, when that is a staff action still visible in the rows."""
    status = ApplicationStatus(app.status)
    if status == ApplicationStatus.IN_REVIEW:
        return _LastAct(app.claimed_by, _VERBS[status], app.claimed_at)
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        current = _current_round(db, app)
        decided_by = current.decided_by if current else None
        return _LastAct(decided_by, _VERBS[status], (current.decided_at if current else None) or app.decided_at)
    return None


def _concurrent(db: Session, application_id: int, staff_id: int) -> ConcurrentDecision:
    """The refusal for the one who lost a race, read from the rows as they are now."""
    app = _application(db, application_id)
    act = _last_act(db, app)
    if act is None:
        label = STATUS_LABELS[ApplicationStatus(app.status)]
        return ConcurrentDecision(f"该申请刚刚已被他人处理，当前状态为“{label}”，请刷新页面后重试")
    return ConcurrentDecision(
        f"该申请已由{act.describe(db, staff_id)}，无需重复操作", actor_id=act.actor_id, verb=act.verb, at=act.at
    )


def _refusal_naming_actor(
    db: Session, app: UnitApplication, action: Action, role: Role, staff_id: int, refused: TransitionRefused
) -> TransitionRefused:
    """A state refusal, told with who put the application in that state (role refusals stay as they are)."""
    if role not in ACTION_ROLES[action]:
        return refused
    act = _last_act(db, app)
    if act is None or (app.status == ApplicationStatus.IN_REVIEW and act.actor_id == staff_id):
        return refused
    return TransitionRefused(f"{refused.message}（{act.describe(db, staff_id)}）")


def _clean_opinion(opinion: str) -> str:
    text = _clean_review_text(opinion)
    if len(text) > MAX_OPINION_LENGTH:
        raise ValidationFailed([FieldError(
            "opinion", f"审核意见不能超过{MAX_OPINION_LENGTH}个字，当前{len(text)}个字，请精简"
        )])
    return text


@dataclass(frozen=True)
class _Decided:
    """What the notice after the commit needs, captured inside the transaction."""

    status: ApplicationStatus
    reference_no: str
    uscc: str
    unit_name: str
    phone_enc: str
    email_enc: str | None
    submitted_at: dt.datetime | None
    opinion: str
    rejection: Rejection | None


def _act(
    db: Session,
    application_id: int,
    action: Action,
    *,
    staff_id: int,
    now: dt.datetime,
    expected_version: int | None,
    client_ip: str,
    opinion: str = "",
    reasons: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[ReviewResult, _Decided | None]:
    try:
        _account, role = _staff(db, staff_id)
        app = _application(db, application_id)
        # As read: the UPDATE below synchronises the in-session object, so keep what the decision was made on.
        read_version, held_by = app.version, app.claimed_by
        status = ApplicationStatus(app.status)
        if expected_version is not None and expected_version != read_version:
            raise _concurrent(db, application_id, staff_id)
        try:
            transition = decide(status, action, role, actor_holds_claim=held_by == staff_id)
        except TransitionRefused as refused:
            raise _refusal_naming_actor(db, app, action, role, staff_id, refused) from None

        rejection = validate_rejection(reasons or {}, opinion) if transition.needs_reasons else None
        clean_opinion = rejection.opinion if rejection else _clean_opinion(opinion)

        values: dict[str, Any] = {"status": transition.target.value, "version": read_version + 1}
        if transition.claim == ClaimEffect.TAKE:
            values.update(claimed_by=staff_id, claimed_at=now)
        elif transition.claim == ClaimEffect.CLEAR:
            values.update(claimed_by=None, claimed_at=None)
        deciding = action in (Action.APPROVE, Action.REJECT)
        if deciding:
            values["decided_at"] = now
        result = db.exec(
            update(UnitApplication)
            .where(col(UnitApplication.id) == application_id, col(UnitApplication.version) == read_version)
            .values(**values)
        )
        if result.rowcount != 1:
            # Another transaction changed the row after we read it (PostgreSQL, READ COMMITTED).
            db.rollback()
            raise _concurrent(db, application_id, staff_id)

        detail: dict[str, Any] = {
            "application": app.reference_no, "round": app.round_number, "from": status.value,
            "to": transition.target.value, "version": read_version + 1,
        }
        if action == Action.RELEASE and held_by != staff_id:
            detail["released_claim_of"] = held_by
        if deciding:
            current = _current_round(db, app)
            if current is None or current.decision is not None:
                raise RuntimeError(f"application {application_id}: round {app.round_number} missing or decided")
            current.decision = transition.target.value
            current.decided_at = now
            current.decided_by = staff_id
            current.opinion = clean_opinion
            db.add(current)
            db.flush()
            if rejection is not None:
                for item in rejection.materials:
                    db.add(MaterialRejectionRow(round_id=current.id, material_kind=item.material.value,
                                                reason=item.reason, note=item.note))
                detail["reasons"] = {item.material.value: item.reason for item in rejection.materials}
            if action == Action.APPROVE:
                db.exec(update(UnitAccount).where(col(UnitAccount.id) == app.account_id).values(approved_at=now))
        audit.record(db, _EVENTS[action], actor=f"staff:{staff_id}", subject=app.uscc, client_ip=client_ip,
                     detail=detail)
        decided = _Decided(
            status=transition.target, reference_no=app.reference_no, uscc=app.uscc, unit_name=app.unit_name,
            phone_enc=app.handler_phone_enc, email_enc=app.handler_email_enc, submitted_at=app.submitted_at,
            opinion=clean_opinion, rejection=rejection,
        ) if deciding else None
        outcome = ReviewResult(
            application_id=application_id, reference_no=app.reference_no, status=transition.target,
            status_label=STATUS_LABELS[transition.target], version=read_version + 1,
            round_number=app.round_number, claimed_by=values.get("claimed_by", held_by),
        )
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return outcome, decided


# --- notices ---------------------------------------------------------------------------------------


def _mail_body(d: _Decided) -> str:
    submitted = f"于 {format_local(d.submitted_at)} " if d.submitted_at else ""
    lines = [f"{d.unit_name}：", ""]
    if d.status == ApplicationStatus.APPROVED:
        lines.append(f"您单位（统一社会信用代码 {d.uscc}）{submitted}提交的网上服务大厅注册申请（申请编号 {d.reference_no}）已审核通过。")
        lines.append(f"现在可以使用统一社会信用代码和注册时设置的密码登录：{settings().public_url.rstrip('/')}/")
        if d.opinion:
            lines += ["", f"审核意见：{d.opinion}"]
    else:
        lines.append(f"您单位（统一社会信用代码 {d.uscc}）{submitted}提交的网上服务大厅注册申请（申请编号 {d.reference_no}）未通过审核。")
        lines += ["", "需要修改的材料："]
        for n, item in enumerate(d.rejection.materials if d.rejection else (), start=1):
            note = f"（{item.note}）" if item.note else ""
            lines.append(f"{n}. {MATERIAL_LABELS[item.material]}：{item.reason}{note}")
        if d.opinion:
            lines += ["", f"审核意见：{d.opinion}"]
        lines += ["", "请登录网上服务大厅，或在登录页通过“审核进度查询”查看详情，按审核意见修改后重新提交。"]
    lines += ["", "江苏社保网上服务大厅", "（本邮件由系统自动发送，请勿直接回复）"]
    return "\n".join(lines)


def _notify(db: Session, d: _Decided, notifier: Notifier | None, *, staff_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Send the notices (no transaction open: the outbox adapters write in their own) and audit each."""
    kind = f"review_{d.status.value}"
    template = SMS_APPROVED if d.status == ApplicationStatus.APPROVED else SMS_REJECTED
    events: list[tuple[str, str, str, str]] = []  # (event, channel, masked recipient, failure reason)
    sent: list[str] = []
    failed: list[str] = []

    def deliver(channel: str, enc: str, field: str, masker, send) -> None:
        masked = ""
        try:
            address = cipher().decrypt(field, enc)
            masked = masker(address)
            send(address)
        except Exception as exc:  # noqa: BLE001  (the decision stands whatever the channel does)
            reason = getattr(exc, "reason", "") or type(exc).__name__
            log.warning("review notice not sent: channel=%s application=%s reason=%s", channel, d.reference_no, reason)
            failed.append(channel)
            events.append(("notification_failed", channel, masked, reason))
            return
        sent.append(channel)
        events.append(("notification_sent", channel, masked, ""))

    resolved: list[Notifier] = [notifier] if notifier is not None else []

    def channels() -> Notifier:
        # Built on first use, inside deliver's try: a misconfigured backend is a failed notice, not an error.
        if not resolved:
            resolved.append(Notifier.default())
        return resolved[0]

    sms_text = template.format(tail=d.uscc[-4:])
    deliver("sms", d.phone_enc, "unit_application.handler_phone", mask_phone,
            lambda phone: channels().sms.send_notice(phone, sms_text))
    if d.email_enc:
        body = _mail_body(d)
        deliver("email", d.email_enc, "unit_application.handler_email", mask_email,
                lambda address: channels().mail.send(address, MAIL_SUBJECT, body))
    try:
        for event, channel, masked, reason in events:
            detail = {"application": d.reference_no, "channel": channel, "kind": kind, "to": masked}
            if reason:
                detail["reason"] = reason[:120]
            audit.record(db, event, actor=f"staff:{staff_id}", subject=d.uscc,
                         outcome="failure" if reason else "success", detail=detail)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return tuple(sent), tuple(failed)


def _with_notices(db: Session, outcome: ReviewResult, decided: _Decided | None, notifier: Notifier | None,
                  staff_id: int) -> ReviewResult:
    if decided is None:
        return outcome
    sent, failed = _notify(db, decided, notifier, staff_id=staff_id)
    return dataclasses.replace(outcome, notified=sent, not_notified=failed)


# --- the actions -----------------------------------------------------------------------------------


def claim(db: Session, application_id: int, *, staff_id: int, now: dt.datetime,
          expected_version: int | None = None, client_ip: str = "") -> ReviewResult:
    """领取: the reviewer (or admin) takes the application; it shows as 审核中 with them as claimant."""
    return _act(db, application_id, Action.CLAIM, staff_id=staff_id, now=now, expected_version=expected_version,
                client_ip=client_ip)[0]


def release(db: Session, application_id: int, *, staff_id: int, now: dt.datetime,
            expected_version: int | None = None, client_ip: str = "") -> ReviewResult:
    """释放: back to 待审核 for anyone to claim; by the claimant, or by an admin for a claim left behind."""
    return _act(db, application_id, Action.RELEASE, staff_id=staff_id, now=now, expected_version=expected_version,
                client_ip=client_ip)[0]


def approve(db: Session, application_id: int, *, staff_id: int, opinion: str = "", now: dt.datetime,
            notifier: Notifier | None = None, expected_version: int | None = None,
            client_ip: str = "") -> ReviewResult:
    """通过 by the claimant: the unit account may sign in as approved; the handler is notified."""
    outcome, decided = _act(db, application_id, Action.APPROVE, staff_id=staff_id, now=now,
                            expected_version=expected_version, client_ip=client_ip, opinion=opinion)
    return _with_notices(db, outcome, decided, notifier, staff_id)


def reject(db: Session, application_id: int, *, staff_id: int, reasons: Mapping[str, tuple[str, str]],
           opinion: str = "", now: dt.datetime, notifier: Notifier | None = None,
           expected_version: int | None = None, client_ip: str = "") -> ReviewResult:
    """退回 by the claimant with a (reason, note) per flagged material (see validate_rejection) and an
    overall opinion; the handler is notified and may fix and resubmit."""
    outcome, decided = _act(db, application_id, Action.REJECT, staff_id=staff_id, now=now,
                            expected_version=expected_version, client_ip=client_ip, opinion=opinion,
                            reasons=reasons)
    return _with_notices(db, outcome, decided, notifier, staff_id)


# --- personal data on request ----------------------------------------------------------------------

# field → (cipher field name, column, masker). Pages show the masked form; the full number only on request.
REVEALABLE: dict[str, tuple[str, str, Any]] = {
    "legal_rep_id": ("unit_application.legal_rep_id", "legal_rep_id_enc", mask_id_number),
    "handler_id": ("unit_application.handler_id", "handler_id_enc", mask_id_number),
    "handler_phone": ("unit_application.handler_phone", "handler_phone_enc", mask_phone),
}


def reveal_pii(db: Session, application_id: int, *, staff_id: int, field: str, now: dt.datetime,
               client_ip: str = "") -> str:
    """The full legal-rep ID, handler ID or handler phone for a staff member, audited as pii_revealed.

    Staff only (审核员, 窗口经办, admin); the unit's own pages never call this.
    """
    if field not in REVEALABLE:
        raise ValueError(f"field {field!r} cannot be revealed")
    cipher_field, column, masker = REVEALABLE[field]
    try:
        _staff(db, staff_id)
        app = _application(db, application_id)
        value = cipher().decrypt(cipher_field, getattr(app, column))
        audit.record(db, "pii_revealed", actor=f"staff:{staff_id}", subject=app.uscc, client_ip=client_ip,
                     detail={"application": app.reference_no, "field": field, "masked": masker(value)})
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return value
