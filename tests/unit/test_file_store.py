from __future__ import annotations

import base64
import os
import shutil
import stat
from pathlib import Path

import pytest

from jssi_app import config
from jssi_app.adapters.file_crypto import HEADER, OVERHEAD, FileCipher
from jssi_app.adapters.file_store import FileStore, StoredFileCorrupt, default_store
from jssi_app.adapters.pii import PiiCipher, derive_subkey


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "uploads")


def test_put_get_roundtrip(store: FileStore) -> None:
    key = store.put(b"%PDF-1.7 scan")
    assert store.get(key) == b"%PDF-1.7 scan"
    assert store.exists(key)


def test_keys_are_random_hex_and_files_fan_out(store: FileStore) -> None:
    keys = {store.put(b"x") for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) == 32 and all(c in "0123456789abcdef" for c in key)
        path = store.path_for(key)
        assert path == store.root / key[:2] / key[2:4] / f"{key}.bin"
        assert path.is_file()


def test_files_are_private(store: FileStore) -> None:
    old = os.umask(0o022)
    try:
        key = store.put(b"secret")
    finally:
        os.umask(old)
    path = store.path_for(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (store.root, path.parent.parent, path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_no_temporary_files_are_left(store: FileStore) -> None:
    key = store.put(b"a" * 100_000)
    assert [p.name for p in store.path_for(key).parent.iterdir()] == [f"{key}.bin"]


def test_empty_content_is_stored(store: FileStore) -> None:
    key = store.put(b"")
    assert store.get(key) == b""


def test_delete_is_idempotent(store: FileStore) -> None:
    key = store.put(b"gone soon")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.get(key)


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "",
        "0123456789abcdef0123456789abcdef.bin",
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdef\n",
        "01/23456789abcdef0123456789abcdef",
        "0123456789abcdef\x000123456789abcde",
        None,
        123,
    ],
)
def test_malformed_keys_are_refused(store: FileStore, key: object) -> None:
    for op in (store.get, store.exists, store.delete, store.path_for):
        with pytest.raises(ValueError):
            op(key)  # type: ignore[arg-type]


def test_put_refuses_non_bytes(store: FileStore) -> None:
    with pytest.raises(TypeError):
        store.put("text")  # type: ignore[arg-type]


def test_default_store_is_under_data_dir_and_not_web_served() -> None:
    from reflex.environment import environment

    root = default_store().root.resolve()
    assert root == (config.DATA_DIR / "uploads").resolve()
    served = [
        config.PROJECT_ROOT / "assets",
        config.PROJECT_ROOT / ".web",
        Path.cwd() / environment.REFLEX_UPLOADED_FILES_DIR.get(),
        config.PROJECT_ROOT / environment.REFLEX_UPLOADED_FILES_DIR.get(),
    ]
    for folder in served:
        assert not root.is_relative_to(folder.resolve())
    # The built-in default (no JSSI_DATA_DIR) is var/ at the project root, beside assets/ rather than in it.
    assert not (config.PROJECT_ROOT / "var").is_relative_to(config.PROJECT_ROOT / "assets")


# --- encryption at rest ---------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"ID-card scan of 320102197001010011" * 50


def test_bytes_on_disk_hold_no_plaintext(store: FileStore) -> None:
    key = store.put(PNG)
    raw = store.path_for(key).read_bytes()
    assert raw.startswith(HEADER)
    assert b"\x89PNG" not in raw and b"IHDR" not in raw and b"320102197001010011" not in raw
    assert len(raw) == len(PNG) + OVERHEAD
    assert store.get(key) == PNG


def test_the_same_content_twice_gives_different_ciphertexts(store: FileStore) -> None:
    a, b = store.put(PNG), store.put(PNG)
    raw_a, raw_b = store.path_for(a).read_bytes(), store.path_for(b).read_bytes()
    # A fresh nonce per file: equal uploads cannot be recognised on disk.
    assert raw_a[8:20] != raw_b[8:20] and raw_a[20:] != raw_b[20:]


