"""Encryption of whole files at rest (uploaded scans, staged registry extracts).

Format of a sealed file, version 1:

    b"JSSIENC" | version byte 0x01 | 12-byte random nonce | AES-256-GCM ciphertext | 16-byte tag

The key is a subkey of JSSI_PII_KEY derived with HKDF (info b"jssi files aes-gcm v1"), separate from the subkey
that encrypts database fields, so the two uses never share a key. The associated data is the 8-byte header
followed by a `context` naming where the file belongs (the storage key of an upload, or the token and file name
of a staged extract): a file copied or renamed to another place, a changed version byte or any flipped bit
fails the tag check instead of decrypting to something else.

Version 2 (after a key rotation, jssi_app/adapters/pii.py "Key versions") names the master key that sealed it:

    b"JSSIENC" | 0x02 | 2-byte big-endian key id | nonce | ciphertext | tag

with the whole 10-byte header bound as associated data. Key 1 still writes version 1, so files written before
rotation existed and files written by key 1 look the same; version 1 is read as key 1.

A file is encrypted in one piece (AESGCM is one-shot): these files are at most tens of megabytes and are read
whole by their callers anyway.
"""

from __future__ import annotations

import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jssi_app.adapters.pii import derive_subkey

MAGIC = b"JSSIENC"
VERSION = 1
HEADER = MAGIC + bytes([VERSION])
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = len(HEADER) + NONCE_BYTES + TAG_BYTES  # sealed size minus plaintext size
_INFO = b"jssi files aes-gcm v1"


class StoredFileCorrupt(Exception):
    """A sealed file failed its check: changed on disk, truncated, moved to another place, or another key."""


def is_sealed(blob: bytes | bytearray | memoryview) -> bool:
    """Whether `blob` carries this module's header (any version); files written before encryption do not."""
    return bytes(blob[: len(MAGIC)]) == MAGIC


VERSION_KEYED = 2
_LEGACY_KEY_ID = "1"


def _header_of(blob: bytes) -> tuple[bytes, str]:
    """(header, key id) of a sealed blob; StoredFileCorrupt if it is not one."""
    if not is_sealed(blob):
        raise StoredFileCorrupt("stored file has no encryption header")
    version = blob[len(MAGIC)] if len(blob) > len(MAGIC) else None
    if version == VERSION:
        size, kid = len(HEADER), _LEGACY_KEY_ID
    elif version == VERSION_KEYED:
        size = len(MAGIC) + 3
        if len(blob) < size:
            raise StoredFileCorrupt("stored file is truncated")
        kid = str(int.from_bytes(blob[len(MAGIC) + 1: size], "big"))
    else:
        raise StoredFileCorrupt(f"stored file has unknown format version {version}")
    if len(blob) < size + NONCE_BYTES + TAG_BYTES:
        raise StoredFileCorrupt("stored file is truncated")
    return bytes(blob[:size]), kid


def sealed_key_id(blob: bytes) -> str:
    """The id of the master key a sealed file was written with; StoredFileCorrupt for anything else."""
    return _header_of(blob)[1]


class FileCipher:
    def __init__(self, master_key: bytes, key_id: str = _LEGACY_KEY_ID,
                 previous: tuple[tuple[str, bytes], ...] = ()) -> None:
        self.key_id = key_id
        self._aead = AESGCM(derive_subkey(master_key, _INFO))
        self._keys = {kid: AESGCM(derive_subkey(key, _INFO)) for kid, key in previous if kid != key_id}
        self._keys[key_id] = self._aead
        self._header = HEADER if key_id == _LEGACY_KEY_ID else (
            MAGIC + bytes([VERSION_KEYED]) + int(key_id).to_bytes(2, "big"))

    def seal(self, context: str, data: bytes | bytearray | memoryview) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self._header + nonce + self._aead.encrypt(nonce, bytes(data), self._header + context.encode("utf-8"))

    def open(self, context: str, blob: bytes) -> bytes:
        """The plaintext of a sealed file; StoredFileCorrupt for anything that is not what was sealed here."""
        header, kid = _header_of(blob)
        aead = self._keys.get(kid)
        if aead is None:
            raise StoredFileCorrupt(f"stored file was sealed with key {kid}, which is not in the keyring")
        nonce = blob[len(header): len(header) + NONCE_BYTES]
        try:
            return aead.decrypt(nonce, blob[len(header) + NONCE_BYTES:], header + context.encode("utf-8"))
        except InvalidTag:
            raise StoredFileCorrupt(
                "stored file failed its integrity check (changed, truncated, moved from another key, "
                "or sealed with another JSSI_PII_KEY)"
            ) from None


@functools.lru_cache(maxsize=4)
def _cipher_for(key: bytes, key_id: str = _LEGACY_KEY_ID, previous: tuple[tuple[str, bytes], ...] = ()) -> FileCipher:
    return FileCipher(key, key_id, previous)


def file_cipher(master_key: bytes | None = None) -> FileCipher:
    """The cipher for `master_key` (as key 1), by default the keyring of the running configuration
    (JSSI_PII_KEY, JSSI_PII_KEY_ID, JSSI_PII_PREVIOUS_KEYS)."""
    if master_key is None:
        from jssi_app.config import settings

        s = settings()
        return _cipher_for(s.pii_key, s.pii_key_id, s.pii_previous_keys)
    return _cipher_for(master_key)
