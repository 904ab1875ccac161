"""Service tests run against a real database: SQLite always, PostgreSQL when JSSI_TEST_PG_URL is set.

With JSSI_TEST_PG_URL unset the PostgreSQL variants are reported as skipped with the reason; with it
set but unreachable they fail (the connection error propagates).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.backing import pg_schema_engine
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
    with pg_schema_engine("t") as eng:
        SQLModel.metadata.create_all(eng)
        yield eng


@pytest.fixture
def db(db_engine):
    with Session(db_engine, expire_on_commit=False) as session:
        yield session
