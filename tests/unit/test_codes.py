from __future__ import annotations

import datetime as dt
import re

import pytest

from jssi_app.domain import codes
from jssi_app.domain.codes import (
    code_matches,
    hash_code,
    hash_token,
    new_code,
    new_token,
    normalize_code,
    validate_code_format,
)
from jssi_app.domain.errors import InvalidValue

KEY = b"k" * 32


def test_constants() -> None:
    assert codes.CODE_LENGTH == 6
    assert codes.CODE_TTL == dt.timedelta(minutes=5)
    assert codes.RESEND_AFTER == dt.timedelta(seconds=60)
    assert codes.MAX_WRONG_ENTRIES == 5


def test_new_code_is_six_ascii_digits_and_varies() -> None:
    generated = {new_code() for _ in range(200)}
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in generated)
    assert len(generated) > 150


def test_new_code_keeps_leading_zeros(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: 42)
    assert new_code() == "000042"


@pytest.mark.parametrize(("raw", "code"), [("123456", "123456"), (" 123 456 ", "123456"), ("１２３４５６", "123456")])
def test_normalize_code(raw: str, code: str) -> None:
    assert normalize_code(raw) == code


@pytest.mark.parametrize(("raw", "code"), [("012345", "012345"), ("０１２ ３４５", "012345")])
def test_validate_code_format_accepts(raw: str, code: str) -> None:
    assert validate_code_format(raw) == code


@pytest.mark.parametrize("raw", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"])
def test_validate_code_format_refuses(raw: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        validate_code_format(raw)
    assert refusal.value.message == "请输入6位数字验证码"


def test_hash_code_is_keyed_hmac_hex() -> None:
    digest = hash_code("123456", KEY, context="register:13812341234")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == hash_code("123456", KEY, context="register:13812341234")
    assert digest != hash_code("123456", b"other-key", context="register:13812341234")
    assert digest != hash_code("123456", KEY, context="reset:13812341234")
    assert digest != hash_code("123457", KEY, context="register:13812341234")


def test_hash_code_is_not_a_plain_hash() -> None:
    import hashlib

    assert hash_code("123456", KEY, context="") != hashlib.sha256(b"123456").hexdigest()


def test_hash_code_needs_a_key() -> None:
    with pytest.raises(ValueError):
        hash_code("123456", b"", context="x")


def test_code_matches_accepts_the_right_code_as_typed() -> None:
    stored = hash_code("012345", KEY, context="reset")
    assert code_matches("012345", stored, KEY, context="reset")
    assert code_matches("０１２ ３４５", stored, KEY, context="reset")


def test_code_matches_refuses_wrong_code_context_or_key() -> None:
    stored = hash_code("012345", KEY, context="reset")
    assert not code_matches("012346", stored, KEY, context="reset")
    assert not code_matches("012345", stored, KEY, context="register")
    assert not code_matches("012345", stored, b"x" * 32, context="reset")


def test_new_token_is_long_urlsafe_and_unique() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)


def test_hash_token_is_sha256_hex() -> None:
    import hashlib

    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_token("abc") != hash_token("abd")
