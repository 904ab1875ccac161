"""Stored hostile text is shown as text, in a real Chromium against the prod build.

Which user-typed fields can hold "<", ">", quotes and template syntax: the staff 姓名 (admin form and CLI), a
reviewer's 补充说明 and 审核意见, and a clerk's 办理意见 (and a person's addresses, shown only back in their own
form's inputs). Names, unit names, ID numbers, credit codes and phones refuse them (tests/unit/test_hostile_validators.py).
Each is typed through the app, then every page that shows it is opened: the text the app stored (its validator's
cleaning applied) is in the element's textContent exactly, no element was injected (no img[src=x], iframe,
svg, inline handler or script carrying the payload), no dialog opened and the payloads' `window.__pwned` flag was
never set. The CSP (test_security_headers.py) would block an injected inline handler anyway; this checks that
nothing is injected in the first place.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from jssi_app.domain.review import clean_text
from tests.e2e.conftest import ROOT, shot
from tests.e2e.test_counter import open_certification_task
from tests.e2e.test_staff_review import UNIT_PASSWORD, _credit_code, _submitted_application

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1440, "height": 900}
PASSWORD = "Escape2026ok"
# ≤ 40 characters (the 姓名 limit); one alert() so that the dialog listener has something to catch.
REVIEWER_NAME = "<img src=x onerror=alert(1)>审核甲"
CLERK_NAME = "<svg onload=window.__pwned=2>窗口乙"
ADMIN_TYPED_NAME = "{{7*7}}${7*7}<b onmouseover=x>丙"
# ≤ 200 characters (补充说明).
NOTE = "<script>window.__pwned=3</script>{{7*7}} ${7*7} &lt;b&gt; 😀 ＡＢＣ' OR '1'='1"
# ≤ 500 characters (审核意见 and 办理意见); the bidi override and the zero-width space are removed by the rule.
OPINION = ("\"><img src=x onerror=\"window.__pwned=4\"></textarea><b>粗</b>\u202e倒序\u200b\n"
           "مرحبا 👨‍👩‍👧 ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ")
COUNTER_NOTE = ("<iframe src=\"javascript:window.__pwned=5\"></iframe>{{constructor.constructor('window.__pwned=6')()}}"
                " 本人未到场 <a href=javascript:alert(2)>链接</a>")

# Counted in the live page: what an injection of any payload above would have left behind.
_INJECTED = """() => ({
  img: document.querySelectorAll('img[src="x"]').length,
  iframe: document.querySelectorAll('iframe').length,
  svg_onload: document.querySelectorAll('svg[onload]').length,
  bold: [...document.querySelectorAll('b')].filter(e => e.textContent === '粗').length,
  javascript_links: document.querySelectorAll('a[href^="javascript:"]').length,
  inline_handlers: [...document.querySelectorAll('*')]
      .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
})"""
_NOTHING_INJECTED = {"img": 0, "iframe": 0, "svg_onload": 0, "bold": 0, "javascript_links": 0, "inline_handlers": 0,
                     "scripts": 0, "pwned": None}


class Watched:
    """A page whose dialogs are recorded (and dismissed) from the moment it is opened."""

    def __init__(self, page) -> None:
        self.page, self.dialogs = page, []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def shows_literally(self, where, *texts: str) -> None:
        """Each text is in `where`'s textContent exactly (waited for), and nothing was injected or ran."""
        for text in texts:
            expect(where).to_contain_text(text.split("\n")[0])  # waits; textContent is compared exactly below
            content = where.evaluate("e => e.textContent")
            assert text in content, (text, content)
        # An onerror would fire once the broken image had failed: give it the time to.
        self.page.wait_for_timeout(300)
        assert self.page.evaluate(_INJECTED) == _NOTHING_INJECTED
        assert self.dialogs == []


def _staff(app_server, username: str, role: str, display: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jssi_app", "staff", "create", "--username", username, "--role", role,
         "--display-name", display],
        cwd=ROOT, env=app_server.env, input=PASSWORD + "\n", capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr


