"""Uploaded files at rest: random names, outside anything the web server serves.

A stored file is named by the server (`secrets.token_hex(16)` + ".bin"), never by the uploader, and lives
under DATA_DIR/uploads (not assets/, not .web/, not Reflex's upload folder), so no URL reaches it: it is
served only through a handler that first checks who asks. The key is all a caller keeps (in the
`material` row); it is checked against a strict pattern before it becomes a path, so a key read back from
a database or a request can never point outside the store (`../`, absolute paths, separators).

Writes are atomic (temporary file in the same folder, fsync, os.replace), so a reader never sees half a
file and a crash leaves at most a stray `.tmp-*` file, never a truncated upload. Files are 0o600 and
folders 0o700: only the service's own user reads them. Two levels of fan-out (ab/cd/abcd….bin) keep any
one folder small.

Contents are encrypted (jssi_app/adapters/file_crypto.py: AES-256-GCM under a subkey of JSSI_PII_KEY, a random
nonce per file, the storage key as associated data), so the scans of ID cards and business licences and their
previews are not readable from the disk, a backup or a copied folder without the key, and a file changed on disk
or moved to another key is refused (StoredFileCorrupt) rather than served. Files stored in plaintext by earlier
versions are still read as they are, unless `read_legacy_plaintext` is off: a file without the header that starts
like what those versions stored (a PNG, JPEG or PDF scan or preview), so a sealed file whose header was damaged is
refused too rather than served as noise. `seal_legacy()` (CLI `encrypt-stored-files`) encrypts them in place.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jssi_app import config
from jssi_app.adapters.file_crypto import FileCipher, StoredFileCorrupt, file_cipher, is_sealed, sealed_key_id

__all__ = ["FileStore", "StoredEntry", "StoredFileCorrupt", "default_store"]

SUFFIX = ".bin"
_KEY = re.compile(r"[0-9a-f]{32}")
_FILE_MODE = 0o600
_DIR_MODE = 0o700
# What earlier, unencrypted versions stored: scans re-encoded as JPEG, PNG or PDF, previews and thumbnails as PNG.
_LEGACY_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"%PDF-")


def _is_legacy_plaintext(head: bytes) -> bool:
    return not is_sealed(head) and head.startswith(_LEGACY_SIGNATURES)


@dataclass(frozen=True)
class StoredEntry:
    """One file found under the store's root: a stored file (`key` set) or a temporary one left by a crash."""

    path: Path
    key: str | None  # None for a `.tmp-*` file
    mtime: float  # seconds since the epoch


