"""The page tour: every page of the app, the role that sees it, a real URL and, for the main forms, the state
after a refused submit (so error summaries are audited too). The accessibility and responsive tests walk it.

Adding a page = one line in TOUR: `Stop("help/faq", ANONYMOUS)`. A dynamic route names its URL from the tour
world (tests/e2e/tour_world.py); a stop that puts the page in another state names that state and how.
`test_the_tour_visits_every_page` fails when a registered page has no stop.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.app_process import ROOT

ANONYMOUS, PERSON, UNIT, REVIEWER, CLERK, ADMIN = "anonymous", "person", "unit", "reviewer", "clerk", "admin"
SESSION_COOKIE = "jssi_session"

# React marks the DOM nodes it has hydrated with its fiber.
HYDRATED = "() => Object.keys(document.querySelector('main') || {}).some(k => k.startsWith('__reactFiber'))"


@dataclass(frozen=True)
class World:
    """What the tour world script made in the app's database: sessions per role and ids for dynamic routes."""

    tokens: dict[str, str]
    application_id: int
    task_id: int


def submit(button: str) -> Callable[[Page], None]:
    """Press the form's submit button with nothing filled in, and wait for the error summary."""

    def press(page: Page) -> None:
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.locator("#error-summary")).to_be_visible()

    return press


def query_contributions(page: Page) -> None:
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.get_by_role("table").first).to_be_visible()


@dataclass(frozen=True)
class Stop:
    route: str  # as registered: "staff/applications/[application_id]"
    role: str = ANONYMOUS
    state: str = ""  # "" for the page as it first shows; else the name of the state `prepare` brings it to
    url: Callable[[World], str] | None = None  # path and query for a dynamic route; default "/" + route
    prepare: Callable[[Page], None] | None = None
    ready: str = ""  # a CSS selector that is visible once the page's data has arrived (default: the h1)

    @property
    def name(self) -> str:
        base = self.route.replace("/", "-").replace("[", "").replace("]", "") or "index"
        return f"{base}--{self.state}" if self.state else base

    def path(self, world: World) -> str:
        return self.url(world) if self.url else "/" + self.route


TOUR: list[Stop] = [
    # 个人用户 (signed out)
    Stop(""),
    Stop("login"),
    Stop("login", state="errors", prepare=submit("登录")),
    Stop("register"),
    Stop("register/person"),
    Stop("register/person", state="errors", prepare=submit("提交注册")),
    Stop("register/person/done"),
    Stop("forgot-password"),
    Stop("forgot-password", state="errors", prepare=submit("下一步")),
    Stop("reset-password"),
    Stop("agreement/user"),
    Stop("agreement/privacy"),
    Stop("dev/outbox"),
    Stop("verify"),
    Stop("verify", state="unknown-code", url=lambda w: "/verify?code=ABCD-EFGH-JKMN",
         ready="main [role=alert], main [role=status]"),
    # 个人用户 (signed in)
    Stop("home", PERSON),
    Stop("profile/complete", PERSON),
    Stop("person/contributions", PERSON),
    Stop("person/contributions", PERSON, state="results", prepare=query_contributions),
    Stop("person/certification", PERSON),
    # 单位用户
    Stop("register/unit"),
    Stop("register/unit", state="errors", prepare=submit("提交注册申请")),
    Stop("login/unit"),
    Stop("login/unit", state="errors", prepare=submit("登录")),
    Stop("login/unit/ca"),
    Stop("progress"),
    Stop("progress", state="errors", prepare=submit("查询")),
    Stop("unit", UNIT),
    Stop("unit/submitted", UNIT),
    Stop("unit/employees", UNIT),
    Stop("unit/employees/add", UNIT),
    Stop("unit/employees/add", UNIT, state="errors", prepare=submit("提交")),
    Stop("unit/employees/import", UNIT),
    Stop("unit/declaration", UNIT),
    # 工作人员
    Stop("staff/login"),
    Stop("staff/login", state="errors", prepare=submit("登录")),
    Stop("staff", REVIEWER, ready="table"),
    Stop("staff/password", REVIEWER),
    Stop("staff/applications/[application_id]", REVIEWER, url=lambda w: f"/staff/applications/{w.application_id}"),
    Stop("staff/admin", ADMIN, ready="table"),
    Stop("staff/audit", ADMIN, ready="table"),
    Stop("staff/counter", CLERK),
    Stop("staff/counter/tasks/[task_id]", CLERK, url=lambda w: f"/staff/counter/tasks/{w.task_id}"),
    Stop("staff/counter/person", CLERK),
    Stop("staff/counter/face-reference", CLERK),
    Stop("staff/counter/import", CLERK),
    Stop("staff/counter/certificates", CLERK),
    # 帮助中心: public; 操作指引 also signed in, where its rows lead into the functions.
    Stop("help"),
    Stop("help/guide/person"),
    Stop("help/guide/unit"),
    Stop("help/paths"),
    Stop("help/paths", PERSON, state="signed-in"),
    Stop("help/faq"),
    Stop("help/contact"),
]


