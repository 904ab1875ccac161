"""单位用户注册: the application, its materials (上传资质材料), submission (提交) and resubmission.

The handler signs in with 统一社会信用代码 + 登录密码 from registration on: before approval the unit home
shows the application (continue uploading, see the review, fix and resubmit); after approval, the unit's
functions.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.hashing import hash_password
from jssi_app.adapters.pii import cipher
from jssi_app.domain import throttles
from jssi_app.domain.contact import mask_phone
from jssi_app.domain.errors import DomainError, ValidationFailed
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.domain.names import names_match
from jssi_app.domain.review import (
    MATERIAL_LABELS,
    STATUS_LABELS,
    Action,
    ApplicationStatus,
    MaterialKind,
    Role,
    decide,
    handler_may_edit,
    missing_materials,
)
from jssi_app.domain.unit_registration import (
    ApplicationFieldsForm,
    UnitRegistrationForm,
    validate_application_fields,
    validate_unit_registration,
)
from jssi_app.domain.working_days import SLA_WORKING_DAYS, add_working_days
from jssi_app.models.registry import RegistryUnit
from jssi_app.models.units import Material, ReviewRound, UnitAccount, UnitApplication
from jssi_app.services import audit, sms_codes
from jssi_app.services.throttling import enforce

CODE_CHANGED_ADVICE = "如单位的统一社会信用代码已变更，请先到市场监管部门完成变更登记，再以新的统一社会信用代码重新提交注册申请。"
LIVE = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED)


class UnitRegistrationRefused(DomainError):
    code = "unit_registration_refused"


@dataclass(frozen=True)
class RegisteredUnit:
    application_id: int
    account_id: int
    reference_no: str
    unit_name: str
    credit_code: str
    masked_phone: str


@dataclass(frozen=True)
class Submitted:
    reference_no: str
    round_number: int
    submitted_at_local: str
    due_date: dt.date
    due_estimated: bool


def _prechecks(db: Session, code: str, unit_name: str, legal_rep_id: str) -> dict[str, bool]:
    """Automatic checks against the unit registry: they never block, the reviewer sees them as flags."""
    unit = db.exec(select(RegistryUnit).where(RegistryUnit.uscc == code)).first()
    if unit is None:
        return {"code_exists": False, "name_matches": False, "legal_rep_matches": False}
    return {
        "code_exists": True,
        "name_matches": names_match(unit_name, unit.name) or unit_name == unit.name,
        "legal_rep_matches": unit.legal_rep_id_fp in cipher().fingerprints("id_number", legal_rep_id),
    }


def _refuse_existing(db: Session, code: str) -> None:
    app = db.exec(
        select(UnitApplication).where(UnitApplication.uscc == code).order_by(col(UnitApplication.id).desc())
    ).first()
    if app is None:
        return
    if app.status == ApplicationStatus.APPROVED:
        raise UnitRegistrationRefused(
            "该统一社会信用代码已注册单位账号，请直接使用统一社会信用代码和密码登录；忘记密码请联系社保经办机构。" + CODE_CHANGED_ADVICE,
            code="already_registered",
        )
    if app.status in LIVE:
        raise UnitRegistrationRefused(
            f"该统一社会信用代码已有注册申请正在办理（{STATUS_LABELS[ApplicationStatus(app.status)]}），"
            "请使用统一社会信用代码和密码登录继续办理，或在登录页点击“审核进度查询”查看进度。",
            code="application_exists",
        )


def register_unit(db: Session, form: UnitRegistrationForm, *, client_ip: str, now: dt.datetime) -> RegisteredUnit:
    """Create the unit's account and a draft application (materials come next), or refuse with nothing stored."""
    try:
        clean = validate_unit_registration(form, to_local(now).date())
    except ValidationFailed as exc:
        audit.record_alone(db, "unit_registration_rejected", actor="anonymous", client_ip=client_ip,
                           outcome="failure", detail={"reason": "invalid_fields", "fields": sorted(exc.by_field())})
        raise
    enforce(db, [(throttles.REGISTER_PER_IP, client_ip)], now)
    db.commit()
    try:
        code_id = sms_codes.check_code(db, phone=clean.handler_phone, purpose="register", code=clean.sms_code, now=now)
    except sms_codes.CodeRejected:
        db.rollback()
        audit.record_alone(db, "unit_registration_rejected", actor="anonymous", subject=clean.credit_code,
                           client_ip=client_ip, outcome="failure", detail={"reason": "sms_code"})
        raise
    db.commit()
    password_hash = hash_password(clean.password)
    c = cipher()
    try:
        _refuse_existing(db, clean.credit_code)
        sms_codes.consume_code(db, code_id, now)
        account = db.exec(select(UnitAccount).where(UnitAccount.uscc == clean.credit_code)).first()
        if account is None:
            account = UnitAccount(uscc=clean.credit_code, password_hash=password_hash, created_at=now,
                                  password_changed_at=now)
        else:  # a finished (withdrawn) attempt: the new registration sets a new password
            account.password_hash, account.password_changed_at = password_hash, now
        db.add(account)
        db.flush()
        app = UnitApplication(
            reference_no=f"tmp-{secrets.token_hex(6)}",
            account_id=account.id,
            uscc=clean.credit_code,
            unit_name=clean.unit_name,
            legal_rep_id_enc=c.encrypt("unit_application.legal_rep_id", clean.legal_rep_id),
            legal_rep_id_fp=c.fingerprint("id_number", clean.legal_rep_id),
            handler_name_enc=c.encrypt("unit_application.handler_name", clean.handler_name),
            handler_id_enc=c.encrypt("unit_application.handler_id", clean.handler_id),
            handler_id_fp=c.fingerprint("id_number", clean.handler_id),
            handler_phone_enc=c.encrypt("unit_application.handler_phone", clean.handler_phone),
            handler_phone_fp=c.fingerprint("phone", clean.handler_phone),
            handler_email_enc=c.encrypt("unit_application.handler_email", clean.handler_email) if clean.handler_email else None,
            status=ApplicationStatus.DRAFT.value,
            created_at=now,
            prechecks=json.dumps(_prechecks(db, clean.credit_code, clean.unit_name, clean.legal_rep_id), sort_keys=True),
        )
        db.add(app)
        db.flush()
        # Readable over the phone: DW + the local date + the row id.
        app.reference_no = f"DW{to_local(now):%Y%m%d}{app.id:06d}"
        db.add(app)
        audit.record(db, "unit_registered", actor=f"unit:{account.id}", subject=clean.credit_code, client_ip=client_ip,
                     detail={"application": app.reference_no, "handler": mask_id_number(clean.handler_id)})
        db.commit()
    except DomainError as exc:
        db.rollback()
        audit.record_alone(db, "unit_registration_rejected", actor="anonymous", subject=clean.credit_code,
                           client_ip=client_ip, outcome="failure", detail={"reason": exc.code})
        raise
    except BaseException:
        db.rollback()
        raise
    return RegisteredUnit(application_id=int(app.id), account_id=int(account.id), reference_no=app.reference_no,
                          unit_name=clean.unit_name, credit_code=clean.credit_code,
                          masked_phone=mask_phone(clean.handler_phone))


