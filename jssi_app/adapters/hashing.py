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


def verify_password(password: str, password_hash: str | None) -> bool:
    target = password_hash.encode("ascii") if password_hash else _dummy_hash()
    ok = bcrypt.checkpw(password.encode("utf-8"), target)
    return ok and password_hash is not None
