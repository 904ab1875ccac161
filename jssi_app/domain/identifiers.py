"""Resident identity numbers (GB 11643-1999): normalisation, check digit, 15→18 upgrade, masking."""

from __future__ import annotations

import datetime as dt
import re

from jssi_app.domain.errors import InvalidValue

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# Province-level division codes (first two digits) of GB/T 2260, including 71/81/82.
PROVINCE_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "X"})
_SPACES = re.compile(r"[\s\u3000]+")


def normalize_id_number(raw: str) -> str:
    """Full-width digits to ASCII, spaces removed (also inside: people type 6-8-4 groups), x → X."""
    return _SPACES.sub("", (raw or "").translate(_FULLWIDTH)).upper()


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def upgrade_15_to_18(id15: str) -> str:
    """The 18-digit form of a legacy 15-digit number: century 19 inserted, check digit appended."""
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_digit(first17)


def birth_date_of(id_number: str) -> dt.date:
    digits = id_number[6:14] if len(id_number) == 18 else "19" + id_number[6:12]
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def gender_of(id_number: str) -> str:
    digit = int(id_number[16] if len(id_number) == 18 else id_number[14])
    return "男" if digit % 2 else "女"


def _check_birth(number: str, today: dt.date) -> None:
    try:
        born = birth_date_of(number)
    except ValueError:
        raise InvalidValue("身份证号码中的出生日期不存在，请核对后重新输入") from None
    if born > today:
        raise InvalidValue("身份证号码中的出生日期晚于今天，请核对后重新输入")
    if born.year < 1900:
        raise InvalidValue("身份证号码中的出生日期不正确，请核对后重新输入")


def validate_id_number(raw: str, today: dt.date) -> str:
    """Return the normalised 18-digit number or raise InvalidValue with a message for the person."""
    number = normalize_id_number(raw)
    if not number:
        raise InvalidValue("请输入身份证号码")
    if re.fullmatch(r"[0-9]{15}", number):
        if number[:2] in PROVINCE_CODES:
            try:
                upgraded = upgrade_15_to_18(number)
                _check_birth(upgraded, today)
            except InvalidValue:
                pass
            else:
                raise InvalidValue(
                    f"您输入的是15位旧身份证号码，请使用18位身份证号码。按国家标准换算，"
                    f"对应的18位号码为 {upgraded}，请以身份证原件为准"
                )
        raise InvalidValue("您输入的是15位号码，请使用18位身份证号码")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise InvalidValue("身份证号码应为18位：前17位为数字，最后一位为数字或X")
    if number[:2] not in PROVINCE_CODES:
        raise InvalidValue("身份证号码的地区代码不正确，请核对后重新输入")
    _check_birth(number, today)
    if check_digit(number[:17]) != number[17]:
        raise InvalidValue("身份证号码校验位不正确，请核对后重新输入")
    return number


def is_valid_legacy_id(number: str) -> bool:
    """A registry's 15-digit record: digits, known region, a real birth date."""
    if not re.fullmatch(r"[0-9]{15}", number) or number[:2] not in PROVINCE_CODES:
        return False
    try:
        birth_date_of(number)
    except ValueError:
        return False
    return True


def mask_id_number(number: str) -> str:
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
