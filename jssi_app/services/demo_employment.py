"""Demo employments for the embedded default: every imported 职工 still paying gets the relation with the unit
of their latest contributions, and the approved demo unit (南京示例文化传媒有限公司, see demo_review.py) gets a few
dozen employees from the demo registry and one base decrease waiting at the counter.

Idempotent: a second run changes nothing. Never run in production (seed-demo skips it there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain.base_declaration import validate_base
from jssi_app.domain.employment import Enrolment
from jssi_app.domain.errors import DomainError
from jssi_app.models.employment import Employment
from jssi_app.models.registry import Contribution, RegistryPerson
from jssi_app.models.units import UnitAccount
from jssi_app.services import audit, base_declaration, employment
from jssi_app.services.demo_review import DEMO_APPLICATIONS

DEMO_EMPLOYEES = 36
APPROVED_DEMO = next(d for d in DEMO_APPLICATIONS if d.status == "approved")


@dataclass(frozen=True)
class DemoEmploymentSummary:
    derived: int
    demo_unit_employees: int


def _latest_base(db: Session, person_id: int) -> Decimal | None:
    return db.exec(
        select(Contribution.base).where(Contribution.person_id == person_id, Contribution.insurance_code == "110")
        .order_by(col(Contribution.period).desc()).limit(1)
    ).first()


def seed_demo_employment(db: Session, *, now: dt.datetime) -> DemoEmploymentSummary:
    derived = 0
    if db.exec(select(Employment.id).limit(1)).first() is None:
        derived = employment.derive_employments(db, now=now)
        db.commit()
    account = db.exec(select(UnitAccount).where(UnitAccount.uscc == APPROVED_DEMO.credit_code)).first()
    if account is None or account.approved_at is None:
        db.commit()
        return DemoEmploymentSummary(derived, 0)
    scope = employment.unit_scope(db, account.id, create=True)
    existing = db.exec(select(Employment.id).where(Employment.unit_id == scope.unit_id)).all()
    if existing:
        db.commit()
        return DemoEmploymentSummary(derived, len(existing))
    # Persons who left their last job (暂停参保, no open relation) join the demo unit this month.
    free = db.exec(
        select(RegistryPerson)
        .where(RegistryPerson.person_type == "职工", RegistryPerson.insured_status == "暂停参保",
               RegistryPerson.id_length == 18,
               col(RegistryPerson.id).not_in(select(Employment.person_id).where(col(Employment.end_date).is_(None))))
        .order_by(col(RegistryPerson.id)).limit(DEMO_EMPLOYEES)
    ).all()
    c = cipher()
    limits = employment.bounds()
    start = to_local(now).date().replace(day=1)
    added = 0
    for person in free:
        raw = _latest_base(db, int(person.id)) or Decimal("6000")
        base = min(max(Decimal(raw), limits.lower), limits.upper)
        enrolment = Enrolment(
            name=c.decrypt("registry_person.name", person.name_enc),
            id_number=c.decrypt("registry_person.id_number", person.id_number_enc),
            phone=c.decrypt("registry_person.phone", person.phone_enc) if person.phone_enc else "",
            start_date=start, base=validate_base(base, limits),
        )
        try:
            with db.begin_nested():
                employment.enrol_in_transaction(db, scope, enrolment, actor="seed-demo", now=now)
        except DomainError:
            continue  # e.g. an earlier relation ending after this month's start: not a demo employee then
        added += 1
    audit.record(db, "employees_imported", actor="seed-demo", subject=scope.uscc, detail={"count": added})
    db.commit()
    # One decrease waiting at the counter, so the clerk's queue has a 缴费基数调减 to handle.
    rows = employment.list_employees(db, account.id).rows
    candidate = next((r for r in rows if Decimal(r.base) - 500 >= limits.lower), None)
    if candidate is not None:
        base_declaration.submit_declaration(db, account.id, {candidate.id: str(Decimal(candidate.base) - 500)},
                                            client_ip="127.0.0.1", now=now)
    return DemoEmploymentSummary(derived, added)


def demo_note() -> str:
    return (f"  {APPROVED_DEMO.unit_name}（已通过）登录后可办理：单位业务 → 参保管理（人员新增、批量增员、人员减员）、"
            f"缴费申报 → 缴费基数申报；演示数据中已有约{DEMO_EMPLOYEES}名在职人员和1条待窗口办理的基数调减。")
