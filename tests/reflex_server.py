"""The app served as `reflex run --env prod --single-port` serves it, for tests that start and kill it.

`reflex run --env prod --single-port` does two things on every start: compile the app and build the frontend
(19–50 s here, by load), then hand over to `reflex.utils.exec.run_backend_prod`, which runs Granian on the app with the
built frontend mounted. A test that restarts the server dozens of times builds once (`build(...)`, the real
command, started and stopped as soon as it answers) and then starts only the second half (`python -m
tests.reflex_server PORT`): the same Granian server, worker processes, app, state manager and mounted frontend
as production, without rebuilding an unchanged frontend.

A `Server` (either command) runs in a process group of its own, so `kill()` SIGKILLs the Granian supervisor and
its workers together, as a crash or an OOM kill of the whole service would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path, url: str, port: int) -> dict[str, str]:
    """The environment of the e2e server: test mode, its own data folder and database, the demo outbox."""
    env = dict(os.environ)
    env.update(
        JSSI_ENV="test", JSSI_DATA_DIR=str(data_dir), REFLEX_DB_URL=url, PORT=str(port),
        JSSI_PUBLIC_URL=f"http://localhost:{port}", REFLEX_TELEMETRY_ENABLED="false", REFLEX_USE_SYSTEM_BUN="1",
        # Clients say who they are with X-Forwarded-For (as behind nginx), so per-address throttles see many people.
        JSSI_TRUSTED_PROXY_HOPS="1", PYTHONUNBUFFERED="1",
        # Reflex's on-disk states of this server only: a start empties the folder (as `reflex run` empties
        # .states), which must not touch another server of the same checkout (the e2e one).
        REFLEX_STATES_WORKDIR=str(data_dir / "states"),
        PATH=f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop("REFLEX_REDIS_URL", None)
    return env


@contextlib.contextmanager
def production_backing(pg_url: str, redis_url: str, *, redis_db: int, workers: int = 2):
    """What `make run-prod` runs on: a PostgreSQL database of its own (dropped afterwards), Reflex's Redis state
    manager on Redis database `redis_db` (emptied before and after) and `workers` backend processes. Yields the
    environment variables that switch a server_env to it."""
    import redis

    from tests.durability.harness import PgDatabase

    state_redis = redis_url.rsplit("/", 1)[0] + f"/{redis_db}"
    client = redis.Redis.from_url(state_redis)
    client.flushdb()  # raises if Redis is unreachable: a set but dead URL fails the run
    try:
        with PgDatabase(pg_url) as url:
            yield {"REFLEX_DB_URL": url, "REFLEX_REDIS_URL": state_redis, "GRANIAN_WORKERS": str(workers)}
    finally:
        client.flushdb()
        client.close()


class Server:
    """One life of the server: started, waited for, killed (SIGKILL) or stopped (SIGTERM)."""

    def __init__(self, env: dict[str, str], log: Path, *, build: bool = False) -> None:
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        port = str(self.port)
        args = (["-m", "reflex", "run", "--env", "prod", "--single-port", "--frontend-port", port,
                 "--backend-port", port] if build else ["-m", "tests.reflex_server", port])
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.started = time.monotonic()

    def wait_ready(self, timeout: float = 600) -> float:
        """Seconds from start until /ping answers 200."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as resp:
                    if resp.status == 200:
                        return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log.read_text()[-4000:]}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int:
        """SIGKILL to the whole process group; the signal that ended the group leader."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return -self.proc.returncode

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def build(env: dict[str, str], log: Path) -> float:
    """Compile the app and build its frontend with the production command; seconds it took."""
    server = Server(env, log, build=True)
    try:
        return server.wait_ready()
    finally:
        server.stop()


def main(port: int) -> None:
    """The second half of `reflex run --env prod --single-port` (reflex/reflex.py: _run_prod), on a built app."""
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    from reflex.istate.manager import reset_disk_state_manager
    from reflex.utils import exec as reflex_exec

    # As every `reflex run` does: the on-disk states of the previous life are dropped, so each browser tab
    # comes back with only its cookie, as after a restart of the service.
    reset_disk_state_manager()
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    config = get_config()
    config._set_persistent(frontend_port=port, backend_port=port)
    reflex_exec.run_backend_prod(config.backend_host, port, config.loglevel.subprocess_level(),
                                 mount_frontend_compiled_app=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
