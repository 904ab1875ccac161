"""The real app as a child process (`reflex run --env prod --single-port`) on a free port with its own data
directory and SQLite database, and the Chromium the browser tests drive. Shared by the end-to-end fixtures
(tests/e2e/conftest.py) and the frontend-weight benchmark (bench/frontend_weight.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_executable() -> str | None:
    """The system Chromium (Playwright cannot download its own here); None lets Playwright use its own."""
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(data_dir: Path, port: int) -> dict[str, str]:
    """The environment of an app serving `port` from `data_dir` (test settings, embedded SQLite, no Redis)."""
    env = dict(os.environ)
    env.update(
        JSSI_ENV="test",
        JSSI_DATA_DIR=str(data_dir),
        REFLEX_DB_URL=f"sqlite:///{data_dir / 'e2e.db'}",
        PORT=str(port),
        JSSI_PUBLIC_URL=f"http://localhost:{port}",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_USE_SYSTEM_BUN="1",
        PATH=f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop("REFLEX_REDIS_URL", None)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"app did not answer at {url} within {timeout}s:\n{log.read_text()[-4000:]}")


@contextmanager
def running_app(env: dict[str, str], log: Path, timeout: float = 600) -> Iterator[str]:
    """Build and serve the app (prod build, one port) until the block ends; yields its base URL."""
    port = env["PORT"]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", port, "--backend-port", port],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc, log, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
