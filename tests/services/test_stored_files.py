"""The orphan-file sweep: files a crash left without their material row go, after a grace period; files a row
names stay, whatever their age."""

from __future__ import annotations

import datetime as dt
import os

from jssi_app.adapters.file_store import FileStore
from jssi_app.services import unit_registration as units
from jssi_app.services.stored_files import find_orphans, sweep_orphan_files
from tests.services.helpers import NOW, audit_rows
from tests.services.test_unit_registration import make_code, register, store, upload_all  # noqa: F401

HOUR = dt.timedelta(hours=1)


def _age(store: FileStore, seconds: float) -> None:
    """Every file under the store as if written `seconds` before NOW."""
    stamp = NOW.timestamp() - seconds
    for entry in store.entries():
        os.utime(entry.path, (stamp, stamp))


def _crash_leftovers(store: FileStore) -> tuple[list[str], object]:
    """What a process killed between add_material's file writes and its commit leaves: three stored files
    that no row names, and a temporary file of a write cut short."""
    keys = [store.put(b"%PDF-1.7 never committed"), store.put(b"\x89PNG\r\n\x1a\n preview"), store.put(b"thumb")]
    folder = store.path_for(keys[0]).parent
    tmp = folder / ".tmp-0123456789abcdef"
    tmp.write_bytes(b"half a file")
    return keys, tmp


def test_the_sweep_removes_only_unreferenced_files_older_than_the_grace_period(db, store):  # noqa: F811
    reg = register(db, make_code(71))
    upload_all(db, reg, store)
    kept = {m.storage_key for m in units.current_materials(db, reg.application_id)}
    db.commit()
    orphan_keys, tmp = _crash_leftovers(store)
    assert {e.key for e in find_orphans(db, store)} == {*orphan_keys, None}

    _age(store, 10 * 60)  # ten minutes: an upload on another worker could still be committing them
    young = sweep_orphan_files(db, store, now=NOW, min_age=HOUR)
    assert (young.orphans_removed, young.temporaries_removed, young.too_young) == (0, 0, 4)
    assert all(store.exists(k) for k in orphan_keys) and tmp.exists()

    _age(store, 2 * 3600)
    report = sweep_orphan_files(db, store, now=NOW, min_age=HOUR)
    assert (report.stored_files, report.orphans_removed, report.temporaries_removed) == (4 * 3 + 3, 3, 1)
    assert not any(store.exists(k) for k in orphan_keys) and not tmp.exists()
    assert find_orphans(db, store) == []
    for key in kept:  # every row's files are untouched, and still decrypt
        assert store.get(key)
    (event,) = audit_rows(db, "orphan_files_removed")
    assert '"orphans": 3' in event.detail and '"temporaries": 1' in event.detail


def test_superseded_files_are_not_orphans(db, store):  # noqa: F811
    reg = register(db, make_code(72))
    upload_all(db, reg, store)
    upload_all(db, reg, store)  # replaces each kind: the old rows stay on record with their files
    db.commit()
    _age(store, 2 * 3600)
    assert sweep_orphan_files(db, store, now=NOW, min_age=HOUR).orphans_removed == 0
    assert audit_rows(db, "orphan_files_removed") == []


def test_an_empty_store_sweeps_nothing(db, tmp_path):
    report = sweep_orphan_files(db, FileStore(tmp_path / "none"), now=NOW)
    assert report.stored_files == report.orphans_removed == report.temporaries_removed == 0
