"""首次登录完善信息 against a real database."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from jssi_app.adapters.pii import cipher
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.accounts import PersonAccount
from jssi_app.services import profile
from jssi_app.services.profile import ProfileForm
from tests.services.helpers import (
    HOUR,
    IP,
    NOW,
    add_registry_person,
    audit_rows,
    fetch_all,
    make_id,
    register,
)

HUKOU = "南京市秦淮区夫子庙街道贡院街12号"
CONTACT = "苏州市工业园区星湖街328号创意产业园5幢"
T0 = NOW + HOUR


@pytest.fixture
def account_id(db):
    person = add_registry_person(db, make_id(61), "钱志强", phone="13905170061", hukou_address=HUKOU)
    return register(db, person).account_id


def stored(db, account_id) -> PersonAccount:
    (row,) = fetch_all(db, select(PersonAccount).where(PersonAccount.id == account_id))
    return row


def test_form_is_prefilled_with_the_registry_hukou_address(db, account_id):
    assert profile.load_profile_form(db, account_id) == ProfileForm(hukou_address=HUKOU, contact_address="")


def test_registry_without_an_address_prefills_nothing(db):
    person = add_registry_person(db, make_id(62), "钱志勇", phone="13905170062", hukou_address="")
    account_id = register(db, person).account_id
    assert profile.load_profile_form(db, account_id) == ProfileForm(hukou_address="", contact_address="")


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (ProfileForm("", "   "), {"hukou_address": "请填写户籍地址", "contact_address": "请填写联系地址"}),
        (ProfileForm("南京市", HUKOU), {"hukou_address": "户籍地址过短"}),
        (ProfileForm(HUKOU, " 苏州园区 "), {"contact_address": "联系地址过短"}),
        (ProfileForm("南" * 201, HUKOU), {"hukou_address": "不能超过200个字"}),
    ],
)
def test_invalid_addresses_are_field_errors_and_nothing_is_saved(db, account_id, form, expected):
    with pytest.raises(ValidationFailed) as excinfo:
        profile.complete_profile(db, account_id, form, client_ip=IP, now=T0)

    errors = excinfo.value.by_field()
    assert set(errors) == set(expected)
    for field, text in expected.items():
        assert text in errors[field]
    row = stored(db, account_id)
    assert row.profile_completed_at is None
    assert row.hukou_address_enc is None and row.contact_address_enc is None
    assert not audit_rows(db, "profile_completed")


def test_complete_profile_saves_encrypted_addresses(db, account_id):
    profile.complete_profile(db, account_id, ProfileForm(f"  {HUKOU} ", CONTACT.replace("园区", "园区 \n ")),
                             client_ip=IP, now=T0)

    row = stored(db, account_id)
    assert row.profile_completed_at == T0
    c = cipher()
    assert HUKOU not in row.hukou_address_enc and "夫子庙" not in row.hukou_address_enc
    assert c.decrypt("person_account.hukou_address", row.hukou_address_enc) == HUKOU
    assert "星湖街" not in row.contact_address_enc
    assert c.decrypt("person_account.contact_address", row.contact_address_enc) == CONTACT.replace("园区", "园区 ")
    # Ciphertexts are bound to their column: the contact address does not decrypt as a hukou address.
    with pytest.raises(Exception):  # noqa: B017 (cryptography raises InvalidTag)
        c.decrypt("person_account.hukou_address", row.contact_address_enc)

    (event,) = audit_rows(db, "profile_completed")
    assert event.actor == f"person:{account_id}" and event.outcome == "success"
    assert json.loads(event.detail) == {"first_time": True}
    assert HUKOU not in event.detail and "星湖街" not in event.detail

    assert profile.person_overview(db, account_id).profile_complete is True
    assert profile.load_profile_form(db, account_id) == ProfileForm(HUKOU, CONTACT.replace("园区", "园区 "))


def test_editing_later_keeps_the_first_completion_time(db, account_id):
    profile.complete_profile(db, account_id, ProfileForm(HUKOU, CONTACT), client_ip=IP, now=T0)
    moved = "无锡市梁溪区中山路333号"
    profile.complete_profile(db, account_id, ProfileForm(HUKOU, moved), client_ip=IP, now=T0 + HOUR)

    row = stored(db, account_id)
    assert row.profile_completed_at == T0
    assert profile.load_profile_form(db, account_id).contact_address == moved
    assert [json.loads(e.detail) for e in audit_rows(db, "profile_completed")] == [
        {"first_time": True},
        {"first_time": False},
    ]