@pytest.mark.parametrize("where", ["magic", "version", "nonce", "body", "tag"])
def test_a_flipped_byte_is_refused(store: FileStore, where: str) -> None:
    key = store.put(PNG)
    path = store.path_for(key)
    raw = bytearray(path.read_bytes())
    offset = {"magic": 0, "version": len(HEADER) - 1, "nonce": len(HEADER) + 3, "body": len(HEADER) + 12 + 100,
              "tag": len(raw) - 1}[where]
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(StoredFileCorrupt):
        store.get(key)


def test_a_truncated_file_is_refused(store: FileStore) -> None:
    key = store.put(PNG)
    path = store.path_for(key)
    for length in (len(HEADER) - 1, len(HEADER) + 5, len(path.read_bytes()) - 1):
        path.write_bytes(path.read_bytes()[:length])
        with pytest.raises(StoredFileCorrupt):
            store.get(key)


def test_a_file_copied_to_another_key_is_refused(store: FileStore) -> None:
    key, other = store.put(PNG), store.put(b"another scan")
    shutil.copyfile(store.path_for(key), store.path_for(other))
    with pytest.raises(StoredFileCorrupt):
        store.get(other)
    assert store.get(key) == PNG


def test_another_master_key_cannot_read_the_files(store: FileStore) -> None:
    key = store.put(PNG)
    with pytest.raises(StoredFileCorrupt):
        FileStore(store.root, master_key=b"k" * 32).get(key)


def test_files_stored_in_plaintext_by_earlier_versions_are_read_as_they_are(store: FileStore) -> None:
    key = "0123456789abcdef0123456789abcdef"
    path = store.path_for(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(PNG)  # what an earlier version left in var/uploads
    assert store.get(key) == PNG
    with pytest.raises(StoredFileCorrupt):
        FileStore(store.root, read_legacy_plaintext=False).get(key)


def test_seal_legacy_encrypts_plaintext_files_in_place_once(store: FileStore) -> None:
    sealed_key = store.put(b"already encrypted")
    legacy = "0123456789abcdef0123456789abcdef"
    path = store.path_for(legacy)
    path.parent.mkdir(parents=True)
    path.write_bytes(PNG)
    before = store.path_for(sealed_key).read_bytes()

    damaged_key = store.put(PNG)  # its header damaged: neither served nor "sealed" again as if it were plaintext
    damaged = bytearray(store.path_for(damaged_key).read_bytes())
    damaged[0] ^= 0x01
    store.path_for(damaged_key).write_bytes(bytes(damaged))

    assert store.seal_legacy() == 1

    raw = path.read_bytes()
    assert raw.startswith(HEADER) and b"\x89PNG" not in raw
    assert FileStore(store.root, read_legacy_plaintext=False).get(legacy) == PNG
    assert store.path_for(sealed_key).read_bytes() == before  # not encrypted twice
    assert store.seal_legacy() == 0
    assert store.path_for(damaged_key).read_bytes() == bytes(damaged)
    with pytest.raises(StoredFileCorrupt):
        store.get(damaged_key)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_the_file_key_is_not_the_field_key() -> None:
    master = b"m" * 32
    keys = {derive_subkey(master, info) for info in (b"jssi files aes-gcm v1", b"jssi pii aes-gcm v1",
                                                      b"jssi pii hmac v1")}
    assert len(keys) == 3
    # A value sealed for a database field does not open as a file, nor the reverse.
    field_token = PiiCipher(master).encrypt("upload/x", "secret")
    blob = FileCipher(master).seal("x", b"secret")
    with pytest.raises(StoredFileCorrupt):
        FileCipher(master).open("x", blob[:8] + base64.urlsafe_b64decode(field_token[3:]))
    with pytest.raises(Exception):  # noqa: B017, PT011 — the field cipher refuses it in its own way
        PiiCipher(master).decrypt("x", "v1:" + base64.urlsafe_b64encode(blob[8:]).decode())
