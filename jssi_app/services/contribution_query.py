"""个人业务 → 缴费查询: the signed-in person's monthly contribution records, with totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from jssi_app.domain.contributions import (
    ARREARS,
    PAID,
    PENSION_CODES,
    Totals,
    insurance_name,
    money,
    summarize,
    validate_codes,
    validate_range,
)
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.registry import Contribution, RegistryUnit


@dataclass(frozen=True)
class ContributionRow:
    period: str
    insurance_code: str
    insurance_name: str
    base: Decimal
    personal_amount: Decimal
    unit_amount: Decimal
    unit_name: str
    paid_status: str
    arrears: bool


@dataclass(frozen=True)
class ContributionResult:
    from_month: str
    to_month: str
    rows: list[ContributionRow]
    totals: Totals
    # Distinct months with a paid pension contribution over the person's whole history.
    cumulative_pension_months: int


def query_contributions(
    db: Session,
    *,
    account_id: int,
    from_month: str,
    to_month: str,
    insurance_codes: tuple[str, ...] = (),
    today: dt.date,
) -> ContributionResult:
    """Raises ValidationFailed for a bad range or code, LookupError for an unknown account."""
    start, end = validate_range(from_month, to_month, today)
    codes = validate_codes(insurance_codes)
    try:
        account = db.get(PersonAccount, account_id)
        if account is None:
            raise LookupError("account not found")
        person_id = account.registry_person_id

        query = (
            select(
                Contribution.period,
                Contribution.insurance_code,
                Contribution.base,
                Contribution.personal_amount,
                Contribution.unit_amount,
                Contribution.paid_status,
                RegistryUnit.name,
            )
            .select_from(Contribution)
            .outerjoin(RegistryUnit, col(RegistryUnit.id) == col(Contribution.unit_id))
            .where(
                Contribution.person_id == person_id,
                col(Contribution.period) >= start,
                col(Contribution.period) <= end,
            )
            .order_by(col(Contribution.period).desc(), col(Contribution.insurance_code))
        )
        if codes:
            query = query.where(col(Contribution.insurance_code).in_(codes))
        rows = [
            ContributionRow(
                period=period,
                insurance_code=code,
                insurance_name=insurance_name(code),
                base=money(base),
                personal_amount=money(personal),
                unit_amount=money(unit),
                unit_name=unit_name or "",
                paid_status=status,
                arrears=status == ARREARS,
            )
            for period, code, base, personal, unit, status, unit_name in db.exec(query).all()
        ]

        cumulative = db.exec(
            select(func.count(distinct(Contribution.period))).where(
                Contribution.person_id == person_id,
                col(Contribution.insurance_code).in_(PENSION_CODES),
                Contribution.paid_status == PAID,
            )
        ).one()
    finally:
        db.commit()  # end the read (on SQLite it holds the write lock)
    return ContributionResult(
        from_month=start,
        to_month=end,
        rows=rows,
        totals=summarize(rows),
        cumulative_pension_months=int(cumulative or 0),
    )
