"""缴费基数申报: a unit declares its employees' monthly base for the declaration year.

An increase (or an unchanged base) takes effect at once. A decrease is not accepted online (as in Jiangsu,
where lowering a base needs the counter's check of the wage records): it is recorded as 待窗口办理 with a
counter task of kind BASE_DECREASE, and the completion registered below applies it when a clerk 办结s
the task (不予办理 leaves the base as it was).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from jssi_app.adapters import spreadsheets
from jssi_app.adapters.clock import format_local, to_local
from jssi_app.adapters.pii import cipher
from jssi_app.config import contribution_settings
from jssi_app.domain import counter_tasks as task_kinds
from jssi_app.domain.base_declaration import (
    CHANGE_LABELS,
    COUNTER_DONE,
    COUNTER_REFUSED,
    DECREASE,
    EFFECTIVE,
    PENDING_COUNTER,
    STATUS_LABELS,
    MonthlyAmounts,
    Rate,
    classify,
    monthly_amounts,
    parse_rates,
    sum_by_type,
    validate_base,
)
from jssi_app.domain.employment import DECLARATION_COLUMNS, RowError, check_header, validate_declaration_rows
from jssi_app.domain.errors import DomainError, FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.file_types import safe_display_name
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.domain.names import names_match
from jssi_app.models.counter import CounterTask
from jssi_app.models.employment import BaseDeclaration, Employment
from jssi_app.models.registry import RegistryPerson
from jssi_app.models.staff import StaffAccount
from jssi_app.services import audit, counter_tasks
from jssi_app.services.employment import ImportRejected, bounds, unit_scope

PENDING_DECREASE = "该人员有待窗口办理的基数调减申报，办结前不能再次申报"
MAX_ROWS_ON_PAGE = 200


@dataclass(frozen=True)
class DeclarableEmployee:
    id: int
    name: str
    masked_id_number: str
    base: str
    pending: bool  # a decrease waits at the counter


@dataclass(frozen=True)
class DeclarationPage:
    year: int
    bounds_text: str
    rates: list[dict[str, str]]
    employees: list[DeclarableEmployee]
    more: int  # open employees beyond MAX_ROWS_ON_PAGE (declare them by Excel)
    records: list[dict[str, str]]


@dataclass(frozen=True)
class PreviewLine:
    id: int
    name: str
    masked_id_number: str
    old_base: str
    new_base: str
    change: str
    change_label: str
    unit_total: str
    personal_total: str


@dataclass(frozen=True)
class Preview:
    lines: list[PreviewLine]
    by_type: list[dict[str, str]]  # code, name, unit, personal
    unit_total: str
    personal_total: str


@dataclass(frozen=True)
class Declared:
    applied: int
    unchanged: int
    to_counter: int


def rates() -> tuple[Rate, ...]:
    return parse_rates(contribution_settings().rates)


def declaration_year(now: dt.datetime) -> int:
    return to_local(now).year


def _open_rows(db: Session, unit_id: int):  # noqa: ANN202
    c = cipher()
    rows = db.exec(
        select(Employment, RegistryPerson.name_enc, RegistryPerson.id_number_enc)
        .join(RegistryPerson, col(RegistryPerson.id) == col(Employment.person_id))
        .where(Employment.unit_id == unit_id, col(Employment.end_date).is_(None))
        .order_by(col(Employment.start_date), col(Employment.id))
    ).all()
    return [(e, c.decrypt("registry_person.name", n), c.decrypt("registry_person.id_number", i)) for e, n, i in rows]


def _pending_ids(db: Session, unit_id: int) -> set[int]:
    return set(db.exec(
        select(BaseDeclaration.employment_id)
        .where(BaseDeclaration.unit_id == unit_id, BaseDeclaration.status == PENDING_COUNTER)
    ).all())


def _records(db: Session, unit_id: int, limit: int = 100) -> list[dict[str, str]]:
    c = cipher()
    rows = db.exec(
        select(BaseDeclaration, RegistryPerson.name_enc, RegistryPerson.id_number_enc)
        .join(Employment, col(Employment.id) == col(BaseDeclaration.employment_id))
        .join(RegistryPerson, col(RegistryPerson.id) == col(Employment.person_id))
        .where(BaseDeclaration.unit_id == unit_id)
        .order_by(col(BaseDeclaration.declared_at).desc(), col(BaseDeclaration.id).desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": str(d.id), "declared_at": format_local(d.declared_at), "year": str(d.year),
            "name": c.decrypt("registry_person.name", n),
            "masked_id_number": mask_id_number(c.decrypt("registry_person.id_number", i)),
            "old_base": f"{Decimal(d.old_base):.2f}", "new_base": f"{Decimal(d.new_base):.2f}",
            "change": CHANGE_LABELS.get(d.change, d.change), "status": d.status,
            "status_label": STATUS_LABELS.get(d.status, d.status),
        }
        for d, n, i in rows
    ]


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"  # 0.005 → 0.5%, 0.16 → 16%


def declaration_page(db: Session, account_id: int | None, *, now: dt.datetime) -> DeclarationPage:
    try:
        scope = unit_scope(db, account_id)
        b = bounds()
        rate_rows = [{"code": r.code, "name": r.name, "unit": _percent(r.unit), "personal": _percent(r.personal)}
                     for r in rates()]
        if scope.unit_id is None:
            return DeclarationPage(declaration_year(now), b.text, rate_rows, [], 0, [])
        rows = _open_rows(db, scope.unit_id)
        pending = _pending_ids(db, scope.unit_id)
        employees = [
            DeclarableEmployee(int(e.id), name, mask_id_number(number), f"{Decimal(e.base):.2f}", e.id in pending)
            for e, name, number in rows[:MAX_ROWS_ON_PAGE]
        ]
        return DeclarationPage(declaration_year(now), b.text, rate_rows, employees,
                               max(0, len(rows) - MAX_ROWS_ON_PAGE), _records(db, scope.unit_id))
    finally:
        db.commit()


def _check_entries(db: Session, unit_id: int | None, entries: dict[int, str]):  # noqa: ANN202
    """(employment, name, id_number, new_base) per entered line; ValidationFailed with field base-<id>."""
    if not entries:
        raise ValidationFailed([FieldError("entries", "请至少为一名员工录入新的缴费基数")])
    b = bounds()
    by_id = {int(e.id): (e, n, i) for e, n, i in _open_rows(db, unit_id)} if unit_id else {}
    pending = _pending_ids(db, unit_id) if unit_id else set()
    errors: list[FieldError] = []
    lines = []
    for emp_id, raw in entries.items():
        found = by_id.get(int(emp_id))
        if found is None:
            errors.append(FieldError(f"base-{emp_id}", "该人员已减员或不属于本单位，请刷新页面"))
            continue
        emp, name, number = found
        try:
            value = validate_base(raw, b)
        except InvalidValue as exc:
            errors.append(FieldError(f"base-{emp_id}", f"{name}：{exc.message}"))
            continue
        if emp.id in pending:
            errors.append(FieldError(f"base-{emp_id}", f"{name}：{PENDING_DECREASE}"))
            continue
        lines.append((emp, name, number, value))
    if errors:
        raise ValidationFailed(errors)
    return lines


def _preview(lines, rate_table: tuple[Rate, ...]) -> Preview:  # noqa: ANN001
    out: list[PreviewLine] = []
    amounts: list[MonthlyAmounts] = []
    for emp, name, number, value in lines:
        a = monthly_amounts(value, rate_table)
        amounts.append(a)
        change = classify(Decimal(emp.base), value)
        out.append(PreviewLine(int(emp.id), name, mask_id_number(number), f"{Decimal(emp.base):.2f}", f"{value:.2f}",
                               change, CHANGE_LABELS[change], f"{a.unit_total:.2f}", f"{a.personal_total:.2f}"))
    by_type = sum_by_type(amounts, rate_table)
    return Preview(
        lines=out,
        by_type=[{"code": t.code, "name": t.name, "unit": f"{t.unit:.2f}", "personal": f"{t.personal:.2f}"}
                 for t in by_type],
        unit_total=f"{sum((t.unit for t in by_type), Decimal(0)):.2f}",
        personal_total=f"{sum((t.personal for t in by_type), Decimal(0)):.2f}",
    )


def preview_declaration(db: Session, account_id: int | None, entries: dict[int, str]) -> Preview:
    """The monthly amounts per insurance type (unit and personal) the entered bases would give; stores nothing."""
    try:
        scope = unit_scope(db, account_id)
        return _preview(_check_entries(db, scope.unit_id, entries), rates())
    finally:
        db.commit()


def _declare(db: Session, scope, lines, *, actor: str, now: dt.datetime) -> Declared:  # noqa: ANN001
    year = declaration_year(now)
    applied = unchanged = to_counter = 0
    for emp, name, number, value in lines:
        old = Decimal(emp.base)
        change = classify(old, value)
        decl = BaseDeclaration(unit_id=scope.unit_id, employment_id=int(emp.id), year=year, old_base=old,
                               new_base=value, change=change, status=EFFECTIVE, declared_at=now, declared_by=actor)
        if change == DECREASE:
            decl.status = PENDING_COUNTER
            db.add(decl)
            db.flush()
            task = counter_tasks.open_task(
                db, task_kinds.BASE_DECREASE, actor=actor, person_id=emp.person_id, unit_id=scope.unit_id,
                ref_id=decl.id, now=now,
                summary=f"{scope.unit_name} 申报 {mask_id_number(number)} {year}年度缴费基数由 {old:.2f} 调减为 {value:.2f}",
                detail={"declaration_id": decl.id, "uscc": scope.uscc, "year": year,
                        "old_base": f"{old:.2f}", "new_base": f"{value:.2f}"},
            )
            decl.counter_task_id = task.id
            to_counter += 1
        else:
            emp.base = value
            db.add(emp)
            applied += change != "unchanged"
            unchanged += change == "unchanged"
        db.add(decl)
    db.flush()
    return Declared(applied=applied, unchanged=unchanged, to_counter=to_counter)


def submit_declaration(db: Session, account_id: int | None, entries: dict[int, str], *, client_ip: str,
                       now: dt.datetime) -> Declared:
    """提交: all entered lines or none."""
    actor = f"unit:{account_id}"
    try:
        scope = unit_scope(db, account_id, create=True)
        lines = _check_entries(db, scope.unit_id, entries)
        done = _declare(db, scope, lines, actor=actor, now=now)
        audit.record(db, "base_declared", actor=actor, subject=scope.uscc, client_ip=client_ip,
                     detail={"year": declaration_year(now), "applied": done.applied, "unchanged": done.unchanged,
                             "to_counter": done.to_counter})
        db.commit()
        return done
    except DomainError as exc:
        audit.record_alone(db, "base_declaration_refused", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"reason": exc.code})
        raise
    except BaseException:
        db.rollback()
        raise


def import_declaration(db: Session, account_id: int | None, content: bytes, filename: str, *, client_ip: str,
                       now: dt.datetime) -> Declared:
    """缴费基数申报 by Excel (姓名, 身份证号码, 缴费基数): every row checked first, all rows or none."""
    actor = f"unit:{account_id}"
    today = to_local(now).date()
    try:
        scope = unit_scope(db, account_id, create=True)
        try:
            sheet = spreadsheets.read_sheet(content, filename)
        except spreadsheets.SpreadsheetRefused as exc:
            raise ImportRejected([RowError(0, "", exc.message)]) from None
        errors = check_header(sheet.header, DECLARATION_COLUMNS)
        if errors:
            raise ImportRejected(errors)
        good, errors = validate_declaration_rows(sheet.rows, today, bounds())
        errors += sheet.problems
        fp = cipher().fingerprint
        by_fp = {fp("id_number", number): (e, name) for e, name, number in _open_rows(db, scope.unit_id)} \
            if scope.unit_id else {}
        pending = _pending_ids(db, scope.unit_id) if scope.unit_id else set()
        lines = []
        for row in good:
            found = by_fp.get(fp("id_number", row.id_number))
            if found is None:
                errors.append(RowError(row.row, "身份证号码", "该人员不是本单位在职参保人员，请先办理人员新增"))
            elif not names_match(row.name, found[1]):
                errors.append(RowError(row.row, "姓名", "姓名与本单位登记的该人员姓名不一致"))
            elif found[0].id in pending:
                errors.append(RowError(row.row, "缴费基数", PENDING_DECREASE))
            else:
                lines.append((found[0], found[1], row.id_number, row.base))
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: e.row))
        done = _declare(db, scope, lines, actor=actor, now=now)
        audit.record(db, "base_declared", actor=actor, subject=scope.uscc, client_ip=client_ip,
                     detail={"year": declaration_year(now), "applied": done.applied, "unchanged": done.unchanged,
                             "to_counter": done.to_counter, "file": safe_display_name(filename)[:80]})
        db.commit()
        return done
    except ImportRejected as exc:
        audit.record_alone(db, "base_declaration_refused", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"errors": len(exc.errors), "file": safe_display_name(filename)[:80]})
        raise
    except DomainError as exc:
        audit.record_alone(db, "base_declaration_refused", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"reason": exc.code})
        raise
    except BaseException:
        db.rollback()
        raise


def declaration_template(db: Session, account_id: int | None) -> bytes:
    try:
        unit_scope(db, account_id)
    finally:
        db.commit()
    return spreadsheets.template(
        DECLARATION_COLUMNS,
        [("张三", "320102199003071234", "9000.00")],
        [
            "缴费基数申报模板填写说明",
            "1. 在“基数申报”工作表从第2行起每行填写一名本单位在职参保人员；不要修改、删除或增加列。",
            "2. 姓名、身份证号码（18位）应与本单位参保名单一致。",
            f"3. 缴费基数：元，最多两位小数，应在 {bounds().text} 之间。",
            "4. 调增和不变的基数提交后立即生效；调减的基数需到社保经办窗口办理，办结后生效。",
            "5. 任一行有错误时整个文件都不会申报，请按错误报告修改后重新上传。",
        ],
        "基数申报",
    )


# -- the counter's side ---------------------------------------------------------------------------


def _complete_decrease(db: Session, task: CounterTask, clerk: StaffAccount, approved: bool, note: str,
                       now: dt.datetime) -> None:
    decl = db.get(BaseDeclaration, task.ref_id) if task.ref_id else None
    if decl is None:
        return  # a task opened without a declaration (by hand) has nothing to apply
    if decl.status != PENDING_COUNTER:
        raise DomainError("该基数调减申报已处理")
    decl.decided_at = now
    if not approved:
        decl.status = COUNTER_REFUSED
        db.add(decl)
        return
    emp = db.get(Employment, decl.employment_id)
    if emp is None or emp.end_date is not None:
        raise DomainError("该人员已减员，基数调减无法生效，请选择“不予办理”")
    emp.base = Decimal(decl.new_base)
    decl.status = COUNTER_DONE
    db.add(emp)
    db.add(decl)


counter_tasks.register_completion(task_kinds.BASE_DECREASE, _complete_decrease)
