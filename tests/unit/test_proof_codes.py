"""Verification codes of 参保缴费证明: format, reading as typed, and tamper detection before lookup."""

from __future__ import annotations

import re
import secrets

import pytest

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.proof_codes import ALPHABET, RANDOM_BYTES, is_well_formed, make_code, normalize

FORMAT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")


def test_codes_are_four_groups_of_five_crockford_characters():
    for _ in range(200):
        code = make_code(secrets.token_bytes(RANDOM_BYTES))
        assert FORMAT.match(code), code
        assert normalize(code) == code


def test_codes_carry_at_least_80_random_bits():
    # 18 data characters × 5 bits; every bit of the data reaches the code.
    zero = make_code(bytes(RANDOM_BYTES))
    seen = {make_code((1 << (95 - bit)).to_bytes(RANDOM_BYTES, "big")) for bit in range(90)}
    assert zero not in seen and len(seen) == 90
    assert len({make_code(secrets.token_bytes(RANDOM_BYTES)) for _ in range(1000)}) == 1000


def test_too_few_random_bytes_are_refused():
    with pytest.raises(ValueError):
        make_code(b"short")


def test_a_code_typed_loosely_still_reads():
    code = make_code(secrets.token_bytes(RANDOM_BYTES))
    compact = code.replace("-", "")
    assert normalize(compact.lower()) == code
    assert normalize(" " + code.replace("-", " ") + " ") == code
    # Crockford look-alikes: O for 0, I and L for 1.
    typed = compact.replace("0", "O").replace("1", "I")
    assert normalize(typed) == code


def test_every_single_changed_character_is_detected():
    code = make_code(secrets.token_bytes(RANDOM_BYTES)).replace("-", "")
    for i, original in enumerate(code):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            altered = code[:i] + replacement + code[i + 1 :]
            assert not is_well_formed(altered), (i, replacement)


def test_every_swap_of_neighbours_is_detected():
    for _ in range(50):
        code = make_code(secrets.token_bytes(RANDOM_BYTES)).replace("-", "")
        for i in range(len(code) - 1):
            if code[i] == code[i + 1]:
                continue
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not is_well_formed(swapped), i


@pytest.mark.parametrize("raw", ["", "ABC", "7K3QD-X9MFA-2RB0T-HV4E", "7K3QD-X9MFA-2RB0T-HV4ECX", "UUUUU-UUUUU-UUUUU-UUUUU",
                                 "<script>", "7K3QD-X9MFA-2RB0T-HV4E!"])
def test_malformed_input_says_so(raw):
    with pytest.raises(InvalidValue) as exc:
        normalize(raw)
    assert exc.value.message == "验证码格式不正确"
