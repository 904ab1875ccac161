"""The people and objects the page tour visits, made once per app through the real services:

a registered person with a completed profile, an approved unit, a submitted application waiting for review, a
counter task, and a reviewer, a clerk and an admin. Each role gets a session from the sessions service (as the
authorization matrix does), so the tour signs in by cookie instead of spending bcrypt and a page per role.

Run in the app's environment (its database and keys): `python -m tests.e2e.tour_world REGISTRY_DIR`; prints JSON.
A second run reuses what the first made and starts fresh sessions.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import utcnow
from jssi_app.adapters.pii import cipher
from jssi_app.adapters.sms import OutboxSms
from jssi_app.db import engine
from jssi_app.domain.counter_tasks import MANUAL_CERTIFICATION
from jssi_app.domain.registration import PersonRegistrationForm
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.counter import CounterTask
from jssi_app.models.operations import OutboxMessage
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import UnitAccount, UnitApplication
from jssi_app.services import counter_tasks, profile, registration, review, sessions, sms_codes, unit_registration
from jssi_app.services.demo_review import _credit_code, _id, _scan
from jssi_app.services.profile import ProfileForm
from jssi_app.services.staff_accounts import create_staff

IP = "198.18.200.1"
PASSWORD = "Tour2026pass"
# Credit-code and ID sequence numbers far from the demo's (1–6) and other tests' own.
APPROVED_UNIT = (_credit_code(801), "南京巡检无障碍科技有限公司", "13800008010")
PENDING_UNIT = (_credit_code(802), "南京巡检待审核贸易有限公司", "13800008020")
PERSON_INDEX = 60  # of the registry's 18-digit 职工 (other tests take 7–40 and the end of the list)
PERSON_PHONE = "13800008600"
STAFF = {"reviewer": "tour.reviewer", "clerk": "tour.clerk", "admin": "tour.admin"}


def _code(db: Session, phone: str, purpose: str, now: dt.datetime) -> str:
    sms_codes.send_code(db, phone=phone, purpose=purpose, client_ip=IP, now=now, sender=OutboxSms(engine()))
    body = db.exec(select(OutboxMessage.body).order_by(col(OutboxMessage.id).desc()).limit(1)).one()
    db.rollback()
    return "".join(ch for ch in body.split("验证码")[1][:8] if ch.isdigit())[:6]


def _staff(db: Session, role: str, now: dt.datetime) -> int:
    username = STAFF[role]
    found = db.exec(select(StaffAccount.id).where(StaffAccount.username == username)).first()
    if found is not None:
        return int(found)
    return create_staff(db, username=username, role=role, display_name=f"巡检{role}", password=PASSWORD,
                        actor="tour", now=now).account_id


def _unit(db: Session, seq: int, code: str, name: str, phone: str, now: dt.datetime) -> tuple[int, int]:
    """The unit's (account id, application id), registered with its four materials and submitted."""
    account = db.exec(select(UnitAccount).where(UnitAccount.uscc == code)).first()
    if account is not None:
        app_id = db.exec(select(UnitApplication.id).where(UnitApplication.account_id == account.id)).first()
        return int(account.id), int(app_id)
    form = UnitRegistrationForm(
        unit_name=name, credit_code=code, legal_rep_id=_id(seq, "19700101"), handler_name="巡检经办",
        handler_id=_id(seq + 1, "19900101"), handler_phone=phone, handler_email="", password=PASSWORD,
        password_confirm=PASSWORD, sms_code=_code(db, phone, "register", now), agreed=True)
    reg = unit_registration.register_unit(db, form, client_ip=IP, now=now)
    for kind in ("business_licence", "legal_rep_id", "handler_id", "authorization_letter"):
        unit_registration.add_material(db, reg.application_id, account_id=reg.account_id, kind=kind,
                                       filename=f"{kind}.jpg", content=_scan(name, kind), client_ip=IP, now=now)
    unit_registration.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip=IP, now=now)
    return reg.account_id, reg.application_id


def _person(db: Session, registry_dir: Path, now: dt.datetime) -> tuple[int, int]:
    """The tour person's (account id, registry person id), registered and with a completed profile."""
    with open(registry_dir / "persons.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if len(r["id_number"]) == 18 and r["person_type"] == "职工"]
    row = rows[PERSON_INDEX]
    fps = cipher().fingerprints("id_number", row["id_number"])
    account = db.exec(select(PersonAccount).where(col(PersonAccount.id_fp).in_(fps))).first()
    if account is None:
        form = PersonRegistrationForm(name=row["name"], id_number=row["id_number"], phone=PERSON_PHONE, email="",
                                      password=PASSWORD, password_confirm=PASSWORD,
                                      sms_code=_code(db, PERSON_PHONE, "register", now), agreed=True)
        account_id = registration.register_person(db, form, client_ip=IP, now=now).account_id
        current = profile.load_profile_form(db, account_id)
        profile.complete_profile(db, account_id, ProfileForm(hukou_address=current.hukou_address or "南京市玄武区",
                                                              contact_address="南京市建邺区江东中路369号"),
                                 client_ip=IP, now=now)
        account = db.get(PersonAccount, account_id)
    return int(account.id), int(account.registry_person_id)


def build(registry_dir: Path) -> dict:
    now = utcnow()
    with Session(engine(), expire_on_commit=False) as db:
        staff = {role: _staff(db, role, now) for role in STAFF}
        db.commit()
        unit_account, approved_app = _unit(db, 801, *APPROVED_UNIT, now=now - dt.timedelta(hours=3))
        if db.get(UnitApplication, approved_app).status != "approved":
            review.claim(db, approved_app, staff_id=staff["reviewer"], now=now - dt.timedelta(hours=2))
            review.approve(db, approved_app, staff_id=staff["reviewer"], opinion="材料齐全，予以通过。",
                           now=now - dt.timedelta(hours=2))
        _, pending_app = _unit(db, 803, *PENDING_UNIT, now=now - dt.timedelta(hours=1))
        person_account, registry_person = _person(db, registry_dir, now)
        task = db.exec(select(CounterTask.id).where(CounterTask.summary == "巡检 人工认证")).first()
        if task is None:
            task = counter_tasks.open_task(db, MANUAL_CERTIFICATION, summary="巡检 人工认证", actor="tour",
                                           person_id=registry_person, now=now).id
        db.commit()
        accounts = {"person": ("person", person_account), "unit": ("unit", unit_account),
                    **{role: ("staff", staff_id) for role, staff_id in staff.items()}}
        tokens = {}
        for role, (kind, account_id) in accounts.items():
            tokens[role] = sessions.start_session(db, account_kind=kind, account_id=account_id, client_ip=IP, now=now)
            db.commit()
    return {"tokens": tokens, "application_id": pending_app, "task_id": int(task)}


if __name__ == "__main__":
    print(json.dumps(build(Path(sys.argv[1]))))
