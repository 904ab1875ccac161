"""Counter changes to a person's registry record (窗口经办) on a real database: each change is made exactly where it
should be (registry and online account), ends what it must, leaves an audit trail naming the clerk with masked
values only, and is refused to a reviewer."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlmodel import select

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.pii import cipher
from jssi_app.domain.codes import hash_token
from jssi_app.domain.counter_person import CHECK_FIELD, ID_CARD_NOT_CHECKED, ID_FIELD
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.accounts import PasswordResetToken, PersonAccount
from jssi_app.models.registry import Contribution, RegistryPerson
from jssi_app.services import counter_person, registration, sessions
from jssi_app.services.counter_person import CounterPersonRefused
from jssi_app.services.counter_tasks import CounterRefused
from jssi_app.services.staff_accounts import create_staff
from tests.services.helpers import (
    NOW,
    SEC,
    add_registry_person,
    audit_rows,
    fetch_all,
    make_id,
    make_legacy_id,
    outbox_rows,
    outbox_sms,
    register,
)

PW = "Counter2026ok"
LATER = NOW + dt.timedelta(days=3)
CLERK_IP = "198.51.100.20"


@pytest.fixture
def staff(db):
    ids = {role: create_staff(db, username=f"{role}1", role=role, password=PW, now=NOW).account_id
           for role in ("reviewer", "clerk", "admin")}
    db.commit()
    return ids


def _registry(db, person_id: int) -> RegistryPerson:
    (row,) = fetch_all(db, select(RegistryPerson).where(RegistryPerson.id == person_id))
    return row


def _account(db, person_id: int) -> PersonAccount | None:
    rows = fetch_all(db, select(PersonAccount).where(PersonAccount.registry_person_id == person_id))
    return rows[0] if rows else None


def _plain(field: str, value: str | None) -> str:
    return cipher().decrypt(field, value) if value else ""


def _no_plaintext(detail: str, *values: str) -> None:
    for value in values:
        assert value not in detail, f"{value!r} in audit detail {detail}"


# --- 查询 --------------------------------------------------------------------------------------------


def test_lookup_finds_a_record_by_either_form_of_the_number_and_shows_it_masked(db, staff):
    legacy = add_registry_person(db, make_legacy_id(7), "王建国", phone="13800007777")
    modern = add_registry_person(db, make_id(8), "张伟明")
    clerk = staff["clerk"]

    by_15 = counter_person.find_person(db, legacy.registry_id_number, staff_id=clerk, now=NOW)
    by_18 = counter_person.find_person(db, legacy.id_number, staff_id=clerk, now=NOW)
    assert by_15 == by_18
    assert by_15.person_id == legacy.id and by_15.id_length == 15
    assert by_15.masked_id == legacy.registry_id_number[:6] + "*****" + legacy.registry_id_number[-4:]
    assert by_15.masked_upgrade == legacy.id_number[:6] + "********" + legacy.id_number[-4:]
    assert (by_15.masked_name, by_15.masked_phone, by_15.has_account) == ("王**", "138****7777", False)

    record = counter_person.find_person(db, modern.id_number, staff_id=clerk, now=NOW)
    assert (record.id_length, record.masked_upgrade, record.masked_phone) == (18, "", "")
    with pytest.raises(ValidationFailed) as missing:
        counter_person.find_person(db, make_id(9), staff_id=clerk, now=NOW)
    assert missing.value.by_field() == {ID_FIELD: counter_person.NOT_FOUND}
    with pytest.raises(ValidationFailed) as bad:
        counter_person.find_person(db, "12345", staff_id=clerk, now=NOW)
    assert ID_FIELD in bad.value.by_field()


def test_a_reviewer_is_refused_every_counter_person_service(db, staff):
    person = add_registry_person(db, make_legacy_id(11), "王建国", phone="13800001111")
    for who in (staff["reviewer"], None, 999):
        calls = [
            lambda: counter_person.find_person(db, person.registry_id_number, staff_id=who, now=NOW),
            lambda: counter_person.get_person(db, person.id, staff_id=who),
            lambda: counter_person.change_phone(db, person.id, new_phone="13900002222", id_card_checked=True,
                                                staff_id=who, now=NOW, sms=outbox_sms(db)),
            lambda: counter_person.upgrade_id(db, person.id, id_card_checked=True, staff_id=who, now=NOW),
            lambda: counter_person.correct_name(db, person.id, new_name="王建民", id_card_checked=True,
                                                staff_id=who, now=NOW),
        ]
        for call in calls:
            with pytest.raises(CounterRefused) as refused:
                call()
            assert refused.value.code == "not_clerk"
    row = _registry(db, person.id)
    assert row.id_length == 15
    assert _plain("registry_person.phone", row.phone_enc) == "13800001111"
    assert _plain("registry_person.name", row.name_enc) == "王建国"
    assert not audit_rows(db, "registry_phone_changed") + audit_rows(db, "registry_id_upgraded") \
        + audit_rows(db, "registry_name_corrected")


# --- 变更手机号码 ------------------------------------------------------------------------------------


def test_phone_change_updates_registry_and_account_ends_sessions_and_notifies_the_old_number(db, staff):
    person = add_registry_person(db, make_id(21), "张伟明", phone="13800002121")
    register(db, person, phone="13700002121")  # the online account has its own (registered) phone
    account = _account(db, person.id)
    tokens = [sessions.start_session(db, account_kind="person", account_id=account.id, client_ip="1.2.3.4",
                                     now=LATER) for _ in range(2)]
    db.add(PasswordResetToken(account_id=account.id, token_hash=hash_token("pending-reset"), channel="sms",
                              created_at=LATER, expires_at=LATER + dt.timedelta(minutes=10)))
    db.commit()
    other = add_registry_person(db, make_id(22), "李四", phone="13800002222")

    result = counter_person.change_phone(db, person.id, new_phone="139 0000 2121", id_card_checked=True,
                                         staff_id=staff["clerk"], now=LATER + SEC, client_ip=CLERK_IP,
                                         sms=outbox_sms(db))

    assert (result.masked_old, result.masked_new) == ("138****2121", "139****2121")
    assert result.account_updated and result.sessions_ended == 2
    assert sorted(result.notified) == ["137****2121", "138****2121"] and result.not_notified == ()
    c = cipher()
    row = _registry(db, person.id)
    assert _plain("registry_person.phone", row.phone_enc) == "13900002121"
    assert row.phone_fp == c.fingerprint("phone", "13900002121")
    acc = _account(db, person.id)
    assert _plain("person_account.phone", acc.phone_enc) == "13900002121"
    assert acc.phone_fp == c.fingerprint("phone", "13900002121")
    for token in tokens:
        assert sessions.resume_session(db, token, LATER + 2 * SEC) is None
    db.commit()
    (reset,) = fetch_all(db, select(PasswordResetToken).where(PasswordResetToken.account_id == account.id))
    assert reset.used_at is not None
    # Nothing else changed: the other person, and this person's name and ID.
    assert _plain("registry_person.phone", _registry(db, other.id).phone_enc) == "13800002222"
    assert _plain("registry_person.name", row.name_enc) == "张伟明" and row.id_fp == c.fingerprint(
        "id_number", person.id_number)

    notices = [m for m in outbox_rows(db, "sms") if m.subject == "通知短信"]
    assert sorted(m.recipient_masked for m in notices) == ["137****2121", "138****2121"]
    assert all("手机号码已在社保经办机构窗口变更" in m.body for m in notices)
    assert all("2121" not in m.body for m in notices)

    (event,) = audit_rows(db, "registry_phone_changed")
    assert event.actor == f"staff:{staff['clerk']}" and event.client_ip == CLERK_IP
    detail = json.loads(event.detail)
    assert detail["clerk"] == "clerk1" and detail["from"] == "138****2121" and detail["to"] == "139****2121"
    assert detail["sessions_ended"] == 2 and detail["account_updated"] is True
    _no_plaintext(event.detail + event.subject, "13900002121", "13800002121", person.id_number, "张伟明")
    assert len(audit_rows(db, "notification_sent")) == 2


def test_phone_change_needs_the_id_card_check_and_a_new_number_and_changes_nothing_otherwise(db, staff):
    person = add_registry_person(db, make_id(31), "张伟明", phone="13800003131")
    with pytest.raises(ValidationFailed) as unchecked:
        counter_person.change_phone(db, person.id, new_phone="13900003131", id_card_checked=False,
                                    staff_id=staff["clerk"], now=NOW, sms=outbox_sms(db))
    assert unchecked.value.by_field() == {CHECK_FIELD: ID_CARD_NOT_CHECKED}
    with pytest.raises(ValidationFailed) as same:
        counter_person.change_phone(db, person.id, new_phone="13800003131", id_card_checked=True,
                                    staff_id=staff["clerk"], now=NOW, sms=outbox_sms(db))
    assert "无需变更" in same.value.by_field()["new_phone"]
    assert _plain("registry_person.phone", _registry(db, person.id).phone_enc) == "13800003131"
    assert not audit_rows(db, "registry_phone_changed") and not outbox_rows(db, "sms")


def test_a_failed_notice_is_audited_and_the_change_stands(db, staff):
    person = add_registry_person(db, make_id(41), "张伟明", phone="13800004141")

    class Down:
        def send_notice(self, phone, text):
            raise DeliveryFailed("SMS gateway timed out")

    result = counter_person.change_phone(db, person.id, new_phone="13900004141", id_card_checked=True,
                                         staff_id=staff["admin"], now=NOW, sms=Down())
    assert result.notified == () and result.not_notified == ("138****4141",)
    assert not result.account_updated and result.sessions_ended == 0
    assert _plain("registry_person.phone", _registry(db, person.id).phone_enc) == "13900004141"
    (failed,) = audit_rows(db, "notification_failed")
    assert failed.outcome == "failure" and "timed out" in failed.detail
    (event,) = audit_rows(db, "registry_phone_changed")
    assert json.loads(event.detail)["clerk"] == "admin1"


# --- 15位升18位 --------------------------------------------------------------------------------------


def _contributions(db, person_id: int, n: int = 3) -> None:
    for i in range(n):
        db.add(Contribution(person_id=person_id, period=f"2020-{i + 1:02d}", insurance_code="110", unit_id=None,
                            base=Decimal("6000.00"), personal_amount=Decimal("480.00"),
                            unit_amount=Decimal("960.00"), paid_status="已实缴"))
    db.commit()


def test_upgrade_turns_a_15_digit_record_into_18_digits_and_the_person_can_then_register(db, staff):
    person = add_registry_person(db, make_legacy_id(51), "王建国", phone="13800005151")
    _contributions(db, person.id)
    with pytest.raises(registration.RealNameFailed) as before:
        register(db, person, phone="13700005151")
    assert before.value.code == "legacy_id"

    result = counter_person.upgrade_id(db, person.id, id_card_checked=True, staff_id=staff["clerk"],
                                       now=LATER, client_ip=CLERK_IP)

    assert result.masked_new == person.id_number[:6] + "********" + person.id_number[-4:]
    c = cipher()
    row = _registry(db, person.id)
    assert row.id_length == 18 and row.upgraded_id_fp is None
    assert row.id_fp == c.fingerprint("id_number", person.id_number)
    assert _plain("registry_person.id_number", row.id_number_enc) == person.id_number
    assert _plain("registry_person.name", row.name_enc) == "王建国"
    # Same record: the contributions are still the person's.
    assert len(fetch_all(db, select(Contribution).where(Contribution.person_id == person.id))) == 3

    registered = register(db, person, phone="13700005151", now=LATER + dt.timedelta(hours=1))
    assert registered.masked_id_number == person.id_number[:6] + "********" + person.id_number[-4:]
    assert _account(db, person.id).id == registered.account_id
    # The clerk now finds the record by either form of the number.
    by_old_card = counter_person.find_person(db, person.registry_id_number, staff_id=staff["clerk"], now=LATER)
    assert by_old_card.person_id == person.id and by_old_card.id_length == 18 and by_old_card.has_account

    (event,) = audit_rows(db, "registry_id_upgraded")
    detail = json.loads(event.detail)
    assert event.actor == f"staff:{staff['clerk']}" and detail["clerk"] == "clerk1"
    assert detail["from"] == person.registry_id_number[:6] + "*****" + person.registry_id_number[-4:]
    _no_plaintext(event.detail + event.subject, person.id_number, person.registry_id_number, "王建国")


def test_upgrade_is_refused_when_the_18_digit_number_already_has_a_record_or_the_record_is_18_digits(db, staff):
    person = add_registry_person(db, make_legacy_id(61), "王建国")
    twin = add_registry_person(db, person.id_number, "王建国")  # the registry already holds the 18-digit form
    with pytest.raises(CounterPersonRefused) as duplicate:
        counter_person.upgrade_id(db, person.id, id_card_checked=True, staff_id=staff["clerk"], now=NOW)
    assert duplicate.value.code == "duplicate_18"
    with pytest.raises(CounterPersonRefused) as already:
        counter_person.upgrade_id(db, twin.id, id_card_checked=True, staff_id=staff["clerk"], now=NOW)
    assert already.value.code == "already_18" and "无需升位" in already.value.message
    with pytest.raises(ValidationFailed):
        counter_person.upgrade_id(db, person.id, id_card_checked=False, staff_id=staff["clerk"], now=NOW)
    assert _registry(db, person.id).id_length == 15
    assert not audit_rows(db, "registry_id_upgraded")


# --- 姓名更正 ----------------------------------------------------------------------------------------


def test_name_correction_changes_registry_and_account_and_audits_masked_names(db, staff):
    person = add_registry_person(db, make_id(71), "李娜", phone="13800007171")
    register(db, person, phone="13700007171")
    other = add_registry_person(db, make_id(72), "李娜")

    result = counter_person.correct_name(db, person.id, new_name="李 娜娜", id_card_checked=True,
                                         staff_id=staff["clerk"], now=LATER, client_ip=CLERK_IP)

    assert (result.masked_old, result.masked_new, result.account_updated) == ("李*", "李**", True)
    assert _plain("registry_person.name", _registry(db, person.id).name_enc) == "李娜娜"
    assert _plain("person_account.name", _account(db, person.id).name_enc) == "李娜娜"
    assert _plain("registry_person.name", _registry(db, other.id).name_enc) == "李娜"
    (event,) = audit_rows(db, "registry_name_corrected")
    detail = json.loads(event.detail)
    assert (detail["clerk"], detail["from"], detail["to"]) == ("clerk1", "李*", "李**")
    _no_plaintext(event.detail + event.subject, "李娜", person.id_number)


def test_after_a_name_correction_the_person_passes_the_real_name_check(db, staff):
    person = add_registry_person(db, make_id(81), "李娜")  # the registry's name is wrong
    with pytest.raises(registration.RealNameFailed) as before:
        register(db, person, name="李娜娜", phone="13700008181")
    assert before.value.code == "name_mismatch"
    counter_person.correct_name(db, person.id, new_name="李娜娜", id_card_checked=True, staff_id=staff["clerk"],
                                now=LATER)
    registered = register(db, person, name="李娜娜", phone="13700008181", now=LATER + dt.timedelta(hours=1))
    assert registered.masked_name == "李**"
