from __future__ import annotations

import datetime as dt

import pytest

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.identifiers import (
    check_digit,
    gender_of,
    mask_id_number,
    normalize_id_number,
    upgrade_15_to_18,
    validate_id_number,
)

TODAY = dt.date(2026, 5, 1)
PUBLISHED = "11010519491231002X"  # the GB 11643 worked example (Beijing Chaoyang, 1949-12-31, female)


def with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def test_published_vector_is_valid() -> None:
    assert check_digit(PUBLISHED[:17]) == "X"
    assert validate_id_number(PUBLISHED, TODAY) == PUBLISHED


def test_lowercase_x_is_accepted_as_uppercase() -> None:
    assert validate_id_number(PUBLISHED.lower(), TODAY) == PUBLISHED


def test_surrounding_and_inner_spaces_and_fullwidth_digits_are_normalised() -> None:
    number = with_check("32010219900307451")
    fullwidth = "".join(chr(0xFF10 + int(d)) if d.isdigit() else "Ｘ" for d in number)
    assert validate_id_number(f"  {number}\u3000", TODAY) == number
    assert validate_id_number(f"{number[:6]} {number[6:14]} {number[14:]}", TODAY) == number
    assert validate_id_number(fullwidth, TODAY) == number
    assert normalize_id_number(" １１０１０５１９４９１２３１００２ｘ ") == PUBLISHED


def test_wrong_check_digit_is_refused() -> None:
    number = with_check("32010219900307451")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(InvalidValue, match="校验位不正确"):
        validate_id_number(wrong, TODAY)


def test_nonexistent_birth_date_is_refused() -> None:
    with pytest.raises(InvalidValue, match="出生日期不存在"):
        validate_id_number(with_check("32010219990230451"), TODAY)


def test_future_birth_date_is_refused() -> None:
    with pytest.raises(InvalidValue, match="晚于今天"):
        validate_id_number(with_check("32010220260502451"), TODAY)


def test_birth_date_today_is_accepted() -> None:
    number = with_check("32010220260501451")
    assert validate_id_number(number, TODAY) == number


def test_unknown_region_code_is_refused() -> None:
    with pytest.raises(InvalidValue, match="地区代码不正确"):
        validate_id_number(with_check("99010219900307451"), TODAY)


@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_input_asks_for_the_number(raw: str) -> None:
    with pytest.raises(InvalidValue, match="请输入身份证号码"):
        validate_id_number(raw, TODAY)


@pytest.mark.parametrize("raw", ["3201021990030745", "3201021990030745123", "320102199003X74512"])
def test_wrong_shape_is_refused(raw: str) -> None:
    with pytest.raises(InvalidValue, match="应为18位"):
        validate_id_number(raw, TODAY)


def test_fifteen_digit_input_suggests_the_eighteen_digit_number() -> None:
    with pytest.raises(InvalidValue) as refusal:
        validate_id_number("110105491231002", TODAY)
    assert "15位" in refusal.value.message
    assert upgrade_15_to_18("110105491231002") in refusal.value.message
    assert PUBLISHED in refusal.value.message


def test_fifteen_digit_input_with_unknown_region_gives_no_suggestion() -> None:
    with pytest.raises(InvalidValue) as refusal:
        validate_id_number("990105491231002", TODAY)
    assert refusal.value.message == "您输入的是15位号码，请使用18位身份证号码"


def test_upgrade_15_to_18_published_vector() -> None:
    assert upgrade_15_to_18("110105491231002") == PUBLISHED


def test_mask_id_number_keeps_region_and_last_four() -> None:
    assert mask_id_number("320102199003074512") == "320102********4512"
    assert mask_id_number("123") == "***"


def test_gender_of_reads_the_sequence_parity() -> None:
    assert gender_of(PUBLISHED) == "女"
    assert gender_of(with_check("32010219900307451")) == "男"
    assert gender_of("110105491231002") == "女"
    assert gender_of("110105491231001") == "男"
