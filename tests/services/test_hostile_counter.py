"""窗口业务 against hostile text (tests/hostile_text.py), on a real database, as a signed-in clerk: 人员信息变更 (the
lookup, 手机号码变更, 15位升18位, 姓名更正), a counter task's 办结 / 不予办理 with its 办理意见, and the clerk's other
lookups (参保登记照片采集, 证书绑定).

Each call is refused with a Chinese message and leaves every row of the registry, account, session and counter
tables as it was, or changes exactly the record it names to exactly the value its validator cleaned.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import delete, select

from jssi_app.adapters.pii import cipher
from jssi_app.domain.counter_person import validate_counter_id, validate_name_correction, validate_phone_change
from jssi_app.domain.counter_tasks import DONE, REFUSED, validate_note
from jssi_app.domain.identifiers import upgrade_15_to_18
from jssi_app.models.accounts import LoginSession, PasswordResetToken, PersonAccount
from jssi_app.models.counter import CounterTask
from jssi_app.models.employment import BaseDeclaration, Employment
from jssi_app.models.registry import RegistryPerson
from jssi_app.models.units import UnitAccount
from jssi_app.services import base_declaration as bd
from jssi_app.services import counter_person, counter_tasks, face_certification, unit_certificates
from jssi_app.services.employment import enrol_employee, list_employees
from jssi_app.services.staff_accounts import create_staff
from tests.hostile_text import hostile
from tests.services.helpers import NOW, add_registry_person, fetch_all, make_id, make_legacy_id, outbox_sms, register
from tests.services.hostile_checks import Outcomes, Refused
from tests.services.test_employment import approved_unit, form

_ips = (f"10.7.{n // 250}.{n % 250 + 1}" for n in itertools.count())
PERSON_TABLES = (RegistryPerson, PersonAccount, LoginSession, PasswordResetToken)
# What a clerk may type around a real number: spaces, full-width digits, invisible characters, markup.
WRAPPERS = ["", " ", "\u3000", "\u200b", "\ufeff", "<b>", "'", "\x00", "\ud800"]


def _clerk(db) -> int:
    clerk = create_staff(db, username="clerk1", role="clerk", password="Counter2026ok", now=NOW).account_id
    db.commit()
    return clerk


def _typed(numbers: list[str]):  # noqa: ANN202
    """A real number as a clerk might type or paste it, or anything at all."""
    full_width = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    variants = st.sampled_from(numbers).flatmap(lambda n: st.sampled_from([n, n.translate(full_width), n.lower()]))
    wrapped = st.builds(lambda pre, n, post: pre + n + post, st.sampled_from(WRAPPERS), variants,
                        st.sampled_from(WRAPPERS))
    return st.one_of(hostile, wrapped)


def _plain(field: str, value: str | None) -> str:
    return cipher().decrypt(field, value) if value else ""


def test_lookup_and_upgrade_refuse_hostile_numbers_or_upgrade_exactly_the_record_found(db):
    clerk = _clerk(db)
    legacy = add_registry_person(db, make_legacy_id(31), "王建国")
    other = add_registry_person(db, make_id(32), "李四", phone="13800003232")
    seen = Outcomes(db, *PERSON_TABLES)

    @given(typed=_typed([legacy.registry_id_number, legacy.id_number, other.id_number]), checked=st.booleans())
    @example(typed=legacy.registry_id_number + "\u200b", checked=True)
    @example(typed=" " + legacy.registry_id_number, checked=True)  # found and upgraded
    @example(typed="<script>" + legacy.id_number, checked=True)
    def run(typed, checked):
        record = seen.attempt(lambda: counter_person.find_person(db, typed, staff_id=clerk, now=NOW))
        if isinstance(record, Refused):
            return
        number = validate_counter_id(typed, NOW.date())
        assert record.person_id == (other.id if number == other.id_number else legacy.id)
        upgraded = seen.attempt(lambda: counter_person.upgrade_id(db, record.person_id, id_card_checked=checked,
                                                                  staff_id=clerk, now=NOW, client_ip=next(_ips)))
        if isinstance(upgraded, Refused):
            return
        # Only the 15-digit record, only with the ID card checked, to exactly its computed 18-digit form.
        assert checked and record.person_id == legacy.id
        row = db.get(RegistryPerson, legacy.id, populate_existing=True)
        assert (row.id_length, _plain("registry_person.id_number", row.id_number_enc)) == (18, legacy.id_number)
        c = cipher()  # back to the 15-digit record for the next example
        row.id_number_enc = c.encrypt("registry_person.id_number", legacy.registry_id_number)
        row.id_fp = c.fingerprint("id_number", legacy.registry_id_number)
        row.upgraded_id_fp = c.fingerprint("id_number", upgrade_15_to_18(legacy.registry_id_number))
        row.id_length = 15
        db.add(row)
        db.commit()

    run()
    seen.assert_both_seen()


def test_phone_change_and_name_correction_refuse_hostile_input_or_store_it_exactly(db):
    clerk = _clerk(db)
    person = add_registry_person(db, make_id(33), "张伟明", phone="13800003333")
    register(db, person)
    account_id = fetch_all(db, select(PersonAccount))[0].id
    seen = Outcomes(db, *PERSON_TABLES)
    phones = (f"139{n:08d}" for n in itertools.count(60_000_000))

    @given(phone=st.one_of(hostile, st.builds(lambda pre, post: pre + next(phones) + post,
                                              st.sampled_from(WRAPPERS), st.sampled_from(WRAPPERS))),
           name=st.one_of(hostile, st.sampled_from(["张卫明", "张 卫明", "张\u200b卫明", "Zhang Weiming"])),
           checked=st.booleans())
    @example(phone="139 0000 3333", name="张<script>alert(1)</script>", checked=True)
    @example(phone="13900003334\x00", name="张卫明\ud800", checked=True)
    def run(phone, name, checked):
        registry = db.get(RegistryPerson, person.id, populate_existing=True)
        account = db.get(PersonAccount, account_id, populate_existing=True)
        db.commit()
        current_phone = _plain("registry_person.phone", registry.phone_enc)
        current_name = _plain("registry_person.name", registry.name_enc)
        changed = seen.attempt(lambda: counter_person.change_phone(
            db, person.id, new_phone=phone, id_card_checked=checked, staff_id=clerk, now=NOW,
            client_ip=next(_ips), sms=outbox_sms(db)))
        if not isinstance(changed, Refused):
            stored = validate_phone_change(phone, id_card_checked=checked,
                                           current=(current_phone, _plain("person_account.phone", account.phone_enc)))
            registry = db.get(RegistryPerson, person.id, populate_existing=True)
            account = db.get(PersonAccount, account_id, populate_existing=True)
            db.commit()
            assert _plain("registry_person.phone", registry.phone_enc) == stored.new_phone
            assert _plain("person_account.phone", account.phone_enc) == stored.new_phone
        corrected = seen.attempt(lambda: counter_person.correct_name(
            db, person.id, new_name=name, id_card_checked=checked, staff_id=clerk, now=NOW, client_ip=next(_ips)))
        if not isinstance(corrected, Refused):
            stored = validate_name_correction(name, id_card_checked=checked, current=current_name).new_name
            registry = db.get(RegistryPerson, person.id, populate_existing=True)
            account = db.get(PersonAccount, account_id, populate_existing=True)
            db.commit()
            assert _plain("registry_person.name", registry.name_enc) == stored
            assert _plain("person_account.name", account.name_enc) == stored

    run()
    seen.assert_both_seen()


def test_counter_decisions_refuse_hostile_notes_or_record_them_exactly(db):
    clerk = _clerk(db)
    unit = approved_unit(db, 95, "南京窗口模糊测试有限公司")
    enrol_employee(db, unit, form(name="孙丽", id_number=make_id(604, "19900303"), base="10000"), client_ip="10.7.0.0",
                   now=NOW)
    (employee,) = list_employees(db, unit).rows
    seen = Outcomes(db, CounterTask, BaseDeclaration, Employment)

    @given(note=st.one_of(hostile, st.just("已核对工资表")), approved=st.booleans())
    @example(note="<img src=x onerror=alert(1)>工资证明不足", approved=False)
    @example(note="\x00", approved=False)
    @example(note="工资表已核对\ud800", approved=True)
    @example(note="\u202e\u200b ", approved=False)
    def run(note, approved):
        # A real 缴费基数调减 waits at the counter: 办结 applies it, 不予办理 leaves the base.
        bd.submit_declaration(db, unit, {employee.id: "7000"}, client_ip=next(_ips), now=NOW)
        (task,) = fetch_all(db, select(CounterTask))
        row = seen.attempt(lambda: counter_tasks.complete_task(db, task.id, staff_id=clerk, approved=approved,
                                                               note=note, now=NOW, client_ip=next(_ips)))
        if not isinstance(row, Refused):
            (stored,) = fetch_all(db, select(CounterTask))
            assert stored.outcome_note == validate_note(note, required=not approved) == row.outcome_note
            assert stored.status == (DONE if approved else REFUSED)
            base = fetch_all(db, select(Employment))[0].base
            assert Decimal(base) == Decimal("7000" if approved else "10000")
        db.exec(delete(BaseDeclaration))
        db.exec(delete(CounterTask))
        emp = db.get(Employment, employee.id, populate_existing=True)
        emp.base = Decimal("10000")
        db.add(emp)
        db.commit()

    run()
    seen.assert_both_seen()


def test_photo_and_certificate_lookups_refuse_hostile_input_or_find_the_one_asked_for(db):
    clerk = _clerk(db)
    person = add_registry_person(db, make_id(34, "19500101"), "周退休", person_type="退休人员")
    uscc = db.get(UnitAccount, approved_unit(db, 96, "南京证书模糊测试有限公司")).uscc
    db.commit()
    seen = Outcomes(db, RegistryPerson, PersonAccount)

    @given(id_number=_typed([person.id_number]), code=st.one_of(hostile, st.builds(
        lambda pre, c, post: pre + c + post, st.sampled_from(WRAPPERS), st.sampled_from([uscc, uscc.lower()]),
        st.sampled_from(WRAPPERS))))
    @example(id_number="<script>" + person.id_number, code=uscc + "'; --")
    @example(id_number=person.id_number + " ", code=uscc.lower())  # both found
    # Regression: a lone surrogate crashed the photo lookup's fingerprint, 15 letters its 15→18 arithmetic.
    @example(id_number="\ud800", code=uscc)
    @example(id_number="abcdefghijklmno", code=uscc)
    def run(id_number, code):
        card = seen.attempt(lambda: face_certification.find_person(db, staff_id=clerk, id_number=id_number, now=NOW))
        if not isinstance(card, Refused):
            assert card.person_id == person.id
        view = seen.attempt(lambda: unit_certificates.find_unit(db, code, staff_id=clerk))
        if not isinstance(view, Refused):
            assert view.uscc == uscc

    run()
    seen.assert_both_seen()
