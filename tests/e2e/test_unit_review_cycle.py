"""The whole review cycle in real browsers: a handler registers a unit with generated images and a PDF, a
reviewer rejects one material, the handler sees the reason on 审核进度查询, replaces it and resubmits, the
reviewer approves, and the handler logs in to the approved unit home. Handler at 390×844, staff at 1440×900."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, read_code, shot
from tests.e2e.page_tour import HYDRATED
from tests.e2e.test_unit_pages import PASSWORD, credit_code, letter_pdf, register_unit, scan_png, upload

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
HANDLER_PHONE = "13800009555"
REVIEWER, REVIEWER_PASSWORD = "cycle.rev", "Review2026ok"


def staff_sign_in(page, app) -> None:
    page.goto(app.url + "/staff/login")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(REVIEWER)
    page.get_by_label("密码").fill(REVIEWER_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()


def open_application(page, unit_name: str) -> None:
    table = page.get_by_role("table", name="审核列表")
    table.get_by_role("link", name=unit_name).click()
    expect(page.get_by_role("heading", name=unit_name)).to_be_visible()


def test_reject_fix_resubmit_approve(app_server, new_page, tmp_path):
    app = app_server
    created = subprocess.run(
        [sys.executable, "-m", "jssi_app", "staff", "create", "--username", REVIEWER, "--role", "reviewer",
         "--display-name", "周审核"],
        cwd=ROOT, env=app.env, input=REVIEWER_PASSWORD + "\n", capture_output=True, text=True, check=False,
    )
    assert created.returncode == 0, created.stderr
    code = credit_code(955)
    unit_name = "南京审核全流程测试有限公司"
    handler, outbox = new_page(PHONE), new_page()

    # 1. The handler registers and submits with generated scans and a PDF.
    register_unit(handler, outbox, app, code=code, phone=HANDLER_PHONE, tmp_path=tmp_path, label="cycle",
                  unit_name=unit_name)
    upload(handler, "business_licence", scan_png(tmp_path / "l.png", "Business licence"))
    upload(handler, "legal_rep_id", scan_png(tmp_path / "r.png", "Legal representative ID"))
    upload(handler, "handler_id", scan_png(tmp_path / "h.png", "Handler ID"))
    upload(handler, "authorization_letter", letter_pdf(tmp_path / "letter.pdf"))
    handler.get_by_role("button", name="提交").click()
    expect(handler.get_by_role("heading", name="提交成功")).to_be_visible()

    # 2. The reviewer claims it and rejects the authorization letter.
    staff = new_page(DESKTOP)
    staff_sign_in(staff, app)
    open_application(staff, unit_name)
    staff.get_by_role("button", name="领取", exact=True).click()
    expect(staff.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    staff.get_by_role("button", name="退回", exact=True).click()
    staff.get_by_label("单位授权委托书", exact=True).select_option("公章缺失")
    staff.get_by_label("补充说明：单位授权委托书").fill("未加盖单位公章")
    staff.get_by_label("审核意见").fill("请上传加盖公章的授权委托书。")
    staff.get_by_role("button", name="确认退回").click()
    expect(staff.get_by_role("status").filter(has_text="已退回单位修改")).to_be_visible()
    shot(staff, "cycle-staff-rejected")

    # 3. The handler reads the reason on 审核进度查询 (an SMS code to the handler's phone).
    handler.goto(app.url + "/progress")
    handler.get_by_label("统一社会信用代码").fill(code)
    handler.get_by_label("手机号码").fill(HANDLER_PHONE)
    handler.get_by_role("button", name="获取手机验证码").click()
    expect(handler.get_by_text("验证码已发送至该手机")).to_be_visible()
    handler.get_by_label("验证码", exact=True).fill(read_code(outbox, app, "138****9555"))
    handler.get_by_role("button", name="查询").click()
    expect(handler.get_by_label("审核进度")).to_contain_text("未通过")
    expect(handler.get_by_label("审核进度")).to_contain_text("单位授权委托书：公章缺失（未加盖单位公章）")
    shot(handler, "cycle-handler-progress-rejected")

    # 4. The handler logs in, replaces only the flagged letter and resubmits.
    handler.goto(app.url + "/login/unit")
    expect(handler.get_by_role("heading", name="单位用户登录")).to_be_visible()
    handler.get_by_label("统一社会信用代码").fill(code)
    handler.get_by_label("登录密码").fill(PASSWORD)
    handler.get_by_role("button", name="登录").click()
    expect(handler.get_by_text("审核意见：公章缺失：未加盖单位公章")).to_be_visible()
    upload(handler, "authorization_letter", letter_pdf(tmp_path / "letter-stamped.pdf"))
    shot(handler, "cycle-handler-fixing")
    handler.get_by_role("button", name="重新提交").click()
    expect(handler.get_by_role("heading", name="提交成功")).to_be_visible()

    # 5. The reviewer approves the second round.
    staff.get_by_role("link", name="审核工作台", exact=True).click()
    expect(staff.get_by_role("heading", name="审核工作台")).to_be_visible()
    open_application(staff, unit_name)
    expect(staff.get_by_text("第2轮").first).to_be_visible()
    staff.get_by_role("button", name="领取", exact=True).click()
    expect(staff.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    staff.get_by_role("button", name="通过", exact=True).click()
    staff.get_by_label("审核意见").fill("材料齐全，准予注册。")
    staff.get_by_role("button", name="确认通过").click()
    expect(staff.get_by_role("status").filter(has_text="已审核通过")).to_be_visible()
    shot(staff, "cycle-staff-approved")

    # 6. The handler logs in to the approved unit home.
    handler.goto(app.url + "/unit")
    handler.wait_for_function(HYDRATED)  # a click before React has attached its handlers does nothing
    handler.get_by_role("button", name="退出").click()
    expect(handler.get_by_text("您已安全退出")).to_be_visible()
    handler.get_by_label("统一社会信用代码").fill(code)
    handler.get_by_label("登录密码").fill(PASSWORD)
    handler.get_by_role("button", name="登录").click()
    expect(handler.get_by_role("heading", name="单位业务")).to_be_visible()
    expect(handler.get_by_label("审核进度")).to_contain_text("已通过")
    expect(handler.get_by_role("button", name=re.compile("提交"))).to_have_count(0)
    shot(handler, "cycle-handler-approved")
