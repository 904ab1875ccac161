"""单位CA证书登录: nginx has verified the client certificate (mutual TLS) and forwards it on a route only it can
reach; this service checks it again (chain, validity, revocation, binding, unit) and hands out a one-time ticket
that the browser exchanges for a unit session on the main site.

Why a ticket: the session cookie is set by the page (Reflex state), not by an HTTP response, and the mTLS
endpoint may live on another host or port. The ticket is 256 random bits, stored as SHA-256, valid 60 seconds
and used once (a conditional update, so two tabs racing get one session).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from jssi_app.adapters.ca_trust import TrustStore, trust_store
from jssi_app.domain import throttles
from jssi_app.domain.ca_certificates import CertificateRefused, parse_certificate, unit_code_of
from jssi_app.domain.codes import hash_token, new_token
from jssi_app.domain.errors import DomainError
from jssi_app.models.unit_certificates import CaLoginTicket, UnitCertificate
from jssi_app.models.units import UnitAccount
from jssi_app.services import audit, sessions
from jssi_app.services.throttling import enforce
from jssi_app.services.unit_certificates import fingerprint_of

TICKET_LIFETIME = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Ticket:
    ticket: str
    unit_account_id: int


def _refuse(db: Session, exc: CertificateRefused, *, subject: str, client_ip: str, detail: dict) -> None:
    audit.record_alone(db, "ca_sign_in_failed", actor="anonymous", subject=subject, client_ip=client_ip,
                       outcome="failure", detail={"reason": exc.code, "why": exc.detail, **detail})
    raise exc


def start(
    db: Session, cert_pem: bytes, *, proxy_verify: str, client_ip: str, now: dt.datetime,
    store: TrustStore | None = None,
) -> Ticket:
    """The certificate nginx forwarded → a ticket, or CertificateRefused (audited) with the reason."""
    try:
        enforce(db, [(throttles.SIGN_IN_PER_IP, client_ip)], now)
        db.commit()
    except DomainError as exc:
        _refuse(db, CertificateRefused("throttled", exc.message), subject="", client_ip=client_ip, detail={})
    detail: dict = {"proxy_verify": proxy_verify[:120]}
    if not cert_pem.strip():
        _refuse(db, CertificateRefused("no_certificate"), subject="", client_ip=client_ip, detail=detail)
    try:
        cert = parse_certificate(cert_pem)
    except CertificateRefused as exc:
        _refuse(db, exc, subject="", client_ip=client_ip, detail=detail)
    fp = fingerprint_of(cert)
    detail.update(serial=f"{cert.serial_number:x}", fingerprint=fp)
    # Our own check decides the message; nginx's verdict only adds a refusal when ours found nothing.
    try:
        (store or trust_store()).verify(cert, now)
    except CertificateRefused as exc:
        _refuse(db, exc, subject="", client_ip=client_ip, detail=detail)
    if proxy_verify != "SUCCESS":
        _refuse(db, CertificateRefused("untrusted", f"proxy: {proxy_verify}"), subject="", client_ip=client_ip,
                detail=detail)
    rows = db.exec(select(UnitCertificate).where(UnitCertificate.fingerprint == fp)
                   .order_by(col(UnitCertificate.id).desc())).all()
    live = next((r for r in rows if r.revoked_at is None), None)
    if live is None:
        code = "binding_revoked" if rows else "unbound"
        _refuse(db, CertificateRefused(code), subject=rows[0].uscc if rows else "", client_ip=client_ip, detail=detail)
    account = db.get(UnitAccount, live.unit_account_id)
    subject = live.uscc
    detail["binding"] = int(live.id)
    try:
        carried = unit_code_of(cert)
    except CertificateRefused as exc:
        _refuse(db, exc, subject=subject, client_ip=client_ip, detail=detail)
    if account is None or carried != account.uscc or live.uscc != account.uscc:
        _refuse(db, CertificateRefused("wrong_unit", f"certificate {carried}"), subject=subject, client_ip=client_ip,
                detail=detail)
    if account.approved_at is None:
        _refuse(db, CertificateRefused("unit_not_approved"), subject=subject, client_ip=client_ip, detail=detail)
    # Spent and expired tickets are of no use to anyone: cleared as new ones are made.
    db.exec(delete(CaLoginTicket).where(col(CaLoginTicket.expires_at) < now - dt.timedelta(hours=1)))
    ticket = new_token()
    db.add(CaLoginTicket(ticket_hash=hash_token(ticket), unit_account_id=int(account.id), certificate_id=int(live.id),
                         created_at=now, expires_at=now + TICKET_LIFETIME))
    db.commit()
    return Ticket(ticket=ticket, unit_account_id=int(account.id))


def exchange(db: Session, ticket: str, *, client_ip: str, now: dt.datetime, previous_token: str = "") -> str:
    """A ticket from `start` → a unit session token; any other ticket (unknown, used, expired) is `ticket_invalid`."""
    row = db.exec(select(CaLoginTicket).where(CaLoginTicket.ticket_hash == hash_token(ticket or "-"))).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        _refuse(db, CertificateRefused("ticket_invalid"), subject="", client_ip=client_ip,
                detail={"ticket": "unknown" if row is None else ("used" if row.used_at else "expired")})
    used = db.exec(update(CaLoginTicket).where(col(CaLoginTicket.id) == row.id, col(CaLoginTicket.used_at).is_(None))
                   .values(used_at=now))
    if not used.rowcount:
        _refuse(db, CertificateRefused("ticket_invalid"), subject="", client_ip=client_ip, detail={"ticket": "used"})
    binding = db.get(UnitCertificate, row.certificate_id)
    account = db.get(UnitAccount, row.unit_account_id)
    # The binding may have been revoked in the minute since the certificate was checked.
    if binding is None or binding.revoked_at is not None or account is None or account.approved_at is None:
        db.commit()  # the ticket stays used
        _refuse(db, CertificateRefused("binding_revoked"), subject=binding.uscc if binding else "",
                client_ip=client_ip, detail={"binding": row.certificate_id})
    if previous_token:
        sessions.end_session(db, previous_token, now, reason="rotated")
    token = sessions.start_session(db, account_kind="unit", account_id=int(account.id), client_ip=client_ip, now=now)
    audit.record(db, "ca_sign_in", actor=f"unit:{account.id}", subject=account.uscc, client_ip=client_ip,
                 detail={"binding": int(binding.id), "serial": binding.serial, "fingerprint": binding.fingerprint})
    db.commit()
    return token
