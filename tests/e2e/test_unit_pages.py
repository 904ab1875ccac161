"""单位用户注册 in a real browser: register, upload generated scans and a PDF, submit, see the confirmation;
审核进度查询 shows the timeline; a rejected material is replaced and the application resubmitted."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from jssi_app.domain.credit_codes import credit_code_check_char, org_code_check_char
from jssi_app.domain.identifiers import check_digit
from tests.e2e.conftest import read_code, shot

pytestmark = pytest.mark.e2e
PHONE_SIZE = {"width": 390, "height": 844}
PASSWORD = "Unit2026ok"


def credit_code(seq: int) -> str:
    org8 = f"MA{seq:06d}"
    first17 = "91320102" + org8 + org_code_check_char(org8)
    return first17 + credit_code_check_char(first17)


def id_number(seq: int, birth: str) -> str:
    first17 = f"320102{birth}{seq:03d}"
    return first17 + check_digit(first17)


def scan_png(path, text: str) -> str:
    image = Image.new("RGB", (1200, 850), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 1160, 810), outline=(180, 20, 20), width=8)
    draw.text((80, 100), text, fill=(20, 20, 20))
    image.save(path, "PNG")
    return str(path)


def letter_pdf(path) -> str:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Authorization letter - signed and stamped")
    c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return str(path)


def upload(page, kind: str, file_path: str) -> None:
    page.locator(f"#upload-{kind} input[type=file]").set_input_files(file_path)
    expect(page.get_by_text("材料已上传")).to_be_visible()


def register_unit(page, code_page, app, *, code: str, phone: str, tmp_path, label: str,
                  unit_name: str = "南京浏览器测试科技有限公司") -> None:
    page.goto(app.url + "/register")
    page.get_by_role("link", name=re.compile("单位用户注册")).click()
    expect(page.get_by_role("heading", name="单位用户注册")).to_be_visible()
    page.get_by_label("单位名称").fill(unit_name)
    page.get_by_label("统一社会信用代码").fill(code.lower())
    page.get_by_label("法定代表人身份证号").fill(id_number(301, "19700101"))
    page.get_by_label("姓名", exact=True).fill("王经办")
    page.get_by_label("身份证号", exact=True).fill(id_number(302, "19900101"))
    page.get_by_label("手机号", exact=True).fill(phone)
    page.get_by_label("电子邮箱（可选）").fill("hr@example.com")
    page.get_by_label("登录密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="获取手机验证码").click()
    expect(page.get_by_text("验证码已发送至")).to_be_visible()
    page.get_by_label("验证码", exact=True).fill(read_code(code_page, app, phone[:3] + "****" + phone[-4:]))
    page.get_by_label("我已阅读并同意用户协议和隐私政策").check()
    shot(page, f"{label}-unit-01-registration")
    page.get_by_role("button", name="提交注册申请").click()
    expect(page.get_by_role("heading", name="上传资质材料")).to_be_visible()


def test_unit_registers_uploads_and_submits(app_server, new_page, tmp_path):
    app = app_server
    page, code_page = new_page(PHONE_SIZE), new_page()
    code = credit_code(901)
    register_unit(page, code_page, app, code=code, phone="13800009001", tmp_path=tmp_path, label="phone")
    expect(page.get_by_role("button", name="提交")).to_be_disabled()
    upload(page, "business_licence", scan_png(tmp_path / "licence.png", "Business licence"))
    upload(page, "legal_rep_id", scan_png(tmp_path / "legal.png", "Legal representative ID"))
    upload(page, "handler_id", scan_png(tmp_path / "handler.png", "Handler ID"))
    upload(page, "authorization_letter", letter_pdf(tmp_path / "letter.pdf"))
    # A file that only claims to be an image is refused with a clear message, and nothing changes.
    fake = tmp_path / "fake.png"
    fake.write_text("<html><script>alert(1)</script></html>")
    page.locator("#upload-other input[type=file]").set_input_files(str(fake))
    expect(page.locator("#error-summary")).to_contain_text("仅支持 JPG、PNG 或 PDF")
    expect(page.get_by_role("alert").filter(has_text="仅支持 JPG、PNG 或 PDF").last).to_be_visible()
    thumbs = page.locator("img.material-thumb")
    expect(thumbs).to_have_count(4)
    # The thumbnails really load through the checked file route (served to this unit's session).
    page.wait_for_function("() => [...document.querySelectorAll('img.material-thumb')].every(i => i.naturalWidth > 0)")
    shot(page, "phone-unit-02-materials")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    expect(page.get_by_text(re.compile(r"DW\d{14}"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d{4}年\d{2}月\d{2}日前"))).to_be_visible()
    shot(page, "phone-unit-03-submitted")

    # The thumbnails are served to the unit's own session only: a fresh browser gets nothing.
    src = page.context.pages[0].url  # noqa: F841 — keep the context alive
    stranger = new_page()
    response = stranger.request.get(app.url + "/files/materials/1/thumbnail")
    assert response.status == 404

    # 审核进度查询 from the login page, with the handler's phone and an SMS code.
    progress = new_page(PHONE_SIZE)
    progress.goto(app.url + "/login")
    progress.get_by_role("link", name="审核进度查询").click()
    expect(progress.get_by_role("heading", name="审核进度查询")).to_be_visible()
    progress.get_by_label("统一社会信用代码").fill(code)
    progress.get_by_label("手机号码").fill("13800009001")
    progress.get_by_role("button", name="获取手机验证码").click()
    expect(progress.get_by_text("验证码已发送至该手机")).to_be_visible()
    progress.get_by_label("验证码", exact=True).fill(read_code(code_page, app, "138****9001"))
    progress.get_by_role("button", name="查询").click()
    expect(progress.get_by_text("待审核")).to_be_visible()
    expect(progress.get_by_label("审核进度")).to_contain_text("已提交")
    shot(progress, "phone-unit-04-progress")