def _sign_in(page, app_server, username: str) -> None:
    page.goto(app_server.url + "/staff/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()


def test_hostile_text_typed_into_the_app_is_shown_as_text_on_every_page(app_server, new_page):
    _staff(app_server, "xss.rev", "reviewer", REVIEWER_NAME)
    _staff(app_server, "xss.clerk", "clerk", CLERK_NAME)
    _staff(app_server, "xss.admin", "admin", "管理员")
    rejected = _submitted_application(app_server, 71, "南京转义测试甲有限公司")
    claimed = _submitted_application(app_server, 72, "南京转义测试乙有限公司")
    task_id = open_certification_task(app_server, "退休人员 吴** 人工认证（转义）")

    # 审核员: the header, the application detail's 领取人 and review record, the queue's 领取人 column.
    reviewer = Watched(new_page(DESKTOP))
    _sign_in(reviewer.page, app_server, "xss.rev")
    reviewer.shows_literally(reviewer.page.locator("#staff-user"), REVIEWER_NAME)
    reviewer.page.goto(f"{app_server.url}/staff/applications/{claimed}")
    reviewer.page.get_by_role("button", name="领取", exact=True).click()
    expect(reviewer.page.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    reviewer.shows_literally(reviewer.page.locator("main"), REVIEWER_NAME)
    reviewer.page.goto(f"{app_server.url}/staff/applications/{rejected}")
    reviewer.page.get_by_role("button", name="领取", exact=True).click()
    expect(reviewer.page.get_by_role("status").filter(has_text="已领取")).to_be_visible()
    reviewer.page.get_by_role("button", name="退回", exact=True).click()
    reviewer.page.get_by_label("单位授权委托书", exact=True).select_option("其他")
    reviewer.page.get_by_label("补充说明：单位授权委托书").fill(NOTE)
    reviewer.page.get_by_label("审核意见").fill(OPINION)
    reviewer.page.get_by_role("button", name="确认退回").click()
    expect(reviewer.page.get_by_role("status").filter(has_text="已退回单位修改")).to_be_visible()
    reviewer.shows_literally(reviewer.page.locator("main"), f"（{NOTE}）", clean_text(OPINION))
    shot(reviewer.page, "escaping-staff-detail")
    reviewer.page.get_by_role("link", name="审核工作台", exact=True).click()
    row = reviewer.page.get_by_role("table", name="审核列表").get_by_role("row").filter(has_text="南京转义测试乙有限公司")
    reviewer.shows_literally(row, REVIEWER_NAME)
    shot(reviewer.page, "escaping-staff-dashboard")

    # The unit's handler: 审核意见 on the unit home after signing in.
    unit = Watched(new_page(DESKTOP))
    unit.page.goto(app_server.url + "/login/unit")
    unit.page.get_by_label("统一社会信用代码").fill(_credit_code(71))
    unit.page.get_by_label("登录密码").fill(UNIT_PASSWORD)
    unit.page.get_by_role("button", name="登录").click()
    unit.shows_literally(unit.page.locator("main"), f"其他：{NOTE}", clean_text(OPINION))
    shot(unit.page, "escaping-unit-home")

    # 窗口经办: the header, a task's 办理意见 after 不予办理, and the queue of refused tasks.
    clerk = Watched(new_page(DESKTOP))
    _sign_in(clerk.page, app_server, "xss.clerk")
    clerk.shows_literally(clerk.page.locator("#staff-user"), CLERK_NAME)
    clerk.page.goto(f"{app_server.url}/staff/counter/tasks/{task_id}")
    expect(clerk.page.get_by_role("heading", name="窗口业务详情")).to_be_visible()
    clerk.page.get_by_label("办理意见").fill(COUNTER_NOTE)
    clerk.page.get_by_role("button", name="不予办理").click()
    expect(clerk.page.locator("#task-status")).to_have_text("不予办理")
    clerk.shows_literally(clerk.page.locator("main"), COUNTER_NOTE)
    clerk.page.get_by_role("link", name="← 返回窗口业务").click()
    clerk.page.get_by_label("办理状态").select_option("refused")
    clerk.page.get_by_role("button", name="查询", exact=True).click()
    clerk.shows_literally(clerk.page.locator(".counter-task", has_text="吴** 人工认证（转义）"), COUNTER_NOTE)
    shot(clerk.page, "escaping-counter")

    # 管理员: a 姓名 typed into 新增工作人员, and the others in the staff list.
    admin = Watched(new_page(DESKTOP))
    _sign_in(admin.page, app_server, "xss.admin")
    admin.page.goto(app_server.url + "/staff/admin")
    admin.page.get_by_label("用户名").fill("xss.new")
    admin.page.get_by_label("姓名").fill(ADMIN_TYPED_NAME)
    admin.page.get_by_role("button", name="新增工作人员").click()
    admin.page.get_by_role("button", name="我已安全交付，关闭").click()
    expect(admin.page.get_by_role("status")).to_contain_text("已新增工作人员 xss.new")
    admin.shows_literally(admin.page.locator("main"), ADMIN_TYPED_NAME, REVIEWER_NAME, CLERK_NAME)
    shot(admin.page, "escaping-staff-admin")
