"""A new person's whole journey in a real browser, by the labels the official guide uses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jssi_app.domain.contact import mask_phone
from jssi_app.domain.identifiers import check_digit, mask_id_number
from jssi_app.services.demo_registry import DEMO_IDENTITIES
from tests.e2e.conftest import read_code, shot

pytestmark = pytest.mark.e2e

DEMO = {d.key: d for d in DEMO_IDENTITIES}
PASSWORD = "Jssi2026pw"
NEW_PASSWORD = "Lake7Nanjing"


def fill_registration(page, *, name, id_number, phone, password=PASSWORD, email=""):
    page.get_by_label("姓名").fill(name)
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("手机号码").fill(phone)
    if email:
        page.get_by_label("电子邮箱（可选）").fill(email)
    page.get_by_label("登录密码", exact=True).fill(password)
    page.get_by_label("确认密码").fill(password)


def get_code(page, code_page, app, phone, notice=None):
    page.get_by_role("button", name="获取手机验证码").click()
    expect(page.get_by_text(notice or f"验证码已发送至 {mask_phone(phone)}")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"\d+秒后重新获取"))).to_be_disabled()
    return read_code(code_page, app, mask_phone(phone))


def test_register_login_profile_logout_reset(app_server, new_page, viewport):
    label, size = viewport
    app = app_server
    # One registration per ID: the desktop run uses the documented demo identity, the phone run another person.
    if label == "desktop":
        d = DEMO["can_register"]
        name, id_number, phone = d.name, d.id_number, d.phone
    else:
        person = app.persons()[7]
        name, id_number, phone = person["name"], person["id_number"], "13912345670"
    page = new_page(size)
    code_page = new_page(size)

    page.goto(app.url + "/login")
    shot(page, f"{label}-01-login")
    page.get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="注册", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("个人用户注册")).click()
    expect(page.get_by_role("heading", name="个人用户注册")).to_be_visible()
    fill_registration(page, name=name, id_number=id_number.lower(), phone=phone, email=f"e2e-{label}@example.com")
    expect(page.get_by_text("密码强度")).to_be_visible()
    code = get_code(page, code_page, app, phone)
    page.get_by_label("验证码", exact=True).fill(code)
    page.get_by_label("我已阅读并同意用户协议和隐私政策").check()
    shot(page, f"{label}-02-registration-filled")
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()
    expect(page.get_by_text(mask_id_number(id_number.upper()))).to_be_visible()
    shot(page, f"{label}-03-registered")

    page.get_by_role("button", name="去登录").click()
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="完善个人信息")).to_be_visible()
    hukou = page.get_by_label("户籍地址")
    expect(hukou).not_to_have_value("")
    page.get_by_label("联系地址").fill("南京市建邺区江东中路369号")
    shot(page, f"{label}-04-profile")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()
    expect(page.get_by_text(mask_id_number(id_number.upper()))).to_be_visible()
    shot(page, f"{label}-05-home")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已安全退出")).to_be_visible()
    # The session is over on the server: the home page sends us back to login.
    page.goto(app.url + "/home")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()

    page.get_by_role("link", name="忘记密码").click()
    expect(page.get_by_role("heading", name="忘记密码")).to_be_visible()
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("手机号码").fill(phone)
    # The answer is the same whether or not the ID and phone belong together (no enumeration).
    code = get_code(page, code_page, app, phone, notice="验证码已发送至该手机")
    page.get_by_label("验证码", exact=True).fill(code)
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("新密码").fill(NEW_PASSWORD)
    page.get_by_label("确认密码").fill(NEW_PASSWORD)
    shot(page, f"{label}-06-new-password")
    page.get_by_role("button", name="确认修改").click()
    expect(page.get_by_text("密码已重置，请使用新密码登录")).to_be_visible()
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("登录密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()
    shot(page, f"{label}-07-home-after-reset")

    # A page behind login sends a signed-out person to login and, after it, back to that page.
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已安全退出")).to_be_visible()
    page.goto(app.url + "/profile/complete")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("登录密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="完善个人信息")).to_be_visible()
    expect(page.get_by_label("联系地址")).to_have_value("南京市建邺区江东中路369号")
    assert page.url.rstrip("/").endswith("/profile/complete")


def _submit_registration(page, code_page, app, *, name, id_number, phone):
    page.goto(app.url + "/register/person")
    fill_registration(page, name=name, id_number=id_number, phone=phone)
    page.get_by_label("验证码", exact=True).fill(get_code(page, code_page, app, phone))
    page.get_by_label("我已阅读并同意用户协议和隐私政策").check()
    page.get_by_role("button", name="提交注册").click()


def _bad_check_digit(number: str) -> str:
    wrong = "0" if check_digit(number[:17]) != "0" else "1"
    return number[:17] + wrong


def test_field_errors_appear_next_to_fields_and_in_summary(app_server, new_page):
    page = new_page()
    page.goto(app_server.url + "/register/person")
    d = DEMO["can_register"]
    fill_registration(page, name="张", id_number=_bad_check_digit(d.id_number), phone="12345", password="12345678")
    page.get_by_role("button", name="提交注册").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#field-id_number-error")).to_contain_text("校验位")
    expect(page.locator("#field-phone-error")).not_to_be_empty()
    expect(page.locator("#field-name-error")).not_to_be_empty()
    expect(page.locator("#field-password-error")).not_to_be_empty()
    expect(page.locator("#field-agreed-error")).not_to_be_empty()
    expect(summary).to_contain_text("校验位")
    shot(page, "rejection-fields")


def test_fifteen_digit_number_is_answered_with_its_eighteen_digit_form(app_server, new_page):
    page = new_page()
    page.goto(app_server.url + "/register/person")
    page.get_by_label("身份证号码").fill("320102900307451")
    page.get_by_role("button", name="提交注册").click()
    expect(page.locator("#field-id_number-error")).to_contain_text("18位")
    expect(page.locator("#field-id_number-error")).to_contain_text("320102199003074516"[:17])


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("name_differs", "不一致"),
        ("legacy_15", "15位升18位"),
        ("no_record", "未查询到参保记录"),
    ],
)
def test_real_name_rejections_are_shown(app_server, new_page, case, expected):
    page, code_page = new_page(), new_page()
    if case == "no_record":
        first17 = "32010219770707123"
        name, id_number, phone = "钱多多", first17 + check_digit(first17), "13700001111"
    else:
        d = DEMO[case]
        name, id_number, phone = d.name, d.id_number, d.phone
    _submit_registration(page, code_page, app_server, name=name, id_number=id_number, phone=phone)
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text(expected)
    if case == "name_differs":
        expect(summary).to_contain_text("携带本人身份证原件")
    shot(page, f"rejection-{case}")


def test_already_registered_links_to_login_and_reset(app_server, new_page):
    person = app_server.persons()[11]
    page, code_page = new_page(), new_page()
    kwargs = dict(name=person["name"], id_number=person["id_number"])
    _submit_registration(page, code_page, app_server, phone="13512340000", **kwargs)
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()
    # A second attempt from another browser (the first one's 60-second resend countdown is still running).
    page, code_page = new_page(), new_page()
    _submit_registration(page, code_page, app_server, phone="13512340001", **kwargs)
    expect(page.locator("#error-summary")).to_contain_text("已注册")
    expect(page.get_by_role("link", name="去登录")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="忘记密码")).to_be_visible()


def test_wrong_password_gets_generic_message(app_server, new_page):
    page = new_page()
    page.goto(app_server.url + "/login")
    page.get_by_label("身份证号码").fill(DEMO["name_differs"].id_number)
    page.get_by_label("登录密码").fill("Wrong1234x")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#error-summary")).to_contain_text("身份证号码或登录密码错误")


def test_protected_page_redirects_to_login_and_back(app_server, new_page):
    page = new_page()
    page.goto(app_server.url + "/home")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    assert "next=/home" in page.url


def test_five_wrong_passwords_lock_with_the_unlock_time(app_server, new_page):
    page = new_page()
    page.goto(app_server.url + "/login")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    first17 = "32010519850505123"
    number = first17 + check_digit(first17)
    for attempt in range(5):
        page.get_by_label("身份证号码").fill(number)
        page.get_by_label("登录密码").fill(f"Wrong{attempt}pass9")
        page.get_by_role("button", name="登录").click()
        expect(page.locator("#error-summary")).to_be_visible()
        if attempt < 4:
            expect(page.locator("#error-summary")).to_contain_text("身份证号码或登录密码错误")
    expect(page.locator("#error-summary")).to_contain_text("账号已锁定")
    expect(page.locator("#error-summary")).to_contain_text(re.compile(r"请于 \d{2}:\d{2} 后再试"))
    shot(page, "rejection-locked")


def test_wrong_sms_code_is_refused_with_attempts_left(app_server, new_page):
    person = app_server.persons()[15]
    page, code_page = new_page(), new_page()
    page.goto(app_server.url + "/register/person")
    fill_registration(page, name=person["name"], id_number=person["id_number"], phone="13600001234")
    code = get_code(page, code_page, app_server, "13600001234")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("验证码", exact=True).fill(wrong)
    page.get_by_label("我已阅读并同意用户协议和隐私政策").check()
    page.get_by_role("button", name="提交注册").click()
    expect(page.locator("#error-summary")).to_contain_text("验证码不正确，还可尝试4次")
    expect(page.get_by_role("heading", name="注册成功")).to_have_count(0)
    shot(page, "rejection-wrong-code")
