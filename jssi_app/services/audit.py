"""Appending to, verifying and sealing the keyed hash-chained audit log (jssi_app/domain/audit_chain.py).

Appends are serialised so two workers never chain onto the same previous row: PostgreSQL takes a
transaction-scoped advisory lock; on SQLite every transaction already holds the write lock
(jssi_app/db.py begins them IMMEDIATE).
"""

from __future__ import annotations

import json

from sqlalchemy import func, text
from sqlmodel import Session, select

from jssi_app.adapters.clock import utcnow
from jssi_app.adapters.pii import cipher
from jssi_app.domain.audit_chain import (
    EVENTS, GENESIS_HASH, SEAL_EVENT, SEAL_FIELD, ChainCheck, ChainVerifier, event_hash,
)
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
    return _append(session, event, head or GENESIS_HASH, actor=actor, subject=subject, client_ip=client_ip,
                   outcome=outcome, detail=detail or {})


def _append(session: Session, event: str, prev_hash: str, *, actor: str, subject: str, client_ip: str,
            outcome: str, detail: dict) -> AuditEvent:
    c = cipher()
    row = AuditEvent(
        at=utcnow(),
        event=event,
        actor=actor[:64],
        subject=subject[:64],
        client_ip=client_ip[:64],
        outcome=outcome,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        key_id=c.key_id,
        prev_hash=prev_hash,
        hash="",
    )
    row.hash = event_hash(row.prev_hash, row.model_dump(), c.chain_key())
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


def _feed(session: Session, verifier: ChainVerifier, after_id: int, batch: int) -> int:
    """Feed the rows after `after_id` to `verifier`; the last id fed (stops at the first bad row)."""
    last_id = after_id
    while True:
        # populate_existing: check what is stored, not rows this session already holds in memory.
        chunk = session.exec(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            .execution_options(populate_existing=True)
        ).all()
        if not chunk:
            return last_id
        for r in chunk:
            if not verifier.feed(r.model_dump()):
                return last_id
            last_id = int(r.id)


def verify_audit_log(session: Session, batch: int = 5000) -> ChainCheck:
    verifier = ChainVerifier(cipher().chain_keys())
    _feed(session, verifier, 0, batch)
    return verifier.result()


class ChainBroken(Exception):
    """The chain does not verify: it must not be sealed (a seal would vouch for what was changed)."""

    def __init__(self, check: ChainCheck) -> None:
        super().__init__(f"audit chain fails at row {check.first_bad_id}")
        self.check = check


def record_seal(session: Session, *, actor: str, detail: dict, batch: int = 5000) -> AuditEvent:
    """Append the `keys_rotated` seal: every earlier row verified, and its running digest recorded under the
    current key, so the keys that sealed those rows may then leave the ring.

    The chain is read once without the append lock (writers go on), then only the rows appended meanwhile are
    read under it."""
    verifier = ChainVerifier(cipher().chain_keys())
    last_id = _feed(session, verifier, 0, batch)
    session.rollback()  # end the reading transaction before taking the lock (SQLite: BEGIN IMMEDIATE)
    _lock_chain(session)
    _feed(session, verifier, last_id, batch)
    check = verifier.result()
    if not check.ok:
        raise ChainBroken(check)
    return _append(session, SEAL_EVENT, verifier.prev, actor=actor, subject="", client_ip="", outcome="success",
                   detail={**detail, SEAL_FIELD: verifier.digest})


def unsealed_rows(session: Session) -> int:
    """Rows under another key than the current one that no seal covers yet: they need that key to verify."""
    c = cipher()
    last_seal = session.exec(select(func.max(AuditEvent.id)).where(AuditEvent.event == SEAL_EVENT,
                                                                    AuditEvent.key_id == c.key_id)).one()
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.key_id != c.key_id)
    if last_seal is not None:
        query = query.where(AuditEvent.id > last_seal)
    return int(session.exec(query).one())
