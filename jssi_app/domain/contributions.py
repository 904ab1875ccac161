"""缴费查询 rules: insurance types, month ranges and totals. Pure: no database, no clock.

Months are 'YYYY-MM' strings, as the registry stores `contribution.period`; zero-padded, so they
compare (and sort) as strings the same way as in time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed

# National insurance type codes (险种类型) of the registry import, with their official names.
INSURANCE_TYPES: dict[str, str] = {
    "110": "企业职工基本养老保险",
    "120": "机关事业单位养老保险",
    "170": "城乡居民基本养老保险",
    "210": "失业保险",
    "310": "职工基本医疗保险",
    "390": "城乡居民基本医疗保险",
    "410": "工伤保险",
    "510": "生育保险",
}

# The choices of the 险种 filter: code → short label, in display order.
FILTER_TYPES: dict[str, str] = {
    "110": "养老",
    "210": "失业",
    "310": "医疗",
    "410": "工伤",
    "510": "生育",
}

PENSION_CODES: tuple[str, ...] = ("110", "120", "170")

PAID = "已实缴"
ARREARS = "欠缴"

MAX_SPAN_MONTHS = 50 * 12
DEFAULT_SPAN_MONTHS = 12
CENT = Decimal("0.01")

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def insurance_name(code: str) -> str:
    return INSURANCE_TYPES.get(code, code)


def money(value: Decimal | int | str | None) -> Decimal:
    """An amount as Decimal with 2 places, rounded half up (四舍五入); None counts as 0."""
    return Decimal(value if value is not None else 0).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_month(value: str) -> tuple[int, int]:
    """'2026-03' → (2026, 3); anything else raises InvalidValue."""
    m = _MONTH.match((value or "").strip())
    if not m:
        raise InvalidValue("月份格式应为 YYYY-MM，例如 2026-03")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise InvalidValue("月份应在 01 至 12 之间")
    if year < 1900:
        raise InvalidValue("年份不正确")
    return year, month


def format_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _from_index(i: int) -> str:
    return format_month(i // 12, i % 12 + 1)


def current_month(today: dt.date) -> str:
    return format_month(today.year, today.month)


def default_range(today: dt.date) -> tuple[str, str]:
    """The last 12 months ending with the current one: on 2026-03-02 → ('2025-04', '2026-03')."""
    end = _index(today.year, today.month)
    return _from_index(end - (DEFAULT_SPAN_MONTHS - 1)), _from_index(end)


def validate_range(from_month: str, to_month: str, today: dt.date) -> tuple[str, str]:
    """Check a 缴费期间 range; returns it normalized, or raises ValidationFailed (fields from_month / to_month)."""
    errors: list[FieldError] = []
    parsed: dict[str, tuple[int, int]] = {}
    for field, value, label in (("from_month", from_month, "起始月份"), ("to_month", to_month, "截止月份")):
        if not (value or "").strip():
            errors.append(FieldError(field, f"请选择{label}"))
            continue
        try:
            parsed[field] = parse_month(value)
        except InvalidValue as e:
            errors.append(FieldError(field, f"{label}：{e.message}"))
    if errors:
        raise ValidationFailed(errors)
    start, end = _index(*parsed["from_month"]), _index(*parsed["to_month"])
    now = _index(today.year, today.month)
    if end > now:
        errors.append(FieldError("to_month", "截止月份不能晚于本月"))
    if start > now:
        errors.append(FieldError("from_month", "起始月份不能晚于本月"))
    if not errors and start > end:
        errors.append(FieldError("from_month", "起始月份不能晚于截止月份"))
    if not errors and end - start + 1 > MAX_SPAN_MONTHS:
        errors.append(FieldError("from_month", "查询期间最长 50 年"))
    if errors:
        raise ValidationFailed(errors)
    return _from_index(start), _from_index(end)


def validate_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Insurance codes of a filter, de-duplicated in order; unknown codes raise ValidationFailed."""
    out: list[str] = []
    for code in codes:
        code = (code or "").strip()
        if code not in INSURANCE_TYPES:
            raise ValidationFailed([FieldError("insurance_codes", "险种类型不正确")])
        if code not in out:
            out.append(code)
    return tuple(out)


class _Row(Protocol):
    period: str
    insurance_code: str
    personal_amount: Decimal
    unit_amount: Decimal
    paid_status: str


@dataclass(frozen=True)
class Totals:
    row_count: int
    personal_total: Decimal
    unit_total: Decimal
    total: Decimal
    arrears_count: int
    arrears_personal: Decimal
    arrears_unit: Decimal
    arrears_total: Decimal
    # Distinct months with a paid (已实缴) pension row of any pension type (110/120/170).
    paid_pension_months: int


def summarize(rows: Iterable[_Row]) -> Totals:
    count = 0
    personal = unit = arrears_personal = arrears_unit = Decimal(0)
    arrears_count = 0
    pension_months: set[str] = set()
    for r in rows:
        count += 1
        p, u = money(r.personal_amount), money(r.unit_amount)
        personal += p
        unit += u
        if r.paid_status == ARREARS:
            arrears_count += 1
            arrears_personal += p
            arrears_unit += u
        elif r.paid_status == PAID and r.insurance_code in PENSION_CODES:
            pension_months.add(r.period)
    return Totals(
        row_count=count,
        personal_total=money(personal),
        unit_total=money(unit),
        total=money(personal + unit),
        arrears_count=arrears_count,
        arrears_personal=money(arrears_personal),
        arrears_unit=money(arrears_unit),
        arrears_total=money(arrears_personal + arrears_unit),
        paid_pension_months=len(pension_months),
    )
