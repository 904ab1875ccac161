"""个人业务 → 缴费查询 as the page uses it: one page of rows at a time, totals over the whole range.

Thirty years of four insurance types are 1,440 rows; the browser gets one page of them (PAGE_SIZE), so the
page stays quick on a phone, while totals and 累计缴费月数 are computed over every row by the query service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from jssi_app.adapters.clock import to_local
from jssi_app.domain.contributions import Totals, default_range
from jssi_app.domain.errors import DomainError
from jssi_app.domain.paging import page_count, shown_page
from jssi_app.models.accounts import PersonAccount
from jssi_app.services import audit
from jssi_app.services.contribution_query import ContributionRow, query_contributions

PAGE_SIZE = 60  # a year of all five types
PROFILE_FIRST = "首次登录需先完善个人信息（户籍地址、联系地址），完成后即可查询、打印。"


class ProfileIncomplete(DomainError):
    """The seed: 首次登录需补充个人相关信息 … 完成后即可使用查询、打印等基础功能."""

    code = "profile_incomplete"


def require_profile(db: Session, account_id: int) -> None:
    """Raises LookupError for an unknown account, ProfileIncomplete before 完善个人信息."""
    try:
        account = db.get(PersonAccount, account_id)
        if account is None:
            raise LookupError("account not found")
        complete = account.profile_completed_at is not None
    finally:
        db.commit()
    if not complete:
        raise ProfileIncomplete(PROFILE_FIRST)


@dataclass(frozen=True)
class QueryDefaults:
    from_month: str
    to_month: str


def open_query(db: Session, *, account_id: int, now: dt.datetime) -> QueryDefaults:
    """What the 缴费查询 page starts with: the last 12 months (Asia/Shanghai calendar)."""
    require_profile(db, account_id)
    start, end = default_range(to_local(now).date())
    return QueryDefaults(from_month=start, to_month=end)


@dataclass(frozen=True)
class ContributionPage:
    from_month: str
    to_month: str
    rows: list[ContributionRow]
    page: int  # 1-based, clamped to the pages there are
    page_count: int
    totals: Totals
    cumulative_pension_months: int


def contribution_page(
    db: Session,
    *,
    account_id: int,
    from_month: str,
    to_month: str,
    insurance_codes: tuple[str, ...],
    page: int,
    client_ip: str,
    now: dt.datetime,
    record_query: bool,
) -> ContributionPage:
    """Raises ValidationFailed for a bad range or type, ProfileIncomplete; `record_query` audits a 查询 (not a
    page turn)."""
    require_profile(db, account_id)
    result = query_contributions(db, account_id=account_id, from_month=from_month, to_month=to_month,
                                 insurance_codes=insurance_codes, today=to_local(now).date())
    pages = page_count(len(result.rows), PAGE_SIZE)
    page = shown_page(page, pages)
    if record_query:
        audit.record(db, "contributions_queried", actor=f"person:{account_id}", client_ip=client_ip,
                     detail={"from": result.from_month, "to": result.to_month, "types": list(insurance_codes),
                             "rows": len(result.rows)})
        db.commit()
    start = (page - 1) * PAGE_SIZE
    return ContributionPage(
        from_month=result.from_month,
        to_month=result.to_month,
        rows=result.rows[start : start + PAGE_SIZE],
        page=page,
        page_count=pages,
        totals=result.totals,
        cumulative_pension_months=result.cumulative_pension_months,
    )
