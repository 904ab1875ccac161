"""Alembic environment: jssi's tables, its database URL, batch mode so SQLite can alter tables."""

from alembic import context
from sqlmodel import SQLModel

import jssi_app.models  # noqa: F401  (registers every table)
from jssi_app.db import engine_for
from jssi_app.config import settings

target_metadata = SQLModel.metadata


def _url() -> str:
    return context.config.attributes.get("db_url") or settings().db_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine_for(_url()).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
