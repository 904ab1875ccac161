"""Simulated people for the load benchmark, each a browser tab speaking Reflex's protocol (tests/reflex_client.py)
from an address of its own (X-Forwarded-For; the server trusts one proxy hop), so per-address throttles see
separate people; phones and ID numbers are distinct too, so the per-phone and per-account throttles are met as
real people meet them, never bypassed.

Latency of an event: from sending it to the last update of that event (the client's no-op sentinel, which tells
when a tab's queue is processed, is not counted; it is one more trivial event per event on the server)."""

from __future__ import annotations

import asyncio
import collections
import itertools
import random
import time
from dataclasses import dataclass, field

from jssi_app import routes
from jssi_app.domain.contact import mask_phone
from jssi_app.state.contributions import ContributionsState
from jssi_app.state.login import LoginState
from jssi_app.state.person import PersonState
from jssi_app.state.registration import RegistrationState
from jssi_app.state.staff import StaffLoginState, StaffQueueState
from tests.reflex_client import FIELD_MARKER, ROOT_STATE, ReflexClient

PASSWORD = "Load#2026bench"
# 缴费查询 from 2000: most records fill several pages of 60 rows, so 下一页 has somewhere to go.
QUERY_FROM = "2000-01"
DEMO_REVIEWERS = (("shenhe01", "Review2026demo"), ("shenhe02", "Review2026demo"))


class BenchFailure(AssertionError):
    """A simulated person did not get the answer a real one would (refused, redirected elsewhere)."""


@dataclass
class Stats:
    """Latencies per event type, as (finished at, seconds), and failures per event type."""

    samples: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: collections.defaultdict(list))
    failures: collections.Counter = field(default_factory=collections.Counter)

    def add(self, kind: str, started: float, finished: float) -> None:
        self.samples[kind].append((finished, finished - started))

    def window(self, kind: str, start: float, end: float) -> list[float]:
        return [s for t, s in self.samples.get(kind, []) if start <= t < end]


class TimedTab(ReflexClient):
    """A tab that notes when the last update of an event (not a sentinel's) arrived."""

    last_answer: float | None = None

    def _apply(self, update: dict) -> None:
        super()._apply(update)
        url = (update.get("delta") or {}).get(ROOT_STATE, {}).get(f"rx_router_url{FIELD_MARKER}")
        if not (isinstance(url, dict) and url.get("fragment", "").startswith("rx-settle-")):
            self.last_answer = time.perf_counter()

    async def timed(self, stats: Stats, kind: str, state, handler: str, **payload):  # noqa: ANN001, ANN201
        self.last_answer = None
        started = time.perf_counter()
        update = await self.event(state, handler, payload)
        stats.add(kind, started, self.last_answer or time.perf_counter())
        return update

    async def timed_navigate(self, stats: Stats, kind: str, path: str):  # noqa: ANN201
        self.last_answer = None
        started = time.perf_counter()
        update = await self.navigate(path)
        stats.add(kind, started, self.last_answer or time.perf_counter())
        return update


@dataclass
class Crowd:
    """What the simulated people share: the server, unregistered persons, phones and addresses."""

    app: object  # bench.load_server.LoadApp
    stats: Stats
    rng: random.Random
    persons: list[dict]
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def tab(self, cookies: dict | None = None) -> TimedTab:
        n = next(self._numbers)
        # 198.18.0.0/15 (RFC 2544, benchmarking): one address per person.
        return TimedTab(self.app.url, client_storage=self.app.client_storage, cookies=cookies, timeout=180,
                        headers={"X-Forwarded-For": f"198.{18 + n // 65000}.{(n % 65000) // 250}.{n % 250 + 1}"})

    def phone(self) -> str:
        # Unique in its masked form (1X8****NNNN), so the outbox row of this phone is told from all others.
        n = next(self._numbers)
        return f"1{'3456789'[(n // 10000) % 7]}{self.rng.randrange(10**5):05d}{n % 10000:04d}"


def _fail(kind: str, tab: ReflexClient, state, detail: str = "") -> BenchFailure:  # noqa: ANN001
    return BenchFailure(f"{kind}: {detail} {tab.var(state, 'summary', [])}")


async def register(crowd: Crowd) -> dict:
    """个人用户注册: the form, 获取手机验证码, the code from the outbox, 提交注册. Returns the new account."""
    person = crowd.persons.pop()
    phone = crowd.phone()
    stats = crowd.stats
    started = time.perf_counter()
    async with crowd.tab() as tab:
        await tab.connect(routes.REGISTER_PERSON)
        await tab.event(RegistrationState, "set_phone", value=phone)
        await tab.timed(stats, "获取手机验证码", RegistrationState, "send_code")
        if not str(tab.var(RegistrationState, "code_notice", "")).startswith("验证码已发送"):
            raise _fail("获取手机验证码", tab, RegistrationState)
        code = await asyncio.to_thread(crowd.app.code_for, mask_phone(phone))
        if code is None:
            raise BenchFailure(f"no code in the outbox for {mask_phone(phone)}")
        form = {"name": person["name"], "id_number": person["id_number"], "phone": phone, "email": "",
                "password": PASSWORD, "password_confirm": PASSWORD, "sms_code": code, "agreed": True}
        update = await tab.timed(stats, "提交注册", RegistrationState, "submit", form_data=form)
        if routes.REGISTER_PERSON_DONE not in update.redirects():
            raise _fail("提交注册", tab, RegistrationState)
    stats.add("注册（全程）", started, time.perf_counter())
    return {"id_number": person["id_number"], "address": tab.headers["X-Forwarded-For"]}


