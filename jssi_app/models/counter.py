"""Counter tasks (窗口经办): work the online hall hands to a clerk at the office.

Examples: a 人工认证 after three failed face certifications in a day, a 缴费基数 decrease that Jiangsu
does not accept online. One table for every kind so the clerk has one queue.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class CounterTask(SQLModel, table=True):
    __tablename__ = "counter_task"
    __table_args__ = (Index("ix_counter_task_queue", "status", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    status: str = Field(max_length=16)
    person_id: int | None = Field(default=None, foreign_key="registry_person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="registry_unit.id", index=True)
    # The row of the kind's own table this task is about (a declaration, a certification …), if any.
    ref_id: int | None = None
    # What the clerk sees in the queue; never holds unmasked personal data.
    summary: str = Field(default="", max_length=200)
    # Kind-specific facts as JSON.
    detail: str = Field(default="{}")
    created_at: dt.datetime = Field(default_factory=utcnow)
    handled_by: int | None = Field(default=None, foreign_key="staff_account.id")
    handled_at: dt.datetime | None = None
    outcome_note: str = Field(default="", max_length=500)
