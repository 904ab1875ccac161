"""单位CA证书登录 through a real nginx on loopback: the demo clerk binds the unit's certificate at 窗口业务 → 证书绑定,
then Chromium presents that certificate (Playwright's client certificates) to nginx's mutual-TLS entry and lands
on the unit home signed in; a certificate of another CA and a revoked one are refused with the reason in Chinese."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jssi_app.adapters.ca_issuer import issue_server
from jssi_app.adapters.ca_proxy_config import write_local_config
from tests.app_process import free_port
from tests.ca_fixtures import UNIT_A, make_pki
from tests.e2e.conftest import ROOT, VIEWPORTS, shot
from tests.e2e.test_counter import CLERK, CLERK_PASSWORD, _create_staff, _sign_in
from tests.e2e.test_unit_business import _SETUP

pytestmark = pytest.mark.e2e
UNIT_NAME = "南京证书登录测试有限公司"
NGINX = os.environ.get("JSSI_NGINX") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if Path(p).exists()), "nginx")


def _app_python(app_server, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=app_server.env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def ca_world(app_server, tmp_path_factory):
    """The unit (approved), the clerk, a test PKI in the app's default trust and CRL folders, and nginx."""
    done = subprocess.run([sys.executable, "-c", _SETUP.replace("biz.reviewer", "ca.reviewer"), UNIT_A, UNIT_NAME,
                           "Unit2026caok", "13800005010"], cwd=ROOT, env=app_server.env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    _create_staff(app_server, CLERK, "clerk", "窗口 陈经办", CLERK_PASSWORD)
    data_dir = Path(app_server.env["JSSI_DATA_DIR"])
    now = dt.datetime.now(dt.UTC)
    pki = make_pki(data_dir / "ca", now)  # = the app's default JSSI_CA_TRUST_DIR and JSSI_CA_CRL
    secret = _app_python(app_server, "from jssi_app.config import ca_settings; print(ca_settings().proxy_secret)")
    work = tmp_path_factory.mktemp("ca-e2e")
    server = issue_server(pki.ca, "localhost", now=now)
    (work / "server.pem").write_bytes(server.cert_pem())
    (work / "server.key").write_bytes(server.key_pem())
    certs = {}
    for name in ("valid", "other_ca_cert", "revoked"):
        issued = getattr(pki, name)
        (work / f"{name}.pem").write_bytes(issued.cert_pem())
        (work / f"{name}.key").write_bytes(issued.key_pem())
        certs[name] = (work / f"{name}.pem", work / f"{name}.key")
    site_port, ca_port = free_port(), free_port()
    files = write_local_config(work / "nginx", store=pki.store(), app=app_server.url, site_port=site_port,
                               ca_port=ca_port, host="127.0.0.1", server_cert=work / "server.pem",
                               server_key=work / "server.key", proxy_secret=secret)
    log = open(work / "nginx.out", "w")
    proc = subprocess.Popen([NGINX, "-p", str(files.prefix), "-c", str(files.main_conf), "-g", "daemon off;"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not (files.prefix / "nginx.pid").exists() and time.monotonic() < deadline:
            assert proc.poll() is None, (work / "nginx.out").read_text()
            time.sleep(0.2)
        yield {"ca_url": f"https://localhost:{ca_port}/ca-login", "site": f"https://localhost:{site_port}",
               "certs": certs, "pki": pki, "secret": secret}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


def _context(browser, ca_world, name: str):
    cert, key = ca_world["certs"][name]
    origin = ca_world["ca_url"].rsplit("/", 1)[0]
    ctx = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN", ignore_https_errors=True,
                              client_certificates=[{"origin": origin, "certPath": str(cert), "keyPath": str(key)}])
    ctx.set_default_timeout(20_000)
    return ctx


def test_clerk_binds_the_certificate_and_the_unit_logs_in_with_it_through_nginx(app_server, browser, new_page,
                                                                                   ca_world):
    page = new_page(VIEWPORTS["desktop"])
    _sign_in(page, app_server, CLERK, CLERK_PASSWORD)
    page.goto(app_server.url + "/staff/counter")
    expect(page.get_by_role("heading", name="窗口业务", exact=True)).to_be_visible()
    page.get_by_role("link", name="证书绑定").first.click()
    expect(page.get_by_role("heading", name="证书绑定", exact=True)).to_be_visible()
    page.get_by_label("统一社会信用代码").fill(UNIT_A)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("该单位尚未绑定CA证书。")).to_be_visible()
    page.locator("#unit-certificate-file input[type=file]").set_input_files(str(ca_world["certs"]["valid"][0]))
    expect(page.get_by_text("证书已绑定。")).to_be_visible()
    expect(page.locator(".unit-certificate")).to_have_count(1)
    shot(page, "ca-certificate-bound")

    # The unit login page offers the CA login.
    page.goto(app_server.url + "/login/unit")
    # Without JSSI_CA_LOGIN_URL the link leads to the app's own /ca-login: a real page load (not the single-page
    # router's 404), answered with the explanation that no certificate was read.
    page.get_by_role("link", name="使用CA证书登录").click()
    expect(page.get_by_text("本次访问没有经过CA证书登录入口")).to_be_visible()

    ctx = _context(browser, ca_world, "valid")
    unit = ctx.new_page()
    unit.goto(ca_world["ca_url"])
    expect(unit.get_by_role("heading", name=UNIT_NAME)).to_be_visible()
    assert unit.url.startswith(app_server.url.replace("127.0.0.1", "localhost")) or "/unit" in unit.url
    assert "ticket" not in unit.url
    shot(unit, "ca-login-signed-in")
    ctx.close()


@pytest.mark.parametrize(("name", "message"), [
    ("other_ca_cert", "该证书不是由本省认可的CA机构签发的"),
    ("revoked", "该CA证书已被签发机构吊销"),
])
def test_a_certificate_of_another_ca_or_a_revoked_one_is_refused_with_the_reason(app_server, browser, ca_world,
                                                                                   name, message):
    ctx = _context(browser, ca_world, name)
    page = ctx.new_page()
    page.goto(ca_world["ca_url"])
    expect(page.get_by_role("heading", name="使用CA证书登录")).to_be_visible()
    expect(page.get_by_text(message)).to_be_visible()
    shot(page, f"ca-login-refused-{name}")
    ctx.close()


def test_the_proxy_only_route_refuses_anyone_but_the_proxy(app_server, ca_world):
    for headers in ({}, {"X-JSSI-Proxy-Secret": "guess"}):
        request = urllib.request.Request(app_server.url + "/internal/ca-login", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404
    events = _app_python(app_server, "import json; from sqlmodel import Session, select;"
                         "from jssi_app.db import engine;"
                         "from jssi_app.models.operations import AuditEvent\n"
                         "with Session(engine()) as db: print(json.dumps([e for e in db.exec(select(AuditEvent.event))"
                         ".all() if e.startswith(('ca_', 'certificate_'))]))")
    assert {"certificate_bound", "ca_sign_in", "ca_sign_in_failed"} <= set(json.loads(events))


def test_the_site_behind_nginx_keeps_its_redirects_on_https(ca_world):
    """The app server answers /login/unit with an absolute http:// redirect to /login/unit/; behind nginx's TLS
    server that would send the browser to plain HTTP on the TLS port (nginx's 400 page)."""
    import http.client
    import ssl

    site = urllib.parse.urlsplit(ca_world["site"])
    conn = http.client.HTTPSConnection("127.0.0.1", site.port, context=ssl._create_unverified_context(), timeout=20)
    conn.request("GET", "/login/unit", headers={"Host": f"localhost:{site.port}"})
    response = conn.getresponse()
    assert response.status in (301, 302, 307, 308)
    assert response.getheader("Location") == f"https://localhost:{site.port}/login/unit/"
    conn.close()
