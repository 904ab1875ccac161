"""Every main flow without a mouse: registration (with a refused first submit whose error summary takes focus and
links to the field), login, a material upload, and a reviewer's claim and decisions (退回 with a reason, 通过).
Only Tab, typing, Space and Enter drive the pages; each control reached shows a visible focus outline. Then the
staff queue and 缴费查询 at 360 px: their tables are cards."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlmodel import Session

from jssi_app.adapters.clock import utcnow
from jssi_app.db import engine_for
from jssi_app.domain.review import REJECTION_REASONS
from tests.e2e.conftest import read_code, shot
from tests.e2e.page_tour import HYDRATED
from tests.e2e.table_cards import NARROW, assert_cards, assert_table
from tests.e2e.test_personal_account import PASSWORD
from tests.e2e.test_counter import _create_staff
from tests.e2e.test_staff_review import UNIT_PASSWORD, _credit_code, _registered_unit, _submitted_application
from tests.e2e.test_unit_pages import scan_png

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 800}
REVIEWER, REVIEWER_PASSWORD = "kb.reviewer", "Review2026kb"


def focus_is_visible(page) -> None:
    """The focused element draws an outline (assets/styles.css :focus-visible), not just a colour change."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert style["style"] != "none" and style["width"] >= 2, style


def tab_to(page, target, *, limit: int = 80) -> None:
    """Press Tab until `target` (or something inside it) has focus; fail if it is never reached."""
    target.wait_for()
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("e => e === document.activeElement || e.contains(document.activeElement)", handle):
            focus_is_visible(page)
            return
    raise AssertionError(f"Tab never reached {target}")


