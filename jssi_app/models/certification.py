"""待遇认证 (yearly pension qualification): reference photos, online tries, certifications.

The reference photo and its 128-number face encoding are sensitive personal information: both are stored
only as AES-GCM ciphertext (jssi_app/adapters/pii.py, the column name bound as associated data), never
served to the person or to anyone but clerks and admins.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class FaceReference(SQLModel, table=True):
    """The registry's photo of a person (one per person; a new enrolment replaces it)."""

    __tablename__ = "face_reference"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="registry_person.id", unique=True)
    photo_enc: str = Field(sa_column=Column(Text, nullable=False))  # JPEG, base64, encrypted
    encoding_enc: str = Field(sa_column=Column(Text, nullable=False))  # 128 floats as JSON, encrypted
    enrolled_by: int | None = Field(default=None, foreign_key="staff_account.id")
    enrolled_at: dt.datetime = Field(default_factory=utcnow)


class FaceCertificationAttempt(SQLModel, table=True):
    """One online try; failures of a China-local day are counted from here."""

    __tablename__ = "face_certification_attempt"
    __table_args__ = (Index("ix_face_attempt_person_day", "person_id", "local_day"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="registry_person.id")
    account_id: int = Field(foreign_key="person_account.id")
    outcome: str = Field(max_length=16)
    distance: float | None = None
    channel: str = Field(max_length=8)
    attempted_at: dt.datetime = Field(default_factory=utcnow)
    local_day: dt.date


class FaceCertification(SQLModel, table=True):
    """A successful qualification, online (人脸识别) or at the counter (人工认证)."""

    __tablename__ = "face_certification"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="registry_person.id", index=True)
    method: str = Field(max_length=8)
    certified_at: dt.datetime = Field(default_factory=utcnow)
    valid_until: dt.date
    attempt_id: int | None = Field(default=None, foreign_key="face_certification_attempt.id")
    certified_by: int | None = Field(default=None, foreign_key="staff_account.id")
    counter_task_id: int | None = Field(default=None, foreign_key="counter_task.id")