def registered_routes() -> set[str]:
    """The page routes the app registers ("" for the index), read from the app itself."""
    import jssi_app.jssi_app as app_module

    return {"" if route == "index" else route for route in app_module.app._unevaluated_pages}


def make_world(app) -> World:  # noqa: ANN001 — tests.e2e.conftest.App
    done = subprocess.run([sys.executable, "-m", "tests.e2e.tour_world", str(app.registry_dir)], cwd=ROOT,
                          env=app.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return World(**json.loads(done.stdout.strip().splitlines()[-1]))


class Tour:
    """One browser context per role (signed in by its session cookie), reused for every stop of that role."""

    def __init__(self, browser, app, world: World, address: Callable[[], str],  # noqa: ANN001
                 device: dict | None = None) -> None:
        self.browser, self.app, self.world, self._address = browser, app, world, address
        # The browser's shape: a 1280×800 desktop, or e.g. a touch phone (has_touch, is_mobile, its viewport).
        self.device = device or {"viewport": {"width": 1280, "height": 800}}
        self._pages: dict[str, Page] = {}

    def page(self, role: str) -> Page:
        if role not in self._pages:
            # bypass_csp: the app's policy (rightly) refuses inline scripts, and axe is injected as one.
            ctx = self.browser.new_context(**self.device, locale="zh-CN", bypass_csp=True,
                                           extra_http_headers={"X-Forwarded-For": self._address()})
            ctx.set_default_timeout(20_000)
            if role != ANONYMOUS:
                ctx.add_cookies([{"name": SESSION_COOKIE, "value": self.world.tokens[role], "url": self.app.url,
                                  "sameSite": "Strict"}])
            self._pages[role] = ctx.new_page()
        return self._pages[role]

    def visit(self, stop: Stop, *, fresh: bool = False) -> tuple[Page, float]:
        """Open the stop's page in its state; the page and the seconds it took. `fresh`: in a new browser context,
        for a check that nothing done on the role's page before (a file dialog left open) may disturb."""
        started = time.perf_counter()
        if fresh and stop.role in self._pages:
            self._pages.pop(stop.role).context.close()
        page = self.page(stop.role)
        path = stop.path(self.world)
        page.goto(self.app.url + path)
        expect(page.locator(stop.ready or "main h1").first).to_be_visible()
        # The pre-rendered HTML shows the heading before React has attached a single handler: a key pressed then
        # (Enter on an upload zone) does nothing.
        page.wait_for_function(HYDRATED)
        # on_load runs after hydration and may redirect (a role that may not see the page goes to a login page).
        # Network idle is the usual sign it has answered; on a loaded machine it may not come, the path check stays.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=8_000)
        page.wait_for_timeout(300)
        assert urlparse(page.url).path.rstrip("/") == urlparse(path).path.rstrip("/"), f"{stop.name}: {stop.role} was sent to {page.url}"
        if stop.prepare:
            stop.prepare(page)
        return page, time.perf_counter() - started

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()
