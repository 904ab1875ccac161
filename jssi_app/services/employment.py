"""参保管理 for an approved unit: 人员新增, 批量增员 (Excel), 减员, and the employee list.

Every use case starts with `unit_scope`, which accepts only a unit account whose application was
approved, and reads or changes only employments of that unit. A person has at most one open
employment across all units: checked here first (for a clear message) and guaranteed by the partial
unique index uq_employment_open_person, which turns a lost race into the same refusal.

A unit new to the registry gets its registry_unit row on its first business write, built from the
approved application (docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from jssi_app.adapters import spreadsheets
from jssi_app.adapters.clock import to_local
from jssi_app.adapters.pii import cipher
from jssi_app.config import contribution_settings
from jssi_app.domain.base_declaration import Bounds, parse_bounds
from jssi_app.domain.employment import (
    ENROLMENT_COLUMNS,
    Enrolment,
    EnrolmentForm,
    RowError,
    check_header,
    validate_end,
    validate_enrolment,
    validate_enrolment_rows,
)
from jssi_app.domain.errors import DomainError, FieldError, ValidationFailed
from jssi_app.domain.file_types import safe_display_name
from jssi_app.domain.identifiers import birth_date_of, gender_of, mask_id_number
from jssi_app.domain.names import names_match
from jssi_app.domain.paging import page_count, shown_page
from jssi_app.domain.review import ApplicationStatus
from jssi_app.models.employment import Employment
from jssi_app.models.registry import Contribution, RegistryPerson, RegistryUnit
from jssi_app.models.units import UnitAccount, UnitApplication
from jssi_app.services import audit

NOT_APPROVED = "单位注册审核通过后才能办理单位业务，请先登录查看审核进度"
EMPLOYED_ELSEWHERE = "该人员在其他单位存在在职参保关系，请原单位先办理减员"
EMPLOYED_HERE = "该人员已是本单位在职参保人员，无需重复新增"
NAME_MISMATCH = "姓名与身份证号码不一致：填写的姓名与社保系统登记的信息不一致，请核对员工身份证件后重新填写"
LEGACY_ID = ("该人员在社保系统中的记录仍是15位旧身份证号码，需由本人携带身份证原件到参保地社保经办机构"
             "办理“15位升18位”后，再办理人员新增")
RETIRED = "该人员已办理退休，不能作为在职职工新增参保；如有疑问请到社保经办机构咨询"
OVERLAP = "用工起始日期不能早于该人员上一段参保关系的终止日期，请核对"
STALE_SELECTION = "所选人员中有已减员或不属于本单位的人员，请刷新名单后重新选择"
PAGE_SIZE = 20

# Credit-code registration authority + type (GB 32100 positions 1–2) → the registry's unit type.
_UNIT_TYPES = {"91": "企业", "92": "个体工商户", "93": "企业", "11": "机关", "12": "事业单位", "13": "事业单位",
               "51": "社会团体", "52": "社会团体", "53": "社会团体"}


class UnitNotApproved(DomainError):
    code = "not_approved"


class EnrolmentRefused(DomainError):
    """人员新增 refused for a reason about the person (not the form): `field` points at the field to fix."""

    code = "enrolment_refused"

    def __init__(self, message: str, *, code: str, field: str = "id_number") -> None:
        super().__init__(message, code=code)
        self.field = field


class ImportRejected(DomainError):
    """A batch file was refused; `errors` are per row, nothing was imported."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"文件中有 {len(errors)} 处错误，未导入任何人员。请按错误报告修改后重新上传")
        self.errors = errors


@dataclass(frozen=True)
class UnitScope:
    account_id: int
    uscc: str
    unit_name: str
    unit_id: int | None  # registry_unit.id; None until the unit's first business write


@dataclass(frozen=True)
class Enrolled:
    name: str
    masked_id_number: str
    start_date: str
    base: str
    new_person: bool


@dataclass(frozen=True)
class EmployeeRow:
    id: int
    name: str
    masked_id_number: str
    status: str  # 在职 | 已减员
    base: str
    start_date: str
    end_date: str
    end_reason: str