def current_application(db: Session, account_id: int) -> UnitApplication | None:
    return db.exec(
        select(UnitApplication).where(UnitApplication.account_id == account_id).order_by(col(UnitApplication.id).desc())
    ).first()


def current_materials(db: Session, application_id: int) -> list[Material]:
    """The files that will be (or were last) submitted: the newest live upload of each kind."""
    return list(
        db.exec(
            select(Material)
            .where(Material.application_id == application_id, col(Material.superseded_at).is_(None))
            .order_by(Material.kind, col(Material.id))
        ).all()
    )


def submit_application(db: Session, application_id: int, *, account_id: int, client_ip: str, now: dt.datetime) -> Submitted:
    """提交 (or 重新提交 after a rejection): a new review round, status 待审核, due in 3 working days."""
    app = db.get(UnitApplication, application_id)
    if app is None or app.account_id != account_id:
        raise UnitRegistrationRefused("未找到该注册申请", code="not_found")
    action = Action.SUBMIT if app.status == ApplicationStatus.DRAFT else Action.RESUBMIT
    decide(ApplicationStatus(app.status), action, Role.HANDLER, actor_holds_claim=False)
    present = {MaterialKind(m.kind) for m in current_materials(db, application_id)}
    missing = missing_materials(present)
    if missing:
        raise UnitRegistrationRefused(
            "请先上传以下材料：" + "、".join(MATERIAL_LABELS[k] for k in missing), code="materials_missing"
        )
    number = app.round_number + 1
    due = add_working_days(to_local(now).date(), SLA_WORKING_DAYS)
    result = db.exec(
        update(UnitApplication)
        .where(col(UnitApplication.id) == app.id, col(UnitApplication.version) == app.version)
        .values(status=ApplicationStatus.SUBMITTED.value, round_number=number, submitted_at=now, due_date=due.date,
                due_estimated=due.estimated, claimed_by=None, claimed_at=None, version=app.version + 1)
    )
    if result.rowcount != 1:
        db.rollback()
        raise UnitRegistrationRefused("申请状态已变化，请刷新页面后重试", code="stale")
    db.add(ReviewRound(application_id=app.id, number=number, submitted_at=now))
    audit.record(db, "application_submitted", actor=f"unit:{account_id}", subject=app.uscc, client_ip=client_ip,
                 detail={"application": app.reference_no, "round": number})
    db.commit()
    return Submitted(reference_no=app.reference_no, round_number=number,
                     submitted_at_local=to_local(now).strftime("%Y-%m-%d %H:%M"), due_date=due.date,
                     due_estimated=due.estimated)


