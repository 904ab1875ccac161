"""rotate-keys: every ciphertext, fingerprint and stored upload moves to the new key while a reader keeps looking
persons up by ID number and signing in; afterwards the old key is retired and everything still reads."""

from __future__ import annotations

import base64
import itertools
import threading

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

from jssi_app import config
from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.pii import cipher, key_id_of
from jssi_app.domain.audit_chain import event_hash
from jssi_app.models.operations import AuditEvent
from jssi_app.services import audit, authentication, key_rotation, registration
from jssi_app.services.audit import verify_audit_log
from tests.services.durability_fixtures import seed
from tests.services.helpers import NOW, PASSWORD

OLD = base64.urlsafe_b64encode(b"p" * 32).decode()  # tests/conftest.py's JSSI_PII_KEY: key 1
NEW = base64.urlsafe_b64encode(b"N" * 32).decode()


@pytest.fixture
def keyring(monkeypatch):
    """Switch the running configuration's keyring, as an operator does by changing the environment."""

    def switch(current: str, kid: str, previous: str = "") -> None:
        monkeypatch.setenv("JSSI_PII_KEY", current)
        monkeypatch.setenv("JSSI_PII_KEY_ID", kid)
        monkeypatch.setenv("JSSI_PII_PREVIOUS_KEYS", previous)
        config.reset_settings_cache()

    switch(OLD, "1")
    yield switch
    monkeypatch.setenv("JSSI_PII_KEY", OLD)
    monkeypatch.delenv("JSSI_PII_KEY_ID")
    monkeypatch.delenv("JSSI_PII_PREVIOUS_KEYS")
    config.reset_settings_cache()


def _all_ciphertexts(db: Session):
    for table, columns in key_rotation.encrypted_tables():
        for row in db.execute(select(*(table.c[c] for c in columns))).all():
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    yield table, column, value


def _reader(db_engine, seeded, stop: threading.Event, counts: list[int], errors: list[BaseException]) -> None:  # noqa: ANN001
    ips = (f"198.51.100.{i % 250 + 1}" for i in itertools.count())
    try:
        while not stop.is_set():
            with Session(db_engine, expire_on_commit=False) as db:
                for person in seeded.persons:
                    found, _legacy = registration.find_registry_person(db, person.id_number)
                    assert found is not None, person.id_number
                    assert cipher().decrypt("registry_person.name", found.name_enc) == person.name
                db.commit()
                person = seeded.accounts[counts[0] % len(seeded.accounts)]
                authentication.sign_in(db, id_number=person.id_number, password=PASSWORD, client_ip=next(ips),
                                       now=NOW)
                db.commit()
            counts[0] += 1
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)


def test_rotation_while_reading_then_old_key_retired(db, db_engine, keyring, tmp_path):
    store = FileStore(tmp_path / "uploads")
    seeded = seed(db, store)
    assert {key_id_of(v) for _t, _c, v in _all_ciphertexts(db)} == {"1"}
    db.commit()

    keyring(NEW, "2", f"1:{OLD}")  # the switch: new writes use key 2, reads decrypt both
    stop, counts, errors = threading.Event(), [0], []
    reader = threading.Thread(target=_reader, args=(db_engine, seeded, stop, counts, errors))
    reader.start()
    try:
        while counts[0] < 1 and not errors:
            stop.wait(0.05)
        report = key_rotation.rotate_keys(db, cipher(), store, batch=2)  # many short transactions
        done_at = counts[0]
        while counts[0] < done_at + 1 and not errors:
            stop.wait(0.05)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert counts[0] >= 2
    assert report.total_rows > 0 and report.files == len(seeded.files)
    assert key_rotation.remaining(db, cipher(), store) == {}

    keyring(NEW, "2")  # the old key retired
    c = cipher()
    assert c.previous_key_ids == ()
    for table, column, value in _all_ciphertexts(db):
        assert key_id_of(value) == "2"
        c.decrypt(key_rotation.field_name(table, column), value)  # raises if not under key 2
    for key, data in seeded.files.items():
        assert store.key_id(key) == "2" and store.get(key) == data
    for person in seeded.persons:  # fingerprints were recomputed: lookups under key 2 alone find everyone
        found, _ = registration.find_registry_person(db, person.id_number)
        assert found is not None and found.id_fp == c.fingerprint("id_number", person.registry_id_number)
    db.commit()
    signed = authentication.sign_in(db, id_number=seeded.accounts[0].id_number, password=PASSWORD,
                                    client_ip="192.0.2.1", now=NOW)
    assert signed.account_id
    db.commit()
    assert verify_audit_log(db).ok
    db.commit()


def test_rotation_is_resumable_and_idempotent(db, keyring, tmp_path):
    store = FileStore(tmp_path / "uploads")
    seed(db, store, persons=3)
    keyring(NEW, "2", f"1:{OLD}")
    first = key_rotation.rotate_keys(db, cipher(), store, batch=1, tables=["registry_person"])
    assert first.rows == {"registry_person": 4}
    assert "person_account" in key_rotation.remaining(db, cipher(), store)  # interrupted: the rest still on key 1
    second = key_rotation.rotate_keys(db, cipher(), store, batch=1)
    assert second.rows["registry_person"] == 0 and second.rows["person_account"] == 2
    again = key_rotation.rotate_keys(db, cipher(), store)
    assert again.total_rows == 0 and again.files == 0
    assert key_rotation.remaining(db, cipher(), store) == {}