@dataclass(frozen=True)
class EmployeePage:
    rows: list[EmployeeRow]
    total: int
    page: int
    pages: int
    open_count: int


def bounds() -> Bounds:
    s = contribution_settings()
    return parse_bounds(s.base_lower, s.base_upper)


def unit_scope(db: Session, account_id: int | None, *, create: bool = False) -> UnitScope:
    """The approved unit behind a unit session, or UnitNotApproved. With `create`, a missing registry_unit
    row is added (inside the caller's transaction) from the approved application."""
    account = db.get(UnitAccount, account_id) if account_id else None
    app = None
    if account is not None:
        app = db.exec(
            select(UnitApplication).where(UnitApplication.account_id == account.id)
            .order_by(col(UnitApplication.id).desc())
        ).first()
    if account is None or account.approved_at is None or app is None or app.status != ApplicationStatus.APPROVED:
        raise UnitNotApproved(NOT_APPROVED)
    unit = db.exec(select(RegistryUnit).where(RegistryUnit.uscc == account.uscc)).first()
    if unit is None and create:
        unit = _registry_unit_from(app, account.approved_at)
        db.add(unit)
        db.flush()
    return UnitScope(int(account.id), account.uscc, app.unit_name, int(unit.id) if unit else None)


def _registry_unit_from(app: UnitApplication, approved_at: dt.datetime) -> RegistryUnit:
    c = cipher()
    legal_rep_id = c.decrypt("unit_application.legal_rep_id", app.legal_rep_id_enc)
    return RegistryUnit(
        uscc=app.uscc,
        name=app.unit_name,
        unit_type=_UNIT_TYPES.get(app.uscc[:2], "企业"),
        # The online registration does not ask for the legal representative's name or the address; the
        # counter completes them. The ID is what the application proved.
        legal_rep_name_enc=c.encrypt("registry_unit.legal_rep_name", ""),
        legal_rep_id_enc=c.encrypt("registry_unit.legal_rep_id", legal_rep_id),
        legal_rep_id_fp=c.fingerprint("id_number", legal_rep_id),
        region_code=app.uscc[2:8],
        address="",
        insured_since=to_local(approved_at).strftime("%Y-%m"),
        status="正常",
    )


def _actor(scope: UnitScope) -> str:
    return f"unit:{scope.account_id}"


def open_employment(db: Session, person_id: int) -> Employment | None:
    return db.exec(
        select(Employment).where(Employment.person_id == person_id, col(Employment.end_date).is_(None))
    ).first()


def _find_person(db: Session, id_number: str) -> tuple[RegistryPerson | None, bool]:
    fps = cipher().fingerprints("id_number", id_number)  # every key of the ring: rows may await rotation
    person = db.exec(select(RegistryPerson).where(col(RegistryPerson.id_fp).in_(fps))).first()
    if person is not None:
        return person, False
    legacy = db.exec(select(RegistryPerson).where(col(RegistryPerson.upgraded_id_fp).in_(fps))).first()
    return legacy, legacy is not None


