"""Counter rules for changing a person's registry record (窗口经办): the person stands at the counter with
the ID card, and the clerk changes the registered phone, upgrades a 15-digit number, or corrects the name.

Pure: no database, no clock (`today` is passed in).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jssi_app.domain.contact import validate_phone
from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import (
    is_valid_legacy_id,
    normalize_id_number,
    upgrade_15_to_18,
    validate_id_number,
)
from jssi_app.domain.names import normalize_name, validate_name

ID_CARD_CHECK_LABEL = "已核验本人身份证原件"
ID_CARD_NOT_CHECKED = "请先核验本人身份证原件，并勾选“已核验本人身份证原件”"
PHONE_UNCHANGED = "新手机号码与原登记的手机号码相同，无需变更"
NAME_UNCHANGED = "更正后姓名与原登记的姓名相同，无需更正"
ALREADY_18 = "该记录已是18位身份证号码，无需升位"

# The field names the counter page and its errors use.
ID_FIELD = "id_number"
CHECK_FIELD = "id_card_checked"
PHONE_FIELD = "new_phone"
NAME_FIELD = "new_name"


def validate_counter_id(raw: str, today: dt.date) -> str:
    """The number on the ID card as the clerk types it: 18 digits, or a legacy 15-digit number (the registry
    still holds some, and some old cards carry them)."""
    number = normalize_id_number(raw)
    if re.fullmatch(r"[0-9]{15}", number):
        if not is_valid_legacy_id(number):
            raise InvalidValue("15位身份证号码无效（地区代码或出生日期不正确），请核对后重新输入")
        return number
    if len(number) not in (0, 15, 18) and re.fullmatch(r"[0-9X]+", number):
        raise InvalidValue(f"身份证号码应为18位或15位（您输入了{len(number)}位）")
    return validate_id_number(number, today)


def upgrade_target(registry_id: str) -> str:
    """The 18-digit form a registry record's 15-digit number is upgraded to (GB 11643: century 19 and a
    check digit); InvalidValue when the record is not a 15-digit one."""
    if len(registry_id) != 15:
        raise InvalidValue(ALREADY_18)
    if not re.fullmatch(r"[0-9]{15}", registry_id):
        raise InvalidValue("身份证号码无效，无法升位，请核对参保信息")
    return upgrade_15_to_18(registry_id)


def mask_name(name: str) -> str:
    """张** for 张三丰: the surname only (the audit log and the clerk's confirmation never hold a full name)."""
    name = (name or "").strip()
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


@dataclass(frozen=True)
class PhoneChange:
    new_phone: str


@dataclass(frozen=True)
class NameCorrection:
    new_name: str


def check_id_card(checked: bool) -> FieldError | None:
    return None if checked else FieldError(CHECK_FIELD, ID_CARD_NOT_CHECKED)


def validate_phone_change(new_phone: str, *, id_card_checked: bool, current: tuple[str, ...]) -> PhoneChange:
    """Every problem at once: the ID card check and the number. `current` holds the numbers on file (the
    registry's and the online account's, when there are any); the change is refused only when every one of
    them already is the new number, so a registry already right can still bring the account in line."""
    errors: list[FieldError] = []
    missing = check_id_card(id_card_checked)
    if missing:
        errors.append(missing)
    phone = ""
    try:
        phone = validate_phone(new_phone)
    except InvalidValue as exc:
        errors.append(FieldError(PHONE_FIELD, exc.message))
    if phone and current and all(c == phone for c in current):
        errors.append(FieldError(PHONE_FIELD, PHONE_UNCHANGED))
    if errors:
        raise ValidationFailed(errors)
    return PhoneChange(phone)


def validate_name_correction(new_name: str, *, id_card_checked: bool, current: str) -> NameCorrection:
    errors: list[FieldError] = []
    missing = check_id_card(id_card_checked)
    if missing:
        errors.append(missing)
    name = ""
    try:
        name = validate_name(new_name)
    except InvalidValue as exc:
        errors.append(FieldError(NAME_FIELD, exc.message))
    # Exact comparison after normalisation: a correction of Latin letter case is a real correction.
    if name and name == normalize_name(current):
        errors.append(FieldError(NAME_FIELD, NAME_UNCHANGED))
    if errors:
        raise ValidationFailed(errors)
    return NameCorrection(name)


def validate_upgrade(registry_id: str, *, id_card_checked: bool) -> str:
    """The 18-digit target of a 15-digit record, after the ID card check."""
    missing = check_id_card(id_card_checked)
    if missing:
        raise ValidationFailed([missing])
    return upgrade_target(registry_id)
