from __future__ import annotations

import pytest

from jssi_app.domain.contact import mask_email, mask_phone, validate_email, validate_phone
from jssi_app.domain.errors import InvalidValue


@pytest.mark.parametrize(
    "raw",
    [
        "13812341234",
        "  13812341234 ",
        "138 1234 1234",
        "138-1234-1234",
        "１３８１２３４１２３４",
        "+86 138 1234 1234",
        "+8613812341234",
        "8613812341234",
        "008613812341234",
    ],
)
def test_validate_phone_accepts_common_spellings(raw: str) -> None:
    assert validate_phone(raw) == "13812341234"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "请输入手机号码"),
        ("   ", "请输入手机号码"),
        ("1381234123", "请输入11位手机号码"),
        ("138123412345", "请输入11位手机号码"),
        ("1381234abcd", "只能包含数字"),
        ("12812341234", "应为以1开头的11位中国大陆手机号码"),
        ("23812341234", "应为以1开头的11位中国大陆手机号码"),
        ("+85261234567", "只能包含数字"),
    ],
)
def test_validate_phone_refuses_with_message(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        validate_phone(raw)
    assert fragment in refusal.value.message


def test_mask_phone_keeps_prefix_and_last_four() -> None:
    assert mask_phone("13812341234") == "138****1234"


def test_mask_phone_hides_short_values_entirely() -> None:
    assert mask_phone("1234") == "****"


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_email_means_not_given(raw) -> None:
    assert validate_email(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhangsan@example.com", "zhangsan@example.com"),
        ("  ZhangSan@Example.COM ", "ZhangSan@example.com"),
        ("zhang.san+jssi@mail.example.com.cn", "zhang.san+jssi@mail.example.com.cn"),
        ("zhangsan＠qq。com", "zhangsan@qq.com"),
        ("a@xn--fiqs8s.xn--fiqz9s", "a@xn--fiqs8s.xn--fiqz9s"),
    ],
)
def test_validate_email_accepts_and_normalises(raw: str, expected: str) -> None:
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "zhangsan",
        "zhangsan@",
        "@example.com",
        "zhang@san@example.com",
        "zhangsan@example",
        "zhangsan@example.c",
        "zhangsan@-example.com",
        "zhangsan@example..com",
        ".zhangsan@example.com",
        "zhang..san@example.com",
        "zhangsan@exam_ple.com",
        "张三@example.com",
        "a" * 65 + "@example.com",
    ],
)
def test_validate_email_refuses_malformed_addresses(raw: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        validate_email(raw)
    assert refusal.value.message == "电子邮箱格式不正确，例如 name@example.com"


def test_validate_email_refuses_inner_space() -> None:
    with pytest.raises(InvalidValue, match="不能有空格"):
        validate_email("zhang san@example.com")


def test_validate_email_length_limit_is_254() -> None:
    longest = "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com"
    too_long = "a" * 64 + "@" + ".".join(["b" * 62] * 3) + ".com"
    assert (len(longest), len(too_long)) == (254, 257)
    assert validate_email(longest) == longest
    with pytest.raises(InvalidValue, match="254"):
        validate_email(too_long)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("zhangsan@example.com", "z******n@example.com"),
        ("ab@example.com", "a*@example.com"),
        ("a@example.com", "*@example.com"),
        ("abc@example.com", "a*c@example.com"),
    ],
)
def test_mask_email_keeps_first_and_last_of_local_part(address: str, masked: str) -> None:
    assert mask_email(address) == masked
