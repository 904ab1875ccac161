"""Security headers and the /_event Origin check on the real server (`reflex run --env prod --single-port`),
and the login page still working in Chromium with the Content-Security-Policy in force."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

REQUIRED = ("content-security-policy", "x-content-type-options", "referrer-policy")


def check_headers(response: httpx.Response) -> str:
    for name in REQUIRED:
        assert name in response.headers, (response.url, name)
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp or "sandbox" in csp, csp
    return csp


def handshake(url: str, origin: str) -> str:
    """The status line the server answers a websocket upgrade to /_event with, from this Origin."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall((
            "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n\r\n"
        ).encode())
        return sock.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_every_kind_of_response_carries_the_headers(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        page = client.get("/")
        csp = check_headers(page)
        script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
        assert "'unsafe-inline'" not in script_src
        assert re.search(r"'sha256-[A-Za-z0-9+/=]{44}'", script_src)  # the build's inline scripts, by hash
        asset = re.search(r'(?:src|href)="(/assets/[^"]+\.js)"', page.text).group(1)
        check_headers(client.get(asset))
        check_headers(client.get("/no-such-page"))
        check_headers(client.get("/ping"))
        material = client.get("/files/materials/1/original")  # nobody signed in: 404, still with headers
        assert material.status_code == 404
        check_headers(material)
        assert "strict-transport-security" not in page.headers  # JSSI_ENV=test: HSTS only in prod


def test_a_websocket_from_another_site_is_refused(app_server):
    own = f"http://{urlsplit(app_server.url).netloc}"
    assert " 101 " in handshake(app_server.url, own) + " "
    assert " 403 " in handshake(app_server.url, "https://evil.example") + " "


def test_the_login_page_works_under_the_policy(new_page, app_server):
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: violations.append(str(error)))
    page.goto(app_server.url + "/")
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill("320102199003074536")
    page.get_by_label("登录密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录", exact=True).click()
    # The answer comes over the websocket: the event round trip works under the policy.
    expect(page.get_by_role("alert").first).to_be_visible()
    assert violations == []
