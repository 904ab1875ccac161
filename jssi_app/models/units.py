"""Unit registration (单位用户注册): the unit's account, its applications, review rounds and materials.

An application is one registration attempt for one credit code; each submit or resubmit opens a round,
and materials are versioned per round so earlier rounds stay on record after a rejection.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class UnitAccount(SQLModel, table=True):
    """Created with the application; it can sign in only once the application is approved."""

    __tablename__ = "unit_account"

    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, unique=True, index=True)
    password_hash: str = Field(max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)
    approved_at: dt.datetime | None = None
    failed_sign_ins: int = 0
    locked_until: dt.datetime | None = None
    password_changed_at: dt.datetime = Field(default_factory=utcnow)


class UnitApplication(SQLModel, table=True):
    __tablename__ = "unit_application"
    __table_args__ = (
        # The review queue pages by (status, submitted_at, id); see services/review_queue.py.
        Index("ix_unit_application_queue", "status", "submitted_at", "id"),
        # The dashboard's 已超期 count: open statuses with a due date before today, an index-only range scan.
        Index("ix_unit_application_overdue", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference_no: str = Field(max_length=20, unique=True)
    account_id: int = Field(foreign_key="unit_account.id", index=True)
    uscc: str = Field(max_length=18, index=True)
    unit_name: str = Field(max_length=200, index=True)
    legal_rep_id_enc: str
    legal_rep_id_fp: str = Field(max_length=64)
    handler_name_enc: str
    handler_id_enc: str
    handler_id_fp: str = Field(max_length=64, index=True)
    handler_phone_enc: str
    handler_phone_fp: str = Field(max_length=64, index=True)
    handler_email_enc: str | None = None
    status: str = Field(max_length=16)
    round_number: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)
    submitted_at: dt.datetime | None = None
    due_date: dt.date | None = None
    due_estimated: bool = False
    claimed_by: int | None = Field(default=None, foreign_key="staff_account.id")
    claimed_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    # Pre-checks against the unit registry, shown to the reviewer as flags (JSON).
    prechecks: str = Field(default="{}")
    # Optimistic concurrency: every transition bumps it, and decisions update WHERE version = read version.
    version: int = 1


class ReviewRound(SQLModel, table=True):
    __tablename__ = "review_round"
    __table_args__ = (UniqueConstraint("application_id", "number", name="uq_review_round_number"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="unit_application.id")
    number: int
    submitted_at: dt.datetime
    decision: str | None = Field(default=None, max_length=16)
    decided_at: dt.datetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="staff_account.id")
    opinion: str = Field(default="", max_length=500)


class Material(SQLModel, table=True):
    """One uploaded scan. A replaced or removed file keeps its row (superseded_at set) for the record."""

    __tablename__ = "material"
    __table_args__ = (Index("ix_material_application_round", "application_id", "round_number"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="unit_application.id")
    round_number: int
    kind: str = Field(max_length=24)
    display_name: str = Field(max_length=120)
    media_type: str = Field(max_length=32)
    size: int
    pages: int = 1
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=64)
    preview_key: str = Field(max_length=64)
    thumbnail_key: str = Field(max_length=64)
    uploaded_at: dt.datetime = Field(default_factory=utcnow)
    superseded_at: dt.datetime | None = None


class MaterialRejection(SQLModel, table=True):
    """A reviewer's reason for one material in one round (退回 with 材料不清晰, 公章缺失 …)."""

    __tablename__ = "material_rejection"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="review_round.id", index=True)
    material_kind: str = Field(max_length=24)
    reason: str = Field(max_length=16)
    note: str = Field(default="", max_length=200)
