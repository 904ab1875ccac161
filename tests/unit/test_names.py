from __future__ import annotations

import pytest

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.names import names_match, validate_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("  张三丰\u3000", "张三丰"),
        ("买买提・艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提‧艾力", "买买提·艾力"),
        ("买买提．艾力", "买买提·艾力"),
        ("买买提･艾力", "买买提·艾力"),
        ("买买提∙艾力", "买买提·艾力"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("张 三", "张三"),
        ("㐀丽", "㐀丽"),  # Extension A
        ("王𠀾", "王𠀾"),  # Extension B, a rare character outside the BMP
        ("John Smith", "John Smith"),
        ("John   Smith", "John Smith"),
        ("Ｊｏｈｎ Smith", "John Smith"),
        ("José Álvarez-López", "José Álvarez-López"),
        ("Nguyễn Văn·An", "Nguyễn Văn·An"),
    ],
)
def test_validate_name_accepts_and_normalises(raw: str, expected: str) -> None:
    assert validate_name(raw) == expected


def test_combining_accent_is_composed() -> None:
    assert validate_name("Jose\u0301 Li") == "José Li"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "请输入姓名"),
        ("  \u3000 ", "请输入姓名"),
        ("张", "至少2个字"),
        ("A", "至少2个字"),
        ("张" * 31, "最多30个字符"),
        ("张三1", "“1”"),
        ("张三!", "“!”"),
        ("John.Smith", "“.”"),
        ("张San", "不能同时包含汉字和英文字母"),
        ("·买买提", "间隔号"),
        ("买买提·", "间隔号"),
        ("买买提··艾力", "间隔号"),
        ("张-三", "间隔号“·”分隔"),
        ("John--Smith", "分隔"),
        ("-John", "分隔"),
        ("---", "不能只有符号"),
    ],
)
def test_validate_name_refuses_with_message(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        validate_name(raw)
    assert fragment in refusal.value.message


def test_thirty_characters_is_the_longest_accepted() -> None:
    assert validate_name("张" * 30) == "张" * 30


def test_zero_width_characters_from_copy_paste_are_dropped() -> None:
    assert validate_name("张\u200b三") == "张三"


def test_names_match_ignores_dot_variants_spacing_and_latin_case() -> None:
    assert names_match("买买提 ・ 艾力", "买买提·艾力")
    assert names_match(" john smith ", "JOHN SMITH")
    assert names_match("张三", "张三")


def test_names_match_refuses_different_names_and_empty_ones() -> None:
    assert not names_match("张三", "张四")
    assert not names_match("买买提艾力", "买买提·艾力")
    assert not names_match("", "")
