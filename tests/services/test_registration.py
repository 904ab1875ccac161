"""个人用户注册 against a real database: every 实名认证 outcome, the SMS code rules, and atomicity."""

from __future__ import annotations

import pytest
from sqlmodel import select

from jssi_app.adapters.hashing import verify_password
from jssi_app.adapters.pii import cipher
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.accounts import PersonAccount, VerificationCode
from jssi_app.models.operations import ThrottleHit
from jssi_app.services import audit, registration
from jssi_app.services.registration import RealNameFailed
from jssi_app.services.sms_codes import CodeRejected
from tests.services.helpers import (
    IP,
    MIN,
    NOW,
    PASSWORD,
    SEC,
    Person,
    add_registry_person,
    audit_rows,
    codes,
    count,
    fetch_all,
    make_id,
    make_legacy_id,
    reg_form,
    register,
    send_code,
)

PHONE = "13905170001"
OTHER_PHONE = "13905170002"
EMAIL = "wang.jianguo@example.com"


@pytest.fixture
def person(db):
    return add_registry_person(db, make_id(11), "王建国", phone=PHONE)


def assert_nothing_stored(db) -> None:
    """No account, and every code still usable (neither used nor killed)."""
    assert count(db, PersonAccount) == 0
    rows = codes(db)
    assert rows, "the test sent a code"
    assert all(r.used_at is None and r.dead_at is None for r in rows)


def attempt(db, person, *, code_at=NOW, submit_at=None, **overrides):
    """Send a code, then submit the form with it; return (exception raised, code)."""
    phone = overrides.get("phone", person.phone)
    code = send_code(db, phone, now=code_at)
    with pytest.raises(RealNameFailed) as excinfo:
        registration.register_person(db, reg_form(person, code, **overrides), client_ip=IP,
                                     now=submit_at or code_at + 30 * SEC)
    return excinfo.value, code


def test_match_creates_verified_account_with_encrypted_pii(db):
    person = add_registry_person(db, make_id(12), "王建国", phone=PHONE)
    code = send_code(db, PHONE)
    at = NOW + 40 * SEC

    done = registration.register_person(db, reg_form(person, code, email=EMAIL), client_ip=IP, now=at)

    assert done.masked_name == "王**"
    assert done.masked_id_number == person.id_number[:6] + "********" + person.id_number[-4:]
    assert done.masked_phone == "139****0001"
    assert done.registered_at_local == "2026-03-02 09:00"

    (account,) = fetch_all(db, select(PersonAccount))
    assert account.id == done.account_id
    assert account.registry_person_id == person.id
    assert account.real_name_verified_at == at
    assert account.created_at == at
    c = cipher()
    assert account.id_fp == c.fingerprint("id_number", person.id_number)
    assert account.phone_fp == c.fingerprint("phone", PHONE)
    assert account.email_fp == c.fingerprint("email", EMAIL)
    for column, field, plain in (
        ("id_number_enc", "person_account.id_number", person.id_number),
        ("name_enc", "person_account.name", "王建国"),
        ("phone_enc", "person_account.phone", PHONE),
        ("email_enc", "person_account.email", EMAIL),
    ):
        stored = getattr(account, column)
        assert plain not in stored
        assert c.decrypt(field, stored) == plain
    assert PASSWORD not in account.password_hash
    assert verify_password(PASSWORD, account.password_hash)

    (row,) = codes(db)
    assert row.used_at == at

    (created,) = audit_rows(db, "account_created")
    assert created.outcome == "success"
    assert created.actor == f"person:{account.id}"
    assert created.subject == done.masked_id_number
    assert person.id_number not in created.detail and PHONE not in created.detail


def test_name_mismatch_is_refused_without_revealing_the_registry_name(db, person):
    exc, code = attempt(db, person, name="王建华")

    assert exc.code == "name_mismatch"
    assert exc.message == registration.NAME_MISMATCH
    assert "王建国" not in exc.message and "建国" not in exc.message
    assert_nothing_stored(db)
    (event,) = audit_rows(db, "real_name_failed")
    assert event.outcome == "failure"
    assert '"name_mismatch"' in event.detail
    assert "王建国" not in event.detail and "王建华" not in event.detail

    # The code survived the refusal: with the right name it still registers.
    done = registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + MIN)
    assert count(db, PersonAccount) == 1 and done.account_id


def test_no_registry_record(db):
    add_registry_person(db, make_id(13), "李秀英", phone=PHONE)  # the registry is not empty
    # Someone the registry does not hold: a valid number nobody is insured under.
    stranger = Person(id=0, id_number=make_id(99, birth="19921104"), registry_id_number="",
                      name="赵小川", phone=PHONE, hukou_address="")

    exc, _ = attempt(db, stranger)

    assert exc.code == "no_record"
    assert "未查询到参保记录" in exc.message
    assert_nothing_stored(db)
    (event,) = audit_rows(db, "real_name_failed")
    assert event.outcome == "failure" and '"no_record"' in event.detail


def test_registry_holding_only_the_15_digit_number_asks_for_the_upgrade(db):
    legacy = add_registry_person(db, make_legacy_id(21), "陈桂兰", phone=PHONE)
    assert len(legacy.registry_id_number) == 15 and len(legacy.id_number) == 18

    exc, _ = attempt(db, legacy)

    assert exc.code == "legacy_id"
    assert "15位升18位" in exc.message
    assert_nothing_stored(db)
    (event,) = audit_rows(db, "real_name_failed")
    assert event.outcome == "failure" and '"legacy_id"' in event.detail


