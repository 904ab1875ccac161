"""帮助中心 in a real browser: from the header to the FAQ search and on to 审核进度查询; an 操作指引 row sends a
signed-out visitor to the login page that returns to the function; 联系我们 lists the offices; a form shows its
注意事项 beside it on a desktop and as a collapsed block on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jssi_app.domain.help_content import FAQS
from jssi_app.domain.offices import CITIES
from tests.e2e.conftest import VIEWPORTS, shot
from tests.e2e.test_unit_business import UNIT_CODE, approved_unit  # noqa: F401  (the fixture)
from tests.e2e.test_unit_pages import PASSWORD

pytestmark = pytest.mark.e2e


def test_faq_search_finds_and_its_answer_links_to_the_progress_query(app_server, new_page):
    page = new_page()
    page.goto(app_server.url + "/login")
    page.get_by_role("banner").get_by_role("link", name="帮助中心").click()
    expect(page.get_by_role("heading", name="帮助中心", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("^常见问题")).first.click()
    expect(page.get_by_role("heading", name="常见问题", exact=True)).to_be_visible()

    page.get_by_label("搜索问题").fill("审核时间")
    page.get_by_role("button", name="搜索").click()
    result = page.get_by_role("status").filter(has_text="相关的问题")
    expect(result).to_contain_text("找到 1 个与“审核时间”相关的问题")
    expect(page.get_by_role("heading", name=re.compile("单位注册审核需要多长时间"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("身份证号与社保系统信息不一致"))).to_have_count(0)
    shot(page, "help-faq-search")

    page.get_by_label("搜索问题").fill("火星")
    page.get_by_role("button", name="搜索").click()
    expect(result).to_contain_text("未找到与“火星”相关的问题")
    expect(page.get_by_role("heading", name=re.compile("^问："))).to_have_count(0)
    page.get_by_role("button", name="显示全部问题").click()
    expect(page.get_by_role("heading", name=re.compile("^问："))).to_have_count(len(FAQS))

    page.locator("#faq-review-time").get_by_role("link", name="审核进度查询", exact=True).click()
    expect(page.get_by_role("heading", name="审核进度查询", exact=True)).to_be_visible()
    assert page.url.endswith("/progress")


def test_operation_paths_send_a_visitor_to_login_and_back_and_contact_lists_the_offices(approved_unit, new_page):
    app_server = approved_unit
    page = new_page(VIEWPORTS["phone"])
    # A unit page opened while signed out goes to 单位用户登录, which will come back to it.
    page.goto(app_server.url + "/unit/declaration")
    expect(page.get_by_role("heading", name="单位用户登录")).to_be_visible()
    assert re.search(r"/login/unit\?next=/unit/declaration/?$", page.url)  # a loaded page's path may end in /
    page.goto(app_server.url + "/help/paths")
    expect(page.get_by_role("heading", name="操作指引", exact=True)).to_be_visible()
    expect(page.get_by_text("登录后→“单位业务”→“参保管理”→“人员新增”→填写员工信息→提交")).to_be_visible()
    page.get_by_role("link", name="登录后办理：社保缴费记录查询").click()
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    assert page.url.endswith("/login?next=/person/contributions")
    page.go_back()
    page.get_by_role("link", name="登录后办理：员工参保登记").click()
    expect(page.get_by_role("heading", name="单位用户登录")).to_be_visible()
    assert page.url.endswith("/login/unit?next=/unit/employees/add")
    page.get_by_label("统一社会信用代码").fill(UNIT_CODE)
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="人员新增", exact=True)).to_be_visible()  # back to the function
    # Signed in as a unit: the unit rows lead straight to the function, the personal ones still to login.
    page.goto(app_server.url + "/help/paths")
    expect(page.get_by_role("link", name="去办理：社保缴费申报")).to_have_attribute("href", "/unit/declaration")
    expect(page.get_by_role("link", name="登录后办理：养老待遇资格认证")).to_be_visible()

    page.goto(app_server.url + "/help/contact")
    expect(page.get_by_role("heading", name="联系我们", exact=True)).to_be_visible()
    for city in CITIES:
        expect(page.get_by_role("heading", name=city, exact=True)).to_be_visible()
    nanjing = page.locator(".rt-Card", has=page.get_by_role("heading", name="南京市社会保险管理中心"))
    expect(nanjing).to_contain_text("南京市建邺区江东中路")
    expect(nanjing.get_by_role("link", name="025-12333")).to_have_attribute("href", "tel:025-12333")
    expect(page.get_by_text(re.compile("示例数据"))).to_be_visible()
    shot(page, "help-contact-phone")


def test_a_form_shows_its_notes_beside_it_on_a_desktop_and_folded_on_a_phone(app_server, new_page):
    desktop = new_page()
    desktop.goto(app_server.url + "/register/person")
    notes = desktop.get_by_role("region", name="注意事项")
    expect(notes).to_be_visible()
    expect(notes.get_by_role("heading", name="为什么必须是本人手机号")).to_be_visible()
    expect(notes).to_contain_text("8-20位，须同时包含字母和数字")
    expect(notes.get_by_role("heading", name="浏览器兼容性")).to_be_visible()
    # Beside the form, not below it.
    form_box = desktop.get_by_label("姓名", exact=True).bounding_box()
    notes_box = notes.bounding_box()
    assert notes_box["x"] > form_box["x"] + form_box["width"]
    shot(desktop, "help-notes-desktop")

    phone = new_page(VIEWPORTS["phone"])
    phone.goto(app_server.url + "/login/unit")
    expect(phone.get_by_role("heading", name="单位用户登录")).to_be_visible()
    expect(phone.get_by_role("region", name="注意事项")).to_have_count(0)
    folded = phone.locator("details", has=phone.locator("summary", has_text="注意事项"))
    note = folded.get_by_text(re.compile("社保经办机构会在1-3个工作日内进行审核"))
    expect(note).to_be_hidden()
    folded.locator("summary").click()
    expect(note).to_be_visible()
    # Above the form on a phone.
    assert folded.bounding_box()["y"] < phone.get_by_label("统一社会信用代码").bounding_box()["y"]
    shot(phone, "help-notes-phone")
