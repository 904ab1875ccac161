"""个人用户注册: validate, confirm the SMS code, check the real name against the registry, create the account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.hashing import hash_password
from jssi_app.adapters.pii import cipher
from jssi_app.domain import throttles
from jssi_app.domain.contact import mask_phone
from jssi_app.domain.errors import DomainError, ValidationFailed
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.domain.names import names_match
from jssi_app.domain.registration import PersonRegistrationForm, validate_person_registration
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.registry import RegistryPerson
from jssi_app.services import audit, sms_codes
from jssi_app.services.throttling import enforce

NAME_MISMATCH = (
    "身份证号与社保系统信息不一致：您填写的姓名与社保系统登记的信息不一致。请先核对姓名是否与身份证件完全一致；"
    "确认无误的，请携带本人身份证原件到参保地社保经办机构更新信息后再注册。"
)
NO_RECORD = (
    "未查询到参保记录。请先核对身份证号码是否填写正确；确认无误的，说明社保系统中暂无您的参保信息："
    "在职职工请联系用人单位办理参保登记，灵活就业人员请携带本人身份证原件到参保地社保经办机构办理参保登记，登记后再注册。"
)
LEGACY_ID = (
    "社保系统中您的记录仍是15位旧身份证号码，需要办理“15位升18位”。请携带本人身份证原件到参保地社保经办机构"
    "更新为18位身份证号码，更新后再注册。"
)
ALREADY_REGISTERED = "该身份证号码已注册网上服务大厅账号（一个身份证号码只能注册一个账号）。请直接登录；如忘记密码，请点击“忘记密码”找回。"


class RealNameFailed(DomainError):
    """实名认证 did not pass; `code` is one of name_mismatch, no_record, legacy_id, already_registered."""


@dataclass(frozen=True)
class RegisteredPerson:
    account_id: int
    masked_name: str
    masked_id_number: str
    masked_phone: str
    registered_at_local: str


def _mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


def find_registry_person(db: Session, id_number: str) -> tuple[RegistryPerson | None, bool]:
    """(record, held_only_as_15_digits) for a normalised 18-digit number."""
    fps = cipher().fingerprints("id_number", id_number)  # every key of the ring: rows may await rotation
    person = db.exec(select(RegistryPerson).where(col(RegistryPerson.id_fp).in_(fps))).first()
    if person is not None:
        return person, False
    legacy = db.exec(select(RegistryPerson).where(col(RegistryPerson.upgraded_id_fp).in_(fps))).first()
    return legacy, legacy is not None


def register_person(db: Session, form: PersonRegistrationForm, *, client_ip: str, now: dt.datetime) -> RegisteredPerson:
    """Create a verified account or raise; nothing but audit events and security counters survives a refusal.

    Order matters for privacy: the registry is consulted only after the SMS code proved control of
    the phone, and "already registered" is said only to someone who also knows the registered name.
    """
    today = to_local(now).date()
    try:
        clean = validate_person_registration(form, today)
    except ValidationFailed as exc:
        audit.record_alone(db, "registration_rejected", actor="anonymous", client_ip=client_ip, outcome="failure",
                           detail={"reason": "invalid_fields", "fields": sorted(exc.by_field())})
        raise
    subject = mask_id_number(clean.id_number)
    enforce(db, [(throttles.REGISTER_PER_IP, client_ip)], now)
    db.commit()
    try:
        code_id = sms_codes.check_code(db, phone=clean.phone, purpose="register", code=clean.sms_code, now=now)
    except sms_codes.CodeRejected:
        db.rollback()
        audit.record_alone(db, "registration_rejected", actor="anonymous", subject=subject, client_ip=client_ip,
                           outcome="failure", detail={"reason": "sms_code"})
        raise
    db.commit()
    # bcrypt before the write transaction so the database is not held for its ~0.3 s.
    password_hash = hash_password(clean.password)
    try:
        person, legacy_only = find_registry_person(db, clean.id_number)
        if person is None:
            raise RealNameFailed(NO_RECORD, code="no_record")
        if legacy_only:
            raise RealNameFailed(LEGACY_ID, code="legacy_id")
        if not names_match(clean.name, cipher().decrypt("registry_person.name", person.name_enc)):
            raise RealNameFailed(NAME_MISMATCH, code="name_mismatch")
        id_fp = cipher().fingerprint("id_number", clean.id_number)
        taken = col(PersonAccount.id_fp).in_(cipher().fingerprints("id_number", clean.id_number))
        if db.exec(select(PersonAccount.id).where(taken)).first() is not None:
            raise RealNameFailed(ALREADY_REGISTERED, code="already_registered")
        sms_codes.consume_code(db, code_id, now)
        c = cipher()
        account = PersonAccount(
            registry_person_id=person.id,
            id_fp=id_fp,
            id_number_enc=c.encrypt("person_account.id_number", clean.id_number),
            name_enc=c.encrypt("person_account.name", clean.name),
            phone_enc=c.encrypt("person_account.phone", clean.phone),
            phone_fp=c.fingerprint("phone", clean.phone),
            email_enc=c.encrypt("person_account.email", clean.email) if clean.email else None,
            email_fp=c.fingerprint("email", clean.email) if clean.email else None,
            password_hash=password_hash,
            created_at=now,
            real_name_verified_at=now,
            password_changed_at=now,
        )
        db.add(account)
        db.flush()
        audit.record(db, "account_created", actor=f"person:{account.id}", subject=subject, client_ip=client_ip,
                     detail={"real_name": "passed"})
        db.commit()
    except DomainError as exc:
        db.rollback()
        event = "real_name_failed" if isinstance(exc, RealNameFailed) and exc.code != "already_registered" else "registration_rejected"
        audit.record_alone(db, event, actor="anonymous", subject=subject, client_ip=client_ip, outcome="failure",
                           detail={"reason": exc.code})
        raise
    except BaseException:
        # Any other failure (database, audit, bug): the flushed account and the consumed code must
        # not stay pending in the caller's session, where a later commit would store them.
        db.rollback()
        raise
    return RegisteredPerson(
        account_id=int(account.id),
        masked_name=_mask_name(clean.name),
        masked_id_number=subject,
        masked_phone=mask_phone(clean.phone),
        registered_at_local=to_local(now).strftime("%Y-%m-%d %H:%M"),
    )
