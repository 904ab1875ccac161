"""The PostgreSQL and Redis a test variant needs: skipped with the reason on a laptop without them, failed in CI.

`.ci/run` sets JSSI_TEST_PG_URL, JSSI_TEST_REDIS_URL and JSSI_REQUIRE_SERVICES=1, so there a missing URL is a
failure, never a quiet skip; a URL that is set but unreachable fails where the test connects.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest
from sqlalchemy import create_engine, text


def _require(variable: str, what: str) -> str:
    url = os.environ.get(variable, "")
    if url:
        return url
    if os.environ.get("JSSI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{variable} is not set, but JSSI_REQUIRE_SERVICES=1: the {what} variant must run here")
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