async def first_login(crowd: Crowd, account: dict) -> dict:
    """登录 and the first login's 户籍地址/联系地址; returns the browser's cookies (the session)."""
    async with crowd.tab() as tab:
        await tab.connect(routes.LOGIN)
        update = await tab.timed(crowd.stats, "登录", LoginState, "submit",
                                 form_data={"id_number": account["id_number"], "password": PASSWORD})
        if routes.PROFILE_COMPLETE not in update.redirects():
            raise _fail("登录", tab, LoginState, str(update.redirects()))
        await tab.navigate(routes.PROFILE_COMPLETE)
        update = await tab.timed(crowd.stats, "完善资料", PersonState, "save_profile", form_data={
            "hukou_address": tab.var(PersonState, "hukou_address") or "江苏省南京市玄武区中山路1号",
            "contact_address": "江苏省南京市玄武区北京东路41号"})
        if routes.HOME not in update.redirects():
            raise _fail("完善资料", tab, PersonState, str(update.redirects()))
        return dict(tab.cookies)


async def staff_login(crowd: Crowd, username: str, password: str) -> dict:
    async with crowd.tab() as tab:
        await tab.connect(routes.STAFF_LOGIN)
        update = await tab.timed(crowd.stats, "工作人员登录", StaffLoginState, "submit",
                                 form_data={"username": username, "password": password})
        if routes.STAFF_DASHBOARD not in update.redirects():
            raise _fail("工作人员登录", tab, StaffLoginState, str(update.redirects()))
        return dict(tab.cookies)


async def open_contributions(crowd: Crowd, cookies: dict) -> TimedTab:
    """A signed-in person's tab on 缴费查询 (its on_load run), left open."""
    tab = crowd.tab(cookies)
    await tab.connect(routes.CONTRIBUTIONS)
    if tab.var(ContributionsState, "to_month", "") == "":
        await tab.close()
        raise BenchFailure("缴费查询 did not load for a signed-in person")
    return tab


async def open_queue(crowd: Crowd, cookies: dict) -> TimedTab:
    tab = crowd.tab(cookies)
    await tab.connect(routes.STAFF_DASHBOARD)
    if not tab.var(StaffQueueState, "loaded", False):
        await tab.close()
        raise BenchFailure("审核工作台 did not load for a signed-in reviewer")
    return tab


async def person_turn(crowd: Crowd, tab: TimedTab, step: int) -> None:
    """One action of a person on 缴费查询, in the order people do them: 查询 from 2000-01, 下一页, back to
    the first page, and the framework floor (the 截止月份 field's handler: state in and out, no database)."""
    stats = crowd.stats
    action = step % 4
    if action == 0:
        await tab.event(ContributionsState, "set_from_month", value=QUERY_FROM)
        await tab.timed(stats, "缴费查询", ContributionsState, "search")
        if not tab.var(ContributionsState, "has_result"):
            raise _fail("缴费查询", tab, ContributionsState)
    elif action == 1:
        # A short record has one page: 下一页 then shows it again (the same query), as the page would.
        target = min(2, int(tab.var(ContributionsState, "page_count", 1)))
        await tab.timed(stats, "缴费查询翻页", ContributionsState, "go_page", page=target)
        if tab.var(ContributionsState, "page") != target:
            raise _fail("缴费查询翻页", tab, ContributionsState, f"page {tab.var(ContributionsState, 'page')}")
    elif action == 2:
        await tab.timed(stats, "缴费查询翻页", ContributionsState, "go_page", page=1)
    else:
        await tab.timed(stats, "框架基线（空事件）", ContributionsState, "set_to_month",
                        value=tab.var(ContributionsState, "to_month"))


async def reviewer_turn(crowd: Crowd, tab: TimedTab, step: int) -> None:
    """One action of a reviewer on 审核工作台: every status (全部), 下一页, 上一页, back to the open ones."""
    stats = crowd.stats
    action = step % 4
    if action == 0:
        await tab.timed(stats, "审核队列翻页", StaffQueueState, "apply_filters", form_data={"status": "", "search": ""})
    elif action == 1:
        await tab.timed(stats, "审核队列翻页", StaffQueueState, "next_page")
    elif action == 2:
        await tab.timed(stats, "审核队列翻页", StaffQueueState, "prev_page")
    else:
        await tab.timed(stats, "审核队列翻页", StaffQueueState, "reset_filters")
    if not tab.var(StaffQueueState, "loaded", False):
        raise _fail("审核队列翻页", tab, StaffQueueState)
