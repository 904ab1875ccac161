"""Staff review in a real browser: 工作人员登录 → 审核工作台 → 申请详情 → 领取 → 退回 (per-material reason) and
领取 → 通过; staff pages without a session go to 工作人员登录 (and back to the page after signing in)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import utcnow
from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.sms import OutboxSms
from jssi_app.db import engine_for
from jssi_app.domain.credit_codes import credit_code_check_char, org_code_check_char
from jssi_app.domain.identifiers import check_digit
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.models.operations import OutboxMessage
from jssi_app.services import sms_codes, unit_registration
from tests.e2e.conftest import ROOT, shot

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1440, "height": 900}
REVIEWER = "e2erev1"
REVIEWER_PASSWORD = "Review2026ok"
UNIT_PASSWORD = "Unit2026ok"
TEST_IP = "192.0.2.41"  # the services' throttles count per IP: keep clear of the browser tests' 127.0.0.1
KINDS = (("business_licence", "营业执照.png"), ("legal_rep_id", "法定代表人身份证.png"),
         ("handler_id", "经办人身份证.png"), ("authorization_letter", "授权委托书.png"))


def _credit_code(seq: int) -> str:
    org8 = f"MR{seq:06d}"
    first17 = "91320104" + org8 + org_code_check_char(org8)
    return first17 + credit_code_check_char(first17)


def _id_number(seq: int, birth: str) -> str:
    first17 = f"320104{birth}{seq:03d}"
    return first17 + check_digit(first17)


def _scan(text: str) -> bytes:
    image = Image.new("RGB", (1000, 1400), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 960, 1360), outline=(30, 60, 140), width=6)
    draw.text((90, 120), text, fill=(20, 20, 20))
    draw.ellipse((700, 1100, 880, 1280), outline=(200, 20, 20), width=8)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _registered_unit(db, eng, seq: int, unit_name: str, now):  # noqa: ANN001, ANN202
    """A unit registered through the services, the SMS code read back from the real outbox adapter like
    /dev/outbox shows it; its materials not yet uploaded."""
    phone = f"1370000{seq:04d}"
    sms_codes.send_code(db, phone=phone, purpose="register", client_ip=TEST_IP, now=now, sender=OutboxSms(eng))
    body = db.exec(select(OutboxMessage.body).order_by(col(OutboxMessage.id).desc()).limit(1)).one()
    code = re.search(r"验证码\s*(\d{6})", body).group(1)
    db.rollback()
    form = UnitRegistrationForm(
        unit_name=unit_name, credit_code=_credit_code(seq), legal_rep_id=_id_number(400 + seq, "19700101"),
        handler_name="赵经办", handler_id=_id_number(500 + seq, "19900101"), handler_phone=phone,
        handler_email="", password=UNIT_PASSWORD, password_confirm=UNIT_PASSWORD, sms_code=code,
        agreed=True,
    )
    return unit_registration.register_unit(db, form, client_ip=TEST_IP, now=now)


def _submitted_application(app_server, seq: int, unit_name: str) -> int:
    """A unit registers, uploads the four required scans and submits — through the services, on the app's DB
    and file store (the keys reach both processes through the environment)."""
    eng = engine_for(app_server.env["REFLEX_DB_URL"])
    store = FileStore(Path(app_server.env["JSSI_DATA_DIR"]) / "uploads")
    now = utcnow()
    with Session(eng, expire_on_commit=False) as db:
        reg = _registered_unit(db, eng, seq, unit_name, now)
        for kind, name in KINDS:
            unit_registration.add_material(db, reg.application_id, account_id=reg.account_id, kind=kind,
                                           filename=name, content=_scan(f"{kind} {seq}"), client_ip=TEST_IP,
                                           now=now, store=store)
        unit_registration.submit_application(db, reg.application_id, account_id=reg.account_id,
                                             client_ip=TEST_IP, now=now)
    return reg.application_id


@pytest.fixture(scope="module")
def reviewer(app_server) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "jssi_app", "staff", "create", "--username", REVIEWER, "--role", "reviewer",
         "--display-name", "王审核"],
        cwd=ROOT, env=app_server.env, input=REVIEWER_PASSWORD + "\n", capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return REVIEWER


def _sign_in(page) -> None:
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(REVIEWER)
    page.get_by_label("密码").fill(REVIEWER_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def test_staff_pages_need_a_staff_login(app_server, new_page):
    page = new_page(DESKTOP)
    page.goto(app_server.url + "/staff")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    assert "/staff/login" in page.url
    page.goto(app_server.url + "/staff/applications/1")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    assert re.search(r"/staff/login\?next=/staff/applications/1$", page.url), page.url
    # Nothing of an application was drawn for the anonymous visitor.
    expect(page.get_by_text("单位信息")).to_have_count(0)


def test_reviewer_rejects_one_application_and_approves_another(app_server, new_page, reviewer):
    first = _submitted_application(app_server, 1, "南京审核退回测试有限公司")
    second = _submitted_application(app_server, 2, "南京审核通过测试有限公司")
    page = new_page(DESKTOP)

    # A link to the application survives the login.
    page.goto(f"{app_server.url}/staff/applications/{first}")
    _sign_in(page)
    expect(page.get_by_role("heading", name="南京审核退回测试有限公司")).to_be_visible()
    expect(page.locator("#staff-user")).to_contain_text("王审核")

    page.get_by_role("link", name="← 返回审核工作台").click()
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()
    table = page.get_by_role("table", name="审核列表")
    expect(table.get_by_role("link", name="南京审核退回测试有限公司")).to_be_visible()
    expect(table.get_by_role("link", name="南京审核通过测试有限公司")).to_be_visible()
    row = table.get_by_role("row").filter(has_text="南京审核退回测试有限公司")
    expect(row).to_contain_text("剩3个工作日")
    expect(row).to_contain_text("待审核")
    shot(page, "staff-dashboard")

    row.get_by_role("link", name="南京审核退回测试有限公司").click()
    expect(page.get_by_role("heading", name="南京审核退回测试有限公司")).to_be_visible()
    for section in ("单位信息", "预审结果", "申请材料", "审核记录"):
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("查看大图"))).to_have_count(4)
    # Masked until asked for; the full number is shown on request (and audited by the service).
    expect(page.get_by_text("137****0001")).to_be_visible()
    page.get_by_role("button", name="显示完整号码：经办人手机号").click()
    expect(page.get_by_text("13700000001")).to_be_visible()
    shot(page, "staff-detail")

    page.get_by_role("button", name="领取", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    page.get_by_role("button", name="退回", exact=True).click()
    page.get_by_label("单位授权委托书", exact=True).select_option("公章缺失")
    page.get_by_label("补充说明：单位授权委托书").fill("授权委托书未加盖单位公章")
    page.get_by_label("审核意见").fill("请补充加盖公章的授权委托书后重新提交。")
    shot(page, "staff-detail-reject")
    page.get_by_role("button", name="确认退回").click()
    expect(page.get_by_role("status").filter(has_text="已退回单位修改")).to_contain_text("已通知单位经办人")
    expect(page.get_by_text("未通过").first).to_be_visible()
    history = page.get_by_text("公章缺失")
    expect(history).to_be_visible()
    expect(page.get_by_role("button", name="领取", exact=True)).to_have_count(0)
    shot(page, "staff-detail-rejected")

    page.goto(f"{app_server.url}/staff/applications/{second}")
    expect(page.get_by_role("heading", name="南京审核通过测试有限公司")).to_be_visible()
    page.get_by_role("button", name="领取", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    page.get_by_role("button", name="通过", exact=True).click()
    page.get_by_label("审核意见").fill("材料齐全，准予注册。")
    page.get_by_role("button", name="确认通过").click()
    expect(page.get_by_role("status").filter(has_text="已审核通过")).to_contain_text("已通知单位经办人")
    expect(page.get_by_text("已通过").first).to_be_visible()
    expect(page.get_by_text("材料齐全，准予注册。")).to_be_visible()

    # The dashboard counts and rows follow; 退出 ends the session.
    page.get_by_role("link", name="审核工作台", exact=True).click()
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()
    page.get_by_label("状态", exact=True).select_option("")
    table = page.get_by_role("table", name="审核列表")
    expect(table.get_by_role("row").filter(has_text="南京审核通过测试有限公司")).to_contain_text("已通过")
    expect(table.get_by_role("row").filter(has_text="南京审核退回测试有限公司")).to_contain_text("未通过")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已安全退出。")).to_be_visible()
    page.goto(app_server.url + "/staff")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
