"""Security headers and the /_event Origin check, on a small ASGI app wrapped the way jssi_app.py wraps Reflex's."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from jssi_app.http_security import (
    SecurityHeaders,
    content_security_policy,
    inline_script_hashes,
    allowed_origins,
    origin_allowed,
    script_hashes_of,
)


async def page(request):
    return Response("<html></html>", media_type="text/html")


async def own_csp(request):
    return PlainTextResponse("scan", headers={"Content-Security-Policy": "default-src 'none'; sandbox"})


async def event_socket(websocket):
    await websocket.accept()
    await websocket.send_text("ok")
    await websocket.close()


async def event_poll(request):
    return PlainTextResponse("0{}")


def client(tmp_path, *, prod=False) -> TestClient:
    (tmp_path / "index.html").write_bytes(b"<script>window.a=1</script><script src='/x.js'></script>")
    inner = Starlette(routes=[Route("/", page), Route("/files/scan", own_csp),
                              WebSocketRoute("/_event/", event_socket), Route("/_event/", event_poll)])
    return TestClient(SecurityHeaders(inner, prod=prod, frontend_dir=tmp_path), base_url="http://hall.test")


def test_every_response_gets_the_headers_and_hsts_only_in_prod(tmp_path):
    dev = client(tmp_path).get("/")
    assert dev.headers["x-content-type-options"] == "nosniff"
    assert dev.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in dev.headers["content-security-policy"]
    assert "strict-transport-security" not in dev.headers
    missing = client(tmp_path).get("/no-such-page")
    assert missing.status_code == 404 and "content-security-policy" in missing.headers
    prod = client(tmp_path, prod=True).get("/")
    assert prod.headers["strict-transport-security"].startswith("max-age=31536000")


def test_inline_scripts_are_allowed_by_hash_never_by_unsafe_inline(tmp_path):
    csp = client(tmp_path).get("/").headers["content-security-policy"]
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert inline_script_hashes(b"<script>window.a=1</script>") <= set(script_src.split())
    # The hash is the one browsers compute: base64 SHA-256 of the script text exactly.
    assert inline_script_hashes(b"<script>alert(1)</script>") == {"'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"}
    assert inline_script_hashes(b"<script src='/a.js'></script>") == set()


def test_a_route_with_its_own_csp_keeps_it(tmp_path):
    response = client(tmp_path).get("/files/scan")
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_websocket_from_a_foreign_origin_is_refused(tmp_path):
    c = client(tmp_path)
    with c.websocket_connect("ws://hall.test/_event/?EIO=4&transport=websocket",
                           headers={"origin": "http://hall.test"}) as ws:
        assert ws.receive_text() == "ok"
    with pytest.raises(WebSocketDisconnect):
        with c.websocket_connect("/_event/?EIO=4&transport=websocket", headers={"origin": "https://evil.example"}):
            pass
    assert c.get("/_event/?EIO=4&transport=polling", headers={"origin": "https://evil.example"}).status_code == 403
    assert c.get("/_event/?EIO=4&transport=polling", headers={"origin": "http://hall.test"}).status_code == 200


def test_origin_rules():
    assert origin_allowed(None, "hall.test")  # not a browser
    assert origin_allowed("https://hall.test", "hall.test")
    assert origin_allowed("http://localhost:3000", "localhost:3000")
    assert not origin_allowed("http://localhost:3001", "localhost:3000")
    assert not origin_allowed("null", "hall.test")
    assert not origin_allowed("https://hall.test.evil.example", "hall.test")
    assert not origin_allowed("https://evil.example", None)
    assert origin_allowed("https://hall.example.gov.cn", "10.0.0.5:3000", frozenset({"https://hall.example.gov.cn"}))


def test_without_a_build_the_policy_has_no_hashes_and_still_no_unsafe_inline(tmp_path):
    assert script_hashes_of(tmp_path / "absent") == []
    policy = content_security_policy([])
    assert "script-src 'self' 'unsafe-eval'; " in policy


def test_the_public_url_and_listed_origins_are_allowed(monkeypatch):
    monkeypatch.setenv("JSSI_PUBLIC_URL", "https://Hall.example.gov.cn/")
    monkeypatch.setenv("JSSI_ALLOWED_ORIGINS", "https://a.example.gov.cn, https://b.example.gov.cn/")
    extra = allowed_origins()
    assert extra == {"https://hall.example.gov.cn", "https://a.example.gov.cn", "https://b.example.gov.cn"}
    assert origin_allowed("https://hall.example.gov.cn", "127.0.0.1:3000", extra)
    assert not origin_allowed("http://hall.example.gov.cn", "127.0.0.1:3000", extra)
