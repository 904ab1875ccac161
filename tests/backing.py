"""The PostgreSQL and Redis a test variant needs: skipped with the reason on a laptop without them, failed in CI.

`.ci/run` sets JSSI_TEST_PG_URL, JSSI_TEST_REDIS_URL and JSSI_REQUIRE_SERVICES=1, so there a missing URL is a
failure, never a quiet skip; a URL that is set but unreachable fails where the test connects. A plain `make test`
on a machine with the services at their usual local addresses uses them (adopt_local_services): the variants run
there too, instead of being skipped.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid

import pytest
from sqlalchemy import create_engine, text

# The addresses CI's machines (and a developer's, by default) run the services on.
LOCAL_SERVICES = {
    "JSSI_TEST_PG_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "JSSI_TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _answers(variable: str, url: str) -> bool:
    try:
        if variable == "JSSI_TEST_PG_URL":
            probe = create_engine(url, connect_args={"connect_timeout": 2})
            try:
                with probe.connect() as conn:
                    conn.execute(text("SELECT 1"))
            finally:
                probe.dispose()
        else:
            with socket.create_connection(("127.0.0.1", 6379), timeout=2) as conn:
                conn.sendall(b"PING\r\n")
                if not conn.recv(16).startswith(b"+PONG"):
                    return False
    except Exception:  # noqa: BLE001 -- any failure means "not there": the variable stays unset
        return False
    return True


def adopt_local_services() -> dict[str, str]:
    """Set each unset service variable to the local default when that service answers there, before any test
    module reads it (every reader, and the app processes the tests start, then agree). What was adopted."""
    adopted = {}
    for variable, url in LOCAL_SERVICES.items():
        if not os.environ.get(variable) and _answers(variable, url):
            os.environ[variable] = adopted[variable] = url
    return adopted


def _require(variable: str, what: str) -> str:
    url = os.environ.get(variable, "")
    if url:
        return url
    if os.environ.get("JSSI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{variable} is not set, but JSSI_REQUIRE_SERVICES=1: the {what} variant must run here")
    # Reached only on a machine where the variable is unset and nothing answers at the local default (see
    # adopt_local_services): there is no server to test against. CI (.ci/run) sets JSSI_REQUIRE_SERVICES=1 and
    # fails above instead, and a URL that is set but unreachable fails where the test connects.
    pytest.skip(f"{variable} is not set: {what} variant not run (CI sets it, with JSSI_REQUIRE_SERVICES=1)")


def require_pg() -> str:
    return _require("JSSI_TEST_PG_URL", "PostgreSQL")


def require_redis() -> str:
    return _require("JSSI_TEST_REDIS_URL", "Redis")


@contextlib.contextmanager
def pg_schema_engine(prefix: str):
    """An engine on a schema of its own on JSSI_TEST_PG_URL's server (tests stay independent without dropping the
    shared database); the schema is dropped afterwards."""
    url = require_pg()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