@dataclass(frozen=True)
class UploadedMaterial:
    material_id: int
    kind: str
    display_name: str
    size: int
    pages: int


def _editable_application(db: Session, application_id: int, account_id: int) -> UnitApplication:
    app = db.get(UnitApplication, application_id)
    if app is None or app.account_id != account_id:
        raise UnitRegistrationRefused("未找到该注册申请", code="not_found")
    if not handler_may_edit(ApplicationStatus(app.status)):
        raise UnitRegistrationRefused(
            f"申请当前状态为“{STATUS_LABELS[ApplicationStatus(app.status)]}”，不能修改材料", code="not_editable"
        )
    return app


def add_material(
    db: Session, application_id: int, *, account_id: int, kind: str, filename: str, content: bytes,
    client_ip: str, now: dt.datetime, store=None, max_bytes: int | None = None,
) -> UploadedMaterial:
    """Check, re-encode and store one scan; it replaces the live file of the same kind (one per kind,
    several for 其他材料). Nothing is stored from a refused file."""
    from jssi_app.adapters.file_store import default_store
    from jssi_app.adapters.scans import process_scan
    from jssi_app.config import settings
    from jssi_app.domain.file_types import safe_display_name, sniff

    try:
        material_kind = MaterialKind(kind)
    except ValueError:
        raise UnitRegistrationRefused("材料类型不正确", code="bad_kind") from None
    uscc = _editable_application(db, application_id, account_id).uscc
    # End the read before the slow part (decoding, re-encoding) so no transaction is held meanwhile;
    # after this, objects loaded by `db` are expired and must not be touched until re-read.
    db.rollback()
    try:
        limit = max_bytes or settings().max_upload_bytes
        file_kind = sniff(content, max_bytes=limit)
        scan = process_scan(content, file_kind.value, max_bytes=limit)
    except DomainError as exc:
        audit.record_alone(db, "material_refused", actor=f"unit:{account_id}", subject=uscc, client_ip=client_ip,
                           outcome="failure", detail={"kind": kind, "reason": exc.message[:80]})
        raise
    store = store or default_store()
    keys = [store.put(scan.stored), store.put(scan.preview_png), store.put(scan.thumbnail_png)]
    try:
        app = _editable_application(db, application_id, account_id)
        if material_kind != MaterialKind.OTHER:
            db.exec(
                update(Material)
                .where(col(Material.application_id) == application_id, col(Material.kind) == kind,
                       col(Material.superseded_at).is_(None))
                .values(superseded_at=now)
            )
        material = Material(
            application_id=application_id, round_number=app.round_number + 1, kind=kind,
            display_name=safe_display_name(filename), media_type=scan.stored_media_type, size=len(content),
            pages=scan.pages, sha256=scan.sha256, storage_key=keys[0], preview_key=keys[1], thumbnail_key=keys[2],
            uploaded_at=now,
        )
        db.add(material)
        db.flush()
        audit.record(db, "material_uploaded", actor=f"unit:{account_id}", subject=app.uscc, client_ip=client_ip,
                     detail={"kind": kind, "sha256": scan.sha256, "size": len(content)})
        db.commit()
    except BaseException:
        db.rollback()
        for key in keys:  # the files of a row that was never written are removed again
            store.delete(key)
        raise
    return UploadedMaterial(material_id=int(material.id), kind=kind, display_name=material.display_name,
                            size=material.size, pages=material.pages)


