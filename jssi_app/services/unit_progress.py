"""What the unit sees of its application: the unit home before approval, and 审核进度查询.

Both show the same timeline (已提交 → 审核中 → 已通过 / 未通过) with dates and, after a rejection, the
reasons per material, built once here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import format_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain import throttles
from jssi_app.domain.codes import validate_code_format
from jssi_app.domain.contact import mask_phone, validate_phone
from jssi_app.domain.credit_codes import validate_credit_code
from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.review import (
    MATERIAL_HINTS,
    MATERIAL_LABELS,
    REQUIRED_MATERIALS,
    STATUS_LABELS,
    ApplicationStatus,
    MaterialKind,
    handler_may_edit,
)
from jssi_app.domain.working_days import ESTIMATE_NOTE
from jssi_app.models.units import Material, MaterialRejection, ReviewRound, UnitAccount, UnitApplication
from jssi_app.routes import material_file
from jssi_app.services import audit, sms_codes
from jssi_app.services.authentication import authenticate
from jssi_app.services.throttling import enforce

PROGRESS_SENT = "如果统一社会信用代码与经办人手机号码一致，验证码已发送至该手机，5分钟内有效。"
NO_MATCH = "验证码不正确或已失效，请确认统一社会信用代码和经办人手机号码后重新获取"


@dataclass(frozen=True)
class TimelineStep:
    label: str
    at: str
    detail: str = ""
    state: str = "done"  # done | current | rejected | approved


@dataclass(frozen=True)
class MaterialSlot:
    kind: str
    label: str
    hint: str
    required: bool
    files: list[dict[str, str]] = field(default_factory=list)
    flagged: str = ""  # the last round's rejection reason for this kind, if any


@dataclass(frozen=True)
class ApplicationView:
    application_id: int
    reference_no: str
    unit_name: str
    uscc: str
    status: str
    status_label: str
    editable: bool
    due_date: str
    due_note: str
    masked_handler_phone: str
    timeline: list[TimelineStep]
    slots: list[MaterialSlot]
    missing: list[str]
    opinion: str


def sign_in_unit(
    db: Session, *, credit_code: str, password: str, client_ip: str, now: dt.datetime, previous_token: str = ""
) -> tuple[int, str]:
    """统一社会信用代码 + 登录密码 → (account id, session token)."""
    if not credit_code.strip() or not password:
        raise InvalidValue("请输入统一社会信用代码和登录密码")
    code = validate_credit_code(credit_code)
    account, token = authenticate(
        db, model=UnitAccount, account_kind="unit", lookup=UnitAccount.uscc == code,
        key_fp=cipher().fingerprint("uscc", code), subject=code, password=password, client_ip=client_ip, now=now,
        previous_token=previous_token,
    )
    return int(account.id), token


def _timeline(db: Session, app: UnitApplication) -> tuple[list[TimelineStep], dict[str, str], str]:
    rounds = db.exec(
        select(ReviewRound).where(ReviewRound.application_id == app.id).order_by(col(ReviewRound.number))
    ).all()
    steps: list[TimelineStep] = [TimelineStep("注册申请已创建", format_local(app.created_at), "请上传资质材料后提交")]
    flagged: dict[str, str] = {}
    opinion = ""
    for r in rounds:
        prefix = "" if r.number == 1 else f"第{r.number}次"
        steps.append(TimelineStep(f"{prefix}已提交", format_local(r.submitted_at), "等待社保经办机构审核"))
        is_current = r.number == app.round_number
        if r.decision is None:
            if is_current and app.status == ApplicationStatus.IN_REVIEW:
                steps.append(TimelineStep("审核中", format_local(app.claimed_at), "审核员正在审核", state="current"))
            continue
        rejections = db.exec(select(MaterialRejection).where(MaterialRejection.round_id == r.id)).all()
        if r.decision == ApplicationStatus.APPROVED:
            steps.append(TimelineStep("已通过", format_local(r.decided_at), r.opinion or "可使用统一社会信用代码和密码登录",
                                      state="approved"))
        else:
            reasons = "；".join(
                f"{MATERIAL_LABELS[MaterialKind(x.material_kind)]}：{x.reason}{('（' + x.note + '）') if x.note else ''}"
                for x in rejections
            )
            steps.append(TimelineStep("未通过", format_local(r.decided_at), reasons, state="rejected"))
        if is_current:
            opinion = r.opinion
            flagged = {
                x.material_kind: f"{x.reason}{('：' + x.note) if x.note else ''}" for x in rejections
            }
    return steps, flagged, opinion


def application_view(db: Session, app: UnitApplication) -> ApplicationView:
    steps, flagged, opinion = _timeline(db, app)
    materials = db.exec(
        select(Material)
        .where(Material.application_id == app.id, col(Material.superseded_at).is_(None))
        .order_by(col(Material.id))
    ).all()
    by_kind: dict[str, list[dict[str, str]]] = {}
    for m in materials:
        by_kind.setdefault(m.kind, []).append({
            "id": str(m.id), "name": m.display_name, "thumbnail": material_file(m.id, "thumbnail"),
            "preview": material_file(m.id, "preview"), "pages": str(m.pages),
            "size": f"{m.size / 1024 / 1024:.1f} MB" if m.size >= 1024 * 1024 else f"{max(1, m.size // 1024)} KB",
        })
    slots = [
        MaterialSlot(kind=k.value, label=MATERIAL_LABELS[k], hint=MATERIAL_HINTS.get(k, ""),
                     required=k in REQUIRED_MATERIALS, files=by_kind.get(k.value, []), flagged=flagged.get(k.value, ""))
        for k in MaterialKind
    ]
    status = ApplicationStatus(app.status)
    return ApplicationView(
        application_id=int(app.id), reference_no=app.reference_no, unit_name=app.unit_name, uscc=app.uscc,
        status=status.value, status_label=STATUS_LABELS[status], editable=handler_may_edit(status),
        due_date=app.due_date.isoformat() if app.due_date else "",
        due_note=ESTIMATE_NOTE if app.due_estimated else "",
        masked_handler_phone=mask_phone(cipher().decrypt("unit_application.handler_phone", app.handler_phone_enc)),
        timeline=steps,
        slots=slots,
        missing=[MATERIAL_LABELS[k] for k in REQUIRED_MATERIALS if not by_kind.get(k.value)],
        opinion=opinion,
    )


def unit_home(db: Session, account_id: int) -> ApplicationView | None:
    app = db.exec(
        select(UnitApplication).where(UnitApplication.account_id == account_id).order_by(col(UnitApplication.id).desc())
    ).first()
    return application_view(db, app) if app else None


def _find_application(db: Session, code: str, phone: str) -> UnitApplication | None:
    app = db.exec(
        select(UnitApplication).where(UnitApplication.uscc == code).order_by(col(UnitApplication.id).desc())
    ).first()
    if app is None or app.handler_phone_fp not in cipher().fingerprints("phone", phone):
        return None
    return app


def _progress_fields(credit_code: str, phone: str, code: str | None = None) -> tuple:
    errors: list[FieldError] = []
    values: list = []
    checks = [("credit_code", validate_credit_code, credit_code), ("phone", validate_phone, phone)]
    if code is not None:
        checks.append(("sms_code", validate_code_format, code))
    for name, fn, raw in checks:
        try:
            values.append(fn(raw))
        except InvalidValue as exc:
            errors.append(FieldError(name, exc.message))
    if errors:
        raise ValidationFailed(errors)
    return tuple(values)


def request_progress_code(db: Session, *, credit_code: str, phone: str, client_ip: str, now: dt.datetime, sender=None) -> str:
    """The same answer whether or not the code and phone belong together (no probing of who applied)."""
    code, phone_clean = _progress_fields(credit_code, phone)
    enforce(db, [(throttles.VERIFY_PER_IP, client_ip)], now)
    app = _find_application(db, code, phone_clean)
    db.commit()
    if app is not None:
        sms_codes.send_code(db, phone=phone_clean, purpose="progress", client_ip=client_ip, now=now, sender=sender)
    else:
        sms_codes.count_send(db, phone=phone_clean, purpose="progress", client_ip=client_ip, now=now)
        db.commit()
    return PROGRESS_SENT


def query_progress(db: Session, *, credit_code: str, phone: str, sms_code: str, client_ip: str, now: dt.datetime) -> ApplicationView:
    code, phone_clean, code_clean = _progress_fields(credit_code, phone, sms_code)
    app = _find_application(db, code, phone_clean)
    if app is None:
        audit.record_alone(db, "progress_query_failed", actor="anonymous", subject=code, client_ip=client_ip,
                           outcome="failure")
        raise sms_codes.CodeRejected(NO_MATCH)
    code_id = sms_codes.check_code(db, phone=phone_clean, purpose="progress", code=code_clean, now=now)
    sms_codes.consume_code(db, code_id, now)
    app = db.get(UnitApplication, app.id)
    audit.record(db, "progress_queried", actor="anonymous", subject=code, client_ip=client_ip,
                 detail={"application": app.reference_no})
    db.commit()
    return application_view(db, app)


def format_due(view: ApplicationView) -> str:
    if not view.due_date:
        return ""
    day = dt.date.fromisoformat(view.due_date)
    return f"{day:%Y年%m月%d日}前" + (f"（{view.due_note}）" if view.due_note else "")



