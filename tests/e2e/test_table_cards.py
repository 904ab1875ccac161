"""At 360 px on a touch screen the tables of the unit's business, staff administration and the audit log are cards
(each cell shows its column's name) and nothing scrolls sideways; the counter queue too. Form controls on a
touch screen are at least 44 px high. (缴费查询 and the staff queue: test_keyboard.py.)"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.table_cards import NARROW, assert_cards, no_sideways_scroll
from tests.e2e.test_counter import _create_staff, _sign_in
from tests.e2e.test_unit_business import approved_unit, sign_in  # noqa: F401 — approved_unit is a fixture
from tests.e2e.test_unit_pages import id_number

pytestmark = pytest.mark.e2e
ADMIN, CLERK, STAFF_PASSWORD = "cards.admin", "cards.clerk", "Cards2026ok"


def _touch_page(new_page):
    return new_page(NARROW, has_touch=True, is_mobile=True)


def test_unit_business_tables_are_cards_at_360(approved_unit, new_page):  # noqa: F811
    app = approved_unit
    page = _touch_page(new_page)
    sign_in(page, app)
    page.goto(app.url + "/unit/employees/add")
    expect(page.get_by_role("heading", name="人员新增", exact=True)).to_be_visible()
    page.get_by_label("姓名").fill("卡片测试丙")
    page.get_by_label("身份证号码").fill(id_number(931, "19960606"))
    page.get_by_label("手机号码").fill("13800009731")
    page.get_by_label("用工起始日期").fill(dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat())
    page.get_by_label("缴费基数").fill("8000")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="人员新增成功")).to_be_visible()

    page.goto(app.url + "/unit/employees")
    table = page.get_by_role("table", name="参保人员名单")
    expect(table.get_by_role("row").filter(has_text="卡片测试丙")).to_be_visible()
    assert_cards(page, "身份证号码")
    shot(page, "cards-employees-360")

    page.goto(app.url + "/unit/declaration")
    expect(page.get_by_role("heading", name="缴费基数申报", exact=True)).to_be_visible()
    assert_cards(page, "单位费率")
    page.get_by_role("button", name="录入基数").click()
    expect(page.get_by_role("table", name="录入基数")).to_be_visible()
    assert_cards(page, "新缴费基数")
    shot(page, "cards-declaration-360")


def test_staff_tables_are_cards_at_360(app_server, new_page):
    app = app_server
    _create_staff(app, ADMIN, "admin", "卡片管理员", STAFF_PASSWORD)
    _create_staff(app, CLERK, "clerk", "卡片窗口", STAFF_PASSWORD)
    page = _touch_page(new_page)
    _sign_in(page, app, ADMIN, STAFF_PASSWORD)
    page.goto(app.url + "/staff/admin")
    expect(page.get_by_role("heading", name="工作人员管理")).to_be_visible()
    expect(page.get_by_role("table", name="工作人员账号")).to_contain_text(CLERK)
    assert_cards(page, "角色")
    shot(page, "cards-staff-admin-360")
    page.goto(app.url + "/staff/audit")
    expect(page.get_by_role("heading", name="审计日志", exact=True)).to_be_visible()
    assert_cards(page, "事件")
    shot(page, "cards-audit-360")

    clerk = _touch_page(new_page)
    _sign_in(clerk, app, CLERK, STAFF_PASSWORD)
    clerk.goto(app.url + "/staff/counter")
    expect(clerk.get_by_role("heading", name="窗口业务", exact=True)).to_be_visible()
    no_sideways_scroll(clerk)


def test_controls_are_44px_on_touch_screens(app_server, new_page):
    page = _touch_page(new_page)
    page.goto(app_server.url + "/register/person")
    expect(page.get_by_role("heading", name="个人用户注册")).to_be_visible()
    # A text field's target is its whole frame (Radix focuses the input from anywhere in it).
    small = page.evaluate("""() => [...document.querySelectorAll(
            'main button, main input:not([type=checkbox]), main select, main .rt-Flex > a, main input[type=checkbox] + label')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.tagName + ' ' + (e.textContent || e.name || '').trim().slice(0, 20),
                   (e.closest('.rt-TextFieldRoot') || e).getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == [], str(small)
    no_sideways_scroll(page)
