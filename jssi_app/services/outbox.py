"""Read side of the message outbox, for the development page at /dev/outbox.

Entries carry only the masked recipient: the page is a debugging aid and must not become a way to
read phone numbers or addresses back out of the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from jssi_app.models.operations import OutboxMessage

MAX_LIMIT = 500


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    channel: str
    recipient_masked: str
    subject: str
    body: str
    created_at: dt.datetime


def list_outbox(session: Session, limit: int = 50) -> list[OutboxEntry]:
    """The newest `limit` messages, newest first (by id: created_at can tie within one clock tick)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)).all()
    return [
        OutboxEntry(
            id=row.id,  # type: ignore[arg-type]  (always set once stored)
            channel=row.channel,
            recipient_masked=row.recipient_masked,
            subject=row.subject,
            body=row.body,
            created_at=row.created_at,
        )
        for row in rows
    ]
