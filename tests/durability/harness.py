"""The kill -9 harness: a fresh database (SQLite file or PostgreSQL database) with the real migrations and a demo
registry, the writer (tests/durability/driver.py) started and SIGKILLed as a process group at random moments, and
the checks that run on what is left.

Figures of each run go to test-results/durability-<backend>.json (docs/security.md quotes them).
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results"
PY = sys.executable
FLOWS = ("person", "unit", "material", "submit", "claim", "decision")  # what every run of the test must cover


def base_env(data_dir: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(JSSI_ENV="test", JSSI_DATA_DIR=str(data_dir), REFLEX_DB_URL=url, PYTHONUNBUFFERED="1")
    env.pop("REFLEX_REDIS_URL", None)
    return env


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PY, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, **kwargs)


def generate_registry(directory: Path, persons: int) -> Path:
    env = base_env(directory.parent, "sqlite://")
    run(["-m", "jssi_app", "demo-data", str(directory), "--persons", str(persons), "--units", "5"], env)
    return directory


def prepare(data_dir: Path, url: str, registry: Path) -> dict[str, str]:
    """Migrations and registry import, as `make run` does: the schema under test is the real one."""
    env = base_env(data_dir, url)
    run(["-m", "alembic", "upgrade", "head"], env)
    run(["-m", "jssi_app", "import-registry", str(registry)], env)
    return env


class PgDatabase:
    """A database of its own for one run, on the server of JSSI_TEST_PG_URL; dropped afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.name = f"jssi_kill_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.url = make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc) -> None:
        from jssi_app.db import engine_for

        engine_for(self.url).dispose()
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


@dataclass
class Ledger:
    """What the client saw: every acknowledged operation, and what was in flight at each kill."""

    acks: list[dict] = field(default_factory=list)
    refused: collections.Counter = field(default_factory=collections.Counter)
    kills: int = 0
    in_flight_at_kill: list[int] = field(default_factory=list)  # per kill: operations started, not answered
    in_flight_ops: collections.Counter = field(default_factory=collections.Counter)
    runs_without_ack: int = 0

    def acked(self, op: str) -> list[dict]:
        return [a for a in self.acks if a["op"] == op]

    def figures(self) -> dict:
        """The kills and what the client saw, for test-results/ and docs/security.md."""
        return {"kills": self.kills, "acknowledged": {op: len(self.acked(op)) for op in ("sms", *FLOWS)},
                "kills_with_operations_in_flight": sum(1 for n in self.in_flight_at_kill if n),
                "operations_in_flight_at_kills": dict(self.in_flight_ops)}


def _events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines[:-1] if line.strip()]  # the last piece has no newline yet


def kill_loop(env: dict[str, str], registry: Path, *, kills: int, reviewers: list[int], seed: int,
              max_delay: float, log_dir: Path) -> Ledger:
    """Start the writer `kills` times and SIGKILL its process group after a random time each time.

    The writers are forked from one pre-imported server (driver.serve) so a restart costs milliseconds rather
    than the seconds of importing the app again.
    """
    rng = random.Random(seed)
    ledger = Ledger()
    err_path = log_dir / "driver.err"
    with open(err_path, "w") as err:
        server = subprocess.Popen(
            [PY, "-m", "tests.durability.driver", "--serve", "--registry", str(registry),
             "--reviewers", ",".join(map(str, reviewers))],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
        )
    try:
        def ask(line: str) -> dict:
            server.stdin.write(line + "\n")
            server.stdin.flush()
            answer = server.stdout.readline()
            if not answer:
                raise AssertionError(f"driver server died:\n{err_path.read_text()[-4000:]}")
            return json.loads(answer)

        assert json.loads(server.stdout.readline() or '{"ev": "died"}')["ev"] == "serving", err_path.read_text()
        err_offset = 0
        run_no = 0
        # At least `kills` runs; on a machine so loaded that some flow never got to its end (e.g. no decision yet),
        # more runs, up to twice as many, so the checks always cover every kind of submission.
        while run_no < kills or (run_no < 2 * kills and any(not ledger.acked(op) for op in FLOWS)):
            run_no += 1
            events_path = log_dir / f"events-{run_no:03d}.jsonl"
            pid = ask(f"run {seed * 1000 + run_no} {events_path}")["pid"]
            try:
                deadline = time.monotonic() + 120
                while not any(e["ev"] == "ready" for e in _events(events_path)):
                    assert time.monotonic() < deadline, f"driver run {run_no} did not start"
                    time.sleep(0.02)
                # Mostly short lives, so kills land at many points of the flows; one in four lives longer, so the
                # multi-step flows (register, four uploads, 提交, 领取, 通过/退回) also get through to the end.
                long_life = rng.random() < 0.25
                time.sleep(rng.uniform(max_delay, 3 * max_delay) if long_life else rng.uniform(0.05, max_delay))
            finally:
                os.killpg(pid, signal.SIGKILL)
                reaped = ask(f"reap {pid}")
            assert reaped["signal"] == signal.SIGKILL, f"driver run {run_no} ended by itself: {reaped}"
            ledger.kills += 1
            stderr = err_path.read_text()
            # Threads print unexpected exceptions (not DomainErrors) here: a database error under concurrency is a bug.
            assert "Traceback" not in stderr[err_offset:], f"driver run {run_no} hit an error:\n{stderr[-4000:]}"
            err_offset = len(stderr)
            events = _events(events_path)
            answered = {e["id"] for e in events if e["ev"] in ("ack", "refused")}
            open_ops = [e for e in events if e["ev"] == "start" and e["id"] not in answered]
            ledger.in_flight_at_kill.append(len(open_ops))
            ledger.in_flight_ops.update(e["op"] for e in open_ops)
            run_acks = [e for e in events if e["ev"] == "ack"]
            ledger.acks.extend(run_acks)
            ledger.refused.update(e["op"] for e in events if e["ev"] == "refused")
            if not run_acks:
                ledger.runs_without_ack += 1
    finally:
        server.stdin.close()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return ledger


def write_figures(backend: str, figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"durability-{backend}.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"\nkill -9 figures ({backend}): {json.dumps(figures, ensure_ascii=False)}")
