"""Staff accounts (审核员, 窗口经办, admin): separate from citizens and units, with their own login."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class StaffAccount(SQLModel, table=True):
    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32, unique=True, index=True)
    display_name: str = Field(default="", max_length=40)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=100)
    # A generated initial password must be changed at first login.
    must_change_password: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)
    disabled_at: dt.datetime | None = None
    failed_sign_ins: int = 0
    locked_until: dt.datetime | None = None
    password_changed_at: dt.datetime = Field(default_factory=utcnow)