def test_typing_the_15_digit_number_itself_is_a_field_error(db):
    legacy = add_registry_person(db, make_legacy_id(22), "陈桂兰", phone=PHONE)
    code = send_code(db, PHONE)
    with pytest.raises(ValidationFailed) as excinfo:
        registration.register_person(db, reg_form(legacy, code, id_number=legacy.registry_id_number),
                                     client_ip=IP, now=NOW + 30 * SEC)
    assert set(excinfo.value.by_field()) == {"id_number"}
    assert legacy.id_number in excinfo.value.by_field()["id_number"]  # the computed 18-digit form is offered
    assert_nothing_stored(db)


def test_id_number_already_registered(db, person):
    register(db, person)
    assert count(db, PersonAccount) == 1

    code = send_code(db, OTHER_PHONE, now=NOW + 5 * MIN)
    with pytest.raises(RealNameFailed) as excinfo:
        registration.register_person(db, reg_form(person, code, phone=OTHER_PHONE), client_ip=IP,
                                     now=NOW + 5 * MIN + 20 * SEC)

    assert excinfo.value.code == "already_registered"
    assert excinfo.value.message == registration.ALREADY_REGISTERED
    assert count(db, PersonAccount) == 1
    (other_code,) = [r for r in codes(db) if r.phone_fp == cipher().fingerprint("phone", OTHER_PHONE)]
    assert other_code.used_at is None and other_code.dead_at is None
    (event,) = audit_rows(db, "registration_rejected")
    assert event.outcome == "failure" and '"already_registered"' in event.detail


def test_invalid_fields_are_all_reported_and_nothing_is_stored(db, person):
    code = send_code(db, PHONE)
    form = reg_form(
        person,
        "12a45",
        name="",
        id_number=person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1"),  # wrong check digit
        phone="1234567",
        email="wang@",
        password="12345678",
        password_confirm="87654321",
        agreed=False,
    )
    with pytest.raises(ValidationFailed) as excinfo:
        registration.register_person(db, form, client_ip=IP, now=NOW + 30 * SEC)

    fields = excinfo.value.by_field()
    assert set(fields) == {"name", "id_number", "phone", "email", "password", "password_confirm", "sms_code", "agreed"}
    assert all(fields.values())
    assert_nothing_stored(db)
    assert codes(db)[0].failed_attempts == 0
    assert [h.name for h in fetch_all(db, select(ThrottleHit)) if h.name == "register_per_ip"] == []
    (event,) = audit_rows(db, "registration_rejected")
    assert event.outcome == "failure" and '"invalid_fields"' in event.detail
    assert person.id_number[:17] not in event.detail and "12345678" not in event.detail

    # The code is untouched: the corrected form registers with it.
    registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + MIN)
    assert count(db, PersonAccount) == 1


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_wrong_sms_code_counts_attempts_and_five_kill_the_code(db, person):
    code = send_code(db, PHONE)
    wrong = _wrong(code)
    messages = []
    for i in range(5):
        with pytest.raises(CodeRejected) as excinfo:
            registration.register_person(db, reg_form(person, wrong), client_ip=IP, now=NOW + (10 + i) * SEC)
        messages.append(excinfo.value.message)
        (row,) = codes(db)
        assert row.failed_attempts == i + 1

    assert messages[:4] == [f"验证码不正确，还可尝试{n}次" for n in (4, 3, 2, 1)]
    assert "错误次数过多" in messages[4]
    (row,) = codes(db)
    assert row.dead_at is not None and row.used_at is None

    # Even the right code is refused now.
    with pytest.raises(CodeRejected) as excinfo:
        registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + 20 * SEC)
    assert "错误次数过多" in excinfo.value.message
    assert count(db, PersonAccount) == 0
    assert len(audit_rows(db, "sms_code_failed")) == 5
    rejected = audit_rows(db, "registration_rejected")
    assert len(rejected) == 6 and all(e.outcome == "failure" and '"sms_code"' in e.detail for e in rejected)


def test_expired_code_is_refused(db, person):
    code = send_code(db, PHONE)
    with pytest.raises(CodeRejected) as excinfo:
        registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + 6 * MIN)
    assert "已过期" in excinfo.value.message
    assert count(db, PersonAccount) == 0
    (row,) = codes(db)
    assert row.used_at is None
    (event,) = audit_rows(db, "registration_rejected")
    assert event.outcome == "failure" and '"sms_code"' in event.detail


def test_code_is_single_use(db, person):
    code = send_code(db, PHONE)
    registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + 20 * SEC)
    # A second registry person on the same phone (a family sharing one number) tries the same code.
    sibling = add_registry_person(db, make_id(14), "王建军", phone=PHONE)

    with pytest.raises(CodeRejected):
        registration.register_person(db, reg_form(sibling, code), client_ip=IP, now=NOW + 40 * SEC)

    accounts = fetch_all(db, select(PersonAccount))
    assert [a.registry_person_id for a in accounts] == [person.id]
    (row,) = codes(db)
    assert row.used_at == NOW + 20 * SEC


def test_registration_is_atomic_when_a_later_step_fails(db, person, monkeypatch):
    real_record = audit.record

    def failing_record(session, event, **kwargs):
        if event == "account_created":
            raise RuntimeError("audit store unavailable")
        return real_record(session, event, **kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    code = send_code(db, PHONE)

    with pytest.raises(RuntimeError):
        registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + 20 * SEC)

    assert count(db, PersonAccount) == 0
    (row,) = fetch_all(db, select(VerificationCode))
    assert row.used_at is None and row.dead_at is None

    # Once the fault is gone the same code completes the registration.
    monkeypatch.setattr(audit, "record", real_record)
    registration.register_person(db, reg_form(person, code), client_ip=IP, now=NOW + 40 * SEC)
    assert count(db, PersonAccount) == 1
    assert len(audit_rows(db, "account_created")) == 1
