from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from jssi_app import config
from jssi_app.adapters.file_store import FileStore, default_store


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
