"""Building blocks for the service tests: registry persons, SMS codes read back from the outbox, accounts.

Everything goes through the real services and the real outbox adapters; only the registry (which the
hall reads but never writes) is filled in directly, encrypted exactly as the import stores it.

SQLite note: every transaction begins IMMEDIATE (jssi_app/db.py), so a read on the test's session
holds the write lock until it ends. Helpers that read end their transaction (`db.commit()`) before
returning, because the services and outbox adapters open sessions of their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from unittest import mock

from sqlmodel import Session, col, select

from jssi_app.adapters.hashing import hash_password
from jssi_app.adapters.mail import OutboxMail
from jssi_app.adapters.pii import cipher
from jssi_app.adapters.sms import OutboxSms
from jssi_app.domain.identifiers import (
    birth_date_of,
    check_digit,
    gender_of,
    upgrade_15_to_18,
)
from jssi_app.domain.registration import PersonRegistrationForm
from jssi_app.models.accounts import VerificationCode
from jssi_app.models.operations import AuditEvent, OutboxMessage
from jssi_app.models.registry import RegistryPerson
from jssi_app.services import registration, sms_codes

# 09:00 in Nanjing. Explicit instants everywhere: the services take `now`, never the wall clock.
NOW = dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)
SEC = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)

IP = "203.0.113.7"
PASSWORD = "Hall#Sq7m2k"
NEW_PASSWORD = "Lake9Rw#t5p"

_CODE_IN_BODY = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")


def make_id(seq: int, birth: str = "19880315", region: str = "320102") -> str:
    """A valid 18-digit number (region + birth date + 3-digit sequence + check digit)."""
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_digit(first17)


def make_legacy_id(seq: int, birth: str = "650418", region: str = "320106") -> str:
    """A legacy 15-digit number (region + yymmdd + 3-digit sequence)."""
    return f"{region}{birth}{seq:03d}"


def as_15_digits(id18: str) -> str:
    """The 15-digit form an 18-digit number of someone born in the 1900s had before 1999."""
    return id18[:6] + id18[8:17]


@dataclass(frozen=True)
class Person:
    """A registry person as the test knows them in plaintext."""

    id: int
    id_number: str  # the number a person types: 18 digits (for a legacy record, the upgraded form)
    registry_id_number: str  # what the registry holds (15 digits for a legacy record)
    name: str
    phone: str
    hukou_address: str


def add_registry_person(
    db: Session,
    id_number: str,
    name: str,
    *,
    phone: str = "",
    hukou_address: str = "南京市玄武区中山路18号3幢201室",
    person_type: str = "企业职工",
    insured_status: str = "参保缴费",
) -> Person:
    """Insert one registry person, encrypted and fingerprinted as the registry import stores it."""
    c = cipher()
    legacy = len(id_number) == 15
    row = RegistryPerson(
        id_fp=c.fingerprint("id_number", id_number),
        upgraded_id_fp=c.fingerprint("id_number", upgrade_15_to_18(id_number)) if legacy else None,
        id_length=len(id_number),
        id_number_enc=c.encrypt("registry_person.id_number", id_number),
        name_enc=c.encrypt("registry_person.name", name),
        gender=gender_of(id_number),
        birth_date=birth_date_of(id_number),
        phone_enc=c.encrypt("registry_person.phone", phone) if phone else None,
        phone_fp=c.fingerprint("phone", phone) if phone else None,
        hukou_address_enc=c.encrypt("registry_person.hukou_address", hukou_address) if hukou_address else None,
        insured_region=id_number[:6],
        person_type=person_type,
        insured_status=insured_status,
        first_insured="2010-07",
    )
    db.add(row)
    db.commit()
    return Person(
        id=int(row.id),
        id_number=upgrade_15_to_18(id_number) if legacy else id_number,
        registry_id_number=id_number,
        name=name,
        phone=phone,
        hukou_address=hukou_address,
    )


def fetch_all(db: Session, query) -> list:
    """Rows as stored now (also when another session changed them), ending the read transaction."""
    rows = list(db.exec(query.execution_options(populate_existing=True)).all())
    db.commit()
    return rows


def outbox_rows(db: Session, channel: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return fetch_all(db, query)


def code_from_body(body: str) -> str:
    found = _CODE_IN_BODY.findall(body)
    assert len(found) == 1, f"expected exactly one 6-digit code in {body!r}"
    return found[0]


def last_sms_code(db: Session) -> str:
    """The code in the newest SMS of the outbox (what the person reads on their phone)."""
    rows = outbox_rows(db, "sms")
    assert rows, "no SMS in the outbox"
    return code_from_body(rows[-1].body)


def send_code(db: Session, phone: str, *, purpose: str = "register", now: dt.datetime = NOW, ip: str = IP) -> str:
    """Ask for a code through the service, delivered to the real outbox; return the code as received."""
    before = len(outbox_rows(db, "sms"))
    sms_codes.send_code(db, phone=phone, purpose=purpose, client_ip=ip, now=now,
                        sender=OutboxSms(engine=db.get_bind()))
    rows = outbox_rows(db, "sms")
    assert len(rows) == before + 1
    return code_from_body(rows[-1].body)


def outbox_sms(db: Session) -> OutboxSms:
    return OutboxSms(engine=db.get_bind())


def outbox_mail(db: Session) -> OutboxMail:
    return OutboxMail(engine=db.get_bind())


def reg_form(person: Person, code: str, **overrides) -> PersonRegistrationForm:
    values = {
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "email": "",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "sms_code": code,
        "agreed": True,
    }
    values.update(overrides)
    return PersonRegistrationForm(**values)


@functools.cache
def _hash_once(password: str) -> str:
    """The real bcrypt (cost 12) hash, computed once per password for all the accounts a test run sets up."""
    return hash_password(password)


def register(db: Session, person: Person, *, now: dt.datetime = NOW, ip: str = IP, **overrides):
    """The whole registration journey: code by SMS, then the form. Returns RegisteredPerson.

    For setting up accounts: the ~0.3 s bcrypt hash is reused across calls (the stored hash is still
    a genuine cost-12 hash, so signing in costs what it costs). test_registration.py calls
    register_person itself where the hashing is under test.
    """
    phone = overrides.get("phone", person.phone)
    code = send_code(db, phone, now=now, ip=ip)
    with mock.patch.object(registration, "hash_password", _hash_once):
        return registration.register_person(db, reg_form(person, code, **overrides), client_ip=ip,
                                            now=now + 30 * SEC)


def audit_rows(db: Session, event: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.id))
    if event:
        query = query.where(AuditEvent.event == event)
    return fetch_all(db, query)


def codes(db: Session) -> list[VerificationCode]:
    return fetch_all(db, select(VerificationCode).order_by(col(VerificationCode.id)))


def count(db: Session, model) -> int:
    return len(fetch_all(db, select(model)))
