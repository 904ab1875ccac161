"""HttpGatewaySms against a real HTTP server on loopback: what goes on the wire, and every failure."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.sms import HttpGatewaySms

PHONE = "13812341234"
CODE = "482913"


class FakeGateway:
    """A loopback HTTP server whose answer each test chooses; it records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.answer: bytes = b'{"ok": true}'
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server naming)
                length = int(self.headers.get("Content-Length", "0"))
                gateway.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": self.rfile.read(length),
                    }
                )
                if gateway.delay:
                    time.sleep(gateway.delay)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(gateway.answer)))
                self.end_headers()
                self.wfile.write(gateway.answer)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/sms/send") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def gateway():
    gw = FakeGateway()
    yield gw
    gw.close()


def _sender(url: str, timeout: float = 5.0) -> HttpGatewaySms:
    return HttpGatewaySms(url, "jssi", "s3cret-口令", "SMS_JSSI_CODE", timeout=timeout)


def test_posts_json_with_basic_auth(gateway):
    _sender(gateway.url("/api/v1/sms/send")).send(PHONE, "register", CODE)

    assert len(gateway.requests) == 1
    req = gateway.requests[0]
    assert req["method"] == "POST"
    assert req["path"] == "/api/v1/sms/send"
    assert req["headers"]["Content-Type"] == "application/json"
    assert json.loads(req["body"]) == {
        "phone": PHONE,
        "template": "SMS_JSSI_CODE",
        "params": {"code": CODE, "purpose": "register"},
    }
    scheme, _, token = req["headers"]["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode("utf-8") == "jssi:s3cret-口令"


def test_notice_goes_out_under_the_notice_template_signed(gateway):
    _sender(gateway.url()).send_notice(PHONE, "您单位的注册申请已审核通过。")

    assert json.loads(gateway.requests[0]["body"]) == {
        "phone": PHONE,
        "template": "SMS_JSSI_CODE_NOTICE",
        "params": {"text": "【江苏人社】您单位的注册申请已审核通过。"},
    }


def test_2xx_without_json_is_accepted(gateway):
    gateway.answer = b"queued"
    _sender(gateway.url()).send(PHONE, "reset", CODE)
    assert json.loads(gateway.requests[0]["body"])["params"]["purpose"] == "reset"


def _assert_safe(exc: DeliveryFailed) -> None:
    # Neither the code nor the phone may leak into what gets logged or shown.
    for text in (str(exc), exc.user_message, repr(exc)):
        assert CODE not in text
        assert PHONE not in text
    assert exc.__cause__ is None and exc.__suppress_context__


def test_http_500_fails(gateway):
    gateway.status = 500
    gateway.answer = b'{"error": "internal"}'
    with pytest.raises(DeliveryFailed) as info:
        _sender(gateway.url()).send(PHONE, "register", CODE)
    assert "500" in str(info.value)
    _assert_safe(info.value)


def test_ok_false_fails(gateway):
    gateway.answer = json.dumps({"ok": False, "message": "号码在黑名单"}).encode()
    with pytest.raises(DeliveryFailed) as info:
        _sender(gateway.url()).send(PHONE, "progress", CODE)
    _assert_safe(info.value)
    assert len(gateway.requests) == 1


def test_unreachable_port_fails():
    # A port that was free a moment ago and has no listener: connection refused.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeliveryFailed) as info:
        _sender(f"http://127.0.0.1:{port}/sms/send", timeout=2.0).send(PHONE, "register", CODE)
    _assert_safe(info.value)


def test_timeout_fails(gateway):
    gateway.delay = 1.5
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as info:
        _sender(gateway.url(), timeout=0.3).send(PHONE, "register", CODE)
    assert time.monotonic() - started < 1.4
    assert "timed out" in str(info.value)
    _assert_safe(info.value)


def test_missing_url_refused_at_construction():
    with pytest.raises(RuntimeError):
        HttpGatewaySms("", "u", "p", "T")


@pytest.mark.parametrize(("purpose", "code"), [("unknown", CODE), ("register", "12ab56"), ("register", "")])
def test_bad_purpose_or_code_is_not_sent(gateway, purpose, code):
    with pytest.raises(ValueError):
        _sender(gateway.url()).send(PHONE, purpose, code)
    assert gateway.requests == []


@pytest.fixture
def fresh_settings(monkeypatch):
    from jssi_app.config import reset_settings_cache

    reset_settings_cache()
    yield monkeypatch
    monkeypatch.undo()
    reset_settings_cache()


def test_factory_follows_settings(fresh_settings):
    from jssi_app.adapters.sms import OutboxSms, sms_sender
    from jssi_app.config import reset_settings_cache

    fresh_settings.setenv("JSSI_SMS_BACKEND", "outbox")
    assert isinstance(sms_sender(), OutboxSms)

    reset_settings_cache()
    fresh_settings.setenv("JSSI_SMS_BACKEND", "http")
    fresh_settings.delenv("JSSI_SMS_GATEWAY_URL", raising=False)
    with pytest.raises(RuntimeError):
        sms_sender()

    reset_settings_cache()
    fresh_settings.setenv("JSSI_SMS_GATEWAY_URL", "http://127.0.0.1:9/sms")
    assert isinstance(sms_sender(), HttpGatewaySms)
