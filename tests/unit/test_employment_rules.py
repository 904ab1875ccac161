"""Pure rules of 参保管理 and 缴费基数申报: base bounds, per-type amounts to the fen, and the Excel templates'
rows with their errors (read through the real openpyxl adapter)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from jssi_app.adapters import spreadsheets
from jssi_app.config import DEFAULT_CONTRIBUTION_RATES
from jssi_app.domain.base_declaration import (
    DECREASE,
    INCREASE,
    UNCHANGED,
    Bounds,
    Rate,
    classify,
    monthly_amounts,
    parse_amount,
    parse_bounds,
    parse_rates,
    sum_by_type,
    validate_base,
)
from jssi_app.domain.employment import (
    ENROLMENT_COLUMNS,
    check_header,
    validate_declaration_rows,
    validate_end,
    validate_enrolment_rows,
)
from jssi_app.domain.errors import InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import check_digit

TODAY = dt.date(2026, 3, 2)
BOUNDS = Bounds(Decimal("4494.00"), Decimal("24042.00"))


def make_id(seq: int, birth: str = "19900101") -> str:
    first17 = f"320102{birth}{seq:03d}"
    return first17 + check_digit(first17)


# -- bounds and amounts ---------------------------------------------------------------------------


def test_bounds_include_both_limits_and_refuse_beyond():
    assert validate_base("4494", BOUNDS) == Decimal("4494.00")
    assert validate_base("24042.00", BOUNDS) == Decimal("24042.00")
    with pytest.raises(InvalidValue, match="下限 4494.00"):
        validate_base("4493.99", BOUNDS)
    with pytest.raises(InvalidValue, match="上限 24042.00"):
        validate_base("24042.01", BOUNDS)


@pytest.mark.parametrize("raw,expected", [("8,000", "8000.00"), ("８０００．５", "8000.50"), ("8000元", "8000.00")])
def test_amounts_are_read_as_people_type_them(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "abc", "8000.123", "-5", "1e4"])
def test_malformed_amounts_are_refused(raw):
    with pytest.raises(InvalidValue):
        parse_amount(raw)


def test_configured_bounds_must_make_sense():
    assert parse_bounds("4494", "24042") == BOUNDS
    with pytest.raises(ValueError):
        parse_bounds("9000", "4000")


def test_default_rates_cover_the_five_types_in_order():
    rates = parse_rates(DEFAULT_CONTRIBUTION_RATES)
    assert [r.code for r in rates] == ["110", "210", "310", "410", "510"]
    assert rates[0] == Rate("110", Decimal("0.16"), Decimal("0.08"))
    with pytest.raises(ValueError):
        parse_rates("110:0.16/0.08")  # the other types are missing


def test_each_share_is_rounded_half_up_to_the_fen():
    # 4494.55 × 0.5% = 22.47275 → 22.47; × 0.4% = 17.9782 → 17.98; × 0.8% = 35.9564 → 35.96
    rates = parse_rates(DEFAULT_CONTRIBUTION_RATES)
    a = monthly_amounts(Decimal("4494.55"), rates)
    by = {t.code: t for t in a.by_type}
    assert by["110"].unit == Decimal("719.13") and by["110"].personal == Decimal("359.56")
    assert by["210"].unit == Decimal("22.47") and by["210"].personal == Decimal("22.47")
    assert by["410"].unit == Decimal("17.98") and by["410"].personal == Decimal("0.00")
    assert by["510"].unit == Decimal("35.96")
    # Totals are sums of the rounded shares, as the contribution records add up.
    assert a.unit_total == sum(t.unit for t in a.by_type)
    assert a.personal_total == Decimal("359.56") + Decimal("22.47") + Decimal("89.89")
    assert all(t.unit.as_tuple().exponent == -2 for t in a.by_type)


def test_half_a_fen_rounds_up():
    (t,) = monthly_amounts(Decimal("4500.10"), [Rate("210", Decimal("0.005"), Decimal("0.005"))]).by_type
    assert t.unit == Decimal("22.50")  # 22.5005 → 22.50
    (t,) = monthly_amounts(Decimal("4501.00"), [Rate("210", Decimal("0.005"), Decimal("0"))]).by_type
    assert t.unit == Decimal("22.51")  # 22.505 → 22.51 (half up, not banker's 22.50)


def test_sums_by_type_over_employees():
    rates = parse_rates(DEFAULT_CONTRIBUTION_RATES)
    total = sum_by_type([monthly_amounts(Decimal("5000"), rates), monthly_amounts(Decimal("10000"), rates)], rates)
    assert total[0].unit == Decimal("2400.00") and total[0].personal == Decimal("1200.00")


def test_change_direction():
    assert classify(Decimal("8000"), Decimal("8000.00")) == UNCHANGED
    assert classify(Decimal("8000"), Decimal("8000.01")) == INCREASE
    assert classify(Decimal("8000"), Decimal("7999.99")) == DECREASE


def test_removal_needs_a_known_reason_and_a_date_not_after_this_month():
    assert validate_end("2026-03-31", "离职", TODAY) == (dt.date(2026, 3, 31), "离职")
    with pytest.raises(ValidationFailed) as bad:
        validate_end("2026-04-01", "跳槽", TODAY)
    assert set(bad.value.by_field()) == {"end_date", "end_reason"}


# -- Excel ----------------------------------------------------------------------------------------


def xlsx(rows, header=ENROLMENT_COLUMNS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parse(content: bytes):
    sheet = spreadsheets.read_sheet(content, "名单.xlsx")
    header_errors = check_header(sheet.header, ENROLMENT_COLUMNS)
    good, errors = validate_enrolment_rows(sheet.rows, TODAY, BOUNDS)
    return header_errors, good, errors + sheet.problems


def test_the_template_round_trips_with_its_example_sheet():
    content = spreadsheets.template(ENROLMENT_COLUMNS, [("张三", make_id(1), "13800000000", "2026-03-01", "8000")],
                                    ["说明"], "人员名单")
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["人员名单", "填写说明"]
    assert [c.value for c in wb["人员名单"][1]] == list(ENROLMENT_COLUMNS)
    assert wb["人员名单"]["B2"].number_format == "@"  # ID numbers stay text
    header_errors, good, errors = parse(content)
    assert header_errors == [] and good == [] and errors[0].message.startswith("文件中没有人员数据")


def test_good_rows_parse_including_real_excel_dates_and_numbers():
    header_errors, good, errors = parse(xlsx([
        ("王小明", make_id(1), "13800000001", dt.datetime(2026, 3, 1), 8000),
        ("阿依古丽·买买提", make_id(2), "13800000002", "2026/3/2", "8000.50"),
    ]))
    assert header_errors == [] and errors == []
    assert [(row, e.start_date, e.base) for row, e in good] == [
        (2, dt.date(2026, 3, 1), Decimal("8000.00")), (3, dt.date(2026, 3, 2), Decimal("8000.50"))]


def test_bad_rows_are_reported_by_row_and_column():
    bad_check = make_id(3)[:-1] + ("0" if make_id(3)[-1] != "0" else "1")
    _h, _good, errors = parse(xlsx([
        ("王小明", bad_check, "13800000001", "2026-03-01", "8000"),  # row 2: check digit
        ("", make_id(4), "13800000002", "2026-03-01", "8000"),  # row 3: missing name
        ("李四", make_id(5), "13800000003", "2026-02-30", "8000"),  # row 4: bad date
        ("赵六", make_id(6), "13800000004", "2026-03-01", "100"),  # row 5: base below the limit
        ("钱七", make_id(4), "13800000005", "2026-03-01", "8000"),  # row 6: duplicate of row 3
    ]))
    found = {(e.row, e.column): e.message for e in errors}
    assert "校验位" in found[(2, "身份证号码")]
    assert found[(3, "姓名")] == "请输入姓名"
    assert "有效的日期" in found[(4, "用工起始日期")]
    assert "下限" in found[(5, "缴费基数")]
    assert found[(6, "身份证号码")] == "与第3行的身份证号码重复"
    assert len(errors) == 5


def test_extra_and_missing_columns_are_refused():
    header_errors, _good, _errors = parse(xlsx([], header=("姓名", "身份证号码", "手机号码", "缴费基数", "备注")))
    messages = [e.message for e in header_errors]
    assert any("缺少“用工起始日期”列" in m for m in messages)
    assert any("没有“备注”列" in m for m in messages)
    _h, _good, errors = parse(xlsx([("王小明", make_id(1), "13800000001", "2026-03-01", "8000", "多余")]))
    assert [(e.row, e.message) for e in errors] == [(2, "表头以外的列中有数据，请只在模板的列中填写")]


def test_non_xlsx_and_oversized_files_are_refused():
    with pytest.raises(spreadsheets.SpreadsheetRefused, match=r"\.xlsx"):
        spreadsheets.read_sheet(b"a,b", "名单.csv")
    with pytest.raises(spreadsheets.SpreadsheetRefused, match="不是 Excel"):
        spreadsheets.read_sheet(b"<html>", "名单.xlsx")
    with pytest.raises(spreadsheets.SpreadsheetRefused, match="2MB"):
        spreadsheets.read_sheet(b"PK\x03\x04" + b"0" * (2 * 1024 * 1024), "名单.xlsx")
    with pytest.raises(spreadsheets.SpreadsheetRefused, match="1000"):
        spreadsheets.read_sheet(xlsx([("王", make_id(1), "1", "2", "3")] * 1001), "名单.xlsx")


def test_declaration_rows():
    good, errors = validate_declaration_rows(
        [(2, {"姓名": "王小明", "身份证号码": make_id(1), "缴费基数": "9000"}),
         (3, {"姓名": "王小明", "身份证号码": make_id(1), "缴费基数": "90000"})], TODAY, BOUNDS)
    assert [g.row for g in good] == [2]
    assert {(e.row, e.column) for e in errors} == {(3, "缴费基数"), (3, "身份证号码")}


def test_the_error_report_lists_row_column_and_message():
    _h, _good, errors = parse(xlsx([("", make_id(1), "13800000001", "2026-03-01", "8000")]))
    wb = load_workbook(io.BytesIO(spreadsheets.error_report(errors)))
    rows = [tuple(c.value for c in r) for r in wb.active.iter_rows()]
    assert rows == [("行号", "列", "错误说明"), (2, "姓名", "请输入姓名")]
