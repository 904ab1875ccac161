"""The form services against hostile text (tests/hostile_text.py), on a real database.

Each submission is refused with a Chinese message and leaves no record behind (row counts before and after;
audit events and security counters are what a refusal may add), or is stored exactly as its validator returned
it. Hypothesis drives the inputs inside each test (one database for all examples of a test, so the row counts
are compared per example).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from jssi_app.adapters.pii import cipher
from jssi_app.domain.errors import DomainError, ValidationFailed
from jssi_app.domain.profile import validate_address
from jssi_app.domain.registration import PersonRegistrationForm
from jssi_app.domain.unit_registration import validate_unit_name
from jssi_app.models.accounts import PersonAccount
from jssi_app.domain.employment import EnrolmentForm
from jssi_app.models.employment import Employment
from jssi_app.models.registry import RegistryPerson
from jssi_app.models.units import UnitAccount, UnitApplication
from jssi_app.services import contribution_proofs, employment, password_reset, profile, registration
from jssi_app.services import unit_registration as units
from jssi_app.services.profile import ProfileForm
from tests.hostile_text import hostile
from tests.services.helpers import NOW, add_registry_person, fetch_all, make_id, register, send_code
from tests.services.test_unit_registration import form as unit_form
from tests.services.test_employment import approved_unit
from tests.services.test_unit_registration import make_code

CJK = re.compile(r"[\u4e00-\u9fff]")
_ips = (f"10.9.{n // 250}.{n % 250 + 1}" for n in itertools.count())
_phones = (f"139{n:08d}" for n in itertools.count(50_000_000))
# Each example a few minutes after the last: the per-phone SMS throttle would otherwise answer instead.
_moments = (NOW + dt.timedelta(minutes=5 * n) for n in itertools.count())


def refused_in_chinese(exc: DomainError) -> None:
    assert CJK.search(exc.message), exc.message
    if isinstance(exc, ValidationFailed):
        assert all(CJK.search(e.message) for e in exc.errors)


def rows(db, *models) -> tuple[int, ...]:
    counts = tuple(db.exec(select(func.count()).select_from(model)).one() for model in models)
    db.commit()
    return counts


def test_person_registration_refuses_hostile_input_and_stores_nothing(db):
    person = add_registry_person(db, make_id(71), "张伟明", phone="13905170071")

    @given(field=st.sampled_from(["name", "id_number", "phone", "email", "password", "sms_code"]), value=hostile)
    @example(field="name", value="张伟明<script>alert(1)</script>")
    @example(field="email", value="a@b.cn'; DROP TABLE person_account; --")
    def run(field, value):
        ip, now = next(_ips), next(_moments)
        phone = next(_phones)
        code = send_code(db, phone, ip=ip, now=now)
        values = {"name": person.name, "id_number": person.id_number, "phone": phone, "email": "",
                  "password": "Abcdef2026x", "password_confirm": "Abcdef2026x", "sms_code": code, "agreed": True}
        values[field] = value
        if field == "password":
            values["password_confirm"] = value
        before = rows(db, PersonAccount)
        try:
            registration.register_person(db, PersonRegistrationForm(**values), client_ip=ip,
                                         now=now + dt.timedelta(seconds=30))
        except DomainError as exc:
            refused_in_chinese(exc)
            assert rows(db, PersonAccount) == before
            return
        # Accepted: only a value its validator cleans to what was sent (e.g. a strong password).
        assert rows(db, PersonAccount) == (before[0] + 1,)
        (account,) = fetch_all(db, select(PersonAccount))
        db.delete(account)
        db.commit()

    run()


def test_unit_registration_refuses_hostile_input_and_stores_nothing(db):
    fields = ["unit_name", "credit_code", "legal_rep_id", "handler_name", "handler_id", "handler_phone",
              "handler_email", "sms_code"]

    @given(field=st.sampled_from(fields), value=hostile)
    @example(field="unit_name", value="南京<img src=x onerror=alert(1)>有限公司")
    def run(field, value):
        ip, now = next(_ips), next(_moments)
        phone = next(_phones)
        code = send_code(db, phone, ip=ip, now=now)
        submitted = dataclasses.replace(unit_form(make_code(77), code), **{"handler_phone": phone, field: value})
        before = rows(db, UnitAccount, UnitApplication)
        try:
            units.register_unit(db, submitted, client_ip=ip, now=now + dt.timedelta(seconds=30))
        except DomainError as exc:
            refused_in_chinese(exc)
            assert rows(db, UnitAccount, UnitApplication) == before
            return
        # Accepted (e.g. a unit name "1e999" is letters and digits): one account, one application, stored as
        # its validator cleans it; then removed so the next example starts from the same credit code.
        assert rows(db, UnitAccount, UnitApplication) == (before[0] + 1, before[1] + 1)
        (application,) = fetch_all(db, select(UnitApplication))
        if field == "unit_name":
            assert application.unit_name == validate_unit_name(value)
        (account,) = fetch_all(db, select(UnitAccount))
        db.delete(application)
        db.commit()
        db.delete(account)
        db.commit()

    run()


def test_profile_stores_addresses_exactly_as_validated_or_nothing(db):
    person = add_registry_person(db, make_id(72), "钱志强", phone="13905170072")
    account_id = register(db, person).account_id
    c = cipher()

    @given(hukou=hostile, contact=st.one_of(hostile, st.just("苏州市工业园区星湖街328号")))
    @example(hukou="南京市鼓楼区中山路1号<script>alert(1)</script>", contact="南京市'; DROP TABLE x; --路1号")
    @example(hukou="南京市鼓楼区中山路1号\ud800", contact="南京市鼓楼区\x00中山路1号")
    def run(hukou, contact):
        (before,) = fetch_all(db, select(PersonAccount).where(PersonAccount.id == account_id))
        before_values = (before.hukou_address_enc, before.contact_address_enc)
        try:
            profile.complete_profile(db, account_id, ProfileForm(hukou_address=hukou, contact_address=contact),
                                     client_ip=next(_ips), now=NOW)
        except DomainError as exc:
            refused_in_chinese(exc)
            (after,) = fetch_all(db, select(PersonAccount).where(PersonAccount.id == account_id))
            assert (after.hukou_address_enc, after.contact_address_enc) == before_values
            return
        (after,) = fetch_all(db, select(PersonAccount).where(PersonAccount.id == account_id))
        assert c.decrypt("person_account.hukou_address", after.hukou_address_enc) == validate_address(hukou, "户籍地址")
        assert c.decrypt("person_account.contact_address", after.contact_address_enc) == validate_address(contact,
                                                                                                         "联系地址")

    run()


def test_password_reset_and_proof_check_refuse_hostile_input(db):
    person = add_registry_person(db, make_id(73), "孙立", phone="13905170073")
    register(db, person)

    @given(id_number=st.one_of(hostile, st.just(person.id_number)), other=hostile)
    # Regression: a lone surrogate in a reset link's token crashed hashing it (UnicodeEncodeError).
    @example(id_number=person.id_number, other="\ud800")
    def run(id_number, other):
        ip = next(_ips)
        for call in (
            lambda: password_reset.request_reset_code(db, id_number=id_number, phone=other, client_ip=ip, now=NOW),
            lambda: password_reset.confirm_reset_code(db, id_number=id_number, phone=person.phone, code=other,
                                                      client_ip=ip, now=NOW),
            lambda: password_reset.request_reset_link(db, id_number=id_number, email=other, client_ip=ip, now=NOW),
            lambda: password_reset.check_reset_token(db, other, NOW),
            lambda: password_reset.reset_password(db, token=other, password="Abcdef2026x", confirm="Abcdef2026x",
                                                  client_ip=ip, now=NOW),
            lambda: contribution_proofs.verify_proof(db, code=other, client_ip=ip, now=NOW),
        ):
            try:
                call()
            except DomainError as exc:
                refused_in_chinese(exc)

    run()


def test_enrolment_refuses_hostile_input_and_stores_nothing(db):
    unit_account = approved_unit(db, 81, "南京模糊测试有限公司")
    fields = ["name", "id_number", "phone", "start_date", "base"]

    @given(field=st.sampled_from(fields), value=hostile)
    @example(field="name", value="王<script>alert(1)</script>")
    def run(field, value):
        values = {"name": "王小明", "id_number": make_id(881, "19920101"), "phone": "13800001111",
                  "start_date": "2026-03-01", "base": "8000", field: value}
        before = rows(db, Employment, RegistryPerson)
        try:
            employment.enrol_employee(db, unit_account, EnrolmentForm(**values), client_ip=next(_ips), now=NOW)
        except DomainError as exc:
            refused_in_chinese(exc)
            assert rows(db, Employment, RegistryPerson) == before
            return
        # Accepted: one relation and one new registry person; removed so the next example starts over.
        assert rows(db, Employment, RegistryPerson) == (before[0] + 1, before[1] + 1)
        for model in (Employment, RegistryPerson):
            for row in fetch_all(db, select(model)):
                db.delete(row)
            db.commit()

    run()