def enrol_in_transaction(db: Session, scope: UnitScope, e: Enrolment, *, actor: str, now: dt.datetime) -> bool:
    """Adds the relation (and the person when new) in the caller's transaction; True for a new person."""
    assert scope.unit_id is not None
    c = cipher()
    person, legacy = _find_person(db, e.id_number)
    if legacy:
        raise EnrolmentRefused(LEGACY_ID, code="legacy_id")
    new_person = person is None
    if person is None:
        person = RegistryPerson(
            id_fp=c.fingerprint("id_number", e.id_number),
            id_length=18,
            id_number_enc=c.encrypt("registry_person.id_number", e.id_number),
            name_enc=c.encrypt("registry_person.name", e.name),
            gender=gender_of(e.id_number),
            birth_date=birth_date_of(e.id_number),
            phone_enc=c.encrypt("registry_person.phone", e.phone) if e.phone else None,
            phone_fp=c.fingerprint("phone", e.phone) if e.phone else None,
            insured_region=scope.uscc[2:8],
            person_type="职工",
            insured_status="正常参保",
            first_insured=e.start_date.strftime("%Y-%m"),
        )
        db.add(person)
        try:
            db.flush()
        except IntegrityError:
            # Another unit added this same new person between our lookup and our insert.
            raise EnrolmentRefused(EMPLOYED_ELSEWHERE, code="employed_elsewhere") from None
    else:
        if not names_match(e.name, c.decrypt("registry_person.name", person.name_enc)):
            raise EnrolmentRefused(NAME_MISMATCH, code="name_mismatch", field="name")
        if person.person_type == "退休人员" or person.insured_status == "退休":
            raise EnrolmentRefused(RETIRED, code="retired")
        current = open_employment(db, int(person.id))
        if current is not None:
            if current.unit_id == scope.unit_id:
                raise EnrolmentRefused(EMPLOYED_HERE, code="employed_here")
            raise EnrolmentRefused(EMPLOYED_ELSEWHERE, code="employed_elsewhere")
        last_end = db.exec(select(func.max(Employment.end_date)).where(Employment.person_id == person.id)).first()
        if last_end is not None and last_end >= e.start_date:
            raise EnrolmentRefused(OVERLAP, code="overlap", field="start_date")
        person.insured_status = "正常参保"
        person.person_type = "职工"
        db.add(person)
    db.add(Employment(
        person_id=int(person.id), unit_id=scope.unit_id, start_date=e.start_date, base=e.base,
        phone_enc=c.encrypt("employment.phone", e.phone) if e.phone else None, created_at=now, created_by=actor,
    ))
    try:
        db.flush()
    except IntegrityError:
        # Another unit's enrolment of the same person committed between our check and our insert.
        raise EnrolmentRefused(EMPLOYED_ELSEWHERE, code="employed_elsewhere") from None
    return new_person


def enrol_employee(db: Session, account_id: int | None, form: EnrolmentForm, *, client_ip: str,
                   now: dt.datetime) -> Enrolled:
    """人员新增: one person, all or nothing; a refusal leaves only its audit event."""
    today = to_local(now).date()
    subject = ""
    try:
        scope = unit_scope(db, account_id, create=True)
        clean = validate_enrolment(form, today, bounds())
        subject = mask_id_number(clean.id_number)
        new_person = enrol_in_transaction(db, scope, clean, actor=_actor(scope), now=now)
        audit.record(db, "employee_enrolled", actor=_actor(scope), subject=subject, client_ip=client_ip,
                     detail={"unit": scope.uscc, "new_person": new_person, "start_date": clean.start_date.isoformat(),
                             "base": str(clean.base)})
        db.commit()
    except DomainError as exc:
        audit.record_alone(db, "employee_enrolment_refused", actor=f"unit:{account_id}", subject=subject,
                           client_ip=client_ip, outcome="failure", detail={"reason": exc.code})
        raise
    except BaseException:
        db.rollback()
        raise
    return Enrolled(name=clean.name, masked_id_number=subject, start_date=clean.start_date.isoformat(),
                    base=f"{clean.base:.2f}", new_person=new_person)


def import_employees(db: Session, account_id: int | None, content: bytes, filename: str, *, client_ip: str,
                     now: dt.datetime) -> int:
    """批量增员: every row is checked (format, then against the registry) before anything is kept; one bad
    row and nothing is imported (ImportRejected with every row's errors)."""
    today = to_local(now).date()
    actor = f"unit:{account_id}"
    try:
        scope = unit_scope(db, account_id, create=True)
        try:
            sheet = spreadsheets.read_sheet(content, filename)
        except spreadsheets.SpreadsheetRefused as exc:
            raise ImportRejected([RowError(0, "", exc.message)]) from None
        errors = check_header(sheet.header, ENROLMENT_COLUMNS)
        if errors:
            raise ImportRejected(errors)
        good, errors = validate_enrolment_rows(sheet.rows, today, bounds())
        errors = sorted(errors + sheet.problems, key=lambda e: e.row)
        if errors:
            raise ImportRejected(errors)
        for row, enrolment in good:
            try:
                # A savepoint per row keeps the transaction usable after one refusal, so every row is checked.
                with db.begin_nested():
                    enrol_in_transaction(db, scope, enrolment, actor=actor, now=now)
            except EnrolmentRefused as exc:
                column = {"name": "姓名", "start_date": "用工起始日期"}.get(getattr(exc, "field", ""), "身份证号码")
                errors.append(RowError(row, column, exc.message))
        if errors:
            raise ImportRejected(errors)
        audit.record(db, "employees_imported", actor=actor, subject=scope.uscc, client_ip=client_ip,
                     detail={"count": len(good), "file": safe_display_name(filename)[:80]})
        db.commit()
    except ImportRejected as exc:
        audit.record_alone(db, "employee_import_refused", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"errors": len(exc.errors), "file": safe_display_name(filename)[:80]})
        raise
    except DomainError as exc:
        audit.record_alone(db, "employee_import_refused", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"reason": exc.code})
        raise
    except BaseException:
        db.rollback()
        raise
    return len(good)


