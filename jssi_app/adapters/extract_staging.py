"""Uploaded registry extracts between 试导入 and 正式导入: one private folder per upload, kept only as long as needed.

A staged extract lives in DATA_DIR/counter-imports/<token>/ (outside anything the web server serves) as
persons.csv, units.csv and contributions.csv — names the server writes, never a name the uploader chose, so a
zip entry like `../../x` cannot place a file anywhere else. `meta.json` records who uploaded it, when, and
whether its dry run passed. The folder is removed after 正式导入, when the clerk discards it, and by a sweep of
folders older than MAX_AGE on every new upload (a clerk who walked away).

The CSVs hold ID numbers, names, phones and addresses, so they are kept encrypted like every other piece of
personal data at rest (jssi_app/adapters/file_crypto.py; the associated data is the token and the file name, so a
file moved to another upload or renamed does not decrypt). 试导入 and 正式导入 get the decrypted contents in
memory (`contents`), never as a plaintext file. meta.json holds no personal data and stays readable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import secrets
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jssi_app import config
from jssi_app.adapters.file_crypto import OVERHEAD, FileCipher, StoredFileCorrupt, file_cipher, sealed_key_id
from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.registry_extract import (
    MAX_UNPACKED_BYTES,
    UNPACKED_TOO_LARGE,
    EXTRACT_FILES,
    base_name,
    check_members,
)

MAX_AGE = dt.timedelta(hours=2)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
_META = "meta.json"
_CHUNK = 1024 * 1024
GONE = "上传的文件已失效，请重新上传"
DAMAGED = "暂存的文件已损坏或被改动，无法读取，请重新上传"


@dataclass(frozen=True)
class Meta:
    staff_id: int
    created: dt.datetime
    checked: bool  # the dry run passed on these files


def default_root() -> Path:
    return config.DATA_DIR / "counter-imports"


def _unzip(content: bytes) -> dict[str, bytes]:
    """The extract's files from a zip, by base name; InvalidValue for a broken, foreign or oversized archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = [
            i for i in archive.infolist()
            if not i.is_dir() and not i.filename.startswith("__MACOSX/") and not base_name(i.filename).startswith("._")
        ]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidValue("无法读取该 zip 压缩包，请重新压缩后上传") from None
    check_members([base_name(i.filename) for i in infos])
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise InvalidValue(UNPACKED_TOO_LARGE)
    files: dict[str, bytes] = {}
    total = 0
    try:
        for info in infos:
            if info.flag_bits & 0x1:
                raise InvalidValue("压缩包已加密，请上传未加密的 zip 压缩包")
            parts = []
            with archive.open(info) as member:
                # The declared sizes can lie: count what actually comes out.
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise InvalidValue(UNPACKED_TOO_LARGE)
                    parts.append(chunk)
            files[base_name(info.filename)] = b"".join(parts)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise InvalidValue("无法解压该 zip 压缩包（文件损坏或使用了不支持的压缩方式），请重新压缩后上传") from None
    return files


def extract_files(kind: str, uploads: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The extract's CSV files (name → bytes) from what was uploaded: one zip, or the CSVs themselves."""
    if kind == "zip":
        return _unzip(uploads[0][1])
    return {base_name(name): content for name, content in uploads}


def _context(token: str, name: str) -> str:
    return f"counter-import/{token}/{name}"


class ExtractStaging:
    def __init__(self, root: Path | None = None, *, master_key: bytes | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self._master_key = master_key  # None: JSSI_PII_KEY, looked up on first use

    @property
    def _cipher(self) -> FileCipher:
        return file_cipher(self._master_key)

    def path(self, token: str) -> Path:
        """The staged folder of `token`; InvalidValue for a token this store could not have made."""
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise InvalidValue(GONE)
        return self.root / token

    def create(self, files: dict[str, bytes], *, staff_id: int, now: dt.datetime) -> str:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        while True:
            token = secrets.token_urlsafe(16)
            folder = self.root / token
            try:
                folder.mkdir(mode=0o700)
                break
            except FileExistsError:  # 128 random bits: theoretical, but never share a folder
                continue
        for name, content in files.items():
            name = base_name(name)
            with open(folder / name, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
                fh.write(self._cipher.seal(_context(token, name), content))
        self.write_meta(token, Meta(staff_id=staff_id, created=now, checked=False))
        return token

    def read_meta(self, token: str) -> Meta:
        try:
            raw = json.loads((self.path(token) / _META).read_text(encoding="utf-8"))
            return Meta(staff_id=int(raw["staff_id"]), created=dt.datetime.fromisoformat(raw["created"]),
                        checked=bool(raw["checked"]))
        except (OSError, ValueError, KeyError, TypeError):
            raise InvalidValue(GONE) from None

    def write_meta(self, token: str, meta: Meta) -> None:
        folder = self.path(token)
        tmp = folder / f".{_META}.tmp"
        tmp.write_text(json.dumps({"staff_id": meta.staff_id, "created": meta.created.isoformat(),
                                   "checked": meta.checked}), encoding="utf-8")
        tmp.replace(folder / _META)

    def files(self, token: str) -> list[tuple[str, int]]:
        """(name, size of the CSV as uploaded) of the staged files."""
        folder = self.path(token)
        return sorted((p.name, max(p.stat().st_size - OVERHEAD, 0)) for p in folder.iterdir() if p.suffix == ".csv")

    def contents(self, token: str) -> dict[str, bytes]:
        """The staged CSVs, decrypted into memory (name → bytes); InvalidValue if gone or changed on disk."""
        folder = self.path(token)
        out: dict[str, bytes] = {}
        try:
            for name in EXTRACT_FILES:
                path = folder / name
                if path.is_file():
                    out[name] = self._cipher.open(_context(token, name), path.read_bytes())
        except FileNotFoundError:
            raise InvalidValue(GONE) from None
        except StoredFileCorrupt:
            raise InvalidValue(DAMAGED) from None
        if not folder.is_dir():
            raise InvalidValue(GONE)
        return out

    def rekey(self) -> int:
        """Re-seal every staged CSV under the current key (key rotation); the number re-sealed. A file that does
        not open is left for the import to refuse as damaged."""
        cipher = self._cipher
        count = 0
        if not self.root.is_dir():
            return 0
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and _TOKEN.fullmatch(p.name)):
            for path in sorted(folder.glob("*.csv")):
                blob = path.read_bytes()
                try:
                    if sealed_key_id(blob) == cipher.key_id:
                        continue
                    plain = cipher.open(_context(folder.name, path.name), blob)
                except StoredFileCorrupt:
                    continue
                tmp = folder / f".{path.name}.tmp"
                with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
                    fh.write(cipher.seal(_context(folder.name, path.name), plain))
                tmp.replace(path)
                count += 1
        return count

    def discard(self, token: str) -> None:
        with contextlib.suppress(InvalidValue):
            shutil.rmtree(self.path(token), ignore_errors=True)

    def sweep(self, now: dt.datetime) -> int:
        """Remove folders older than MAX_AGE; the number removed."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for folder in self.root.iterdir():
            if not folder.is_dir() or not _TOKEN.fullmatch(folder.name):
                continue
            try:
                created = self.read_meta(folder.name).created
            except InvalidValue:
                # No readable meta: judge by the folder's own time (a crash between mkdir and meta).
                created = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC)
            if now - created > MAX_AGE:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
