"""Personal accounts of the hall and what hangs off them: sessions, one-time codes, reset tokens."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class PersonAccount(SQLModel, table=True):
    __tablename__ = "person_account"

    id: int | None = Field(default=None, primary_key=True)
    registry_person_id: int = Field(foreign_key="registry_person.id", unique=True)
    id_fp: str = Field(max_length=64, unique=True, index=True)
    id_number_enc: str
    name_enc: str
    phone_enc: str
    phone_fp: str = Field(max_length=64, index=True)
    email_enc: str | None = None
    email_fp: str | None = Field(default=None, max_length=64, index=True)
    password_hash: str = Field(max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)
    real_name_verified_at: dt.datetime = Field(default_factory=utcnow)
    hukou_address_enc: str | None = None
    contact_address_enc: str | None = None
    profile_completed_at: dt.datetime | None = None
    failed_sign_ins: int = 0
    locked_until: dt.datetime | None = None
    password_changed_at: dt.datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """Server-side session; the browser holds only a random token whose SHA-256 is stored here."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    account_kind: str = Field(max_length=16)
    account_id: int = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    absolute_expires_at: dt.datetime
    ended_at: dt.datetime | None = None
    ended_reason: str | None = Field(default=None, max_length=32)
    client_ip: str = Field(default="", max_length=64)


class VerificationCode(SQLModel, table=True):
    """A 6-digit SMS code; only its hash is kept."""

    __tablename__ = "verification_code"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=16)
    phone_fp: str = Field(max_length=64, index=True)
    code_hash: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    failed_attempts: int = 0
    used_at: dt.datetime | None = None
    dead_at: dt.datetime | None = None


class PasswordResetToken(SQLModel, table=True):
    """Single-use permission to set a new password, from an email link or a confirmed SMS code."""

    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="person_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    channel: str = Field(max_length=8)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