def _decrypt_rows(db: Session, unit_id: int):  # noqa: ANN202
    c = cipher()
    rows = db.exec(
        select(Employment, RegistryPerson.name_enc, RegistryPerson.id_number_enc)
        .join(RegistryPerson, col(RegistryPerson.id) == col(Employment.person_id))
        .where(Employment.unit_id == unit_id)
    ).all()
    for emp, name_enc, id_enc in rows:
        yield emp, c.decrypt("registry_person.name", name_enc), c.decrypt("registry_person.id_number", id_enc)


def list_employees(db: Session, account_id: int | None, *, query: str = "", status: str = "open",
                   page: int = 1) -> EmployeePage:
    """The unit's employees: search by name (part of it) or the last digits of the ID number; status open |
    ended | all; open ones first, newest start first. Names are the unit's own entries; IDs are masked."""
    try:
        scope = unit_scope(db, account_id)
        if scope.unit_id is None:
            return EmployeePage([], 0, 1, 1, 0)
        q = (query or "").strip().upper()[:30]
        found = []
        open_count = 0
        for emp, name, id_number in _decrypt_rows(db, scope.unit_id):
            is_open = emp.end_date is None
            open_count += is_open
            if status == "open" and not is_open or status == "ended" and is_open:
                continue
            if q and q not in name.upper() and not id_number.endswith(q):
                continue
            found.append((emp, name, id_number))
        found.sort(key=lambda r: (r[0].end_date is not None, -r[0].start_date.toordinal(), -(r[0].id or 0)))
        pages = page_count(len(found), PAGE_SIZE)
        page = shown_page(page, pages)
        rows = [
            EmployeeRow(
                id=int(emp.id), name=name, masked_id_number=mask_id_number(id_number),
                status="在职" if emp.end_date is None else "已减员", base=f"{Decimal(emp.base):.2f}",
                start_date=emp.start_date.isoformat(), end_date=emp.end_date.isoformat() if emp.end_date else "",
                end_reason=emp.end_reason or "",
            )
            for emp, name, id_number in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]
        return EmployeePage(rows, len(found), page, pages, open_count)
    finally:
        db.commit()


def remove_employees(db: Session, account_id: int | None, employment_ids: list[int], *, end_date: str, reason: str,
                     client_ip: str, now: dt.datetime) -> int:
    """减员: the chosen open employments of this unit end on `end_date` for `reason`; all or none."""
    today = to_local(now).date()
    actor = f"unit:{account_id}"
    try:
        scope = unit_scope(db, account_id)
        if not employment_ids:
            raise ValidationFailed([FieldError("selection", "请先勾选要减员的人员")])
        end, why = validate_end(end_date, reason, today)
        ids = sorted({int(i) for i in employment_ids})
        rows = db.exec(select(Employment).where(col(Employment.id).in_(ids))).all()
        if (scope.unit_id is None or len(rows) != len(ids)
                or any(r.unit_id != scope.unit_id or r.end_date is not None for r in rows)):
            raise ValidationFailed([FieldError("selection", STALE_SELECTION)])
        early = [r for r in rows if end < r.start_date]
        if early:
            raise ValidationFailed([FieldError("end_date", "终止日期不能早于所选人员的用工起始日期"
                                                           f"（最晚的起始日期为 {max(r.start_date for r in early)}）")])
        c = cipher()
        for r in rows:
            r.end_date, r.end_reason, r.ended_at, r.ended_by = end, why, now, actor
            db.add(r)
            person = db.get(RegistryPerson, r.person_id)
            if why in ("离职", "其他") and person is not None and person.insured_status == "正常参保":
                person.insured_status = "暂停参保"
                db.add(person)
            subject = mask_id_number(c.decrypt("registry_person.id_number", person.id_number_enc)) if person else ""
            audit.record(db, "employee_removed", actor=actor, subject=subject, client_ip=client_ip,
                         detail={"unit": scope.uscc, "end_date": end.isoformat(), "reason": why})
        db.commit()
        return len(rows)
    except BaseException:
        db.rollback()
        raise