def _audit(db, n: int, actor: str) -> None:
    for i in range(n):
        audit.record(db, "sign_in", actor=f"{actor}:{i}", subject="320102********4512", client_ip="192.0.2.7")
        db.commit()


def _rewrite_from(db, first_id: int, key: bytes, actor: str) -> None:
    """What someone holding `key` and the database could do: edit a row and re-chain every row after it."""
    rows = db.exec(select(AuditEvent).where(AuditEvent.id >= first_id).order_by(AuditEvent.id)).scalars().all()
    prev = rows[0].prev_hash
    db.commit()  # SQLite: the reading transaction holds the write lock
    with db.get_bind().begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update") if conn.dialect.name == "sqlite" else
                     text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        for i, row in enumerate(rows):
            fields = row.model_dump() | ({"actor": actor} if i == 0 else {})
            new_hash = event_hash(prev, fields, key)
            conn.execute(text("UPDATE audit_event SET actor = :a, prev_hash = :p, hash = :h WHERE id = :id"),
                         {"a": fields["actor"], "p": prev, "h": new_hash, "id": row.id})
            prev = new_hash
    db.expire_all()


def test_audit_rows_under_a_retired_key_stay_verifiable_and_cannot_be_rewritten(db, keyring, tmp_path):
    store = FileStore(tmp_path / "uploads")
    _audit(db, 4, "person")  # under key 1
    old_chain_key = cipher().chain_key()
    keyring(NEW, "2", f"1:{OLD}")
    _audit(db, 2, "staff")  # under key 2; key 1's rows still verify with key 1 in the ring
    assert verify_audit_log(db).ok
    assert key_rotation.remaining(db, cipher(), store) == {"audit_event": 4}  # not sealed yet: key 1 still needed

    key_rotation.rotate_keys(db, cipher(), store)  # ends with the seal
    db.commit()
    assert key_rotation.remaining(db, cipher(), store) == {}
    seal = db.exec(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalars().one()
    assert seal.event == "keys_rotated" and seal.key_id == "2" and "audit_seal" in seal.detail

    keyring(NEW, "2")  # key 1 retired: its rows are checked against the seal's digest
    _audit(db, 1, "person")
    check = verify_audit_log(db)
    assert (check.ok, check.checked) == (True, 4 + 2 + 1 + 1)
    db.commit()

    # The retired key leaks: its holder rewrites row 2 and re-chains every row after it that key 1 sealed.
    first_ids = [r.id for r in db.exec(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()]
    _rewrite_from(db, first_ids[1], old_chain_key, "person:forged")
    check = verify_audit_log(db)
    assert check.ok is False and check.first_bad_id == first_ids[4]  # the first row under key 2 no longer links
    db.commit()


def test_rows_under_a_key_that_left_the_ring_unsealed_fail_verification(db, keyring):
    _audit(db, 3, "person")
    keyring(NEW, "2")  # key 1 dropped without rotate-keys: nothing vouches for its rows any more
    check = verify_audit_log(db)
    first = db.exec(select(AuditEvent.id).order_by(AuditEvent.id).limit(1)).scalars().one()
    assert (check.ok, check.first_bad_id) == (False, first)
    db.commit()


def test_a_worker_still_on_the_old_key_after_the_seal_keeps_the_key_needed(db, keyring, tmp_path):
    store = FileStore(tmp_path / "uploads")
    _audit(db, 2, "person")
    keyring(NEW, "2", f"1:{OLD}")
    key_rotation.rotate_keys(db, cipher(), store)
    db.commit()
    keyring(OLD, "1", f"2:{NEW}")  # a worker not yet restarted writes under key 1 after the seal
    _audit(db, 1, "late")
    keyring(NEW, "2", f"1:{OLD}")
    assert key_rotation.remaining(db, cipher(), store) == {"audit_event": 1}
    key_rotation.rotate_keys(db, cipher(), store)  # the next run seals it too
    db.commit()
    assert key_rotation.remaining(db, cipher(), store) == {}
    keyring(NEW, "2")
    assert verify_audit_log(db).ok
    db.commit()


def test_every_fingerprint_column_is_rotated_or_explained():
    import jssi_app.models  # noqa: F401

    covered = {(table, fp.column) for table, fps in key_rotation.FINGERPRINTS.items() for fp in fps}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("_fp"):
                assert (table.name, column.name) in covered | set(key_rotation.NOT_REKEYABLE), (table.name, column.name)


def test_registry_import_waits_until_the_rotation_is_done(db, keyring, tmp_path):
    from jssi_app.services.registry_import import RegistryImportError, import_registry

    keyring(NEW, "2", f"1:{OLD}")
    with pytest.raises(RegistryImportError) as refused:
        import_registry(db, {"persons.csv": b"", "units.csv": b"", "contributions.csv": b""}, actor="test")
    assert "正在轮换" in str(refused.value.errors[0])
