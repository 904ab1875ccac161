"""Encryption of whole files at rest (uploaded scans, staged registry extracts).

Format of a sealed file, version 1:

    b"JSSIENC" | version byte 0x01 | 12-byte random nonce | AES-256-GCM ciphertext | 16-byte tag

The key is a subkey of JSSI_PII_KEY derived with HKDF (info b"jssi files aes-gcm v1"), separate from the subkey
that encrypts database fields, so the two uses never share a key. The associated data is the 8-byte header
followed by a `context` naming where the file belongs (the storage key of an upload, or the token and file name
of a staged extract): a file copied or renamed to another place, a changed version byte or any flipped bit
fails the tag check instead of decrypting to something else.

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


class FileCipher:
    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(derive_subkey(master_key, _INFO))

    def seal(self, context: str, data: bytes | bytearray | memoryview) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return HEADER + nonce + self._aead.encrypt(nonce, bytes(data), HEADER + context.encode("utf-8"))

    def open(self, context: str, blob: bytes) -> bytes:
        """The plaintext of a sealed file; StoredFileCorrupt for anything that is not what was sealed here."""
        if not is_sealed(blob):
            raise StoredFileCorrupt("stored file has no encryption header")
        if len(blob) < OVERHEAD:
            raise StoredFileCorrupt("stored file is truncated")
        header = blob[: len(HEADER)]
        if header != HEADER:
            raise StoredFileCorrupt(f"stored file has unknown format version {blob[len(MAGIC)]}")
        nonce = blob[len(HEADER): len(HEADER) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[len(HEADER) + NONCE_BYTES:], header + context.encode("utf-8"))
        except InvalidTag:
            raise StoredFileCorrupt(
                "stored file failed its integrity check (changed, truncated, moved from another key, "
                "or sealed with another JSSI_PII_KEY)"
            ) from None


@functools.lru_cache(maxsize=4)
def _cipher_for(key: bytes) -> FileCipher:
    return FileCipher(key)


def file_cipher(master_key: bytes | None = None) -> FileCipher:
    """The cipher for `master_key`, by default JSSI_PII_KEY of the running configuration."""
    if master_key is None:
        from jssi_app.config import settings

        master_key = settings().pii_key
    return _cipher_for(master_key)