def enrolment_template(db: Session, account_id: int | None) -> bytes:
    try:
        unit_scope(db, account_id)
    finally:
        db.commit()
    b = bounds()
    return spreadsheets.template(
        ENROLMENT_COLUMNS,
        [("张三", "320102199003071234", "13800000000", "2026-03-01", "8000.00")],
        [
            "批量增员模板填写说明",
            "1. 在“人员名单”工作表第1行表头下方、从第2行起每行填写一名员工；不要修改、删除或增加列。",
            "2. 姓名：与身份证件一致。身份证号码：18位（末位可为X），单元格已设为文本格式，请勿改为数字格式。",
            "3. 手机号码：11位手机号码。用工起始日期：YYYY-MM-DD，例如 2026-03-01。",
            f"4. 缴费基数：元，最多两位小数，应在 {b.text} 之间。",
            "5. 一个文件最多1000人、不超过2MB。任一行有错误时整个文件都不会导入，请按错误报告修改后重新上传。",
            "6. 已在其他单位在职参保的人员，需原单位先办理减员；社保系统中仅有15位旧身份证号码的人员，需先到经办机构办理升位。",
        ],
        "人员名单",
    )


# -- existing registry data ------------------------------------------------------------------------


def derive_employments(db: Session, *, now: dt.datetime, actor: str = "seed-demo") -> int:
    """Open employments for imported registry data that has none: each 职工 with 正常参保 whose newest
    pension contribution (110) is of the last three months and was paid through a unit is employed by that
    unit since the first month of their latest unbroken run of months there, at that month's base.
    Persons with any employment row are left alone, so this is safe to run again."""
    today = to_local(now).date()
    cutoff_index = today.year * 12 + today.month - 1 - 3
    cutoff = f"{cutoff_index // 12:04d}-{cutoff_index % 12 + 1:02d}"
    has_employment = select(Employment.person_id)
    candidates = db.exec(
        select(RegistryPerson.id)
        .where(RegistryPerson.person_type == "职工", RegistryPerson.insured_status == "正常参保",
               col(RegistryPerson.id).not_in(has_employment))
    ).all()
    added = 0
    for person_id in candidates:
        months = db.exec(
            select(Contribution.period, Contribution.unit_id, Contribution.base)
            .where(Contribution.person_id == person_id, Contribution.insurance_code == "110")
            .order_by(col(Contribution.period).desc())
        ).all()
        if not months or months[0][1] is None or months[0][0] < cutoff:
            continue
        unit_id, base = months[0][1], months[0][2]
        first = months[0][0]
        for period, unit, _ in months[1:]:
            if unit != unit_id:
                break
            first = period
        db.add(Employment(person_id=person_id, unit_id=unit_id, start_date=dt.date.fromisoformat(first + "-01"),
                          base=Decimal(base), created_at=now, created_by=actor))
        added += 1
    db.flush()
    return added


def error_report_file(db: Session, account_id: int | None, errors: list[RowError]) -> bytes:
    """错误报告.xlsx of a refused upload, for the unit that uploaded it (the rows come from its own page)."""
    try:
        unit_scope(db, account_id)
    finally:
        db.commit()
    return spreadsheets.error_report(errors[:5000])


def approved_unit_name(db: Session, account_id: int | None) -> str:
    """For a page's on_load: the approved unit's name, or UnitNotApproved."""
    try:
        return unit_scope(db, account_id).unit_name
    finally:
        db.commit()
