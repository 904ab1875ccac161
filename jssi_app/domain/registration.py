"""The personal registration form's rules: every field checked, every message collected."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jssi_app.domain.codes import validate_code_format
from jssi_app.domain.contact import validate_email, validate_phone
from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import birth_date_of, validate_id_number
from jssi_app.domain.names import validate_name
from jssi_app.domain.passwords import check_password


@dataclass(frozen=True)
class PersonRegistrationForm:
    name: str
    id_number: str
    phone: str
    email: str
    password: str
    password_confirm: str
    sms_code: str
    agreed: bool


@dataclass(frozen=True)
class CleanPersonRegistration:
    name: str
    id_number: str
    phone: str
    email: str | None
    password: str
    sms_code: str


def check_new_password(
    password: str, confirm: str, *, id_number: str = "", phone: str = "", errors: list[FieldError]
) -> None:
    """Password + confirmation rules shared by registration and password reset."""
    if not password:
        errors.append(FieldError("password", "请设置登录密码"))
    else:
        birth = None
        if len(id_number) == 18:
            try:
                birth = birth_date_of(id_number)
            except ValueError:
                birth = None
        problems = check_password(password, id_number=id_number, birth_date=birth, phone=phone)
        if problems:
            errors.append(FieldError("password", "；".join(problems)))
    if not confirm:
        errors.append(FieldError("password_confirm", "请再次输入登录密码"))
    elif password and confirm != password:
        errors.append(FieldError("password_confirm", "两次输入的密码不一致，请重新输入"))


def _field(errors: list[FieldError], name: str, fn, raw):  # noqa: ANN001
    try:
        return fn(raw)
    except InvalidValue as exc:
        errors.append(FieldError(name, exc.message))
        return None


def validate_person_registration(form: PersonRegistrationForm, today: dt.date) -> CleanPersonRegistration:
    errors: list[FieldError] = []
    name = _field(errors, "name", validate_name, form.name)
    id_number = _field(errors, "id_number", lambda raw: validate_id_number(raw, today), form.id_number)
    phone = _field(errors, "phone", validate_phone, form.phone)
    email = _field(errors, "email", validate_email, form.email)
    check_new_password(form.password, form.password_confirm, id_number=id_number or "", phone=phone or "", errors=errors)
    code = _field(errors, "sms_code", validate_code_format, form.sms_code)
    if not form.agreed:
        errors.append(FieldError("agreed", "请阅读并勾选“我已阅读并同意用户协议和隐私政策”"))
    if errors:
        raise ValidationFailed(errors)
    return CleanPersonRegistration(name=name, id_number=id_number, phone=phone, email=email,
                                   password=form.password, sms_code=code)
