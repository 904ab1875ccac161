"""缴费基数申报 on SQLite and PostgreSQL: bounds, increases applied at once, a decrease sent to the counter and
applied only when a clerk 办结s it, the preview's amounts, and the Excel route all-or-nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlmodel import select

from jssi_app.domain.counter_tasks import BASE_DECREASE, OPEN
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.counter import CounterTask
from jssi_app.models.employment import BaseDeclaration, Employment
from jssi_app.services import base_declaration as bd
from jssi_app.services.counter_tasks import complete_task
from jssi_app.services.employment import ImportRejected, enrol_employee, list_employees
from jssi_app.services.staff_accounts import create_staff
from tests.services.helpers import NOW, audit_rows, fetch_all, make_id
from tests.services.test_employment import IP, approved_unit, form


@pytest.fixture
def unit(db):
    account = approved_unit(db, 1)
    enrol_employee(db, account, form(name="王小明", id_number=make_id(501, "19920101"), base="8000"), client_ip=IP,
                   now=NOW)
    enrol_employee(db, account, form(name="孙丽", id_number=make_id(502, "19900303"), base="10000"), client_ip=IP,
                   now=NOW)
    rows = {r.name: r.id for r in list_employees(db, account).rows}
    return account, rows


def bases(db) -> dict[int, Decimal]:
    return {e.id: Decimal(e.base) for e in fetch_all(db, select(Employment))}


def test_bounds_are_enforced_per_employee(db, unit):
    account, ids = unit
    with pytest.raises(ValidationFailed) as bad:
        bd.submit_declaration(db, account, {ids["王小明"]: "3000", ids["孙丽"]: "30000"}, client_ip=IP, now=NOW)
    by_field = bad.value.by_field()
    assert "下限 4494.00" in by_field[f"base-{ids['王小明']}"] and "上限 24042.00" in by_field[f"base-{ids['孙丽']}"]
    assert fetch_all(db, select(BaseDeclaration)) == []
    assert [r.outcome for r in audit_rows(db, "base_declaration_refused")] == ["failure"]


def test_the_preview_shows_monthly_amounts_per_type(db, unit):
    account, ids = unit
    preview = bd.preview_declaration(db, account, {ids["王小明"]: "9000"})
    by_code = {t["code"]: t for t in preview.by_type}
    assert by_code["110"] == {"code": "110", "name": "企业职工基本养老保险", "unit": "1440.00", "personal": "720.00"}
    assert by_code["210"]["unit"] == "45.00" and by_code["410"]["personal"] == "0.00"
    assert preview.unit_total == "2223.00" and preview.personal_total == "945.00"
    assert preview.lines[0].change == "increase"
    rates = {r["code"]: (r["unit"], r["personal"]) for r in bd.declaration_page(db, account, now=NOW).rates}
    assert rates["110"] == ("16%", "8%") and rates["210"] == ("0.5%", "0.5%") and rates["410"] == ("0.4%", "0%")
    assert fetch_all(db, select(BaseDeclaration)) == []  # a preview stores nothing


def test_an_increase_applies_at_once_and_a_decrease_waits_for_the_counter(db, unit):
    account, ids = unit
    done = bd.submit_declaration(db, account, {ids["王小明"]: "9000", ids["孙丽"]: "7000"}, client_ip=IP, now=NOW)
    assert (done.applied, done.unchanged, done.to_counter) == (1, 0, 1)
    now_bases = bases(db)
    assert now_bases[ids["王小明"]] == Decimal("9000") and now_bases[ids["孙丽"]] == Decimal("10000")
    (task,) = fetch_all(db, select(CounterTask))
    assert task.kind == BASE_DECREASE and task.status == OPEN and "320102" in task.summary and "孙丽" not in task.summary
    page = bd.declaration_page(db, account, now=NOW)
    assert sorted(r["status_label"] for r in page.records) == ["已生效", "待窗口办理"]
    assert [e.pending for e in page.employees if e.id == ids["孙丽"]] == [True]
    with pytest.raises(ValidationFailed):  # no second declaration while the decrease waits
        bd.submit_declaration(db, account, {ids["孙丽"]: "12000"}, client_ip=IP, now=NOW)

    clerk = create_staff(db, username="clerk1", role="clerk", password="Counter2026ok", now=NOW).account_id
    db.commit()
    complete_task(db, task.id, staff_id=clerk, approved=True, note="已核对工资表", now=NOW)
    assert bases(db)[ids["孙丽"]] == Decimal("7000")
    page = bd.declaration_page(db, account, now=NOW)
    assert sorted(r["status_label"] for r in page.records) == ["已生效", "窗口已办结"]
    assert [r.outcome for r in audit_rows(db, "base_declared")] == ["success"]


def test_a_refused_decrease_leaves_the_base(db, unit):
    account, ids = unit
    bd.submit_declaration(db, account, {ids["孙丽"]: "6000"}, client_ip=IP, now=NOW)
    (task,) = fetch_all(db, select(CounterTask))
    clerk = create_staff(db, username="clerk1", role="clerk", password="Counter2026ok", now=NOW).account_id
    db.commit()
    complete_task(db, task.id, staff_id=clerk, approved=False, note="工资证明不足", now=NOW)
    assert bases(db)[ids["孙丽"]] == Decimal("10000")
    assert [r["status_label"] for r in bd.declaration_page(db, account, now=NOW).records] == ["不予办理"]


def test_another_units_employee_cannot_be_declared(db, unit):
    _account, ids = unit
    other = approved_unit(db, 2, "南京乙公司")
    with pytest.raises(ValidationFailed):
        bd.submit_declaration(db, other, {ids["王小明"]: "9000"}, client_ip=IP, now=NOW)
    assert bases(db)[ids["王小明"]] == Decimal("8000")


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "缴费基数"])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_declaration_is_all_or_nothing(db, unit):
    account, ids = unit
    rows = [("王小明", make_id(501, "19920101"), "9500"), ("钱七", make_id(503, "19900101"), "9000")]
    with pytest.raises(ImportRejected) as rejected:
        bd.import_declaration(db, account, _xlsx(rows), "基数.xlsx", client_ip=IP, now=NOW)
    assert [(e.row, e.column) for e in rejected.value.errors] == [(3, "身份证号码")]
    assert bases(db)[ids["王小明"]] == Decimal("8000")
    done = bd.import_declaration(db, account, _xlsx(rows[:1]), "基数.xlsx", client_ip=IP, now=NOW)
    assert done.applied == 1 and bases(db)[ids["王小明"]] == Decimal("9500")
