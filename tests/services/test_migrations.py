"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import jssi_app.models  # noqa: F401
from tests.services.conftest import PG_URL, ROOT


def _upgrade(connection) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


def _diff(connection) -> list:
    ctx = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(ctx, SQLModel.metadata)


def test_migrations_match_models_on_sqlite(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with eng.begin() as conn:
        _upgrade(conn)
    with eng.connect() as conn:
        assert _diff(conn) == []
        assert set(SQLModel.metadata.tables) <= set(inspect(conn).get_table_names())


def test_migrations_match_models_on_postgresql():
    if not PG_URL:
        pytest.skip("JSSI_TEST_PG_URL is not set: PostgreSQL variant not run (CI sets it)")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        with eng.begin() as conn:
            _upgrade(conn)
        with eng.connect() as conn:
            assert _diff(conn) == []
        eng.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _assert_append_only(eng) -> None:
    from sqlmodel import Session

    from jssi_app.services import audit

    with Session(eng) as db:
        audit.record(db, "sign_in", actor="person:1", subject="320102********4512")
        db.commit()
    for statement in ("UPDATE audit_event SET outcome = 'failure'", "DELETE FROM audit_event"):
        with pytest.raises(Exception, match="append-only"), eng.begin() as conn:
            conn.execute(text(statement))
    with eng.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM audit_event")).scalars().all() == ["success"]


def test_migrated_audit_log_is_append_only_on_sqlite(tmp_path):
    from jssi_app.db import engine_for

    eng = engine_for(f"sqlite:///{tmp_path / 'a.db'}")
    with eng.begin() as conn:
        _upgrade(conn)
    _assert_append_only(eng)


def test_migrated_audit_log_is_append_only_on_postgresql():
    if not PG_URL:
        pytest.skip("JSSI_TEST_PG_URL is not set: PostgreSQL variant not run (CI sets it)")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        with eng.begin() as conn:
            _upgrade(conn)
        _assert_append_only(eng)
        eng.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