def remove_material(db: Session, material_id: int, *, account_id: int, client_ip: str, now: dt.datetime) -> None:
    material = db.get(Material, material_id)
    if material is None or material.superseded_at is not None:
        raise UnitRegistrationRefused("该材料不存在或已被替换", code="not_found")
    app = _editable_application(db, material.application_id, account_id)
    material.superseded_at = now
    db.add(material)
    audit.record(db, "material_removed", actor=f"unit:{account_id}", subject=app.uscc, client_ip=client_ip,
                 detail={"kind": material.kind, "sha256": material.sha256})
    db.commit()


def application_fields(db: Session, application_id: int, *, account_id: int) -> ApplicationFieldsForm:
    """The current values, decrypted for the unit's own edit form."""
    app = db.get(UnitApplication, application_id)
    if app is None or app.account_id != account_id:
        raise UnitRegistrationRefused("未找到该注册申请", code="not_found")
    c = cipher()
    return ApplicationFieldsForm(
        unit_name=app.unit_name,
        legal_rep_id=c.decrypt("unit_application.legal_rep_id", app.legal_rep_id_enc),
        handler_name=c.decrypt("unit_application.handler_name", app.handler_name_enc),
        handler_id=c.decrypt("unit_application.handler_id", app.handler_id_enc),
        handler_email=c.decrypt("unit_application.handler_email", app.handler_email_enc) if app.handler_email_enc else "",
    )


def update_application_fields(
    db: Session, application_id: int, form: ApplicationFieldsForm, *, account_id: int, client_ip: str, now: dt.datetime
) -> None:
    """修改申请信息 while the application is 填写中 or 未通过; the registry pre-checks are run again."""
    clean = validate_application_fields(form, to_local(now).date())
    app = _editable_application(db, application_id, account_id)
    c = cipher()
    app.unit_name = clean.unit_name
    app.legal_rep_id_enc = c.encrypt("unit_application.legal_rep_id", clean.legal_rep_id)
    app.legal_rep_id_fp = c.fingerprint("id_number", clean.legal_rep_id)
    app.handler_name_enc = c.encrypt("unit_application.handler_name", clean.handler_name)
    app.handler_id_enc = c.encrypt("unit_application.handler_id", clean.handler_id)
    app.handler_id_fp = c.fingerprint("id_number", clean.handler_id)
    app.handler_email_enc = c.encrypt("unit_application.handler_email", clean.handler_email) if clean.handler_email else None
    app.prechecks = json.dumps(_prechecks(db, app.uscc, clean.unit_name, clean.legal_rep_id), sort_keys=True)
    app.version += 1
    db.add(app)
    audit.record(db, "application_updated", actor=f"unit:{account_id}", subject=app.uscc, client_ip=client_ip,
                 detail={"application": app.reference_no})
    db.commit()
