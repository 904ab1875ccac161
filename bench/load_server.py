"""The app the load benchmark drives: served as `make run-prod` serves it, and measured from outside.

Production backing when a PostgreSQL and a Redis URL are set (`JSSI_BENCH_PG_URL` or `JSSI_TEST_PG_URL`,
`JSSI_BENCH_REDIS_URL` or `JSSI_TEST_REDIS_URL`): a database of its own, Redis database 6 (emptied before and
after; the e2e suite's production mode uses 7) and two Granian workers — tests/reflex_server.production_backing,
shared with `make test-prod`. Without them, the embedded default (SQLite, Reflex's on-disk states, one worker).
The server is `reflex run --env prod --single-port` itself (build, then serve), in a process group of its own.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from tests.durability.harness import run
from tests.reflex_client import client_storage_of
from tests.reflex_server import ROOT, Server, free_port, production_backing, server_env

REDIS_DB = 6
WORKERS = 2


def backing_urls() -> tuple[str, str]:
    pg = os.environ.get("JSSI_BENCH_PG_URL") or os.environ.get("JSSI_TEST_PG_URL") or ""
    redis_url = os.environ.get("JSSI_BENCH_REDIS_URL") or os.environ.get("JSSI_TEST_REDIS_URL") or ""
    return pg, redis_url


def outbox_code(db_url: str, masked_phone: str) -> str | None:
    """The newest code sent to this (masked, unique) phone, read from the outbox table (what /dev/outbox shows)."""
    from jssi_app.db import engine_for

    with engine_for(db_url).connect() as conn:
        body = conn.execute(text("SELECT body FROM outbox_message WHERE recipient_masked = :m "
                                 "ORDER BY id DESC LIMIT 1"), {"m": masked_phone}).scalar()
    if not body or "验证码" not in body:
        return None
    return "".join(c for c in body.split("验证码", 1)[1] if c.isdigit())[:6]


@dataclass
class LoadApp:
    url: str
    db_url: str
    redis_url: str  # "" in the embedded default
    mode: str  # "PostgreSQL + Redis, 2 workers" or "SQLite + on-disk states, 1 worker"
    client_storage: dict
    persons: list[dict]  # registry persons with an 18-digit number, none registered yet
    server: Server
    states_dir: Path
    build_seconds: float

    def code_for(self, masked_phone: str) -> str | None:
        return outbox_code(self.db_url, masked_phone)

    # --- what the server costs ------------------------------------------------------------------------------

    def processes(self) -> list[int]:
        """Every process of the server's group (the `reflex run` supervisor, Granian and its workers)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == self.server.proc.pid:  # field 5 of stat: the process group
                    pids.append(int(entry.name))
        return pids

    def rss_bytes(self) -> int:
        total = 0
        for pid in self.processes():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's processes so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.processes():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def state_bytes(self) -> tuple[int, int]:
        """(bytes, entries) of Reflex's stored page states: Redis MEMORY USAGE of every key of the state database,
        or the files of the on-disk state manager."""
        if self.redis_url:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            try:
                keys = list(client.scan_iter(count=1000))
                return sum(client.memory_usage(k) or 0 for k in keys), len(keys)
            finally:
                client.close()
        files = [p for p in self.states_dir.rglob("*") if p.is_file()]
        return sum(p.stat().st_size for p in files), len(files)


def _keep_log(log: Path) -> None:
    (ROOT / "test-results").mkdir(exist_ok=True)
    if log.exists():
        shutil.copy(log, ROOT / "test-results" / "load-server.log")


def _registry(directory: Path) -> list[dict]:
    with open(directory / "persons.csv", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if len(r["id_number"]) == 18]


@contextlib.contextmanager
def load_app(persons: int, log=print):  # noqa: ANN001
    """Prepare a fresh database (migrations, a demo registry of `persons`, the demo staff and applications as
    `make run-prod` seeds them), build and start the app, and yield a LoadApp; stop it afterwards."""
    pg_url, redis_url = backing_urls()
    with tempfile.TemporaryDirectory(prefix="jssi-load-") as tmp_name, contextlib.ExitStack() as stack:
        data_dir = Path(tmp_name)
        port = free_port()
        env = server_env(data_dir, f"sqlite:///{data_dir / 'load.db'}", port)
        if pg_url and redis_url:
            env.update(stack.enter_context(production_backing(pg_url, redis_url, redis_db=REDIS_DB, workers=WORKERS)))
            mode = f"PostgreSQL + Redis, {WORKERS} workers"
        else:
            mode = "SQLite + on-disk states, 1 worker (no JSSI_BENCH_PG_URL/JSSI_TEST_PG_URL and Redis URL set)"
        log(f"load: {mode}; preparing a registry of {persons} persons")
        registry = data_dir / "registry"
        run(["-m", "jssi_app", "demo-data", str(registry), "--persons", str(persons), "--units", "20"], env)
        run(["-m", "alembic", "upgrade", "head"], env)
        run(["-m", "jssi_app", "import-registry", str(registry)], env)
        run(["-m", "jssi_app", "seed-demo"], env)  # registry present: only the demo staff and applications
        # The generator imports the app's state classes (for their names): their settings, dev keys included, are
        # the server's, in its data folder, not the checkout's var/.
        os.environ["JSSI_DATA_DIR"] = env["JSSI_DATA_DIR"]
        log("load: building and starting the app (reflex run --env prod --single-port)")
        server = Server(env, data_dir / "server.log", build=True)
        # Kept after the run (the data folder is not): what the server said when a run goes wrong.
        stack.callback(_keep_log, data_dir / "server.log")
        stack.callback(server.stop)
        build_seconds = server.wait_ready()
        yield LoadApp(
            url=server.url, db_url=env["REFLEX_DB_URL"], redis_url=env.get("REFLEX_REDIS_URL", ""), mode=mode,
            client_storage=client_storage_of(ROOT / ".web"),
            persons=_registry(registry),
            server=server, states_dir=data_dir / "states", build_seconds=build_seconds,
        )
