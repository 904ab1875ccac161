from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from jssi_app.domain.contributions import (
    FILTER_TYPES,
    INSURANCE_TYPES,
    default_range,
    parse_month,
    summarize,
    validate_codes,
    validate_range,
)
from jssi_app.domain.errors import InvalidValue, ValidationFailed

TODAY = dt.date(2026, 3, 2)


def test_insurance_types_are_the_import_codes_and_the_filter_is_a_subset() -> None:
    assert list(INSURANCE_TYPES) == ["110", "120", "170", "210", "310", "390", "410", "510"]
    assert INSURANCE_TYPES["110"] == "企业职工基本养老保险"
    assert FILTER_TYPES == {"110": "养老", "210": "失业", "310": "医疗", "410": "工伤", "510": "生育"}
    assert set(FILTER_TYPES) <= set(INSURANCE_TYPES)


def test_parse_month() -> None:
    assert parse_month("2026-03") == (2026, 3)
    assert parse_month(" 1996-12 ") == (1996, 12)


@pytest.mark.parametrize("bad", ["", "2026-3", "2026-13", "2026-00", "202603", "2026/03", "abcd-ef", "2026-03-01"])
def test_parse_month_rejects(bad: str) -> None:
    with pytest.raises(InvalidValue):
        parse_month(bad)


def test_default_range_is_twelve_months_across_the_year_boundary() -> None:
    assert default_range(TODAY) == ("2025-04", "2026-03")
    assert default_range(dt.date(2026, 1, 31)) == ("2025-02", "2026-01")
    assert default_range(dt.date(2025, 12, 1)) == ("2025-01", "2025-12")


def test_validate_range_accepts_and_normalizes() -> None:
    assert validate_range("2025-11", "2026-02", TODAY) == ("2025-11", "2026-02")
    assert validate_range(" 2026-03", "2026-03 ", TODAY) == ("2026-03", "2026-03")
    assert validate_range("1976-04", "2026-03", TODAY) == ("1976-04", "2026-03")  # exactly 50 years


def test_validate_range_refusals() -> None:
    with pytest.raises(ValidationFailed) as e:
        validate_range("2026-02", "2025-12", TODAY)
    assert e.value.by_field() == {"from_month": "起始月份不能晚于截止月份"}
    with pytest.raises(ValidationFailed) as e:
        validate_range("2025-01", "2026-04", TODAY)
    assert e.value.by_field() == {"to_month": "截止月份不能晚于本月"}
    with pytest.raises(ValidationFailed) as e:
        validate_range("1976-03", "2026-03", TODAY)
    assert "50 年" in e.value.by_field()["from_month"]
    with pytest.raises(ValidationFailed) as e:
        validate_range("", "2026-13", TODAY)
    assert set(e.value.by_field()) == {"from_month", "to_month"}


def test_validate_codes() -> None:
    assert validate_codes(["110", "310", "110"]) == ("110", "310")
    with pytest.raises(ValidationFailed):
        validate_codes(["999"])


def _row(period: str, code: str, personal: str, unit: str, status: str = "已实缴"):
    return SimpleNamespace(period=period, insurance_code=code, personal_amount=Decimal(personal),
                           unit_amount=Decimal(unit), paid_status=status)


def test_summarize_with_arrears_and_duplicate_pension_months() -> None:
    rows = [
        _row("2026-01", "110", "400.00", "800.00"),
        _row("2026-01", "120", "10.10", "20.20"),  # same month, another pension type: counted once
        _row("2026-01", "310", "100.00", "450.00"),
        _row("2026-02", "110", "400.00", "800.00", "欠缴"),  # unpaid: not a paid pension month
        _row("2026-02", "210", "5.005", "15"),
        _row("2026-03", "170", "100", "0"),
    ]
    t = summarize(rows)
    assert t.row_count == 6
    assert t.personal_total == Decimal("1015.11")
    assert t.unit_total == Decimal("2085.20")
    assert t.total == Decimal("3100.31")
    assert t.arrears_count == 1
    assert (t.arrears_personal, t.arrears_unit, t.arrears_total) == (Decimal("400.00"), Decimal("800.00"), Decimal("1200.00"))
    assert t.paid_pension_months == 2
    assert str(t.personal_total) == "1015.11" and str(summarize([]).total) == "0.00"
