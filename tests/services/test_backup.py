"""backup / restore: a consistent snapshot taken while a writer keeps writing, restored into a fresh instance with
rows, files and the audit chain intact; a tampered backup is refused before anything is written."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel, select

import jssi_app.models  # noqa: F401
from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.pii import cipher
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.operations import AuditEvent
from jssi_app.models.units import Material
from jssi_app.services import audit
from jssi_app.services.backup import MANIFEST, BackupError, backup, restore, verify_backup
from jssi_app.services.audit import verify_audit_log
from tests.services.conftest import PG_URL
from tests.services.durability_fixtures import seed
from tests.backing import require_pg

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
REVISION = "test_revision_1"


def _stamp(eng) -> None:  # noqa: ANN001
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": REVISION})


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request, tmp_path):
    """Two instances (engine + file store): the running one and an empty one to restore into."""
    made = []
    if request.param == "sqlite":
        from jssi_app.db import engine_for

        for name in ("live", "fresh"):
            (tmp_path / name).mkdir()
            made.append(engine_for(f"sqlite:///{tmp_path / name / 'jssi.db'}"))
    else:
        require_pg()
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        names = [f"jssi_bk_{uuid.uuid4().hex[:10]}" for _ in range(2)]
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        base = PG_URL.rsplit("/", 1)[0]
        made = [create_engine(f"{base}/{name}") for name in names]
    for eng in made:
        SQLModel.metadata.create_all(eng)
        _stamp(eng)
    live_store, fresh_store = FileStore(tmp_path / "live-uploads"), FileStore(tmp_path / "fresh-uploads")
    yield made[0], live_store, made[1], fresh_store
    for eng in made:
        eng.dispose()
    if request.param == "postgresql":
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _audit_writer(eng, stop: threading.Event, written: list[int], errors: list[BaseException]) -> None:  # noqa: ANN001
    try:
        while not stop.is_set():
            with Session(eng) as s:
                audit.record(s, "progress_queried", actor="writer", detail={"n": len(written)})
                s.commit()
            written.append(1)
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)


def test_backup_while_writing_restores_rows_files_and_audit_chain(instances, tmp_path):
    live, live_store, fresh, fresh_store = instances
    with Session(live, expire_on_commit=False) as db:
        seeded = seed(db, live_store)
    stop, written, errors = threading.Event(), [], []
    writer = threading.Thread(target=_audit_writer, args=(live, stop, written, errors))
    writer.start()
    try:
        while len(written) < 5:  # the writer is really writing when the snapshot starts
            stop.wait(0.01)
        report = backup(tmp_path / "bk", engine=live, store=live_store, now=NOW)
        before = len(written)
        while len(written) < before + 5:  # and goes on writing after it
            stop.wait(0.01)
    finally:
        stop.set()
        writer.join()
    assert not errors
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    assert manifest["alembic_revision"] == REVISION
    assert manifest["keys_included"] is False
    assert len(manifest["files"]) == 1 + len(seeded.files)
    assert report.rows["audit_event"] == manifest["rows"]["audit_event"]
    assert 5 + 5 <= manifest["rows"]["audit_event"]  # the seed's events and some of the writer's

    result = restore(tmp_path / "bk", engine=fresh, store=fresh_store)
    assert result.problems == []
    assert result.audit_ok and result.audit_checked == manifest["rows"]["audit_event"]
    assert result.files == len(seeded.files)

    with Session(fresh) as db:
        assert verify_audit_log(db).ok
        c = cipher()
        for person in seeded.accounts:
            fps = c.fingerprints("id_number", person.id_number)
            account = db.exec(select(PersonAccount).where(PersonAccount.id_fp.in_(fps))).one()
            assert c.decrypt("person_account.name", account.name_enc) == person.name
            assert c.decrypt("person_account.phone", account.phone_enc) == person.phone
        materials = db.exec(select(Material)).all()
        keys = {getattr(m, a) for m in materials for a in ("storage_key", "preview_key", "thumbnail_key")}
    assert keys == set(seeded.files)
    for key, data in seeded.files.items():  # every file a row names is there and decrypts to what was uploaded
        assert fresh_store.get(key) == data
    assert set(fresh_store.keys()) == set(seeded.files)  # nothing else: no staging, no keys


def test_restore_refuses_a_tampered_backup_and_writes_nothing(instances, tmp_path):
    live, live_store, fresh, fresh_store = instances
    with Session(live, expire_on_commit=False) as db:
        seed(db, live_store, persons=2)
    backup(tmp_path / "bk", engine=live, store=live_store, now=NOW)
    victim = next(p for p in (tmp_path / "bk" / "uploads").rglob("*.bin"))
    blob = bytearray(victim.read_bytes())
    blob[-1] ^= 1
    victim.write_bytes(bytes(blob))

    with pytest.raises(BackupError, match="文件已被修改"):
        restore(tmp_path / "bk", engine=fresh, store=fresh_store)
    with Session(fresh) as db:
        assert db.exec(select(AuditEvent)).first() is None
    assert fresh_store.keys() == []


def test_restore_refuses_missing_and_extra_files(instances, tmp_path):
    live, live_store, _fresh, _fresh_store = instances
    with Session(live, expire_on_commit=False) as db:
        seed(db, live_store, persons=1)
    backup(tmp_path / "bk", engine=live, store=live_store, now=NOW)
    (tmp_path / "bk" / "stray.txt").write_text("x")
    with pytest.raises(BackupError, match="清单之外的文件"):
        verify_backup(tmp_path / "bk")
    os.remove(tmp_path / "bk" / "stray.txt")
    next((tmp_path / "bk" / "uploads").rglob("*.bin")).unlink()
    with pytest.raises(BackupError, match="缺少文件"):
        verify_backup(tmp_path / "bk")


def test_restore_refuses_a_non_empty_instance_unless_forced(instances, tmp_path):
    live, live_store, _fresh, _fresh_store = instances
    with Session(live, expire_on_commit=False) as db:
        seeded = seed(db, live_store, persons=1)
    backup(tmp_path / "bk", engine=live, store=live_store, now=NOW)
    with Session(live) as db:
        audit.record(db, "progress_queried", actor="after-backup")
        db.commit()
    with pytest.raises(BackupError, match="目标实例不是空的"):
        restore(tmp_path / "bk", engine=live, store=live_store)
    extra = live_store.put(b"%PDF- written after the backup")
    result = restore(tmp_path / "bk", engine=live, store=live_store, force=True)
    assert result.problems == [] and result.audit_ok
    with Session(live) as db:
        assert db.exec(select(AuditEvent).where(AuditEvent.actor == "after-backup")).first() is None
    assert set(live_store.keys()) == set(seeded.files) and extra not in live_store.keys()


def test_backup_refuses_a_non_empty_directory(instances, tmp_path):
    live, live_store, _fresh, _fresh_store = instances
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "something").write_text("x")
    with pytest.raises(BackupError, match="备份目录不为空"):
        backup(tmp_path / "bk", engine=live, store=live_store, now=NOW)
