"""缴费查询 against a real database (SQLite, and PostgreSQL when JSSI_TEST_PG_URL is set)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.registry import Contribution, RegistryUnit
from jssi_app.services.contribution_query import query_contributions
from tests.services.helpers import add_registry_person, make_id

TODAY = dt.date(2026, 3, 2)
TYPES = ("110", "210", "310", "410")
# (personal, unit) per month on a base of 6000.00.
AMOUNTS = {
    "110": (Decimal("480.00"), Decimal("960.00")),
    "210": (Decimal("30.00"), Decimal("30.00")),
    "310": (Decimal("120.00"), Decimal("540.00")),
    "410": (Decimal("0.00"), Decimal("24.00")),
}
ARREARS_110 = {"2000-05", "2026-02", "2026-03"}
OLD_UNIT = "南京长江机械制造有限公司"
NEW_UNIT = "南京紫金山软件科技有限公司"


def months(end_year: int, end_month: int, n: int) -> list[str]:
    """n months ending with the given one, oldest first."""
    last = end_year * 12 + end_month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - n + 1, last + 1)]


ALL_MONTHS = months(2026, 3, 360)  # 1996-04 … 2026-03


def _unit(db: Session, uscc: str, name: str) -> int:
    unit = RegistryUnit(uscc=uscc, name=name, unit_type="企业", legal_rep_name_enc="x", legal_rep_id_enc="x",
                        legal_rep_id_fp=uscc, region_code="320102", address="南京市", insured_since="1996-01",
                        status="正常")
    db.add(unit)
    db.commit()
    return int(unit.id)


def _account(db: Session, person_id: int, tag: str) -> int:
    account = PersonAccount(registry_person_id=person_id, id_fp=f"id-{tag}", id_number_enc="x", name_enc="x",
                            phone_enc="x", phone_fp=f"ph-{tag}", password_hash="x")
    db.add(account)
    db.commit()
    return int(account.id)


def _bulk(db: Session, rows: list[dict]) -> None:
    db.execute(insert(Contribution.__table__), rows)
    db.commit()


@pytest.fixture
def world(db: Session) -> dict:
    old_unit = _unit(db, "91320100000000001A", OLD_UNIT)
    new_unit = _unit(db, "91320100000000002B", NEW_UNIT)
    me = add_registry_person(db, make_id(11), "张三")
    other = add_registry_person(db, make_id(12), "李四")
    rows = []
    for period in ALL_MONTHS:
        for code in TYPES:
            personal, unit = AMOUNTS[code]
            rows.append({
                "person_id": me.id, "period": period, "insurance_code": code,
                "unit_id": new_unit if period >= "2020-01" else old_unit,
                "base": Decimal("6000.00"), "personal_amount": personal, "unit_amount": unit,
                "paid_status": "欠缴" if code == "110" and period in ARREARS_110 else "已实缴",
            })
    # Someone else at the same unit, same months: never shown to me.
    for period in ALL_MONTHS[-24:]:
        rows.append({"person_id": other.id, "period": period, "insurance_code": "110", "unit_id": new_unit,
                     "base": Decimal("9999.00"), "personal_amount": Decimal("799.92"),
                     "unit_amount": Decimal("1599.84"), "paid_status": "欠缴"})
    _bulk(db, rows)
    return {"me": _account(db, me.id, "me"), "other": _account(db, other.id, "other"),
            "me_person": me.id, "new_unit": new_unit}


def test_last_twelve_months_all_types(db: Session, world: dict) -> None:
    result = query_contributions(db, account_id=world["me"], from_month="2025-04", to_month="2026-03", today=TODAY)
    assert len(result.rows) == 48
    first = result.rows[0]
    assert (first.period, first.insurance_code, first.insurance_name) == ("2026-03", "110", "企业职工基本养老保险")
    assert [r.insurance_code for r in result.rows[:4]] == ["110", "210", "310", "410"]
    assert [r.period for r in result.rows[::4]] == list(reversed(months(2026, 3, 12)))
    assert all(r.unit_name == NEW_UNIT for r in result.rows)
    assert first.base == Decimal("6000.00") and isinstance(first.personal_amount, Decimal)
    assert str(first.unit_amount) == "960.00"
    assert {(r.period, r.insurance_code) for r in result.rows if r.arrears} == {("2026-03", "110"), ("2026-02", "110")}
    assert all(r.paid_status == ("欠缴" if r.arrears else "已实缴") for r in result.rows)

    t = result.totals
    assert t.row_count == 48
    assert t.personal_total == Decimal("7560.00")
    assert t.unit_total == Decimal("18648.00")
    assert t.total == Decimal("26208.00")
    assert (t.arrears_count, t.arrears_personal, t.arrears_unit) == (2, Decimal("960.00"), Decimal("1920.00"))
    assert t.paid_pension_months == 10
    # Over the whole history, not just the range: 360 months less the three unpaid ones.
    assert result.cumulative_pension_months == 357


def test_type_filter(db: Session, world: dict) -> None:
    result = query_contributions(db, account_id=world["me"], from_month="2025-04", to_month="2026-03",
                                 insurance_codes=("310",), today=TODAY)
    assert len(result.rows) == 12
    assert {r.insurance_code for r in result.rows} == {"310"}
    assert result.rows[0].insurance_name == "职工基本医疗保险"
    assert result.totals.personal_total == Decimal("1440.00")
    assert result.totals.arrears_count == 0 and result.totals.paid_pension_months == 0
    assert result.cumulative_pension_months == 357  # the filter does not narrow the cumulative count

    both = query_contributions(db, account_id=world["me"], from_month="2025-04", to_month="2026-03",
                               insurance_codes=("110", "410"), today=TODAY)
    assert len(both.rows) == 24 and {r.insurance_code for r in both.rows} == {"110", "410"}


def test_unit_name_follows_the_period(db: Session, world: dict) -> None:
    result = query_contributions(db, account_id=world["me"], from_month="2019-11", to_month="2020-02",
                                 insurance_codes=("110",), today=TODAY)
    assert [(r.period, r.unit_name) for r in result.rows] == [
        ("2020-02", NEW_UNIT), ("2020-01", NEW_UNIT), ("2019-12", OLD_UNIT), ("2019-11", OLD_UNIT)]


def test_full_history_of_thirty_years(db: Session, world: dict) -> None:
    started = time.perf_counter()
    result = query_contributions(db, account_id=world["me"], from_month="1996-04", to_month="2026-03", today=TODAY)
    elapsed = time.perf_counter() - started
    print(f"360 months x 4 types: {elapsed * 1000:.1f} ms")
    assert len(result.rows) == 1440
    assert result.rows[0].period == "2026-03" and result.rows[-1].period == "1996-04"
    assert result.totals.arrears_count == 3
    assert result.totals.paid_pension_months == 357 == result.cumulative_pension_months
    assert result.totals.personal_total == Decimal("630.00") * 360


def test_another_persons_rows_never_appear(db: Session, world: dict) -> None:
    mine = query_contributions(db, account_id=world["me"], from_month="1996-04", to_month="2026-03", today=TODAY)
    assert all(r.base == Decimal("6000.00") for r in mine.rows)
    theirs = query_contributions(db, account_id=world["other"], from_month="1996-04", to_month="2026-03", today=TODAY)
    assert len(theirs.rows) == 24
    assert all(r.base == Decimal("9999.00") and r.arrears for r in theirs.rows)
    assert theirs.cumulative_pension_months == 0


def test_pension_months_are_distinct_across_pension_types(db: Session, world: dict) -> None:
    # A 120 row in a month already paid under 110 adds nothing; one in a month whose 110 is unpaid adds it.
    base = {"person_id": world["me_person"], "unit_id": world["new_unit"], "base": Decimal("6000.00"),
            "personal_amount": Decimal("480.00"), "unit_amount": Decimal("960.00"), "paid_status": "已实缴"}
    _bulk(db, [{**base, "period": "2025-12", "insurance_code": "120"},
               {**base, "period": "2026-02", "insurance_code": "120"}])
    result = query_contributions(db, account_id=world["me"], from_month="2025-04", to_month="2026-03", today=TODAY)
    assert len(result.rows) == 50
    assert [r.insurance_code for r in result.rows if r.period == "2026-02"] == ["110", "120", "210", "310", "410"]
    assert result.totals.paid_pension_months == 11
    assert result.cumulative_pension_months == 358


def test_refusals(db: Session, world: dict) -> None:
    with pytest.raises(ValidationFailed) as e:
        query_contributions(db, account_id=world["me"], from_month="2026-03", to_month="2026-04", today=TODAY)
    assert "to_month" in e.value.by_field()
    with pytest.raises(ValidationFailed):
        query_contributions(db, account_id=world["me"], from_month="2025-04", to_month="2026-03",
                            insurance_codes=("999",), today=TODAY)
    with pytest.raises(LookupError):
        query_contributions(db, account_id=999999, from_month="2025-04", to_month="2026-03", today=TODAY)
