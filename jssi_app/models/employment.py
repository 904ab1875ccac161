"""用工关系 (employment relations) and 缴费基数申报 (base declarations) of approved units.

An employment ties a registry person to a registry unit from a start date; 减员 ends it. A person has at
most one open employment (end_date IS NULL) across all units: the partial unique index below enforces
it in the database, so two units enrolling the same person at the same moment cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric, text
from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow

OPEN_EMPLOYMENT_INDEX = "uq_employment_open_person"


class Employment(SQLModel, table=True):
    __tablename__ = "employment"
    __table_args__ = (
        # Partial unique index: SQLite (3.8+) and PostgreSQL both support WHERE on an index.
        Index(OPEN_EMPLOYMENT_INDEX, "person_id", unique=True,
              sqlite_where=text("end_date IS NULL"), postgresql_where=text("end_date IS NULL")),
        # The unit's employee list: by unit, open ones first.
        Index("ix_employment_unit", "unit_id", "end_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="registry_person.id")
    unit_id: int = Field(foreign_key="registry_unit.id")
    start_date: dt.date
    end_date: dt.date | None = None
    end_reason: str | None = Field(default=None, max_length=8)
    # The current monthly 缴费基数 (yuan), changed by 缴费基数申报.
    base: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    # The contact phone the unit gave at 人员新增 (the registry's own phone changes only at the counter).
    phone_enc: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=64)  # audit actor, e.g. unit:12 or seed-demo
    ended_at: dt.datetime | None = None
    ended_by: str | None = Field(default=None, max_length=64)


class BaseDeclaration(SQLModel, table=True):
    """One employee's line of a 缴费基数申报. An increase (or no change) is effective at once; a decrease
    waits for the counter (status pending_counter) with the counter task's id."""

    __tablename__ = "base_declaration"
    __table_args__ = (Index("ix_base_declaration_unit", "unit_id", "declared_at"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="registry_unit.id")
    employment_id: int = Field(foreign_key="employment.id", index=True)
    year: int
    old_base: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    new_base: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    change: str = Field(max_length=12)  # increase | unchanged | decrease
    status: str = Field(max_length=16)  # effective | pending_counter | counter_done | counter_refused
    counter_task_id: int | None = Field(default=None, foreign_key="counter_task.id")
    declared_at: dt.datetime = Field(default_factory=utcnow)
    declared_by: str = Field(default="", max_length=64)
    decided_at: dt.datetime | None = None
