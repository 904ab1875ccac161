"""参保管理 rules: 人员新增 fields, 减员 reasons and dates, and the rows of the Excel templates. Pure.

The same field rules serve the form and every Excel row, so a person gets the same message either way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jssi_app.domain.base_declaration import Bounds, validate_base
from jssi_app.domain.contact import validate_phone
from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import birth_date_of, normalize_id_number, validate_id_number
from jssi_app.domain.names import validate_name

END_REASONS: tuple[str, ...] = ("离职", "退休", "死亡", "其他")

# A start date this far back is almost surely a typo; a back-dated enrolment beyond it goes to the counter.
MAX_BACKDATE_DAYS = 366
MAX_FUTURE_DAYS = 31
MIN_WORKING_AGE = 16

# Batch files: larger ones belong at the counter (or split in several uploads).
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 1000

ENROLMENT_COLUMNS: tuple[str, ...] = ("姓名", "身份证号码", "手机号码", "用工起始日期", "缴费基数")
DECLARATION_COLUMNS: tuple[str, ...] = ("姓名", "身份证号码", "缴费基数")

_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")


@dataclass(frozen=True)
class EnrolmentForm:
    name: str
    id_number: str
    phone: str
    start_date: str
    base: str


@dataclass(frozen=True)
class Enrolment:
    name: str
    id_number: str
    phone: str
    start_date: dt.date
    base: Decimal


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str
    message: str


@dataclass(frozen=True)
class DeclarationRow:
    row: int
    name: str
    id_number: str
    base: Decimal


def parse_date(raw: str, label: str) -> dt.date:
    text = (raw or "").strip()
    if not text:
        raise InvalidValue(f"请输入{label}")
    m = _DATE.fullmatch(text)
    if not m:
        raise InvalidValue(f"{label}格式应为 YYYY-MM-DD，例如 2026-03-01")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise InvalidValue(f"{label}不是有效的日期") from None


def validate_start_date(raw: str, today: dt.date, id_number: str | None = None) -> dt.date:
    day = parse_date(raw, "用工起始日期")
    if day > today + dt.timedelta(days=MAX_FUTURE_DAYS):
        raise InvalidValue(f"用工起始日期不能晚于今天之后{MAX_FUTURE_DAYS}天")
    if day < today - dt.timedelta(days=MAX_BACKDATE_DAYS):
        raise InvalidValue("用工起始日期早于一年前的，请携带劳动合同到社保经办机构办理补缴登记")
    if id_number:
        born = birth_date_of(id_number)
        if day < dt.date(born.year + MIN_WORKING_AGE, born.month, min(born.day, 28)):
            raise InvalidValue(f"用工起始日期时该人员未满{MIN_WORKING_AGE}周岁，请核对")
    return day


def validate_enrolment(form: EnrolmentForm, today: dt.date, bounds: Bounds) -> Enrolment:
    """All fields checked together; ValidationFailed lists every problem (fields name, id_number, …)."""
    errors: list[FieldError] = []
    values: dict[str, object] = {}
    for field, fn in (
        ("name", lambda: validate_name(form.name)),
        ("id_number", lambda: validate_id_number(form.id_number, today)),
        ("phone", lambda: validate_phone(form.phone)),
        ("base", lambda: validate_base(form.base, bounds)),
    ):
        try:
            values[field] = fn()
        except InvalidValue as exc:
            errors.append(FieldError(field, exc.message))
    try:
        values["start_date"] = validate_start_date(form.start_date, today, values.get("id_number"))  # type: ignore[arg-type]
    except InvalidValue as exc:
        errors.append(FieldError("start_date", exc.message))
    if errors:
        raise ValidationFailed(errors)
    return Enrolment(**values)  # type: ignore[arg-type]


def validate_end(end_raw: str, reason: str, today: dt.date) -> tuple[dt.date, str]:
    errors: list[FieldError] = []
    end: dt.date | None = None
    try:
        end = parse_date(end_raw, "终止日期")
        # 减员 is declared for the current month at the latest; a later date would be a guess.
        month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if end > month_end:
            errors.append(FieldError("end_date", "终止日期不能晚于本月最后一天"))
    except InvalidValue as exc:
        errors.append(FieldError("end_date", exc.message))
    if reason not in END_REASONS:
        errors.append(FieldError("end_reason", "请选择减员原因：" + " / ".join(END_REASONS)))
    if errors:
        raise ValidationFailed(errors)
    assert end is not None
    return end, reason


# -- Excel rows --------------------------------------------------------------------------------------


def check_header(header: Sequence[str], expected: Sequence[str]) -> list[RowError]:
    """Missing, unknown or misplaced columns of the first row, one error each."""
    got = [h.strip() for h in header]
    while got and not got[-1]:
        got.pop()
    errors: list[RowError] = []
    for col in expected:
        if col not in got:
            errors.append(RowError(1, col, f"缺少“{col}”列，请使用下载的模板"))
    for col in got:
        if col and col not in expected:
            errors.append(RowError(1, col, f"模板中没有“{col}”列，请删除该列或使用下载的模板"))
        elif not col:
            errors.append(RowError(1, "", "表头有空白列，请使用下载的模板"))
    if not errors and tuple(got) != tuple(expected):
        errors.append(RowError(1, "", "列的顺序与模板不一致，请使用下载的模板"))
    return errors


def _cell(row: Mapping[str, str], col: str) -> str:
    return (row.get(col) or "").strip()


def _duplicate_check(seen: dict[str, int], id_number: str, row: int, errors: list[RowError]) -> None:
    key = normalize_id_number(id_number)
    if not key:
        return
    if key in seen:
        errors.append(RowError(row, "身份证号码", f"与第{seen[key]}行的身份证号码重复"))
    else:
        seen[key] = row


def validate_enrolment_rows(
    rows: Sequence[tuple[int, Mapping[str, str]]], today: dt.date, bounds: Bounds
) -> tuple[list[tuple[int, Enrolment]], list[RowError]]:
    """Each (row number, cells by column) → enrolments, or every row error (the caller imports none then)."""
    good: list[tuple[int, Enrolment]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    labels = {"name": "姓名", "id_number": "身份证号码", "phone": "手机号码", "start_date": "用工起始日期", "base": "缴费基数"}
    for number, row in rows:
        form = EnrolmentForm(*(_cell(row, c) for c in ENROLMENT_COLUMNS))
        try:
            good.append((number, validate_enrolment(form, today, bounds)))
        except ValidationFailed as exc:
            errors.extend(RowError(number, labels[e.field], e.message) for e in exc.errors)
        _duplicate_check(seen, form.id_number, number, errors)
    if not rows:
        errors.append(RowError(2, "", "文件中没有人员数据，请从第2行起填写"))
    errors.sort(key=lambda e: (e.row, ENROLMENT_COLUMNS.index(e.column) if e.column in ENROLMENT_COLUMNS else 9))
    return good, errors


def validate_declaration_rows(
    rows: Sequence[tuple[int, Mapping[str, str]]], today: dt.date, bounds: Bounds
) -> tuple[list[DeclarationRow], list[RowError]]:
    good: list[DeclarationRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        problems: list[RowError] = []
        values: dict[str, object] = {}
        for col, key, fn in (
            ("姓名", "name", validate_name),
            ("身份证号码", "id_number", lambda v: validate_id_number(v, today)),
            ("缴费基数", "base", lambda v: validate_base(v, bounds)),
        ):
            try:
                values[key] = fn(_cell(row, col))
            except InvalidValue as exc:
                problems.append(RowError(number, col, exc.message))
        _duplicate_check(seen, _cell(row, "身份证号码"), number, problems)
        errors.extend(problems)
        if not problems:
            good.append(DeclarationRow(number, **values))  # type: ignore[arg-type]
    if not rows:
        errors.append(RowError(2, "", "文件中没有人员数据，请从第2行起填写"))
    return good, errors
