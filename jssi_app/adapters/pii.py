"""Encryption at rest for personal data (ID numbers, phones, emails, addresses).

AES-256-GCM with a random 96-bit nonce per value; the field name is bound as associated data so a
ciphertext copied into another column does not decrypt. Lookups and uniqueness go through a keyed
HMAC-SHA256 fingerprint of the normalised value, so equal values can be found without decrypting.
Both keys are derived from JSSI_PII_KEY with HKDF, so one secret is rotated as a unit.

Key versions (rotation, `python -m jssi_app rotate-keys`): every master key has a numeric id (JSSI_PII_KEY_ID,
"1" for an installation that never rotated). A ciphertext names the key that sealed it: "v2:<id>:<base64>";
the original format "v1:<base64>" is key 1 and is still what key 1 writes, so data and code from before
rotation existed read each other unchanged. The cipher holds a keyring: the current key (encrypts, makes
fingerprints) and the previous keys (JSSI_PII_PREVIOUS_KEYS; decrypt only). A fingerprint stays 64 hex
characters without an id (it is a unique, indexed column); a lookup tries `fingerprints()`, the value's
fingerprint under every key of the ring, so rows not yet re-keyed are still found during a rotation.
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


_VERSION_KEYED = "v2"
LEGACY_KEY_ID = "1"  # the key of "v1:" tokens


class _Key:
    def __init__(self, master_key: bytes) -> None:
        self.aead = AESGCM(derive_subkey(master_key, b"jssi pii aes-gcm v1"))
        self.mac_key = derive_subkey(master_key, b"jssi pii hmac v1")
        # The audit chain's key rotates with the personal-data key it is derived from (jssi_app/domain/audit_chain.py).
        self.chain_key = derive_subkey(master_key, b"jssi audit chain v1")

    def fingerprint(self, kind: str, value: str) -> str:
        msg = kind.encode() + b"\x00" + value.encode("utf-8")
        return hmac.new(self.mac_key, msg, hashlib.sha256).hexdigest()


def key_id_of(token: str) -> str:
    """The id of the key that sealed `token` (without decrypting it)."""
    version, _, rest = token.partition(":")
    if version == _VERSION:
        return LEGACY_KEY_ID
    if version == _VERSION_KEYED:
        return rest.partition(":")[0]
    raise ValueError("unknown ciphertext version")


class PiiCipher:
    def __init__(self, master_key: bytes, key_id: str = LEGACY_KEY_ID,
                 previous: tuple[tuple[str, bytes], ...] = ()) -> None:
        self.key_id = key_id
        self._current = _Key(master_key)
        self._keys = {kid: _Key(key) for kid, key in previous if kid != key_id}
        self._keys[key_id] = self._current

    @property
    def previous_key_ids(self) -> tuple[str, ...]:
        return tuple(kid for kid in self._keys if kid != self.key_id)

    def encrypt(self, field: str, value: str) -> str:
        nonce = os.urandom(12)
        sealed = self._current.aead.encrypt(nonce, value.encode("utf-8"), field.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        if self.key_id == LEGACY_KEY_ID:
            return f"{_VERSION}:{body}"  # byte-for-byte what versions before key rotation wrote
        return f"{_VERSION_KEYED}:{self.key_id}:{body}"

    def decrypt(self, field: str, token: str) -> str:
        version, _, body = token.partition(":")
        if version == _VERSION_KEYED:
            kid, _, body = body.partition(":")
        elif version == _VERSION:
            kid = LEGACY_KEY_ID
        else:
            raise ValueError("unknown ciphertext version")
        key = self._keys.get(kid)
        if key is None:
            raise ValueError(f"ciphertext sealed with key {kid}, which is not in the keyring")
        raw = base64.urlsafe_b64decode(body)
        return key.aead.decrypt(raw[:12], raw[12:], field.encode()).decode("utf-8")

    def is_current(self, token: str) -> bool:
        return key_id_of(token) == self.key_id

    def chain_key(self) -> bytes:
        """The key new audit rows are sealed with (under `key_id`)."""
        return self._current.chain_key

    def chain_keys(self) -> dict[str, bytes]:
        """Every audit chain key of the ring, by key id: what verification can check."""
        return {kid: key.chain_key for kid, key in self._keys.items()}

    def fingerprint(self, kind: str, value: str) -> str:
        """Deterministic lookup key under the current key; `kind` separates e.g. ID numbers from phones.
        Store this one; look rows up with `fingerprints()`."""
        return self._current.fingerprint(kind, value)

    def fingerprints(self, kind: str, value: str) -> list[str]:
        """The value's fingerprint under every key of the ring, current first: what a lookup must match while
        a rotation is moving rows from a previous key to the current one."""
        return [key.fingerprint(kind, value) for key in (self._current, *(
            self._keys[kid] for kid in self.previous_key_ids))]


@functools.lru_cache(maxsize=4)
def _cipher_for(key: bytes, key_id: str = LEGACY_KEY_ID, previous: tuple[tuple[str, bytes], ...] = ()) -> PiiCipher:
    return PiiCipher(key, key_id, previous)


def cipher() -> PiiCipher:
    s = settings()
    return _cipher_for(s.pii_key, s.pii_key_id, s.pii_previous_keys)
