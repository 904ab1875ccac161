"""Operational tables: throttle hits, the message outbox and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class ThrottleHit(SQLModel, table=True):
    """One counted action for a named throttle; the window is counted over these rows."""

    __tablename__ = "throttle_hit"
    __table_args__ = (Index("ix_throttle_hit_lookup", "name", "key_fp", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=48)
    key_fp: str = Field(max_length=64)
    at: dt.datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message delivered by the outbox backend (the embedded default), readable at /dev/outbox."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=8)
    recipient_enc: str
    recipient_masked: str = Field(max_length=64)
    subject: str = Field(default="", max_length=200)
    body: str
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained record of security and business events."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    event: str = Field(max_length=48, index=True)
    actor: str = Field(max_length=64)
    subject: str = Field(default="", max_length=64)
    client_ip: str = Field(default="", max_length=64)
    outcome: str = Field(max_length=16)
    detail: str = Field(default="")
    # The id of the key (jssi_app/adapters/pii.py keyring) whose audit chain key sealed this row.
    key_id: str = Field(default="1", max_length=5)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
