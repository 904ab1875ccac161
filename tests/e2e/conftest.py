"""End-to-end fixtures: the real app (`reflex run --env prod --single-port`) on a free port with its
own SQLite database and demo registry, and a real Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import csv
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app_process import CHROMIUM_ARGS, ROOT, app_env, chromium_executable, free_port, migrate, running_app

# bcrypt (cost 12) runs on every login, registration and reset: on a loaded 2-core CI machine a
# round-trip can take seconds, so assertions wait longer than Playwright's 5 s default.
expect.set_options(timeout=20_000)

ARTIFACTS = ROOT / "test-results"


class App:
    def __init__(self, url: str, registry_dir: Path, env: dict[str, str]) -> None:
        self.url = url.rstrip("/")
        self.registry_dir = registry_dir
        self.env = env

    def persons(self, person_type: str = "职工") -> list[dict[str, str]]:
        """Persons of the app's demo registry with an 18-digit number, for registrations."""
        with open(self.registry_dir / "persons.csv", encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if len(r["id_number"]) == 18 and r["person_type"] == person_type]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> App:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = app_env(data_dir, free_port())
    # Each test's browser contexts come from their own address (X-Forwarded-For, as behind nginx), so the
    # per-address throttles see separate people, as they would in life, rather than one suite-long client.
    env["JSSI_TRUSTED_PROXY_HOPS"] = "1"
    with contextlib.ExitStack() as stack:
        if TEST_MODE == "prod":
            env.update(stack.enter_context(_production_backing(data_dir)))
        yield from _serve(env, data_dir)


TEST_MODE = os.environ.get("JSSI_TEST_MODE", "embedded")


@contextlib.contextmanager
def _production_backing(data_dir: Path):
    """Production mode (JSSI_TEST_MODE=prod, `make test-prod`): tests/reflex_server.production_backing on Redis
    database 7 (throttle tests use the configured one), so a page's events land on either of two workers."""
    from tests.reflex_server import production_backing

    pg_url, redis_url = os.environ.get("JSSI_TEST_PG_URL"), os.environ.get("JSSI_TEST_REDIS_URL")
    if not pg_url or not redis_url:
        raise RuntimeError("JSSI_TEST_MODE=prod needs JSSI_TEST_PG_URL and JSSI_TEST_REDIS_URL")
    with production_backing(pg_url, redis_url, redis_db=7) as env:
        yield env


def _serve(env: dict[str, str], data_dir: Path):
    py = sys.executable
    registry = data_dir / "registry"
    migrate(env)
    subprocess.run([py, "-m", "jssi_app", "demo-data", str(registry), "--persons", "300", "--units", "10"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([py, "-m", "jssi_app", "import-registry", str(registry)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    log = data_dir / "app.log"
    try:
        with running_app(env, log) as url:
            yield App(url, registry, env)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / "e2e-app.log")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        yield b
        b.close()


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> tuple[str, dict]:
    return request.param, VIEWPORTS[request.param]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for i, page in enumerate(getattr(item, "_jssi_pages", [])):
            try:
                shot(page, f"FAILED-{item.name}-{i}")
            except Exception as exc:  # noqa: BLE001 — a failed screenshot must not mask the test failure
                print(f"screenshot failed: {exc}")


_client_numbers = itertools.count(1)


def client_address() -> str:
    """A distinct address of the benchmarking range (RFC 2544) for one test's browser contexts."""
    n = next(_client_numbers)
    return f"198.18.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def new_page(browser, app_server, request):
    contexts = []
    request.node._jssi_pages = []
    address = client_address()

    def make(size: dict | None = None, **kwargs):
        kwargs.setdefault("extra_http_headers", {"X-Forwarded-For": address})
        ctx = browser.new_context(viewport=size or VIEWPORTS["desktop"], locale="zh-CN", **kwargs)
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        page = ctx.new_page()
        request.node._jssi_pages.append(page)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


_codes_read: set[str] = set()


def read_code(page, app: App, masked_phone: str) -> str:
    """The newest code the outbox holds for this (masked) phone, read from /dev/outbox like a person would.

    A page revisited first shows the list it held last time (Reflex hydrates the stored state, then on_load
    reloads), so a code already read is the stale list: wait for the reload rather than take it."""
    page.goto(f"{app.url}/dev/outbox")
    deadline = time.monotonic() + 20
    while True:
        card = page.locator(".rt-Card", has_text=masked_phone).first
        card.wait_for()
        match = re.search(r"验证码\s*(\d{6})", card.inner_text())
        assert match, card.inner_text()
        if match.group(1) not in _codes_read:
            _codes_read.add(match.group(1))
            return match.group(1)
        assert time.monotonic() < deadline, f"no new code for {masked_phone} in the outbox"
        page.wait_for_timeout(250)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "screenshots").mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def tour(browser, app_server):
    """The page tour (tests/e2e/page_tour.py) on this app: its world made once, a signed-in context per role."""
    from tests.e2e.page_tour import Tour, make_world

    walk = Tour(browser, app_server, make_world(app_server), client_address)
    yield walk
    walk.close()


@pytest.fixture(scope="session")
def touch_tour(browser, app_server, tour):
    """The same tour (same world) on a touch phone: 390×844, has_touch, is_mobile, so `(pointer: coarse)` holds."""
    from tests.e2e.page_tour import Tour

    walk = Tour(browser, app_server, tour.world, client_address,
                device={"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True})
    yield walk
    walk.close()
