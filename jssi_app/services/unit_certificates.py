"""证书绑定 at the counter: a clerk finds an approved unit by its 统一社会信用代码, binds the CA certificate the unit
brought (checked: the subject carries that code, chain, validity, revocation) and can revoke a binding.

The trust check runs before any transaction (it may fetch a CRL); refusals are audited on their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.adapters.ca_trust import TrustStore, trust_store
from jssi_app.adapters.clock import format_local
from jssi_app.domain.ca_certificates import (
    CertificateRefused,
    common_name,
    describe_name,
    parse_certificate,
    unit_code_of,
)
from jssi_app.domain.credit_codes import validate_credit_code
from jssi_app.domain.errors import DomainError, FieldError, InvalidValue, ValidationFailed
from jssi_app.models.unit_certificates import UnitCertificate
from jssi_app.models.units import UnitAccount, UnitApplication
from jssi_app.services import audit
from jssi_app.services.counter_tasks import require_clerk

MAX_CERTIFICATE_BYTES = 64 * 1024
UNIT_NOT_FOUND = "未找到审核通过的单位，请核对统一社会信用代码。CA证书只能绑定到已审核通过的单位。"
BINDING_NOT_FOUND = "未找到该证书绑定记录，或绑定已解除。"


class CertificateBindingRefused(DomainError):
    code = "certificate_binding_refused"


@dataclass(frozen=True)
class Binding:
    id: int
    serial: str
    fingerprint: str
    issuer: str
    subject: str
    not_before: str
    not_after: str
    bound_at: str
    bound_by: str
    revoked_at: str
    revoked_by: str
    active: bool


@dataclass(frozen=True)
class UnitCertificates:
    unit_id: int
    uscc: str
    unit_name: str
    bindings: list[Binding]


def fingerprint_of(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _approved_unit(db: Session, uscc: str) -> tuple[UnitAccount, str]:
    account = db.exec(select(UnitAccount).where(UnitAccount.uscc == uscc)).first()
    if account is None or account.approved_at is None:
        raise CertificateBindingRefused(UNIT_NOT_FOUND, code="unit_not_found")
    name = db.exec(select(UnitApplication.unit_name).where(UnitApplication.account_id == account.id)
                   .order_by(col(UnitApplication.id).desc())).first() or ""
    return account, name


def _names(db: Session, ids: set[int]) -> dict[int, str]:
    from jssi_app.models.staff import StaffAccount

    if not ids:
        return {}
    rows = db.exec(select(StaffAccount.id, StaffAccount.display_name, StaffAccount.username)
                   .where(col(StaffAccount.id).in_(ids))).all()
    return {int(i): (d or u) for i, d, u in rows}


def _view(db: Session, account: UnitAccount, name: str) -> UnitCertificates:
    rows = db.exec(select(UnitCertificate).where(UnitCertificate.unit_account_id == account.id)
                   .order_by(col(UnitCertificate.revoked_at).is_not(None), col(UnitCertificate.id).desc())).all()
    staff = _names(db, {r.bound_by for r in rows} | {r.revoked_by for r in rows if r.revoked_by})
    return UnitCertificates(
        unit_id=int(account.id), uscc=account.uscc, unit_name=name,
        bindings=[Binding(
            id=int(r.id), serial=r.serial, fingerprint=r.fingerprint, issuer=r.issuer, subject=r.subject,
            not_before=format_local(r.not_before), not_after=format_local(r.not_after),
            bound_at=format_local(r.bound_at), bound_by=staff.get(r.bound_by, str(r.bound_by)),
            revoked_at=format_local(r.revoked_at) if r.revoked_at else "",
            revoked_by=staff.get(r.revoked_by, "") if r.revoked_by else "", active=r.revoked_at is None,
        ) for r in rows],
    )


def _code(raw: str) -> str:
    try:
        return validate_credit_code(raw)
    except InvalidValue as exc:
        raise ValidationFailed([FieldError("credit_code", exc.message)]) from exc


def find_unit(db: Session, credit_code: str, *, staff_id: int) -> UnitCertificates:
    try:
        require_clerk(db, staff_id)
        account, name = _approved_unit(db, _code(credit_code))
        return _view(db, account, name)
    finally:
        db.commit()


def bind_certificate(
    db: Session, credit_code: str, content: bytes, *, staff_id: int, client_ip: str, now: dt.datetime,
    store: TrustStore | None = None,
) -> UnitCertificates:
    clerk = require_clerk(db, staff_id)
    clerk_actor, clerk_name = f"staff:{clerk.id}", clerk.username
    uscc = _code(credit_code)
    account, name = _approved_unit(db, uscc)
    account_id = int(account.id)
    db.commit()  # the trust check may fetch a CRL: never inside a transaction

    def refuse(exc: DomainError, detail: dict) -> None:
        audit.record_alone(db, "certificate_bind_refused", actor=clerk_actor, subject=uscc, client_ip=client_ip,
                           outcome="failure", detail={"clerk": clerk_name, "reason": exc.code, **detail})
        raise exc

    if len(content) > MAX_CERTIFICATE_BYTES:
        refuse(CertificateRefused("unreadable", "too large"), {})
    try:
        cert = parse_certificate(content)
        fp = fingerprint_of(cert)
    except CertificateRefused as exc:
        refuse(exc, {})
    info = {"serial": f"{cert.serial_number:x}", "fingerprint": fp}
    try:
        if unit_code_of(cert) != uscc:
            raise CertificateRefused("wrong_unit")
        (store or trust_store()).verify(cert, now)
    except CertificateRefused as exc:
        refuse(exc, {**info, "why": exc.detail})
    live = db.exec(select(UnitCertificate).where(UnitCertificate.fingerprint == fp,
                                                 col(UnitCertificate.revoked_at).is_(None))).first()
    if live is not None:
        refuse(CertificateRefused("already_bound"), {**info, "unit": live.unit_account_id})
    db.add(UnitCertificate(
        unit_account_id=account_id, uscc=uscc, fingerprint=fp, serial=info["serial"],
        issuer=describe_name(cert.issuer), subject=describe_name(cert.subject),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc, bound_by=int(clerk.id), bound_at=now,
    ))
    audit.record(db, "certificate_bound", actor=clerk_actor, subject=uscc, client_ip=client_ip,
                 detail={"clerk": clerk_name, **info, "issuer": common_name(cert.issuer)})
    db.commit()
    return find_unit(db, uscc, staff_id=staff_id)


def revoke_binding(
    db: Session, binding_id: int, *, staff_id: int, client_ip: str, now: dt.datetime
) -> UnitCertificates:
    clerk = require_clerk(db, staff_id)
    row = db.get(UnitCertificate, binding_id)
    if row is None or row.revoked_at is not None:
        db.commit()
        raise CertificateBindingRefused(BINDING_NOT_FOUND, code="binding_not_found")
    # Conditional: two clerks revoking at once record one revocation.
    done = db.exec(update(UnitCertificate).where(col(UnitCertificate.id) == binding_id,
                                                 col(UnitCertificate.revoked_at).is_(None))
                   .values(revoked_at=now, revoked_by=int(clerk.id)))
    if not done.rowcount:
        db.rollback()
        raise CertificateBindingRefused(BINDING_NOT_FOUND, code="binding_not_found")
    uscc = row.uscc
    audit.record(db, "certificate_revoked", actor=f"staff:{clerk.id}", subject=uscc, client_ip=client_ip,
                 detail={"clerk": clerk.username, "binding": binding_id, "serial": row.serial,
                         "fingerprint": row.fingerprint})
    db.commit()
    return find_unit(db, uscc, staff_id=staff_id)