def type_into(page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def sign_in(page, url: str, heading: str, fields: dict[str, str]) -> None:
    """Type into each labelled field in turn; Enter in the last one submits the form."""
    page.goto(url)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    for label, value in fields.items():
        type_into(page, page.get_by_label(label, exact=True), value)
    page.keyboard.press("Enter")


def _person_with_contributions(app) -> dict:
    """An employee with contributions in the last year, from the end of the registry (the registration tests
    take theirs from the start; the contributions tests the 2nd and 4th such person from the end)."""
    with open(app.registry_dir / "contributions.csv", encoding="utf-8") as fh:
        counts = Counter(r["id_number"] for r in csv.DictReader(fh) if r["uscc"])
    return [p for p in reversed(app.persons()) if counts[p["id_number"]] >= 60][6]


def test_register_and_log_in_by_keyboard(app_server, new_page):
    app = app_server
    person = _person_with_contributions(app)
    page, code_page = new_page(DESKTOP), new_page(DESKTOP)
    page.goto(app.url + "/register/person")
    expect(page.get_by_role("heading", name="个人用户注册")).to_be_visible()

    # A refused submit: the summary at the top takes focus, and its first item is a link to the field.
    tab_to(page, page.get_by_role("button", name="提交注册"))
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    focus_is_visible(page)
    first_link = summary.get_by_role("link").first
    expect(first_link).to_have_attribute("href", "#field-name")
    page.keyboard.press("Tab")
    expect(first_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("姓名", exact=True)).to_be_focused()
    # The message next to the field is words and an icon, announced as it appears.
    error = page.locator("#field-name-error")
    expect(error).to_have_attribute("aria-live", "polite")
    expect(error.locator("svg")).to_have_count(1)
    shot(page, "keyboard-01-summary")

    page.keyboard.type(person["name"])
    type_into(page, page.get_by_label("身份证号码"), person["id_number"])
    type_into(page, page.get_by_label("手机号码"), "13705170077")
    type_into(page, page.get_by_label("登录密码"), PASSWORD)
    type_into(page, page.get_by_label("确认密码"), PASSWORD)
    tab_to(page, page.get_by_role("button", name="获取手机验证码"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("验证码已发送至")).to_be_visible()
    code = read_code(code_page, app, "137****0077")
    type_into(page, page.get_by_label("验证码", exact=True), code)
    agreed = page.get_by_label("我已阅读并同意用户协议和隐私政策")
    tab_to(page, agreed)
    page.keyboard.press("Space")
    expect(agreed).to_be_checked()
    tab_to(page, page.get_by_role("button", name="提交注册"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()

    # 去登录 → 个人用户登录, by keyboard; Enter in the password field submits.
    tab_to(page, page.get_by_role("link", name="去登录"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    type_into(page, page.get_by_label("身份证号码"), person["id_number"])
    type_into(page, page.get_by_label("登录密码"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="完善个人信息")).to_be_visible()
    expect(page.get_by_label("户籍地址")).not_to_have_value("")
    type_into(page, page.get_by_label("联系地址"), "南京市建邺区江东中路369号")
    tab_to(page, page.get_by_role("button", name="保存并继续"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()

    # 缴费查询 at 360 px: the records are cards.
    page.set_viewport_size(NARROW)
    tab_to(page, page.get_by_role("link", name="缴费查询"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="缴费查询", exact=True)).to_be_visible()
    expect(page.get_by_label("截止月份")).to_have_value(re.compile(r"^\d{4}-\d{2}$"))
    tab_to(page, page.get_by_role("button", name="查询", exact=True))
    page.keyboard.press("Enter")
    assert_cards(page, "缴费基数")
    shot(page, "keyboard-02-contributions-360")

    # No 险种 at all: the summary's link leads to the group of check boxes.
    for name in ("养老", "失业", "医疗", "工伤", "生育"):
        box = page.get_by_role("checkbox", name=name, exact=True)
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).not_to_be_checked()
    tab_to(page, page.get_by_role("button", name="查询", exact=True))
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#field-insurance_codes")).to_be_focused()


def test_unit_uploads_a_material_by_keyboard(app_server, new_page, tmp_path):
    app = app_server
    with Session(engine_for(app.env["REFLEX_DB_URL"]), expire_on_commit=False) as db:
        _registered_unit(db, db.get_bind(), 77, "南京键盘上传测试有限公司", utcnow())
    code = _credit_code(77)
    page = new_page(DESKTOP)
    sign_in(page, app.url + "/login/unit", "单位用户登录", {"统一社会信用代码": code, "登录密码": UNIT_PASSWORD})
    expect(page.get_by_role("heading", name="上传资质材料")).to_be_visible()

    # The drop zone is reached by Tab and opens the file dialog on Enter; the dialog itself is the OS's.
    expect(page.get_by_text("尚缺：")).to_be_visible()  # the application's state has arrived
    page.wait_for_function(HYDRATED)
    tab_to(page, page.locator("#upload-business_licence"))
    chooser = None
    # On a loaded machine a key can land while the page is still settling (seen once in five runs); a person
    # would press again, and so does the test, at most three times, with Enter and then Space.
    for key in ("Enter", "Space", "Enter"):
        try:
            with page.expect_file_chooser(timeout=7_000) as opened:
                page.keyboard.press(key)
            chooser = opened.value
            break
        except PlaywrightTimeout:
            expect(page.locator("#upload-business_licence")).to_be_focused()
    assert chooser is not None, "Enter and Space on the focused drop zone never opened the file dialog"
    chooser.set_files(scan_png(tmp_path / "licence.png", "Business licence"))
    expect(page.get_by_text("材料已上传")).to_be_visible()
    expect(page.locator("img.material-thumb")).to_have_count(1)
    shot(page, "keyboard-03-upload")


def _choose(page, select, option: str, options: list[str]) -> None:
    """A closed <select> changes with the arrow keys."""
    tab_to(page, select)
    for _ in range(options.index(option)):
        page.keyboard.press("ArrowDown")
    expect(select).to_have_value(option)


def _claim_then(page, decision: str) -> None:
    """领取, then open the 通过 or 退回 form, by keyboard."""
    tab_to(page, page.get_by_role("button", name="领取", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    tab_to(page, page.get_by_role("button", name=decision, exact=True))
    page.keyboard.press("Enter")


def test_reviewer_claims_and_decides_by_keyboard(app_server, new_page):
    app = app_server
    _create_staff(app, REVIEWER, "reviewer", "孙审核", REVIEWER_PASSWORD)
    rejected = "南京键盘退回测试有限公司"
    approved = "南京键盘通过测试有限公司"
    _submitted_application(app, 78, rejected)
    second = _submitted_application(app, 79, approved)
    page = new_page(DESKTOP)
    sign_in(page, app.url + "/staff/login", "工作人员登录", {"用户名": REVIEWER, "密码": REVIEWER_PASSWORD})
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()
    # The queue at 360 px is a list of cards (and a dense table again on the desktop).
    page.set_viewport_size(NARROW)
    assert_cards(page, "单位名称")
    shot(page, "keyboard-04-queue-360")
    page.set_viewport_size(DESKTOP)
    assert_table(page, "单位名称")

    # 退回 with a reason for one material.
    tab_to(page, page.get_by_role("table", name="审核列表").get_by_role("link", name=rejected))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=rejected)).to_be_visible()
    _claim_then(page, "退回")
    _choose(page, page.get_by_label("单位授权委托书", exact=True), "公章缺失", ["", *REJECTION_REASONS])
    type_into(page, page.get_by_label("补充说明：单位授权委托书"), "未加盖单位公章")
    type_into(page, page.locator("#reject-opinion"), "请上传加盖公章的授权委托书。")
    tab_to(page, page.get_by_role("button", name="确认退回"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="已退回单位修改")).to_be_visible()
    expect(page.get_by_text("公章缺失")).to_be_visible()
    shot(page, "keyboard-05-rejected")

    # 通过 for the other.
    page.goto(f"{app.url}/staff/applications/{second}")
    expect(page.get_by_role("heading", name=approved)).to_be_visible()
    _claim_then(page, "通过")
    type_into(page, page.locator("#approve-opinion"), "材料齐全，准予注册。")
    tab_to(page, page.get_by_role("button", name="确认通过"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="已审核通过")).to_be_visible()
