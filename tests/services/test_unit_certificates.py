"""单位CA证书: a clerk binds a unit's certificate (its subject carries the unit's 统一社会信用代码; chain, validity and
revocation checked) and revokes it; the CA login refuses an expired, revoked, unbound, wrong-CA or wrong-unit
certificate, audits every attempt, and its ticket gives one session, once, within a minute."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from jssi_app.adapters.hashing import hash_password
from jssi_app.domain.ca_certificates import REFUSALS, CertificateRefused
from jssi_app.models.accounts import LoginSession
from jssi_app.models.unit_certificates import CaLoginTicket, UnitCertificate
from jssi_app.models.units import UnitAccount
from jssi_app.services import ca_login, sessions, unit_certificates
from jssi_app.services.counter_tasks import CounterRefused
from jssi_app.services.staff_accounts import create_staff
from tests.ca_fixtures import UNIT_A, UNIT_B, UNIT_PENDING, make_pki
from tests.services.helpers import audit_rows

NOW = dt.datetime(2026, 3, 2, 1, 0, 0, tzinfo=dt.UTC)
IP = "198.51.100.30"
_HASH = hash_password("Unit2026test")


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki", NOW)


@pytest.fixture
def world(db):
    staff = {role: create_staff(db, username=f"{role}1", role=role, password="Counter2026ok", now=NOW).account_id
             for role in ("reviewer", "clerk")}
    units = {}
    for code, approved in ((UNIT_A, NOW), (UNIT_B, NOW), (UNIT_PENDING, None)):
        account = UnitAccount(uscc=code, password_hash=_HASH, approved_at=approved)
        db.add(account)
        db.flush()
        units[code] = int(account.id)
    db.commit()
    return {"clerk": staff["clerk"], "reviewer": staff["reviewer"], "units": units}


def bind(db, pki, world, cert, code=UNIT_A, *, der=False, now=NOW):
    content = cert.cert_der() if der else cert.cert_pem()
    return unit_certificates.bind_certificate(db, code, content, staff_id=world["clerk"], client_ip=IP, now=now,
                                              store=pki.store())


def login(db, pki, cert, *, verify="SUCCESS", now=NOW):
    return ca_login.start(db, cert.cert_pem(), proxy_verify=verify, client_ip=IP, now=now, store=pki.store())


def test_a_clerk_binds_a_pem_and_a_der_certificate_and_both_are_listed_with_who_and_when(db, pki, world):
    view = bind(db, pki, world, pki.valid)
    view = bind(db, pki, world, pki.second, der=True)
    assert view.uscc == UNIT_A and len(view.bindings) == 2 and all(b.active for b in view.bindings)
    rows = db.exec(select(UnitCertificate).order_by(UnitCertificate.id)).all()
    assert rows[0].fingerprint == unit_certificates.fingerprint_of(pki.valid.cert)
    assert rows[0].serial == f"{pki.valid.cert.serial_number:x}" and "江苏省测试CA" in rows[0].issuer
    assert rows[0].not_after == pki.valid.cert.not_valid_after_utc and rows[0].bound_by == world["clerk"]
    events = audit_rows(db, "certificate_bound")
    assert len(events) == 2 and events[0].actor == f"staff:{world['clerk']}" and events[0].subject == UNIT_A
    assert json.loads(events[0].detail)["clerk"] == "clerk1"
    assert view.bindings[0].bound_by == "clerk1"


@pytest.mark.parametrize(("which", "code", "reason"), [
    ("expired", UNIT_A, "expired"),
    ("revoked", UNIT_A, "revoked"),
    ("other_ca_cert", UNIT_A, "untrusted"),
    ("other_unit", UNIT_A, "wrong_unit"),
])
def test_binding_refuses_expired_revoked_wrong_ca_and_wrong_unit_certificates_and_stores_nothing(
        db, pki, world, which, code, reason):
    with pytest.raises(CertificateRefused) as refused:
        bind(db, pki, world, getattr(pki, which), code)
    assert refused.value.code == reason and refused.value.message == REFUSALS[reason]
    assert db.exec(select(UnitCertificate)).all() == []
    event = audit_rows(db, "certificate_bind_refused")[-1]
    assert event.outcome == "failure" and json.loads(event.detail)["reason"] == reason


def test_binding_refuses_garbage_a_personal_certificate_a_unit_not_approved_and_a_reviewer(db, pki, world):
    from jssi_app.adapters.ca_issuer import issue_client
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    with pytest.raises(CertificateRefused) as refused:
        unit_certificates.bind_certificate(db, UNIT_A, b"not a certificate", staff_id=world["clerk"], client_ip=IP,
                                           now=NOW, store=pki.store())
    assert refused.value.code == "unreadable"
    person = issue_client(pki.ca, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三")]),
                          not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30))
    with pytest.raises(CertificateRefused) as refused:
        bind(db, pki, world, person)
    assert refused.value.code == "no_uscc"
    with pytest.raises(unit_certificates.CertificateBindingRefused):
        bind(db, pki, world, pki.valid, UNIT_PENDING)
    with pytest.raises(CounterRefused):
        unit_certificates.bind_certificate(db, UNIT_A, pki.valid.cert_pem(), staff_id=world["reviewer"], client_ip=IP,
                                           now=NOW, store=pki.store())
    bind(db, pki, world, pki.valid)
    with pytest.raises(CertificateRefused) as refused:
        bind(db, pki, world, pki.valid)
    assert refused.value.code == "already_bound"


def test_a_missing_or_out_of_date_crl_refuses_rather_than_trusting(db, pki, world):
    pki.write_crl(NOW - dt.timedelta(days=30), [], next_update=dt.timedelta(days=7))
    with pytest.raises(CertificateRefused) as refused:
        bind(db, pki, world, pki.valid)
    assert refused.value.code == "crl_unavailable"
    for f in pki.crl_dir.iterdir():
        f.unlink()
    with pytest.raises(CertificateRefused) as refused:
        bind(db, pki, world, pki.valid)
    assert refused.value.code == "crl_unavailable"


def test_the_crl_is_reread_after_its_refresh_interval(db, pki, world, monkeypatch):
    import time

    store = pki.store(refresh_seconds=60)
    store.verify(pki.valid.cert, NOW)
    pki.write_crl(NOW, [pki.revoked, pki.valid])
    store.verify(pki.valid.cert, NOW)  # still the cached CRL
    clock = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: clock)
    with pytest.raises(CertificateRefused) as refused:
        store.verify(pki.valid.cert, NOW)
    assert refused.value.code == "revoked"


def test_ca_login_with_a_bound_certificate_gives_a_ticket_that_starts_one_unit_session_once(db, pki, world):
    bind(db, pki, world, pki.valid)
    ticket = login(db, pki, pki.valid)
    stored = db.exec(select(CaLoginTicket)).one()
    assert stored.ticket_hash != ticket.ticket and len(ticket.ticket) >= 43
    token = ca_login.exchange(db, ticket.ticket, client_ip=IP, now=NOW + dt.timedelta(seconds=5))
    principal = sessions.resume_session(db, token, NOW + dt.timedelta(seconds=6))
    assert principal.account_kind == "unit" and principal.account_id == world["units"][UNIT_A]
    event = audit_rows(db, "ca_sign_in")[-1]
    assert event.actor == f"unit:{world['units'][UNIT_A]}" and event.subject == UNIT_A
    with pytest.raises(CertificateRefused) as refused:
        ca_login.exchange(db, ticket.ticket, client_ip=IP, now=NOW + dt.timedelta(seconds=7))
    assert refused.value.code == "ticket_invalid"
    late = login(db, pki, pki.valid)
    with pytest.raises(CertificateRefused):
        ca_login.exchange(db, late.ticket, client_ip=IP, now=NOW + dt.timedelta(seconds=61))
    assert len(db.exec(select(LoginSession)).all()) == 1


@pytest.mark.parametrize(("which", "reason"), [
    ("expired", "expired"), ("revoked", "revoked"), ("other_ca_cert", "untrusted"), ("second", "unbound"),
    ("other_unit", "unbound"),
])
def test_ca_login_refuses_expired_revoked_wrong_ca_and_unbound_certificates_and_audits_each(db, pki, world, which,
                                                                                               reason):
    bind(db, pki, world, pki.valid)
    with pytest.raises(CertificateRefused) as refused:
        login(db, pki, getattr(pki, which))
    assert refused.value.code == reason
    assert db.exec(select(CaLoginTicket)).all() == []
    event = audit_rows(db, "ca_sign_in_failed")[-1]
    assert event.outcome == "failure" and json.loads(event.detail)["reason"] == reason


def test_ca_login_refuses_a_certificate_bound_to_another_unit_than_it_names(db, pki, world):
    # A binding row that does not match the certificate (only possible by tampering with the table).
    db.add(UnitCertificate(unit_account_id=world["units"][UNIT_B], uscc=UNIT_B,
                           fingerprint=unit_certificates.fingerprint_of(pki.valid.cert), serial="1", issuer="",
                           subject="",
                           not_before=NOW, not_after=NOW, bound_by=world["clerk"], bound_at=NOW))
    db.commit()
    with pytest.raises(CertificateRefused) as refused:
        login(db, pki, pki.valid)
    assert refused.value.code == "wrong_unit"


def test_a_revoked_binding_refuses_login_and_a_pending_ticket(db, pki, world):
    view = bind(db, pki, world, pki.valid)
    ticket = login(db, pki, pki.valid)
    view = unit_certificates.revoke_binding(db, view.bindings[0].id, staff_id=world["clerk"], client_ip=IP, now=NOW)
    assert not view.bindings[0].active and view.bindings[0].revoked_by == "clerk1"
    event = audit_rows(db, "certificate_revoked")[-1]
    assert json.loads(event.detail)["clerk"] == "clerk1"
    with pytest.raises(CertificateRefused) as refused:
        ca_login.exchange(db, ticket.ticket, client_ip=IP, now=NOW + dt.timedelta(seconds=2))
    assert refused.value.code == "binding_revoked"
    with pytest.raises(CertificateRefused) as refused:
        login(db, pki, pki.valid)
    assert refused.value.code == "binding_revoked"
    with pytest.raises(unit_certificates.CertificateBindingRefused):
        unit_certificates.revoke_binding(db, view.bindings[0].id, staff_id=world["clerk"], client_ip=IP, now=NOW)
    bind(db, pki, world, pki.valid)  # bound again after a revocation
    assert login(db, pki, pki.valid).unit_account_id == world["units"][UNIT_A]


def test_ca_login_refuses_when_the_proxy_did_not_verify_or_sent_no_certificate(db, pki, world):
    bind(db, pki, world, pki.valid)
    with pytest.raises(CertificateRefused) as refused:
        login(db, pki, pki.valid, verify="FAILED:unable to get local issuer certificate")
    assert refused.value.code == "untrusted"
    with pytest.raises(CertificateRefused) as refused:
        ca_login.start(db, b"", proxy_verify="NONE", client_ip=IP, now=NOW, store=pki.store())
    assert refused.value.code == "no_certificate"
