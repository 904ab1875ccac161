from __future__ import annotations

import pytest

from jssi_app.domain.credit_codes import (
    ALPHABET,
    credit_code_check_char,
    normalize_credit_code,
    org_code_check_char,
    validate_credit_code,
)
from jssi_app.domain.errors import InvalidValue

# Published on business licences (public registration data), checked by hand:
#   organisation code 19220382: 1·3+9·7+2·9+2·10+0·5+3·8+8·4+2·2 = 164, 164 mod 11 = 10, 11-10 = 1
#   organisation code 70846113: 7·3+0·7+8·9+4·10+6·5+1·8+1·4+3·2 = 181, 181 mod 11 = 5,  11-5  = 6
PUBLISHED = ("914403001922038216", "91440300708461136T", "91330100716105852F")

# Computed with this module and re-checked against the rules above (also the demo's fixed units).
COMPUTED = {
    "9132010213500827X": "Q",
    "91320106722605933": "Y",
    "11320102014300274": "U",
    "12320505467123098": "6",
    "51320211506137485": "5",
}


def with_checks(prefix8: str, body8: str) -> str:
    """A full code from authority/type/region and an 8-character organisation code body."""
    first17 = prefix8 + body8 + org_code_check_char(body8)
    return first17 + credit_code_check_char(first17)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code


def test_hand_computed_organisation_check_digits() -> None:
    assert org_code_check_char("19220382") == "1"
    assert org_code_check_char("70846113") == "6"
    assert org_code_check_char("00000000") == "0"  # 11 - 0 = 11 → 0
    assert org_code_check_char("40000000") == "X"  # 4·3 = 12, 12 mod 11 = 1, 11 - 1 = 10 → X
    assert org_code_check_char("10000000") == "8"  # 3, 11 - 3 = 8


def test_organisation_code_letters_count_from_ten_in_plain_alphabet_order() -> None:
    # A=10: 10·3 = 30, 30 mod 11 = 8, 11 - 8 = 3.
    assert org_code_check_char("A0000000") == "3"
    # J=19 in plain order (18 in the credit-code alphabet, which skips I): 19·3 = 57, 57 mod 11 = 2 → 9.
    assert org_code_check_char("J0000000") == "9"


@pytest.mark.parametrize(("first17", "check"), COMPUTED.items())
def test_computed_credit_code_check_characters(first17: str, check: str) -> None:
    assert credit_code_check_char(first17) == check
    assert validate_credit_code(first17 + check) == first17 + check


def test_check_character_zero_when_sum_is_a_multiple_of_31() -> None:
    # All zeros: sum 0 → (31 - 0) mod 31 = 0.
    assert credit_code_check_char("0" * 17) == "0"
    # "1" in the first position has weight 1: 31 - 1 = 30 → Y, the last alphabet character.
    assert credit_code_check_char("1" + "0" * 16) == "Y"


def test_check_character_is_always_in_the_alphabet() -> None:
    for i, ch in enumerate(ALPHABET):
        first17 = "91320102" + ch * 8 + "0"
        assert credit_code_check_char(first17) in ALPHABET, i


def test_normalize_full_width_spaces_and_case() -> None:
    raw = "\u3000９１４４０３００ 708461136ｔ "
    assert normalize_credit_code(raw) == "91440300708461136T"
    assert validate_credit_code(" 91440300 708461136t") == "91440300708461136T"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "请输入统一社会信用代码"),
        ("9144030070846113", "应为18位，当前为16位"),
        ("91440300708461136TT", "应为18位，当前为19位"),
        ("91440300708461I36T", "不使用字母 I、O、Z、S、V，代码中含有 I"),
        ("9144030O7084S1136T", "代码中含有 O、S"),
        ("91440300708461136-", "只能由数字和大写字母组成"),
    ],
)
def test_format_errors(code: str, message: str) -> None:
    with pytest.raises(InvalidValue) as exc:
        validate_credit_code(code)
    assert message in exc.value.message


def test_unknown_registration_authority() -> None:
    with pytest.raises(InvalidValue, match="第1位（登记管理部门代码）"):
        validate_credit_code(with_checks("B1320102", "13500827"))


def test_unit_type_must_belong_to_the_authority() -> None:
    # 工商 (9) knows 企业 1, 个体工商户 2, 农民专业合作社 3 — no 4; 民政 (5) knows 1, 2, 3, 9.
    with pytest.raises(InvalidValue, match="第2位（机构类别代码）"):
        validate_credit_code(with_checks("94320102", "13500827"))
    assert validate_credit_code(with_checks("53320102", "13500827"))
    assert validate_credit_code(with_checks("Y1320102", "13500827"))
    assert validate_credit_code(with_checks("N2320102", "13500827"))


@pytest.mark.parametrize("region", ["32A102", "000000", "990000"])
def test_region_of_registering_office(region: str) -> None:
    with pytest.raises(InvalidValue, match="第3至8位"):
        validate_credit_code(with_checks("91" + region, "13500827"))


def test_national_registration_office_region() -> None:
    assert validate_credit_code(with_checks("91100000", "13500827"))


def test_wrong_organisation_check_digit() -> None:
    good = with_checks("91320102", "13500827")
    first17 = good[:16] + ("0" if good[16] != "0" else "1")
    with pytest.raises(InvalidValue, match="组织机构代码）校验位不正确"):
        validate_credit_code(first17 + credit_code_check_char(first17))


def test_wrong_final_check_character() -> None:
    good = "91440300708461136T"
    with pytest.raises(InvalidValue, match="校验位（第18位）不正确"):
        validate_credit_code(good[:17] + "U")
