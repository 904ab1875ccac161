"""One-time SMS/e-mail codes and opaque tokens: generation, normalisation, storage hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from jssi_app.domain.errors import InvalidValue

CODE_LENGTH = 6
CODE_TTL = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_WRONG_ENTRIES = 5

_FULLWIDTH_DIGITS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)})
_SPACES = re.compile(r"\s+")
_CODE = re.compile(f"[0-9]{{{CODE_LENGTH}}}")


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def normalize_code(raw: str) -> str:
    """Full-width digits from a Chinese IME to ASCII; spaces (also "123 456" as some SMS show it) removed."""
    return _SPACES.sub("", (raw or "").translate(_FULLWIDTH_DIGITS))


def validate_code_format(raw: str) -> str:
    code = normalize_code(raw)
    if not _CODE.fullmatch(code):
        raise InvalidValue(f"请输入{CODE_LENGTH}位数字验证码")
    return code


def hash_code(code: str, key: bytes, *, context: str) -> str:
    """HMAC-SHA256 of the code bound to its context (purpose, phone, challenge id).

    A plain hash of a 6-digit code is reversed by trying all million codes, so a server-side key is
    what keeps a leaked table useless; the context stops a code for one purpose passing for another.
    """
    if not key:
        raise ValueError("hash_code needs a non-empty server key")
    # The separator keeps ("ab", "1…") and ("a", "b1…") apart.
    # surrogatepass: a lone surrogate (possible in an event's JSON) hashes to a non-matching value, not a crash.
    message = context.encode("utf-8") + b"\x00" + normalize_code(code).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(code: str, stored_hash: str, key: bytes, *, context: str) -> bool:
    # compare_digest: the time taken must not reveal how much of the hash matched.
    return hmac.compare_digest(hash_code(code, key, context=context), stored_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 is enough here: a 256-bit random token cannot be guessed from its hash, unlike a code."""
    # surrogatepass: a pasted link with a lone surrogate is simply an unknown token, not a crash.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
