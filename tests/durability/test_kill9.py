"""Nothing lost: the process doing the writes is SIGKILLed at random moments, ≥ 20 times per database, and
every submission it acknowledged is still there and intact, no record is partial, no file is orphaned (after the
app's own sweep), every row's files decrypt, and the audit chain verifies.

Quick mode (make test): 20 kills on SQLite (WAL) and 20 on PostgreSQL (a fresh database, JSSI_TEST_PG_URL).
Long mode: JSSI_KILL9_KILLS=200 (and JSSI_KILL9_MAX_DELAY, seconds a run lives at most after it is ready,
default 2.5). Design and figures: docs/security.md, "Nothing lost".
"""

from __future__ import annotations

import os
import time

import pytest

from tests.durability import checks
from tests.durability.harness import FLOWS, PgDatabase, generate_registry, kill_loop, prepare, write_figures
from tests.backing import require_pg

KILLS = int(os.environ.get("JSSI_KILL9_KILLS", "20"))
MAX_DELAY = float(os.environ.get("JSSI_KILL9_MAX_DELAY", "2.5"))
PG_URL = os.environ.get("JSSI_TEST_PG_URL", "")
# Enough unregistered persons for the long mode: a run registers a few per second at most.
PERSONS = max(400, KILLS * 12)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return generate_registry(tmp_path_factory.mktemp("kill9-registry") / "registry", PERSONS)


def _reviewers(url: str) -> list[int]:
    """Two reviewers, created through the staff service (the CLI's path), racing for the same queue."""
    from sqlmodel import Session, select

    from jssi_app.adapters.clock import utcnow
    from jssi_app.db import engine_for
    from jssi_app.models.staff import StaffAccount
    from jssi_app.services.staff_accounts import create_staff

    ids = []
    with Session(engine_for(url), expire_on_commit=False) as db:
        for name in ("shenhe91", "shenhe92"):
            create_staff(db, username=name, role="reviewer", display_name="", password="Review#2026kill",
                         actor="cli", now=utcnow())
            ids.append(int(db.exec(select(StaffAccount.id).where(StaffAccount.username == name)).one()))
            db.commit()
    return ids


def _kill_and_check(backend: str, url: str, data_dir, registry) -> dict:
    started = time.monotonic()
    env = prepare(data_dir, url, registry)
    reviewers = _reviewers(url)
    logs = data_dir / "logs"
    logs.mkdir()
    ledger = kill_loop(env, registry, kills=KILLS, reviewers=reviewers, seed=20261128 % 997, max_delay=MAX_DELAY,
                       log_dir=logs)
    figures = checks.check_all(url, data_dir, env, ledger)
    figures = {"backend": backend, **ledger.figures(), "refused_races": dict(ledger.refused), **figures,
               "seconds": round(time.monotonic() - started, 1)}
    acked = figures["acknowledged"]
    write_figures(backend, figures)
    assert ledger.kills >= KILLS
    # The kills must land while the writer works, not only between operations: otherwise the test proves little.
    assert figures["kills_with_operations_in_flight"] >= ledger.kills // 2, figures
    assert all(acked[op] > 0 for op in FLOWS), figures
    return figures


def test_kill9_sqlite_wal_loses_nothing(tmp_path, registry):
    figures = _kill_and_check("sqlite", f"sqlite:///{tmp_path / 'kill9.db'}", tmp_path, registry)
    assert figures["kills"] >= KILLS


def test_kill9_postgresql_loses_nothing(tmp_path, registry):
    require_pg()
    with PgDatabase(PG_URL) as url:
        figures = _kill_and_check("postgresql", url, tmp_path, registry)
    assert figures["kills"] >= KILLS
