"""Rows for the review tests, inserted directly: staff accounts and submitted unit applications.

An application here is what submission leaves behind: status 待审核, round 1 open (a ReviewRound with no
decision), the four required materials of round 1, the due date three working days after the local
submission date, and the handler's personal data encrypted under the field names the hall uses.

Like helpers.py, every helper ends its transaction (SQLite holds the write lock for the whole of one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain.credit_codes import credit_code_check_char, org_code_check_char
from jssi_app.domain.review import REQUIRED_MATERIALS, ApplicationStatus, MaterialKind
from jssi_app.domain.working_days import SLA_WORKING_DAYS, add_working_days
from jssi_app.models.operations import AuditEvent
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import (
    Material,
    MaterialRejection,
    ReviewRound,
    UnitAccount,
    UnitApplication,
)
from tests.services.helpers import NOW, fetch_all, make_id

HANDLER_PHONE = "13951234567"
HANDLER_EMAIL = "jingban@example.com"
HANDLER_NAME = "李四"
LEGAL_REP_ID = make_id(11, birth="19700101")
HANDLER_ID = make_id(12, birth="19900612")
GOOD_PRECHECKS = {"code_exists": True, "name_matches": True, "legal_rep_matches": True}
# Not a usable hash: these accounts are never signed in to here.
_NO_PASSWORD = "!"


def make_uscc(seq: int, division: str = "320102") -> str:
    """A valid 统一社会信用代码 of an enterprise (91) with organisation code `seq`, both check characters right."""
    org8 = f"{seq:08d}"
    first17 = "91" + division + org8 + org_code_check_char(org8)
    return first17 + credit_code_check_char(first17)


def add_staff(db: Session, username: str, *, role: str = "reviewer", display_name: str = "",
              disabled: bool = False) -> int:
    account = StaffAccount(username=username, display_name=display_name, role=role, password_hash=_NO_PASSWORD,
                           created_at=NOW, password_changed_at=NOW, disabled_at=NOW if disabled else None)
    db.add(account)
    db.commit()
    return int(account.id)


@dataclass(frozen=True)
class SeededApplication:
    id: int
    account_id: int
    reference_no: str
    uscc: str
    unit_name: str
    submitted_at: dt.datetime
    due_date: dt.date


def add_application(
    db: Session,
    seq: int = 1,
    *,
    unit_name: str = "南京示例科技有限公司",
    uscc: str | None = None,
    submitted_at: dt.datetime = NOW,
    status: str = ApplicationStatus.SUBMITTED.value,
    claimed_by: int | None = None,
    due_date: dt.date | None = None,
    email: str | None = HANDLER_EMAIL,
    prechecks: dict | None = None,
    with_materials: bool = True,
) -> SeededApplication:
    """A submitted application in round 1 (or, with `status`, as if a reviewer had moved it on)."""
    c = cipher()
    code = uscc or make_uscc(seq)
    account = UnitAccount(uscc=code, password_hash=_NO_PASSWORD, created_at=submitted_at,
                          password_changed_at=submitted_at)
    db.add(account)
    db.flush()
    due = due_date or add_working_days(to_local(submitted_at).date(), SLA_WORKING_DAYS).date
    app = UnitApplication(
        reference_no=f"DW{to_local(submitted_at):%Y%m%d}{seq:06d}",
        account_id=account.id,
        uscc=code,
        unit_name=unit_name,
        legal_rep_id_enc=c.encrypt("unit_application.legal_rep_id", LEGAL_REP_ID),
        legal_rep_id_fp=c.fingerprint("id_number", LEGAL_REP_ID),
        handler_name_enc=c.encrypt("unit_application.handler_name", HANDLER_NAME),
        handler_id_enc=c.encrypt("unit_application.handler_id", HANDLER_ID),
        handler_id_fp=c.fingerprint("id_number", HANDLER_ID),
        handler_phone_enc=c.encrypt("unit_application.handler_phone", HANDLER_PHONE),
        handler_phone_fp=c.fingerprint("phone", HANDLER_PHONE),
        handler_email_enc=c.encrypt("unit_application.handler_email", email) if email else None,
        status=status,
        round_number=1,
        created_at=submitted_at - dt.timedelta(minutes=20),
        submitted_at=submitted_at,
        due_date=due,
        claimed_by=claimed_by,
        claimed_at=submitted_at + dt.timedelta(minutes=5) if claimed_by else None,
        prechecks=json.dumps(prechecks if prechecks is not None else GOOD_PRECHECKS, sort_keys=True),
        version=1,
    )
    db.add(app)
    db.flush()
    db.add(ReviewRound(application_id=app.id, number=1, submitted_at=submitted_at))
    if with_materials:
        for kind in REQUIRED_MATERIALS:
            digest = hashlib.sha256(f"{seq}:{kind}".encode()).hexdigest()
            db.add(Material(
                application_id=app.id, round_number=1, kind=kind.value, display_name=f"{kind.value}.pdf",
                media_type="application/pdf", size=120_000, pages=1, sha256=digest, storage_key=digest[:32],
                preview_key=digest[32:], thumbnail_key=digest[16:48], uploaded_at=submitted_at,
            ))
    db.commit()
    return SeededApplication(id=int(app.id), account_id=int(account.id), reference_no=app.reference_no, uscc=code,
                             unit_name=unit_name, submitted_at=submitted_at, due_date=due)


def application(db: Session, application_id: int) -> UnitApplication:
    """The row as stored now (what a reviewer's page shows)."""
    return fetch_all(db, select(UnitApplication).where(UnitApplication.id == application_id))[0]


def unit_account(db: Session, account_id: int) -> UnitAccount:
    return fetch_all(db, select(UnitAccount).where(UnitAccount.id == account_id))[0]


def rounds(db: Session, application_id: int) -> list[ReviewRound]:
    return fetch_all(db, select(ReviewRound).where(ReviewRound.application_id == application_id)
                     .order_by(col(ReviewRound.number)))


def rejections(db: Session, round_id: int) -> list[MaterialRejection]:
    return fetch_all(db, select(MaterialRejection).where(MaterialRejection.round_id == round_id)
                     .order_by(col(MaterialRejection.id)))


def audit_details(db: Session, event: str) -> list[dict]:
    rows = fetch_all(db, select(AuditEvent).where(AuditEvent.event == event).order_by(col(AuditEvent.id)))
    return [json.loads(r.detail) for r in rows]


ALL_MATERIALS = tuple(k.value for k in REQUIRED_MATERIALS)
OTHER = MaterialKind.OTHER.value
