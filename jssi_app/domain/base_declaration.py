"""缴费基数申报 rules: base bounds, contribution rates per insurance type, monthly amounts. Pure.

Amounts are Decimal, each share rounded half up to the fen (分) per insurance type, as the contribution
records hold them; totals are sums of the rounded shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jssi_app.domain.contributions import INSURANCE_TYPES, money
from jssi_app.domain.errors import InvalidValue

# The five types a unit declares for its employees, in display order.
DECLARED_TYPES: tuple[str, ...] = ("110", "210", "310", "410", "510")

INCREASE = "increase"
UNCHANGED = "unchanged"
DECREASE = "decrease"
CHANGE_LABELS = {INCREASE: "调增", UNCHANGED: "不变", DECREASE: "调减（需窗口办理）"}

EFFECTIVE = "effective"
PENDING_COUNTER = "pending_counter"
COUNTER_DONE = "counter_done"
COUNTER_REFUSED = "counter_refused"
STATUS_LABELS = {EFFECTIVE: "已生效", PENDING_COUNTER: "待窗口办理", COUNTER_DONE: "窗口已办结", COUNTER_REFUSED: "不予办理"}

_AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")
_RATE_ITEM = re.compile(r"^\s*([0-9]{3})\s*:\s*([0-9.]+)\s*/\s*([0-9.]+)\s*$")


@dataclass(frozen=True)
class Bounds:
    lower: Decimal
    upper: Decimal

    @property
    def text(self) -> str:
        return f"{self.lower:.2f} 至 {self.upper:.2f} 元"


@dataclass(frozen=True)
class Rate:
    code: str
    unit: Decimal
    personal: Decimal

    @property
    def name(self) -> str:
        return INSURANCE_TYPES.get(self.code, self.code)


@dataclass(frozen=True)
class TypeAmount:
    code: str
    name: str
    unit: Decimal
    personal: Decimal


@dataclass(frozen=True)
class MonthlyAmounts:
    base: Decimal
    by_type: tuple[TypeAmount, ...]
    unit_total: Decimal
    personal_total: Decimal

    @property
    def total(self) -> Decimal:
        return money(self.unit_total + self.personal_total)


def parse_bounds(lower: str, upper: str) -> Bounds:
    """Configured bounds; a misconfiguration is an operator error, so ValueError (not a person's message)."""
    try:
        lo, hi = money(Decimal(lower)), money(Decimal(upper))
    except InvalidOperation:
        raise ValueError("JSSI_BASE_LOWER / JSSI_BASE_UPPER must be amounts") from None
    if lo <= 0 or hi < lo:
        raise ValueError("JSSI_BASE_LOWER must be positive and not above JSSI_BASE_UPPER")
    return Bounds(lo, hi)


def parse_rates(raw: str) -> tuple[Rate, ...]:
    """'110:0.16/0.08,210:0.005/0.005,…' → rates in DECLARED_TYPES order; every declared type must be present."""
    found: dict[str, Rate] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        m = _RATE_ITEM.match(item)
        if not m or m.group(1) not in DECLARED_TYPES:
            raise ValueError(f"JSSI_CONTRIBUTION_RATES: bad item {item!r} (code:unit/personal, codes {DECLARED_TYPES})")
        try:
            unit, personal = Decimal(m.group(2)), Decimal(m.group(3))
        except InvalidOperation:
            raise ValueError(f"JSSI_CONTRIBUTION_RATES: bad rate in {item!r}") from None
        if not (0 <= unit < 1 and 0 <= personal < 1):
            raise ValueError(f"JSSI_CONTRIBUTION_RATES: rates are fractions below 1, got {item!r}")
        found[m.group(1)] = Rate(m.group(1), unit, personal)
    missing = [c for c in DECLARED_TYPES if c not in found]
    if missing:
        raise ValueError(f"JSSI_CONTRIBUTION_RATES: missing {', '.join(missing)}")
    return tuple(found[c] for c in DECLARED_TYPES)


def parse_amount(raw: str, label: str = "缴费基数") -> Decimal:
    """A yuan amount as typed ('8000', '8,000.5', '８０００'): at most 2 decimals; InvalidValue otherwise."""
    text = (raw or "").strip().replace(",", "").replace("，", "").replace("元", "")
    text = text.translate({0xFF10 + i: str(i) for i in range(10)} | {0xFF0E: "."})
    if not text:
        raise InvalidValue(f"请输入{label}")
    if not _AMOUNT.fullmatch(text):
        raise InvalidValue(f"{label}应为金额（元），最多两位小数，例如 8000 或 8000.50")
    return money(Decimal(text))


def validate_base(raw: str | Decimal, bounds: Bounds, label: str = "缴费基数") -> Decimal:
    value = raw if isinstance(raw, Decimal) else parse_amount(raw, label)
    value = money(value)
    if value < bounds.lower:
        raise InvalidValue(f"{label}不能低于缴费基数下限 {bounds.lower:.2f} 元")
    if value > bounds.upper:
        raise InvalidValue(f"{label}不能高于缴费基数上限 {bounds.upper:.2f} 元")
    return value


def classify(old: Decimal, new: Decimal) -> str:
    old, new = money(old), money(new)
    if new > old:
        return INCREASE
    if new < old:
        return DECREASE
    return UNCHANGED


def monthly_amounts(base: Decimal, rates: Iterable[Rate]) -> MonthlyAmounts:
    base = money(base)
    items = tuple(TypeAmount(r.code, r.name, money(base * r.unit), money(base * r.personal)) for r in rates)
    return MonthlyAmounts(
        base=base,
        by_type=items,
        unit_total=money(sum((i.unit for i in items), Decimal(0))),
        personal_total=money(sum((i.personal for i in items), Decimal(0))),
    )


def sum_by_type(amounts: Iterable[MonthlyAmounts], rates: Iterable[Rate]) -> tuple[TypeAmount, ...]:
    """Per insurance type, the unit's and the employees' monthly totals over several employees."""
    unit: dict[str, Decimal] = {}
    personal: dict[str, Decimal] = {}
    for a in amounts:
        for t in a.by_type:
            unit[t.code] = unit.get(t.code, Decimal(0)) + t.unit
            personal[t.code] = personal.get(t.code, Decimal(0)) + t.personal
    return tuple(TypeAmount(r.code, r.name, money(unit.get(r.code, 0)), money(personal.get(r.code, 0)))
                 for r in rates)
