"""The unit registration form's rules (单位用户注册 → 填写单位基本信息), every message collected at once."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jssi_app.domain.codes import validate_code_format
from jssi_app.domain.contact import validate_email, validate_phone
from jssi_app.domain.credit_codes import validate_credit_code
from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import validate_id_number
from jssi_app.domain.names import validate_name
from jssi_app.domain.registration import check_new_password

# Registered names use Chinese characters, Latin letters, digits and a few marks (（）()·&-、.).
_UNIT_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9（）()·&\-、. ]+")


@dataclass(frozen=True)
class UnitRegistrationForm:
    unit_name: str
    credit_code: str
    legal_rep_id: str
    handler_name: str
    handler_id: str
    handler_phone: str
    handler_email: str
    password: str
    password_confirm: str
    sms_code: str
    agreed: bool


@dataclass(frozen=True)
class CleanUnitRegistration:
    unit_name: str
    credit_code: str
    legal_rep_id: str
    handler_name: str
    handler_id: str
    handler_phone: str
    handler_email: str | None
    password: str
    sms_code: str


def validate_unit_name(raw: str) -> str:
    value = re.sub(r"\s+", " ", (raw or "").replace("\u3000", " ")).strip()
    value = value.replace("(", "（").replace(")", "）")
    if not value:
        raise InvalidValue("请填写单位名称")
    if len(value) < 4:
        raise InvalidValue("单位名称过短，请填写与营业执照或登记证一致的完整名称")
    if len(value) > 100:
        raise InvalidValue("单位名称不能超过100个字")
    if not _UNIT_NAME.fullmatch(value):
        raise InvalidValue("单位名称含有不支持的字符，请按营业执照或登记证填写")
    return value


def validate_unit_registration(form: UnitRegistrationForm, today: dt.date) -> CleanUnitRegistration:
    errors: list[FieldError] = []

    def field(name: str, fn, raw):  # noqa: ANN001
        try:
            return fn(raw)
        except InvalidValue as exc:
            errors.append(FieldError(name, exc.message))
            return None

    unit_name = field("unit_name", validate_unit_name, form.unit_name)
    code = field("credit_code", validate_credit_code, form.credit_code)
    legal_rep_id = field("legal_rep_id", lambda raw: validate_id_number(raw, today), form.legal_rep_id)
    handler_name = field("handler_name", validate_name, form.handler_name)
    handler_id = field("handler_id", lambda raw: validate_id_number(raw, today), form.handler_id)
    phone = field("handler_phone", validate_phone, form.handler_phone)
    email = field("handler_email", validate_email, form.handler_email)
    # The unit password must not contain the handler's identifiers either.
    password_errors: list[FieldError] = []
    check_new_password(form.password, form.password_confirm, id_number=handler_id or "", phone=phone or "",
                       errors=password_errors)
    errors.extend(password_errors)
    if code and form.password and code.lower() in form.password.lower():
        errors.append(FieldError("password", "密码不能包含统一社会信用代码"))
    sms_code = field("sms_code", validate_code_format, form.sms_code)
    if not form.agreed:
        errors.append(FieldError("agreed", "请阅读并勾选“我已阅读并同意用户协议和隐私政策”"))
    if errors:
        raise ValidationFailed(errors)
    return CleanUnitRegistration(unit_name=unit_name, credit_code=code, legal_rep_id=legal_rep_id,
                                 handler_name=handler_name, handler_id=handler_id, handler_phone=phone,
                                 handler_email=email, password=form.password, sms_code=sms_code)


@dataclass(frozen=True)
class ApplicationFieldsForm:
    """What a handler may correct before submitting or after a rejection. The credit code is the
    application's identity (a changed code means a new registration) and the phone was proven by SMS,
    so neither is edited here."""

    unit_name: str
    legal_rep_id: str
    handler_name: str
    handler_id: str
    handler_email: str


def validate_application_fields(form: ApplicationFieldsForm, today: dt.date) -> ApplicationFieldsForm:
    errors: list[FieldError] = []
    values: dict[str, str | None] = {}
    checks = {
        "unit_name": validate_unit_name,
        "legal_rep_id": lambda raw: validate_id_number(raw, today),
        "handler_name": validate_name,
        "handler_id": lambda raw: validate_id_number(raw, today),
        "handler_email": validate_email,
    }
    for name, fn in checks.items():
        try:
            values[name] = fn(getattr(form, name))
        except InvalidValue as exc:
            errors.append(FieldError(name, exc.message))
    if errors:
        raise ValidationFailed(errors)
    values["handler_email"] = values["handler_email"] or ""
    return ApplicationFieldsForm(**values)
