"""A consistent copy of the database while the app keeps running, and putting one back.

SQLite: the online backup API (sqlite3.Connection.backup) with all pages in one step, so the copy is one read
transaction's view of the database: in WAL mode writers go on meanwhile and none of their half-done work is
copied. PostgreSQL: `pg_dump --format=custom` (one REPEATABLE READ snapshot, no lock that blocks writers) and
`pg_restore --clean --if-exists --single-transaction` to put it back, so a failed restore changes nothing.

pg_dump refuses a server newer than itself; `pg_tools()` finds the binaries (PATH, then the Debian layout
/usr/lib/postgresql/<major>/bin, newest first) and `check_pg_versions` says so before anything is written.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class SnapshotError(Exception):
    """The database could not be copied or restored; the message says why."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SnapshotError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no "+driver")."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_backup(url: str, dest: Path) -> None:
    source = sqlite3.connect(sqlite_path(url), timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        source.backup(target)  # pages=-1: every page in one step, one consistent snapshot
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()


def sqlite_restore(src: Path, url: str) -> None:
    """Replace the database at `url` page by page with `src` (the target may be open elsewhere: it is locked
    for the copy, and other connections see the restored database afterwards)."""
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(src)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


@dataclass(frozen=True)
class PgTools:
    pg_dump: str
    pg_restore: str
    major: int


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise SnapshotError(f"cannot read the version of {binary}: {out.strip()}")
    return int(match.group(1))


def pg_tools() -> PgTools:
    candidates = []
    if shutil.which("pg_dump") and shutil.which("pg_restore"):
        candidates.append((shutil.which("pg_dump"), shutil.which("pg_restore")))
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: -int(p.parent.name)
                         if p.parent.name.isdigit() else 0):
        if (folder / "pg_dump").exists() and (folder / "pg_restore").exists():
            candidates.append((str(folder / "pg_dump"), str(folder / "pg_restore")))
    if not candidates:
        raise SnapshotError("pg_dump/pg_restore not found: install the PostgreSQL client of the server's version")
    best = max(candidates, key=lambda pair: _major(pair[0]))
    return PgTools(best[0], best[1], _major(best[0]))


def check_pg_versions(tools: PgTools, server_version_num: int) -> None:
    server_major = server_version_num // 10000
    if tools.major < server_major:
        raise SnapshotError(
            f"pg_dump {tools.major} is older than the server ({server_major}): install the client of version "
            f"{server_major} or newer")


def pg_dump(url: str, dest: Path, tools: PgTools, *, snapshot: str | None = None) -> None:
    """`snapshot`: an exported snapshot (pg_export_snapshot()) of an open transaction to dump exactly that view."""
    extra = ["--snapshot", snapshot] if snapshot else []
    result = subprocess.run(
        [tools.pg_dump, "--format=custom", "--no-owner", "--no-privileges", *extra, "--file", str(dest),
         "--dbname", libpq_url(url)],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise SnapshotError(f"pg_dump failed: {result.stderr.strip()}")


def pg_restore(src: Path, url: str, tools: PgTools) -> None:
    result = subprocess.run(
        [tools.pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", "--dbname", libpq_url(url), str(src)],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise SnapshotError(f"pg_restore failed: {result.stderr.strip()}")
