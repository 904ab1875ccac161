"""The provincial registry this hall serves: insured persons, units and monthly contributions.

Personal data is stored encrypted (`*_enc`) with a keyed fingerprint (`*_fp`) for lookups;
see jssi_app/adapters/pii.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


class RegistryPerson(SQLModel, table=True):
    __tablename__ = "registry_person"

    id: int | None = Field(default=None, primary_key=True)
    # Fingerprint of the ID number exactly as the registry holds it (18 or legacy 15 digits).
    id_fp: str = Field(max_length=64, unique=True, index=True)
    # For a legacy 15-digit record: fingerprint of its computed 18-digit form, so a person who
    # types the 18-digit number can be told that the record needs upgrading at the office.
    upgraded_id_fp: str | None = Field(default=None, max_length=64, index=True)
    id_length: int = Field(default=18)
    id_number_enc: str
    name_enc: str
    gender: str = Field(max_length=2)
    birth_date: dt.date
    phone_enc: str | None = None
    phone_fp: str | None = Field(default=None, max_length=64, index=True)
    hukou_address_enc: str | None = None
    insured_region: str = Field(max_length=6)
    person_type: str = Field(max_length=16)
    insured_status: str = Field(max_length=16)
    first_insured: str = Field(max_length=7)


class RegistryUnit(SQLModel, table=True):
    __tablename__ = "registry_unit"

    id: int | None = Field(default=None, primary_key=True)
    # A credit code is public business information (printed on the licence), so it stays readable.
    uscc: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=200)
    unit_type: str = Field(max_length=16)
    legal_rep_name_enc: str
    legal_rep_id_enc: str
    legal_rep_id_fp: str = Field(max_length=64, index=True)
    region_code: str = Field(max_length=6)
    address: str = Field(max_length=300)
    insured_since: str = Field(max_length=7)
    status: str = Field(max_length=8)


class Contribution(SQLModel, table=True):
    __tablename__ = "contribution"
    __table_args__ = (UniqueConstraint("person_id", "period", "insurance_code", name="uq_contribution_month_type"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (person_id, period, insurance_code) index serves lookups by person.
    person_id: int = Field(foreign_key="registry_person.id")
    period: str = Field(max_length=7)
    insurance_code: str = Field(max_length=3)
    unit_id: int | None = Field(default=None, foreign_key="registry_unit.id", index=True)
    base: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    personal_amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    unit_amount: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    paid_status: str = Field(max_length=8)
