"""Service tests run against a real database: SQLite always, PostgreSQL when JSSI_TEST_PG_URL is set.

With JSSI_TEST_PG_URL unset the PostgreSQL variants are reported as skipped with the reason; with it
set but unreachable they fail (the connection error propagates).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from tests.backing import require_pg
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import jssi_app.models  # noqa: F401  (registers the tables)
from jssi_app.db import engine_for

PG_URL = os.environ.get("JSSI_TEST_PG_URL", "")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request, tmp_path):
    if request.param == "sqlite":
        eng = engine_for(f"sqlite:///{tmp_path / 'svc.db'}")
        SQLModel.metadata.create_all(eng)
        yield eng
        eng.dispose()
        return
    require_pg()
    # A schema per test keeps tests independent without dropping the shared database.
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = engine_for(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    from sqlalchemy import create_engine

    eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    SQLModel.metadata.create_all(eng)
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def db(db_engine):
    with Session(db_engine, expire_on_commit=False) as session:
        yield session
