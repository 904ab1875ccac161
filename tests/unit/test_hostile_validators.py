"""Every validator in jssi_app/domain/ against hostile text: a Chinese refusal, or a clean value — never a crash.

"Clean": what a validator accepts is what gets stored, so it must be storable as is (valid UTF-8, no NUL: a
PostgreSQL text column refuses NUL, and a lone surrogate fails to encode) and keep its promised shape.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jssi_app.domain import (
    base_declaration,
    codes,
    contact,
    contributions,
    counter_person,
    counter_tasks,
    credit_codes,
    employment,
    identifiers,
    names,
    passwords,
    profile,
    proof_codes,
    registration,
    staff,
    unit_registration,
)
from jssi_app.domain.errors import DomainError, ValidationFailed
from jssi_app.domain.file_types import safe_display_name
from tests.hostile_text import hostile, storable

TODAY = dt.date(2026, 3, 2)
CJK = re.compile(r"[\u4e00-\u9fff]")
BOUNDS = base_declaration.Bounds(Decimal("4494.00"), Decimal("24042.00"))


def outcome(call):
    """The validator's value, or None after checking its refusal is a DomainError in Chinese."""
    try:
        return call()
    except DomainError as exc:
        assert CJK.search(exc.message), exc.message
        if isinstance(exc, ValidationFailed):
            assert exc.errors and all(CJK.search(e.message) for e in exc.errors)
        return None


def clean(value) -> None:
    if isinstance(value, str):
        assert storable(value), repr(value)


SINGLE = {
    "id_number": (lambda s: identifiers.validate_id_number(s, TODAY), re.compile(r"[0-9]{17}[0-9X]")),
    "counter_id": (lambda s: counter_person.validate_counter_id(s, TODAY), re.compile(r"[0-9]{17}[0-9X]")),
    "credit_code": (credit_codes.validate_credit_code, re.compile(r"[0-9A-Z]{18}")),
    "name": (names.validate_name, None),
    "phone": (contact.validate_phone, re.compile(r"1[0-9]{10}")),
    "email": (contact.validate_email, re.compile(r"[!-~]+@[a-z0-9.-]+")),
    "address": (lambda s: profile.validate_address(s, "联系地址"), None),
    "unit_name": (unit_registration.validate_unit_name, None),
    "sms_code": (codes.validate_code_format, re.compile(r"[0-9]{6}")),
    "proof_code": (proof_codes.normalize, re.compile(r"[0-9A-Z-]+")),
    "month": (contributions.parse_month, None),
    "amount": (base_declaration.parse_amount, None),
    "base": (lambda s: base_declaration.validate_base(s, BOUNDS), None),
    "date": (lambda s: employment.parse_date(s, "用工起始日期"), None),
    "start_date": (lambda s: employment.validate_start_date(s, TODAY), None),
    "staff_username": (staff.validate_username, None),
    "staff_role": (staff.validate_role, None),
    "staff_display_name": (staff.validate_display_name, None),
    "counter_note": (lambda s: counter_tasks.validate_note(s, required=True), None),
}


