"""Database engine and sessions. One engine per URL; SQLite gets WAL and foreign keys."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from jssi_app.config import settings


@functools.lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            # Take transactions into our own hands (see _sqlite_begin).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # Every transaction takes the write lock up front: a deferred transaction that read and
            # then writes fails at once in WAL mode when another writer committed in between, while
            # an immediate one waits its turn (busy_timeout). Single-office scale makes this cheap.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def engine() -> Engine:
    return engine_for(settings().db_url)


@contextlib.contextmanager
def session_scope(eng: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    with Session(eng or engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
