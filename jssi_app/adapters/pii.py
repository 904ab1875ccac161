"""Encryption at rest for personal data (ID numbers, phones, emails, addresses).

AES-256-GCM with a random 96-bit nonce per value; the field name is bound as associated data so a
ciphertext copied into another column does not decrypt. Lookups and uniqueness go through a keyed
HMAC-SHA256 fingerprint of the normalised value, so equal values can be found without decrypting.
Both keys are derived from JSSI_PII_KEY with HKDF, so one secret is rotated as a unit.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from jssi_app.config import settings

_VERSION = "v1"


def derive_subkey(master: bytes, info: bytes) -> bytes:
    """A 32-byte key for one purpose (`info`) from the master key; other modules derive theirs here too."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


class PiiCipher:
    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(derive_subkey(master_key, b"jssi pii aes-gcm v1"))
        self._mac_key = derive_subkey(master_key, b"jssi pii hmac v1")

    def encrypt(self, field: str, value: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), field.encode())
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, field: str, token: str) -> str:
        version, _, body = token.partition(":")
        if version != _VERSION:
            raise ValueError("unknown ciphertext version")
        raw = base64.urlsafe_b64decode(body)
        return self._aead.decrypt(raw[:12], raw[12:], field.encode()).decode("utf-8")

    def fingerprint(self, kind: str, value: str) -> str:
        """Deterministic lookup key; `kind` separates e.g. ID numbers from phones."""
        msg = kind.encode() + b"\x00" + value.encode("utf-8")
        return hmac.new(self._mac_key, msg, hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)
def _cipher_for(key: bytes) -> PiiCipher:
    return PiiCipher(key)


def cipher() -> PiiCipher:
    return _cipher_for(settings().pii_key)