@pytest.mark.parametrize("field", sorted(SINGLE))
@given(raw=hostile)
@example(raw="\x00")
@example(raw="\ud800")
@example(raw="320102199003074536\u200b")
@example(raw="<script>alert(1)</script>")
# Regression: a lone surrogate used to pass validate_address and then fail to encode when stored.
@example(raw="南京市鼓楼区中山路1号\ud800")
def test_single_field_validators(field, raw):
    validate, shape = SINGLE[field]
    value = outcome(lambda: validate(raw))
    if value is None:
        return
    clean(value)
    if shape is not None and isinstance(value, str):
        assert shape.fullmatch(value), value
    if field in ("name", "address", "unit_name", "staff_display_name"):
        # Shown on pages and in PDFs: no control, bidi-override or invisible characters survive.
        assert not re.search(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", value), repr(value)


@given(password=hostile, confirm=st.one_of(hostile, st.just(None)))
def test_password_rules(password, confirm):
    messages = passwords.check_password(password, id_number="320102199003074536", phone="13912340001")
    assert all(CJK.search(m) for m in messages)
    errors = []
    registration.check_new_password(password, password if confirm is None else confirm,
                                    id_number="320102199003074536", phone="13912340001", errors=errors)
    assert all(CJK.search(e.message) for e in errors)
    if not errors:
        clean(password)


form_text = st.one_of(hostile, st.sampled_from(["张伟明", "320102199003074536", "13912340001", "a@b.cn",
                                                "Abcdef2026x", "123456"]))


@given(st.builds(registration.PersonRegistrationForm, name=form_text, id_number=form_text, phone=form_text,
                 email=form_text, password=form_text, password_confirm=form_text, sms_code=form_text,
                 agreed=st.booleans()))
def test_person_registration_form(form):
    clean_form = outcome(lambda: registration.validate_person_registration(form, TODAY))
    if clean_form is not None:
        for value in vars(clean_form).values():
            clean(value)


@given(st.builds(unit_registration.UnitRegistrationForm, unit_name=form_text, credit_code=form_text,
                 legal_rep_id=form_text, handler_name=form_text, handler_id=form_text, handler_phone=form_text,
                 handler_email=form_text, password=form_text, password_confirm=form_text, sms_code=form_text,
                 agreed=st.booleans()))
def test_unit_registration_form(form):
    clean_form = outcome(lambda: unit_registration.validate_unit_registration(form, TODAY))
    if clean_form is not None:
        for value in vars(clean_form).values():
            clean(value)


@given(st.builds(unit_registration.ApplicationFieldsForm, unit_name=form_text, legal_rep_id=form_text,
                 handler_name=form_text, handler_id=form_text, handler_email=form_text))
def test_application_fields_form(form):
    clean_form = outcome(lambda: unit_registration.validate_application_fields(form, TODAY))
    if clean_form is not None:
        for value in vars(clean_form).values():
            clean(value)


@given(st.builds(employment.EnrolmentForm, name=form_text, id_number=form_text, phone=form_text,
                 start_date=st.one_of(hostile, st.just("2026-03-01")), base=st.one_of(hostile, st.just("5000"))))
def test_enrolment_form(form):
    enrolment = outcome(lambda: employment.validate_enrolment(form, TODAY, BOUNDS))
    if enrolment is not None:
        clean(enrolment.name)
        assert enrolment.base.as_tuple().exponent == -2


@given(end=hostile, reason=hostile)
def test_employment_end(end, reason):
    ended = outcome(lambda: employment.validate_end(end, reason, TODAY))
    if ended is not None:
        clean(ended[1])


@given(header=st.lists(hostile, max_size=8),
       cells=st.lists(st.dictionaries(st.sampled_from([*employment.ENROLMENT_COLUMNS, "备注"]),
                                      hostile, max_size=6), max_size=5))
@example(header=[], cells=[{"姓名": "张伟明", "身份证号码": "320102199003074536", "手机号码": "13912340001",
                             "用工起始日期": "2026-03-01", "缴费基数": "5000"}])
def test_spreadsheet_rows(header, cells):
    """批量增员 / 缴费基数申报 sheets: every bad cell becomes a row error in Chinese, never an exception."""
    for errors in (employment.check_header(header, ["姓名", "身份证号码", "手机号码", "用工起始日期", "缴费基数"]),):
        assert all(CJK.search(e.message) for e in errors)
    rows = [(number, row) for number, row in enumerate(cells, 2)]
    for validate in (employment.validate_enrolment_rows, employment.validate_declaration_rows):
        good, errors = validate(rows, TODAY, BOUNDS)
        assert all(CJK.search(e.message) for e in errors)
        for item in good:
            value = item[1] if isinstance(item, tuple) else item
            clean(value.name)
            assert value.base.as_tuple().exponent == -2


@given(from_month=hostile, to_month=st.one_of(hostile, st.just("2026-02")), codes_=st.lists(hostile, max_size=4))
def test_contribution_filters(from_month, to_month, codes_):
    outcome(lambda: contributions.validate_range(from_month, to_month, TODAY))
    outcome(lambda: contributions.validate_codes(codes_))


@given(value=hostile, checked=st.booleans())
# Regression: a 15-character non-numeric number crashed the upgrade (int('Ａ')) instead of being refused.
@example(value="ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ", checked=True)
def test_counter_person_changes(value, checked):
    change = outcome(lambda: counter_person.validate_phone_change(value, id_card_checked=checked,
                                                                  current=("13912340001",)))
    if change is not None:
        clean(change.new_phone)
    correction = outcome(lambda: counter_person.validate_name_correction(value, id_card_checked=checked,
                                                                         current="张伟明"))
    if correction is not None:
        clean(correction.new_name)
    outcome(lambda: counter_person.validate_upgrade(value, id_card_checked=checked))


@given(name=hostile)
def test_upload_display_names(name):
    shown = safe_display_name(name)
    clean(shown)
    assert 0 < len(shown) <= 100 and "/" not in shown and "\\" not in shown
