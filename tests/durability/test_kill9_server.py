"""Nothing lost when the real server is killed: the app, served as in production (Granian, the built frontend
mounted, tests/reflex_server.py), is SIGKILLed as a process group at random moments while browser tabs speak
Reflex's protocol to it (tests/reflex_client.py): people register, units register, upload scans and submit,
reviewers claim and decide, all at once. After each kill the server is started again and the tabs reconnect.
Afterwards the same checks as the driver-level test (tests/durability/checks.py): every submission a tab saw
succeed is present and intact, no partial record, no orphaned file after the app's sweep, every file decrypts,
the audit chain verifies.

Quick mode (make test): 20 kills on SQLite (WAL) and 20 on PostgreSQL (a fresh database, JSSI_TEST_PG_URL).
JSSI_KILL9_SERVER_KILLS sets the number (make bench: 60); JSSI_KILL9_SERVER_MAX_LIFE (seconds, default 8) bounds a
short life of the server after it answers, one life in four lasting up to three times that. Figures go to
test-results/durability-server-<backend>.json; docs/security.md, "Nothing lost", quotes them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import statistics
import time

import pytest

from tests.durability import checks
from tests.durability.harness import FLOWS, Ledger, PgDatabase, generate_registry, prepare, write_figures
from tests.durability.test_kill9 import _reviewers
from tests.durability.web_driver import Recorder, World, life, unregistered_persons
from tests.reflex_client import client_storage_of
from tests.reflex_server import ROOT, Server, build, free_port, server_env
from tests.security.harness import run_coroutine
from tests.backing import require_pg

KILLS = int(os.environ.get("JSSI_KILL9_SERVER_KILLS", "20"))
MAX_LIFE = float(os.environ.get("JSSI_KILL9_SERVER_MAX_LIFE", "8"))
PG_URL = os.environ.get("JSSI_TEST_PG_URL", "")
REVIEWER_PASSWORD = "Review#2026kill"  # what test_kill9._reviewers gives shenhe91 and shenhe92


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The app compiled and its frontend built once, by `reflex run --env prod --single-port` itself."""
    folder = tmp_path_factory.mktemp("kill9-server-build")
    # The servers of both databases use the port the frontend was built for (its page script connects there).
    port = free_port()
    env = server_env(folder, f"sqlite:///{folder / 'build.db'}", port)
    prepare(folder, env["REFLEX_DB_URL"], generate_registry(folder / "registry", 20))
    seconds = build(env, folder / "build.log")
    return {"seconds": round(seconds, 1), "client_storage": client_storage_of(ROOT / ".web"), "port": port}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return generate_registry(tmp_path_factory.mktemp("kill9-server-registry") / "registry", max(300, KILLS * 10))


async def _kill_loop(env: dict, world: World, ledger: Ledger, log, rng: random.Random) -> list[float]:
    rec = Recorder(ledger)
    restarts: list[float] = []
    run_no = 0
    # At least KILLS lives; on a machine so loaded that some flow never got to its end, more, up to twice as many.
    while run_no < KILLS or (run_no < 2 * KILLS and any(not ledger.acked(op) for op in FLOWS)):
        run_no += 1
        server = Server(env, log)
        restarts.append(await asyncio.to_thread(server.wait_ready, 300))
        rec.open.clear()
        long_life = rng.random() < 0.25
        seconds = rng.uniform(MAX_LIFE, 3 * MAX_LIFE) if long_life else rng.uniform(0.5, MAX_LIFE)

        def kill(server=server) -> None:
            in_flight = list(rec.open.values())
            assert server.alive(), f"the server died by itself:\n{log.read_text()[-3000:]}"
            assert server.kill() == signal.SIGKILL
            ledger.kills += 1
            ledger.in_flight_at_kill.append(len(in_flight))
            ledger.in_flight_ops.update(in_flight)

        await life(world, rec, seconds=seconds, kill=kill)
    assert not rec.crashes, rec.crashes  # 系统繁忙 on a page: an unexpected exception in a handler
    return restarts


def _kill_and_check(backend: str, url: str, data_dir, registry, built: dict) -> dict:
    started = time.monotonic()
    prepare(data_dir, url, registry)
    env = server_env(data_dir, url, built["port"])
    reviewers = [(staff_id, name, REVIEWER_PASSWORD) for staff_id, name in zip(_reviewers(url), ("shenhe91", "shenhe92"))]
    rng = random.Random(20261128 % 991)
    persons = unregistered_persons(registry)
    rng.shuffle(persons)
    world = World(url=f"http://127.0.0.1:{env['PORT']}", client_storage=built["client_storage"], persons=persons,
                  reviewers=reviewers, rng=rng, unit_seqs=itertools.count(rng.randrange(9000) * 10_000 + 1))
    ledger = Ledger()
    log = data_dir / "server.log"
    restarts = run_coroutine(_kill_loop(env, world, ledger, log, rng))
    server_log = log.read_text(errors="replace")
    assert "Traceback" not in server_log, server_log[-4000:]
    figures = checks.check_all(url, data_dir, env, ledger)
    figures = {
        "backend": backend, **ledger.figures(), "refused": dict(ledger.refused), "build_seconds": built["seconds"],
        "restart_seconds": {"median": round(statistics.median(restarts), 2), "max": round(max(restarts), 2)},
        **figures, "seconds": round(time.monotonic() - started, 1),
    }
    acked = figures["acknowledged"]
    write_figures(f"server-{backend}", figures)
    assert ledger.kills >= KILLS
    # The kills must land while the tabs wait for answers, not only between operations.
    assert figures["kills_with_operations_in_flight"] >= ledger.kills // 2, figures
    assert all(acked[op] > 0 for op in FLOWS), figures
    return figures


def test_kill9_of_the_server_loses_nothing_sqlite_wal(tmp_path, registry, built):
    figures = _kill_and_check("sqlite", f"sqlite:///{tmp_path / 'kill9.db'}", tmp_path, registry, built)
    assert figures["kills"] >= KILLS


def test_kill9_of_the_server_loses_nothing_postgresql(tmp_path, registry, built):
    require_pg()
    with PgDatabase(PG_URL) as url:
        figures = _kill_and_check("postgresql", url, tmp_path, registry, built)
    assert figures["kills"] >= KILLS
