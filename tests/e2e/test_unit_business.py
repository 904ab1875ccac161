"""单位业务 in real browsers, driven by the seed's menu labels at 1280×800 and 390×844: an approved unit's handler
signs in, goes 单位业务 → 参保管理 → 人员新增, enrols a new employee and finds them in the list, then 单位业务 →
缴费申报 → 缴费基数申报 → 录入基数 → 提交. And 批量增员 by Excel at desktop width: the template, a refused file
with its error report (on the page and as .xlsx), then the corrected file imported."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, VIEWPORTS, shot
from tests.e2e.test_unit_pages import PASSWORD, credit_code, id_number

pytestmark = pytest.mark.e2e
UNIT_CODE = credit_code(971)
UNIT_NAME = "南京单位业务测试有限公司"

# An approved unit made through the real services (register, upload, submit, claim, approve), as the
# review cycle test does in the browser; here only the unit's business is under test.
_SETUP = r'''
import datetime as dt, sys
from sqlmodel import Session, select
from jssi_app.adapters.clock import utcnow
from jssi_app.adapters.sms import OutboxSms
from jssi_app.db import engine
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.models.operations import OutboxMessage
from jssi_app.models.units import UnitAccount
from jssi_app.services import review, sms_codes, unit_registration
from jssi_app.services.demo_review import _id, _scan
from jssi_app.services.staff_accounts import create_staff

code, name, password, phone = sys.argv[1:5]
now = utcnow() - dt.timedelta(hours=2)
with Session(engine(), expire_on_commit=False) as db:
    if db.exec(select(UnitAccount.id).where(UnitAccount.uscc == code)).first() is not None:
        sys.exit(0)
    db.rollback()
    staff = create_staff(db, username="biz.reviewer", role="reviewer", password="Review2026biz", now=now).account_id
    sms_codes.send_code(db, phone=phone, purpose="register", client_ip="127.0.0.1", now=now, sender=OutboxSms(engine()))
    body = db.exec(select(OutboxMessage.body).order_by(OutboxMessage.id.desc()).limit(1)).one()
    sms = "".join(ch for ch in body.split("验证码")[1][:8] if ch.isdigit())[:6]
    db.rollback()
    reg = unit_registration.register_unit(db, UnitRegistrationForm(
        unit_name=name, credit_code=code, legal_rep_id=_id(171, "19700101"), handler_name="张经办",
        handler_id=_id(172, "19900101"), handler_phone=phone, handler_email="", password=password,
        password_confirm=password, sms_code=sms, agreed=True), client_ip="127.0.0.1", now=now)
    for kind in ("business_licence", "legal_rep_id", "handler_id", "authorization_letter"):
        unit_registration.add_material(db, reg.application_id, account_id=reg.account_id, kind=kind,
                                       filename=kind + ".jpg", content=_scan(name, kind), client_ip="127.0.0.1", now=now)
    unit_registration.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip="127.0.0.1", now=now)
    review.claim(db, reg.application_id, staff_id=staff, now=now)
    review.approve(db, reg.application_id, staff_id=staff, opinion="通过", now=now)
'''


@pytest.fixture(scope="module")
def approved_unit(app_server):
    done = subprocess.run([sys.executable, "-c", _SETUP, UNIT_CODE, UNIT_NAME, PASSWORD, "13800009710"], cwd=ROOT,
                          env=app_server.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return app_server


def today() -> str:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def sign_in(page, app) -> None:
    page.goto(app.url + "/login/unit")
    expect(page.get_by_role("heading", name="单位用户登录")).to_be_visible()
    page.get_by_label("统一社会信用代码").fill(UNIT_CODE)
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name=UNIT_NAME)).to_be_visible()


def menu(page, group: str, item: str, heading: str) -> None:
    """单位业务 → group → item, by the menu's own words."""
    page.locator("summary", has_text="单位业务").first.click()
    page.locator("summary", has_text=group).first.click()
    page.get_by_role("link", name=item, exact=True).first.click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_enrol_an_employee_then_declare_a_base(approved_unit, new_page, size):
    app = approved_unit
    page = new_page(VIEWPORTS[size])
    seq = 1 if size == "desktop" else 2
    name = "新增测试" + ("甲" if size == "desktop" else "乙")
    person_id = id_number(900 + seq, "19950505")
    sign_in(page, app)

    menu(page, "参保管理", "人员新增", "人员新增")
    page.get_by_label("姓名").fill(name)
    page.get_by_label("身份证号码").fill(person_id)
    page.get_by_label("手机号码").fill(f"1380000972{seq}")
    page.get_by_label("用工起始日期").fill(today())
    page.get_by_label("缴费基数").fill("8000")
    shot(page, f"unit-business-{size}-01-add")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="人员新增成功")).to_be_visible()
    expect(page.get_by_text(person_id[:6] + "********" + person_id[-4:])).to_be_visible()
    shot(page, f"unit-business-{size}-02-added")
    page.get_by_role("link", name="查看参保人员名单").click()
    expect(page.get_by_role("heading", name="参保人员名单")).to_be_visible()
    table = page.get_by_role("table", name="参保人员名单")
    expect(table.get_by_role("row").filter(has_text=name)).to_contain_text("8000.00")

    menu(page, "缴费申报", "缴费基数申报", "缴费基数申报")
    page.get_by_role("button", name="录入基数").click()
    entry = page.get_by_label("新缴费基数 " + name)
    entry.fill("9000")
    entry.press("Tab")
    preview = page.get_by_role("table", name="月缴费额预览")
    expect(preview.get_by_role("row").filter(has_text="企业职工基本养老保险")).to_contain_text("1440.00")
    shot(page, f"unit-business-{size}-03-declaration-preview")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="缴费基数申报已提交")).to_be_visible()
    records = page.get_by_role("table", name="申报记录")
    expect(records.get_by_role("row").filter(has_text=name).first).to_contain_text("已生效")
    shot(page, f"unit-business-{size}-04-declared")


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "手机号码", "用工起始日期", "缴费基数"])
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_batch_enrolment_by_excel(approved_unit, new_page, tmp_path):
    app = approved_unit
    page = new_page(VIEWPORTS["desktop"])
    sign_in(page, app)
    menu(page, "参保管理", "批量增员", "批量增员")

    with page.expect_download() as template:
        page.get_by_role("button", name="下载批量增员模板（Excel）").click()
    wb = load_workbook(io.BytesIO(open(template.value.path(), "rb").read()))
    assert [c.value for c in wb.worksheets[0][1]] == ["姓名", "身份证号码", "手机号码", "用工起始日期", "缴费基数"]
    assert "填写说明" in wb.sheetnames

    csv_file = tmp_path / "名单.csv"
    csv_file.write_text("姓名,身份证号码\n", encoding="utf-8")
    page.locator("#upload-enrolment input[type=file]").set_input_files(str(csv_file))
    expect(page.get_by_role("table", name="错误报告")).to_contain_text("请上传 .xlsx 格式的 Excel 文件")

    good = [("批量员工甲", id_number(911, "19930303"), "13800009711", today(), "7000"),
            ("批量员工乙", id_number(912, "19930303"), "13800009712", today(), "7500")]
    bad_id = id_number(913, "19930303")
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    bad_file = tmp_path / "名单-有错.xlsx"
    bad_file.write_bytes(_xlsx([good[0], ("批量员工丙", bad_id, "13800009713", today(), "7000"), good[1]]))
    page.locator("#upload-enrolment input[type=file]").set_input_files(str(bad_file))
    expect(page.locator("#error-summary")).to_contain_text("未导入任何人员")
    report = page.get_by_role("table", name="错误报告")
    expect(report.get_by_role("row").filter(has_text="校验位")).to_contain_text("身份证号码")
    expect(report.get_by_role("row").filter(has_text="校验位").get_by_role("cell").first).to_have_text("3")
    shot(page, "unit-business-excel-01-errors")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载错误报告（Excel）").click()
    rows = [tuple(c.value for c in r) for r in load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active.iter_rows()]
    assert rows[0] == ("行号", "列", "错误说明") and rows[1][:2] == (3, "身份证号码")

    fixed = tmp_path / "名单.xlsx"
    fixed.write_bytes(_xlsx(good))
    page.locator("#upload-enrolment input[type=file]").set_input_files(str(fixed))
    expect(page.get_by_role("status").filter(has_text="导入成功")).to_contain_text("2 名")
    shot(page, "unit-business-excel-02-imported")
    page.get_by_role("link", name="查看参保人员名单").click()
    table = page.get_by_role("table", name="参保人员名单")
    expect(table.get_by_role("row").filter(has_text="批量员工乙")).to_contain_text("7500.00")
    expect(table.get_by_role("row").filter(has_text="批量员工丙")).to_have_count(0)

    # 人员减员: choose the employee, the end date and the reason; the relation ends.
    page.get_by_role("checkbox", name="选择 批量员工甲").click()
    page.get_by_label("终止日期").fill(today())
    page.get_by_label("减员原因").select_option("离职")
    page.get_by_role("button", name="确认减员").click()
    expect(page.get_by_role("status").filter(has_text="已为 1 名人员办理减员")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="批量员工甲")).to_have_count(0)
    page.get_by_label("状态").select_option("已减员")
    expect(table.get_by_role("row").filter(has_text="批量员工甲")).to_contain_text("离职")
    shot(page, "unit-business-excel-03-removed")


def test_templates_are_not_served_without_an_approved_unit_session(approved_unit, new_page):
    page = new_page()
    for name in ("enrolment.xlsx", "base-declaration.xlsx"):
        response = page.request.get(f"{approved_unit.url}/files/unit/templates/{name}")
        assert response.status == 404 and "无权下载" in response.text()
