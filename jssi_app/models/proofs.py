"""参保缴费证明: one row per printed proof, found again by its verification code.

The code itself is not stored, only its keyed fingerprint (like ID numbers): a copy of the table does
not give anyone codes to type into /verify. What /verify shows is kept here as issued (masked name and
ID, range, types, totals), so a later registry correction never changes what a printed proof said.
The PDF is kept encrypted (AES-GCM, jssi_app/adapters/pii.py) so its owner can download it again exactly
as issued.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Column, Numeric, Text
from sqlmodel import Field, SQLModel

from jssi_app.adapters.clock import utcnow


class ContributionProof(SQLModel, table=True):
    __tablename__ = "contribution_proof"

    id: int | None = Field(default=None, primary_key=True)
    code_fp: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="person_account.id", index=True)
    person_id: int = Field(foreign_key="registry_person.id")
    masked_name: str = Field(max_length=32)
    masked_id_number: str = Field(max_length=32)
    from_month: str = Field(max_length=7)
    to_month: str = Field(max_length=7)
    # Comma-separated national codes as chosen ("" = every type).
    insurance_codes: str = Field(default="", max_length=64)
    row_count: int
    personal_total: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    unit_total: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    total: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    arrears_count: int = 0
    cumulative_pension_months: int = 0
    # SHA-256 of the proof's rows and totals in canonical form: what the document attests.
    content_hash: str = Field(max_length=64)
    issued_at: dt.datetime = Field(default_factory=utcnow)
    pdf_enc: str = Field(sa_column=Column(Text, nullable=False))
