"""The PII and file ciphers' keyring: old ciphertexts keep reading, new ones name their key, a retired key's data
is refused rather than misread."""

from __future__ import annotations

import pytest

from jssi_app.adapters.file_crypto import FileCipher, StoredFileCorrupt, sealed_key_id
from jssi_app.adapters.pii import PiiCipher, key_id_of

K1, K2 = b"1" * 32, b"2" * 32


def test_key_1_writes_the_original_format_and_reads_it_back():
    token = PiiCipher(K1).encrypt("person_account.name", "张三")
    assert token.startswith("v1:") and key_id_of(token) == "1"
    ring = PiiCipher(K2, "2", (("1", K1),))
    assert ring.decrypt("person_account.name", token) == "张三"
    assert not ring.is_current(token)


def test_a_new_key_names_itself_and_the_old_one_cannot_read_it():
    ring = PiiCipher(K2, "2", (("1", K1),))
    token = ring.encrypt("person_account.phone", "13900001234")
    assert token.startswith("v2:2:") and ring.is_current(token)
    with pytest.raises(ValueError, match="not in the keyring"):
        PiiCipher(K1).decrypt("person_account.phone", token)
    assert PiiCipher(K2, "2").decrypt("person_account.phone", token) == "13900001234"


def test_fingerprints_try_every_key_current_first():
    ring = PiiCipher(K2, "2", (("1", K1),))
    fps = ring.fingerprints("id_number", "320102198803150011")
    assert fps == [PiiCipher(K2).fingerprint("id_number", "320102198803150011"),
                   PiiCipher(K1).fingerprint("id_number", "320102198803150011")]
    assert ring.fingerprint("id_number", "320102198803150011") == fps[0]
    assert len(fps[0]) == 64


def test_files_name_their_key_and_old_files_still_open():
    old = FileCipher(K1).seal("ab" * 16, b"scan")
    assert old[:8] == b"JSSIENC\x01" and sealed_key_id(old) == "1"
    ring = FileCipher(K2, "2", (("1", K1),))
    assert ring.open("ab" * 16, old) == b"scan"
    new = ring.seal("ab" * 16, b"scan 2")
    assert new[:8] == b"JSSIENC\x02" and sealed_key_id(new) == "2"
    assert FileCipher(K2, "2").open("ab" * 16, new) == b"scan 2"
    with pytest.raises(StoredFileCorrupt, match="not in the keyring"):
        FileCipher(K1).open("ab" * 16, new)
    forged = new[:8] + (1).to_bytes(2, "big") + new[10:]  # claims key 1: the header is authenticated
    with pytest.raises(StoredFileCorrupt):
        FileCipher(K2, "1", (("2", K2),)).open("ab" * 16, forged)


def test_staged_extracts_are_resealed_under_the_new_key(tmp_path, monkeypatch):
    import base64
    import datetime as dt

    from jssi_app import config
    from jssi_app.adapters.extract_staging import ExtractStaging

    old, new = base64.urlsafe_b64encode(K1).decode(), base64.urlsafe_b64encode(K2).decode()
    monkeypatch.setenv("JSSI_PII_KEY", old)
    config.reset_settings_cache()
    try:
        staging = ExtractStaging(tmp_path / "staging")
        token = staging.create({"persons.csv": b"id,name\n"}, staff_id=1, now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        monkeypatch.setenv("JSSI_PII_KEY", new)
        monkeypatch.setenv("JSSI_PII_KEY_ID", "2")
        monkeypatch.setenv("JSSI_PII_PREVIOUS_KEYS", f"1:{old}")
        config.reset_settings_cache()
        assert staging.rekey() == 1 and staging.rekey() == 0
        monkeypatch.delenv("JSSI_PII_PREVIOUS_KEYS")  # the old key retired
        config.reset_settings_cache()
        assert staging.contents(token) == {"persons.csv": b"id,name\n"}
    finally:
        monkeypatch.undo()
        config.reset_settings_cache()
