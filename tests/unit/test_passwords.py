from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import jssi_app.domain.passwords as passwords
from jssi_app.domain.passwords import (
    PASSWORD_RULE_TEXT,
    BirthDateValidator,
    CharacterSetValidator,
    CommonPasswordValidator,
    IdNumberValidator,
    LengthValidator,
    LetterAndDigitValidator,
    PhoneValidator,
    RepetitionValidator,
    SequenceValidator,
    check_password,
    common_passwords,
    password_strength,
)

ID_NUMBER = "320102199003074512"
BORN = dt.date(1990, 3, 7)
PHONE = "13812341234"


def test_rule_text_is_the_one_shown_before_typing() -> None:
    assert PASSWORD_RULE_TEXT == (
        "8-20位，须同时包含字母和数字；不能是常见密码，不能包含身份证号、出生日期或手机号，"
        "不能是连续或重复的字符（如11111111、12345678abc）"
    )


def test_a_reasonable_password_passes_every_rule() -> None:
    assert check_password("Jssi2026pw", id_number=ID_NUMBER, birth_date=BORN, phone=PHONE) == []


def test_empty_password_asks_for_one_and_states_the_rule() -> None:
    assert check_password("") == ["请设置密码，" + PASSWORD_RULE_TEXT]


@pytest.mark.parametrize(
    ("password", "validator"),
    [
        ("Ab3", LengthValidator),
        ("Ab3xk9Qz" + "w" * 13, LengthValidator),
        ("Jssipassword", LetterAndDigitValidator),
        ("20262027", LetterAndDigitValidator),
        ("Jssi 2026pw", CharacterSetValidator),
        ("Jssi2026密码", CharacterSetValidator),
        ("Jssi２０２６pw", CharacterSetValidator),
        ("password1", CommonPasswordValidator),
        ("PASSWORD1", CommonPasswordValidator),
        ("aaaa2026Jx", RepetitionValidator),
        ("Jx2026AAAA", RepetitionValidator),
        ("a1b2a1b2", RepetitionValidator),
        ("Jx1234pwq", SequenceValidator),
        ("Jx4321pwq", SequenceValidator),
        ("2026abcdJ", SequenceValidator),
        ("2026DCBAj", SequenceValidator),
        ("2026AbCdj", SequenceValidator),
    ],
)
def test_each_rule_refuses_its_case_with_its_own_message(password: str, validator: type) -> None:
    messages = check_password(password)
    assert validator.message in messages


@pytest.mark.parametrize("password", ["Ab3xk9Qz", "Ab3xk9Qz" + "w" * 12])
def test_length_bounds_are_inclusive(password: str) -> None:
    assert LengthValidator.message not in check_password(password)


@pytest.mark.parametrize("password", ["11111111", "12345678abc", "abcd1234"])
def test_the_seed_examples_are_refused(password: str) -> None:
    assert check_password(password) != []


def test_every_failed_rule_is_reported_at_once() -> None:
    assert check_password("11111111") == [
        LetterAndDigitValidator.message,
        CommonPasswordValidator.message,
        RepetitionValidator.message,
    ]


def test_three_in_a_row_and_broken_sequences_are_allowed() -> None:
    assert check_password("Jx123pw5aaa") == []
    assert check_password("k9x8w7v6") == []


def test_id_number_is_refused_case_insensitively() -> None:
    id_with_x = "11010519491231002X"
    assert IdNumberValidator.message in check_password("q" + id_with_x.lower(), id_number=id_with_x)
    assert IdNumberValidator.message not in check_password("Jssi2026pw", id_number=id_with_x)


@pytest.mark.parametrize("password", ["Qz19900307w", "Qz900307wk"])
def test_birth_date_long_and_short_forms_are_refused(password: str) -> None:
    assert BirthDateValidator.message in check_password(password, birth_date=BORN)


def test_birth_date_is_taken_from_the_id_number_when_not_given() -> None:
    assert BirthDateValidator.message in check_password("Qz900307wk", id_number=ID_NUMBER)


def test_phone_is_refused_whatever_way_it_was_given() -> None:
    assert PhoneValidator.message in check_password("q13812341234", phone="138 1234 1234")
    assert PhoneValidator.message not in check_password("Jssi2026pw", phone=PHONE)


def test_personal_rules_are_silent_without_personal_data() -> None:
    assert check_password("Qz900307wk") == []


def test_common_list_is_shipped_next_to_the_module_and_loaded_once() -> None:
    path = Path(passwords.__file__).parent / "data" / "common-passwords.txt"
    lines = path.read_text("utf-8").splitlines()
    assert lines[0].startswith("#") and "zxcvbn" in lines[0]
    assert len(lines) == 10_001
    assert path.stat().st_size < 100_000
    assert len(common_passwords()) == 10_000
    assert "123456" in common_passwords()
    assert common_passwords() is common_passwords()


def test_character_set_allows_symbols() -> None:
    assert check_password("Jssi#2026~pw!") == []
    assert CharacterSetValidator.message not in check_password("J!@#$%^&*()_+-=[]{}9")


@pytest.mark.parametrize(
    ("password", "labels"),
    [("password", {"弱"}), ("Jssi2026pw", {"中", "强", "很强"}), ("kT9#vQ2!mZ7&wR4x", {"很强"})],
)
def test_password_strength_gives_score_and_chinese_label(password: str, labels: set[str]) -> None:
    score, label = password_strength(password, [])
    assert 0 <= score <= 4
    assert label in labels
    assert label == passwords.STRENGTH_LABELS[score]


def test_password_strength_penalises_the_persons_own_data() -> None:
    plain, _ = password_strength("zhangsan1990", [])
    personal, label = password_strength("zhangsan1990", ["zhangsan", "1990"])
    assert personal < plain or personal == 0
    assert label in {"弱", "较弱"}


def test_password_strength_of_nothing_is_weak() -> None:
    assert password_strength("", []) == (0, "弱")
