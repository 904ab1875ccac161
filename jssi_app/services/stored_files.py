"""The orphan-file sweep: stored uploads that no database row names, removed after a grace period.

Why orphans can exist at all: an upload writes its three files (scan, preview, thumbnail) first and then commits
the `material` row that names them (services/unit_registration.add_material). The files must exist before the
row does — the reverse order would let a crash commit a row whose files never arrived, a record that points
at nothing. The price of this order is that a process killed between the file writes and the commit (kill -9,
power loss, OOM) leaves up to three files no row names, plus possibly one `.tmp-*` file of a write cut short.
A failure that Python sees (an exception) already deletes them; only a crash cannot. Those files are encrypted
and unreachable (only a row's key leads to a file), so they are harmless but must not accumulate: this sweep
removes them.

The grace period (`min_age`, default one hour) keeps the sweep safe while the app runs: an upload in progress
on another worker has written its files but not yet committed, and its files are seconds old. Files are listed
before the rows are read, so a file listed as old and unreferenced cannot gain a row afterwards unless one
upload took longer than the grace period between its file write and its commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from jssi_app.adapters.file_store import FileStore
from jssi_app.models.units import Material
from jssi_app.services import audit

DEFAULT_MIN_AGE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SweepReport:
    stored_files: int  # files with a key found under the root (referenced or not)
    orphans_removed: int  # stored files no material row names
    temporaries_removed: int  # `.tmp-*` files of interrupted writes
    too_young: int  # unreferenced files left alone because they are within the grace period


def referenced_keys(db: Session) -> set[str]:
    """Every storage key a material row names (live or superseded: superseded files stay on record)."""
    keys: set[str] = set()
    for storage, preview, thumbnail in db.exec(
        select(Material.storage_key, Material.preview_key, Material.thumbnail_key)
    ).all():
        keys.update((storage, preview, thumbnail))
    db.commit()  # end the read (SQLite: every transaction holds the write lock)
    return keys


def find_orphans(db: Session, store: FileStore) -> list:
    """Stored and temporary files that no row names, whatever their age (for checks and reports)."""
    entries = list(store.entries())
    keys = referenced_keys(db)
    return [e for e in entries if e.key is None or e.key not in keys]


def sweep_orphan_files(
    db: Session, store: FileStore, *, now: dt.datetime, min_age: dt.timedelta = DEFAULT_MIN_AGE, actor: str = "cli"
) -> SweepReport:
    """Remove stored files no material row names and temporary files, both older than `min_age`; audited."""
    cutoff = (now - min_age).timestamp()
    entries = list(store.entries())  # listed before the rows are read: see the module docstring
    keys = referenced_keys(db)
    stored = sum(1 for e in entries if e.key is not None)
    orphans = temporaries = young = 0
    for entry in entries:
        if entry.key is not None and entry.key in keys:
            continue
        if entry.mtime > cutoff:
            young += 1
            continue
        store.remove_entry(entry)
        if entry.key is None:
            temporaries += 1
        else:
            orphans += 1
    report = SweepReport(stored_files=stored, orphans_removed=orphans, temporaries_removed=temporaries,
                         too_young=young)
    if orphans or temporaries:
        try:
            audit.record(db, "orphan_files_removed", actor=actor, detail={
                "orphans": orphans, "temporaries": temporaries, "min_age_seconds": int(min_age.total_seconds()),
            })
            db.commit()
        except BaseException:
            db.rollback()
            raise
    return report