class FileStore:
    def __init__(self, root: Path, *, master_key: bytes | None = None, read_legacy_plaintext: bool = True) -> None:
        self.root = Path(root)
        self._master_key = master_key  # None: JSSI_PII_KEY, looked up on first use
        self.read_legacy_plaintext = read_legacy_plaintext

    @property
    def _cipher(self) -> FileCipher:
        return file_cipher(self._master_key)

    # --- keys and paths ------------------------------------------------------------------------------

    @staticmethod
    def _check_key(key: object) -> str:
        if not isinstance(key, str) or _KEY.fullmatch(key) is None:
            raise ValueError("invalid storage key")
        return key

    def path_for(self, key: str) -> Path:
        """Where a key's file lives; ValueError unless the key is one this store could have made."""
        key = self._check_key(key)
        return self.root / key[:2] / key[2:4] / (key + SUFFIX)

    # --- operations ----------------------------------------------------------------------------------

    def put(self, data: bytes) -> str:
        """Store `data` (encrypted) under a new random name and return its key (32 lowercase hex characters)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("data must be bytes")
        while True:
            key = secrets.token_hex(16)
            path = self.path_for(key)
            if not path.exists():  # 128 random bits: a clash is theoretical, but never overwrite
                break
        self._make_dirs(path.parent)
        self._write_atomic(path, self._cipher.seal(key, data))
        return key

    def get(self, key: str) -> bytes:
        """The stored bytes, decrypted; FileNotFoundError if the key is well-formed but absent, StoredFileCorrupt
        if the file was changed on disk or belongs to another key."""
        blob = self.path_for(key).read_bytes()
        if self.read_legacy_plaintext and _is_legacy_plaintext(blob):
            return blob  # stored before encryption at rest (see seal_legacy)
        return self._cipher.open(key, blob)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> None:
        """Remove a stored file; deleting an absent key is not an error."""
        self.path_for(key).unlink(missing_ok=True)

    def entries(self) -> Iterator[StoredEntry]:
        """Every stored file and every temporary file a crashed write left behind (for the orphan sweep)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_symlink() or not path.is_file():
                continue
            name = path.name
            if name.startswith(".tmp-"):
                key = None
            elif name.endswith(SUFFIX) and _KEY.fullmatch(name[: -len(SUFFIX)]) and path == self.path_for(name[: -len(SUFFIX)]):
                key = name[: -len(SUFFIX)]
            else:
                continue  # not something this store writes: never touched
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:
                continue
            yield StoredEntry(path=path, key=key, mtime=mtime)

    def remove_entry(self, entry: StoredEntry) -> None:
        """Remove a file found by `entries` (stored or temporary); already gone is not an error."""
        if entry.key is not None:
            self.delete(entry.key)
        elif entry.path.parent.parent.parent == self.root and entry.path.name.startswith(".tmp-"):
            entry.path.unlink(missing_ok=True)

    def seal_legacy(self) -> int:
        """Encrypt in place every file stored in plaintext by an earlier version; the number encrypted."""
        sealed = 0
        if not self.root.is_dir():
            return 0
        for path in sorted(self.root.glob("??/??/*" + SUFFIX)):
            key = path.name[: -len(SUFFIX)]
            if _KEY.fullmatch(key) is None or path != self.path_for(key) or path.is_symlink():
                continue
            with open(path, "rb") as fh:
                if not _is_legacy_plaintext(fh.read(16)):
                    continue  # already sealed, or damaged: encrypting it would make noise look valid
            self._write_atomic(path, self._cipher.seal(key, path.read_bytes()))
            sealed += 1
        return sealed

    def keys(self) -> list[str]:
        """Every stored key (files named as this store names them; temporary files and strays left out)."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.glob("??/??/*" + SUFFIX)):
            key = path.name[: -len(SUFFIX)]
            if _KEY.fullmatch(key) is not None and path == self.path_for(key) and not path.is_symlink():
                found.append(key)
        return found

    def key_id(self, key: str) -> str | None:
        """The id of the master key a stored file is sealed with; None for a legacy plaintext file."""
        with open(self.path_for(key), "rb") as fh:
            head = fh.read(16)
        if _is_legacy_plaintext(head):
            return None
        return sealed_key_id(head + b"\0" * 32)  # only the header matters here

    def rekey(self, key: str) -> bool:
        """Re-seal one file under the current key (key rotation); False if it already is. The old file is
        replaced atomically, so a reader gets either version, and both decrypt while the old key is in the ring."""
        cipher = self._cipher
        if self.key_id(key) == cipher.key_id:
            return False
        data = self.get(key)
        self._write_atomic(self.path_for(key), cipher.seal(key, data))
        return True

    # --- helpers -------------------------------------------------------------------------------------

    def _write_atomic(self, path: Path, blob: bytes) -> None:
        tmp = path.parent / f".tmp-{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), _FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, _FILE_MODE)  # the umask may have narrowed it further; never wider
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self._fsync_dir(path.parent)

    def _make_dirs(self, folder: Path) -> None:
        # Created one level at a time so every level (root included) gets 0o700 regardless of the umask.
        for level in (self.root, folder.parent, folder):
            if not level.is_dir():
                level.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
                os.chmod(level, _DIR_MODE)

    @staticmethod
    def _fsync_dir(folder: Path) -> None:
        """Make the rename durable; not every platform can open a folder, which is harmless there."""
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def default_store() -> FileStore:
    """The store under DATA_DIR/uploads (JSSI_DATA_DIR), which no web route serves."""
    return FileStore(config.DATA_DIR / "uploads")
