"""单位CA证书: certificates bound to an approved unit at the counter, and the one-time tickets of a CA login.

A binding keeps what identifies the certificate (SHA-256 of its DER, serial, issuer) and what the clerk saw
(subject, validity), never the key. At most one live binding per certificate: a partial unique index.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel


class UnitCertificate(SQLModel, table=True):
    __tablename__ = "unit_certificate"
    __table_args__ = (
        Index("uq_unit_certificate_live", "fingerprint", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_account_id: int = Field(foreign_key="unit_account.id", index=True)
    uscc: str = Field(max_length=18)
    fingerprint: str = Field(max_length=64, index=True)  # SHA-256 of the DER, hex
    serial: str = Field(max_length=64)  # hex
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=500)
    not_before: dt.datetime
    not_after: dt.datetime
    bound_by: int = Field(foreign_key="staff_account.id")
    bound_at: dt.datetime
    revoked_at: dt.datetime | None = None
    revoked_by: int | None = Field(default=None, foreign_key="staff_account.id")


class CaLoginTicket(SQLModel, table=True):
    """Handed from the proxy-only route to the browser, exchanged once for a session within a minute."""

    __tablename__ = "ca_login_ticket"

    id: int | None = Field(default=None, primary_key=True)
    ticket_hash: str = Field(max_length=64, unique=True)
    unit_account_id: int = Field(foreign_key="unit_account.id")
    certificate_id: int = Field(foreign_key="unit_certificate.id")
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
