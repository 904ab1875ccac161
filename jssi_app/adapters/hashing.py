"""Password hashing with bcrypt at cost 12. Call from a worker thread: a hash takes ~0.3 s of CPU
(bcrypt releases the GIL, so other sessions keep being served)."""

from __future__ import annotations

import functools

import bcrypt

BCRYPT_COST = 12
# Compared against when the account does not exist, so a wrong ID costs the same time as a wrong password.
@functools.cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(b"jssi-timing-equaliser", bcrypt.gensalt(BCRYPT_COST))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_COST)).decode("ascii")


def _bcrypt_input(password: str) -> bytes | None:
    """The bytes bcrypt compares, or None for what no stored password can be: bcrypt 5 raises on more than
    72 bytes, and a lone surrogate (possible in an event's JSON) does not encode."""
    try:
        data = password.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return data if len(data) <= 72 else None


def verify_password(password: str, password_hash: str | None) -> bool:
    target = password_hash.encode("ascii") if password_hash else _dummy_hash()
    data = _bcrypt_input(password)
    # An impossible password still costs one bcrypt, so the answer's timing tells nothing either.
    ok = bcrypt.checkpw(data if data is not None else b"", target)
    return ok and data is not None and password_hash is not None
