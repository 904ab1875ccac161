"""Appending to and verifying the hash-chained audit log.

Appends are serialised so two workers never chain onto the same previous row: PostgreSQL takes a
transaction-scoped advisory lock; on SQLite every transaction already holds the write lock
(jssi_app/db.py begins them IMMEDIATE).
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlmodel import Session, select

from jssi_app.adapters.clock import utcnow
from jssi_app.domain.audit_chain import EVENTS, GENESIS_HASH, ChainCheck, event_hash, verify_chain
from jssi_app.models.operations import AuditEvent

_PG_LOCK_KEY = 0x4A535349  # "JSSI"


def _lock_chain(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


def record(
    session: Session,
    event: str,
    *,
    actor: str,
    subject: str = "",
    client_ip: str = "",
    outcome: str = "success",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (it commits or rolls back with the business change)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    _lock_chain(session)
    head = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    row = AuditEvent(
        at=utcnow(),
        event=event,
        actor=actor[:64],
        subject=subject[:64],
        client_ip=client_ip[:64],
        outcome=outcome,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        prev_hash=head or GENESIS_HASH,
        hash="",
    )
    row.hash = event_hash(row.prev_hash, row.model_dump())
    session.add(row)
    session.flush()
    return row


def record_alone(db: Session, event: str, **kwargs) -> None:
    """Append in a transaction of its own (same database as `db`): for refusals, where nothing else
    may be stored. `db`'s transaction is rolled back first: on SQLite it would hold the write lock the
    audit append needs, and a refusal must not store anything else anyway."""
    db.rollback()
    with Session(db.get_bind(), expire_on_commit=False) as own:
        record(own, event, **kwargs)
        own.commit()


def verify_audit_log(session: Session, batch: int = 5000) -> ChainCheck:
    def rows():
        last_id = 0
        while True:
            # populate_existing: check what is stored, not rows this session already holds in memory.
            chunk = session.exec(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
                .execution_options(populate_existing=True)
            ).all()
            if not chunk:
                return
            for r in chunk:
                yield r.model_dump()
            last_id = chunk[-1].id

    return verify_chain(rows())
