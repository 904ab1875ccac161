"""The load benchmark's simulated people (bench/load_people.py) against the e2e app: one person registers
(code from the outbox), signs in for the first time, and does each 缴费查询 action; a reviewer pages the queue.
So `make bench` does not find out after minutes of setup that a flow no longer matches the pages."""

from __future__ import annotations

import functools
import random
import types

from bench import load_people as people
from bench.load_server import outbox_code
from tests.e2e.test_counter import _create_staff
from tests.reflex_client import client_storage_of
from tests.security.harness import run_coroutine

from .conftest import ROOT


REVIEWER, REVIEWER_PASSWORD = "load.reviewer", "Review2026load"


def test_simulated_people_complete_their_flows(app_server):
    _create_staff(app_server, REVIEWER, "reviewer", "审核员 压测", REVIEWER_PASSWORD)
    app = types.SimpleNamespace(url=app_server.url, client_storage=client_storage_of(ROOT / ".web"),
                                code_for=functools.partial(outbox_code, app_server.env["REFLEX_DB_URL"]))
    persons = app_server.persons()
    stats = people.Stats()
    # From the end of the registry: the e2e tests register persons from its start.
    crowd = people.Crowd(app=app, stats=stats, rng=random.Random(6), persons=persons[-3:])

    async def flows() -> None:
        account = await people.register(crowd)
        cookies = await people.first_login(crowd, account)
        tab = await people.open_contributions(crowd, cookies)
        async with tab:
            for step in range(4):
                await people.person_turn(crowd, tab, step)
        staff = await people.staff_login(crowd, REVIEWER, REVIEWER_PASSWORD)
        queue = await people.open_queue(crowd, staff)
        async with queue:
            for step in range(4):
                await people.reviewer_turn(crowd, queue, step)

    run_coroutine(flows())
    counts = {kind: len(samples) for kind, samples in stats.samples.items()}
    assert counts == {"获取手机验证码": 1, "提交注册": 1, "注册（全程）": 1, "登录": 1, "完善资料": 1, "缴费查询": 1,
                      "缴费查询翻页": 2, "框架基线（空事件）": 1, "工作人员登录": 1, "审核队列翻页": 4}, counts
    assert all(0 < seconds < 120 for samples in stats.samples.values() for _, seconds in samples)
