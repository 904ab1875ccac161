"""Verification codes printed on a 参保缴费证明, e.g. `7K3QD-X9MFA-2RB0T-HV4EC`.

20 characters of Crockford base32 in four groups of five: 18 random characters (90 bits, drawn by the
caller from `secrets`) and 2 check characters. Crockford's alphabet has no I, L, O or U, and reading
accepts the usual confusions (O→0, I/L→1), lower case, spaces and missing hyphens, so a code read
off paper and typed by hand still works.

The check is a weighted sum modulo the prime 1021 (as in ISO 7064): any single changed character and
any swap of two neighbours changes the sum, so such a code is refused before any database lookup, and
a random alteration passes the check only once in ~1000 tries — and then still has to match one of
2^90 issued codes. Pure: no randomness here, the caller passes the random bytes.
"""

from __future__ import annotations

from jssi_app.domain.errors import InvalidValue

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_CHARS = 18
CHECK_CHARS = 2
GROUP = 5
RANDOM_BYTES = 12  # 96 bits drawn; the first 90 are used
_MODULUS = 1021
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's decoding of look-alikes.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -\t\u3000—_")

MALFORMED = "验证码格式不正确"


def _check(data: str) -> str:
    total = 0
    for ch in data:
        total = (total * 32 + _VALUE[ch]) % _MODULUS
    # Append two zero "digits" first so the check characters themselves take part like ISO 7064's.
    total = (total * 32 * 32) % _MODULUS
    value = (_MODULUS - total) % _MODULUS
    return ALPHABET[value // 32] + ALPHABET[value % 32]


def _group(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def make_code(random_bytes: bytes) -> str:
    """A new grouped code from at least 12 random bytes (pass `secrets.token_bytes(RANDOM_BYTES)`)."""
    if len(random_bytes) < RANDOM_BYTES:
        raise ValueError("need at least 12 random bytes")
    number = int.from_bytes(random_bytes[:RANDOM_BYTES], "big") >> (RANDOM_BYTES * 8 - DATA_CHARS * 5)
    data = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(DATA_CHARS)))
    return _group(data + _check(data))


def normalize(raw: str) -> str:
    """The canonical grouped form of a typed code; InvalidValue if it is malformed or fails its check."""
    compact = (raw or "").upper().translate(_IGNORED).translate(_ALIASES)
    if len(compact) != DATA_CHARS + CHECK_CHARS or any(ch not in _VALUE for ch in compact):
        raise InvalidValue(MALFORMED)
    data, check = compact[:DATA_CHARS], compact[DATA_CHARS:]
    if _check(data) != check:
        raise InvalidValue(MALFORMED)
    return _group(compact)


def is_well_formed(raw: str) -> bool:
    try:
        normalize(raw)
    except InvalidValue:
        return False
    return True
