"""What a browser that cannot run the hall is told (docs/browser-support.md): JavaScript off, cookies or storage
blocked, an outdated browser, and a lost connection to the server — on the real prod build."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

import jssi_app.jssi_app as app_module
from jssi_app import routes
from jssi_app.components.browser_notices import CONNECTION_LOST, RECOMMENDED_BROWSERS
from tests.e2e.conftest import shot
from tests.e2e.page_tour import HYDRATED
from tests.e2e.test_contributions import _sign_in_new_person
from tests.e2e.test_personal_account import DEMO

pytestmark = pytest.mark.e2e

NOSCRIPT_HEADING = "请启用 JavaScript"
STORAGE_TITLE = "浏览器禁用了 Cookies 或网站数据存储"
OUTDATED_TITLE = "您的浏览器版本过低"

# Chromium blocking a site's cookies and storage: document.cookie and the two storages throw SecurityError.
BLOCK_COOKIES_AND_STORAGE = """
(() => {
  const deny = () => { throw new DOMException("The operation is insecure.", "SecurityError"); };
  Object.defineProperty(Document.prototype, "cookie", {get: deny, set: deny, configurable: true});
  for (const name of ["localStorage", "sessionStorage"]) Object.defineProperty(window, name, {get: deny, configurable: true});
})();
"""
# Cookies refused silently (a per-site block): writes are dropped, reads give nothing; storage still works.
DROP_COOKIES = """
Object.defineProperty(Document.prototype, "cookie", {get: () => "", set: () => {}, configurable: true});
"""


def _every_page_path() -> list[str]:
    """Every route the app registers, dynamic segments filled in, and a path no page has (the 404 page)."""
    paths = []
    for route in app_module.app._unevaluated_pages:
        path = "/" if route == "index" else "/" + re.sub(r"\[[^\]]+\]", "1", route)
        paths.append(path)
    return sorted(paths) + ["/no-such-page"]


def test_javascript_off_every_page_says_so(app_server, new_page):
    paths = _every_page_path()
    assert "/register/person" in paths and "/staff/applications/1" in paths
    # The HTML a browser without JavaScript receives: the notice is in it, for every page.
    with httpx.Client(base_url=app_server.url, timeout=30, follow_redirects=True) as client:
        for path in paths:
            html = client.get(path).text
            notice = re.search(r"<noscript>(.*?)</noscript>", html, re.DOTALL)
            assert notice, path
            assert NOSCRIPT_HEADING in notice.group(1) and RECOMMENDED_BROWSERS in notice.group(1), path
    # And what such a browser shows: the notice over the page, on a static, a dynamic and a missing page.
    page = new_page(java_script_enabled=False)
    for path in ("/", "/register/person", "/staff/applications/1", "/no-such-page"):
        page.goto(app_server.url + path)
        expect(page.get_by_role("heading", name=NOSCRIPT_HEADING)).to_be_visible()
        # (Playwright's text matching skips <noscript>, so read the text the browser lays out.)
        assert RECOMMENDED_BROWSERS in page.locator(".noscript-card").inner_text(), path
        # The pre-rendered page under it cannot work without JavaScript: hidden, not offered for typing.
        expect(page.get_by_role("main")).to_be_hidden()
    shot(page, "notice-noscript")
    # With JavaScript on, the noscript text is not rendered.
    page = new_page()
    page.goto(app_server.url + "/")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    expect(page.get_by_role("heading", name=NOSCRIPT_HEADING)).to_have_count(0)


def test_blocked_cookies_or_storage_are_told_before_typing(app_server, new_page):
    for blocker, kind in ((BLOCK_COOKIES_AND_STORAGE, "storage"), (DROP_COOKIES, "cookies")):
        page = new_page()
        page.add_init_script(blocker)
        page.goto(app_server.url + "/")
        notice = page.get_by_role("alert").filter(has_text=STORAGE_TITLE)
        expect(notice).to_be_visible()
        expect(notice).to_have_attribute("data-notice", kind)
        expect(notice).to_contain_text("允许本网站使用 Cookies 和网站数据")
        # Above the sign-in form, seen before anything is typed.
        form_top = page.get_by_label("身份证号码").bounding_box()["y"]
        assert notice.bounding_box()["y"] < form_top
    # With only cookies refused the app still starts: React hydrates the page around the notice and leaves it.
    page.wait_for_function(HYDRATED)
    page.wait_for_timeout(500)
    expect(page.get_by_role("alert").filter(has_text=STORAGE_TITLE)).to_be_visible()
    shot(page, "notice-cookies")
    # A browser that allows them is told nothing.
    page = new_page()
    page.goto(app_server.url + "/")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill(DEMO["can_register"].id_number)  # hydrated and working
    expect(page.locator("aside.browser-notice")).to_have_count(0)


def test_an_outdated_browser_is_told_which_browsers_work(app_server, new_page):
    page = new_page()
    page.add_init_script("delete window.WebSocket;")
    page.goto(app_server.url + "/")
    notice = page.get_by_role("alert").filter(has_text=OUTDATED_TITLE)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("推荐使用Chrome、Firefox、Edge等主流浏览器")
    expect(notice).to_have_attribute("data-detail", "WebSocket")
    page.wait_for_function(HYDRATED)  # this bundle parses: the notice survives its hydration
    page.wait_for_timeout(500)
    expect(notice).to_be_visible()
    shot(page, "notice-outdated")
    # The check does not need the app's bundle: with every bundle file unparsable, it still speaks.
    page = new_page()
    page.add_init_script("delete Promise.allSettled;")
    page.route(re.compile(r"/assets/.*\.js(\?.*)?$"),
               lambda route: route.fulfill(status=200, content_type="text/javascript", body="export const = ;"))
    page.goto(app_server.url + "/register/person")
    notice = page.get_by_role("alert").filter(has_text=OUTDATED_TITLE)
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("data-detail", "Promise.allSettled")


class Connection:
    """The page's event websocket, passed through Playwright so a test can cut it; while the browser is offline
    every reconnection attempt fails, as when the server or the network is down."""

    def __init__(self, page) -> None:
        self.page = page
        self.live: list = []
        page.route_web_socket(re.compile(r"/_event/"), self._pass)

    def _pass(self, ws) -> None:
        self.live.append((ws, ws.connect_to_server()))

    def cut(self) -> None:
        for _ in range(100):  # the route handler runs when Playwright next dispatches events
            if self.live:
                break
            self.page.wait_for_timeout(100)
        assert self.live, "the page opened no event websocket"
        self.page.context.set_offline(True)
        for ws, server in self.live:
            server.close()
            ws.close()
        self.live.clear()

    def restore(self) -> None:
        self.page.context.set_offline(False)


def _banner(page):
    return page.get_by_role("alert").filter(has_text=CONNECTION_LOST)


def test_a_lost_connection_shows_a_banner_and_keeps_what_was_typed(app_server, new_page):
    page = new_page()
    connection = Connection(page)
    page.goto(app_server.url + "/register/person")
    expect(page.get_by_role("heading", name="个人用户注册")).to_be_visible()
    page.wait_for_function("() => !!window.sessionStorage.getItem('token')")  # the app is connected
    page.wait_for_timeout(500)
    expect(_banner(page)).to_have_count(0)
    # 姓名 and 身份证号码 are plain inputs; 手机号码 is also sent to the state as it is typed (获取手机验证码 uses it).
    person = app_server.persons()[-30]
    page.get_by_label("姓名").fill(person["name"])
    page.get_by_label("手机号码").fill("13705179300")

    connection.cut()
    expect(_banner(page)).to_be_visible()
    expect(_banner(page)).to_contain_text("已填写的内容会保留")
    shot(page, "notice-connection-lost")
    page.get_by_label("身份证号码").fill(person["id_number"])  # typed while the server is away
    page.get_by_label("手机号码").fill("13705179301")
    page.wait_for_timeout(1000)
    expect(_banner(page)).to_be_visible()  # still retrying

    connection.restore()
    expect(_banner(page)).to_have_count(0)
    expect(page.get_by_label("姓名")).to_have_value(person["name"])
    expect(page.get_by_label("身份证号码")).to_have_value(person["id_number"])
    expect(page.get_by_label("手机号码")).to_have_value("13705179301")
    # The state received the number typed during the outage: the code goes to it.
    page.get_by_role("button", name="获取手机验证码").click()
    expect(page.get_by_text("验证码已发送至 137****9301")).to_be_visible()


def test_a_value_held_in_the_state_survives_a_lost_connection(app_server, new_page):
    # A field whose value is held in the state (缴费查询's 起始月份), for a signed-in person.
    page = new_page()
    connection = Connection(page)
    _sign_in_new_person(page, new_page(), app_server, app_server.persons()[-31], "13705179302")
    page.goto(app_server.url + routes.CONTRIBUTIONS)
    month = page.get_by_label("起始月份")
    expect(month).not_to_have_value("")
    # The page's on_load answer must be in before the cut: arriving after it (with two workers it can be slow),
    # it would set the month's default over what is typed, which is not what this checks.
    page.wait_for_function(HYDRATED)
    page.wait_for_timeout(2000)
    page.get_by_role("button", name="查询", exact=True).click()
    totals = page.locator("#contribution-totals")
    expect(totals).to_be_visible()
    shown = totals.text_content()
    connection.cut()
    expect(_banner(page)).to_be_visible()
    month.fill("2024-03")
    page.wait_for_timeout(1000)
    expect(month).to_have_value("2024-03")
    connection.restore()
    expect(_banner(page)).to_have_count(0)
    # Reflex runs the page's on_load again on reconnection; with two workers it used to land after the queued
    # change and put the default month back (AppState._reconnected). Neither the month nor the result may go.
    page.wait_for_timeout(1500)
    expect(month).to_have_value("2024-03")
    expect(totals).to_have_text(shown)
