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
from tests.backing import require_pg


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
    require_pg()
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
    require_pg()
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


def _old_chain_rows(n: int) -> list[dict]:
    """Audit rows as revisions before c4a1d7e9b203 wrote them: an unkeyed SHA-256 chain."""
    import datetime as dt
    import hashlib
    import json

    rows, prev = [], "0" * 64
    for i in range(n):
        row = {"at": dt.datetime(2026, 11, 1, 8, i, 3, 250 * i, tzinfo=dt.UTC), "event": "sign_in",
               "actor": f"person:{i}", "subject": "320102********4512", "client_ip": "198.51.100.7",
               "outcome": "success", "detail": json.dumps({"n": i}), "prev_hash": prev}
        canonical = json.dumps({k: str(row[k]) for k in ("at", "event", "actor", "subject", "client_ip", "outcome",
                                                         "detail")}, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":"))
        row["hash"] = prev = hashlib.sha256((row["prev_hash"] + "\n" + canonical).encode()).hexdigest()
        rows.append(row)
    return rows


def _migrate_with_old_rows(url: str, rows: list[dict], connect_args=None):  # noqa: ANN001, ANN202
    import sqlmodel

    from jssi_app.db import engine_for

    # SQLite through the app's engine, as `alembic upgrade` runs (its transactions make DDL roll back too).
    eng = engine_for(url) if url.startswith("sqlite") else create_engine(url, connect_args=connect_args or {})
    cfg = Config(str(ROOT / "alembic.ini"))
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "95dde794126c")
        table = text("INSERT INTO audit_event (at, event, actor, subject, client_ip, outcome, detail, prev_hash, hash) "
                     "VALUES (:at, :event, :actor, :subject, :client_ip, :outcome, :detail, :prev_hash, :hash)")
        utc = sqlmodel.sql.sqltypes.UTCDateTime()
        for row in rows:  # stored exactly as the ORM stores an aware UTC datetime
            conn.execute(table, {**row, "at": utc.process_bind_param(row["at"], conn.dialect)})
    return eng, cfg


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_keyed_chain_migration_reseals_a_verified_log_and_refuses_a_broken_one(backend, tmp_path):
    from sqlmodel import Session

    from jssi_app.services.audit import verify_audit_log

    for broken in (False, True):
        rows = _old_chain_rows(5)
        if broken:
            rows[2]["actor"] = "person:99"  # edited behind the old chain's back
        schema = None
        if backend == "sqlite":
            url, args = f"sqlite:///{tmp_path / f'k{int(broken)}.db'}", {}
        else:
            require_pg()
            schema = f"k_{uuid.uuid4().hex[:12]}"
            with create_engine(PG_URL).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url, args = PG_URL, {"options": f"-csearch_path={schema}"}
        try:
            eng, cfg = _migrate_with_old_rows(url, rows, args)
            if broken:
                with pytest.raises(RuntimeError, match="audit chain broken at id 3"), eng.begin() as conn:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                with eng.connect() as conn:  # nothing of the refused upgrade stayed
                    assert "key_id" not in {c["name"] for c in inspect(conn).get_columns("audit_event")}
                continue
            with eng.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            with Session(eng) as db:
                check = verify_audit_log(db)
            assert (check.ok, check.checked) == (True, 5)
            with eng.connect() as conn:
                stored = conn.execute(text("SELECT actor, key_id, hash FROM audit_event ORDER BY id")).all()
            assert [r.actor for r in stored] == [r["actor"] for r in rows]
            assert {r.key_id for r in stored} == {"1"} and stored[-1].hash != rows[-1]["hash"]
            for statement in ("UPDATE audit_event SET outcome = 'failure'", "DELETE FROM audit_event"):
                with pytest.raises(Exception, match="append-only"), eng.begin() as conn:
                    conn.execute(text(statement))  # the triggers lifted for the re-seal are back
            eng.dispose()
        finally:
            if schema:
                with create_engine(PG_URL).begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
