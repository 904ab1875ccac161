"""SmtpMail against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.mail import SmtpMail

TO = "zhang.san@example.com"
SUBJECT = "江苏社保网上服务大厅：重置密码"
BODY = "张先生您好：\n请在30分钟内打开以下链接重置密码。\nhttps://jssi.example/reset?t=abc\n"


class Collector:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd hook name)
        self.envelopes.append(envelope)
        return "250 OK"


class EphemeralPortController(Controller):
    """Controller bound to port 0 (no clashes between parallel runs).

    aiosmtpd's start-up probe connects to `self.port`, which would still be 0; point it at the
    port the OS actually assigned before the probe runs.
    """

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = EphemeralPortController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_sends_chinese_subject_and_body(smtp_server):
    controller, handler = smtp_server
    mail = SmtpMail("127.0.0.1", controller.port, "", "", False, "noreply@jssi.local", timeout=5)
    mail.send(TO, SUBJECT, BODY)

    assert len(handler.envelopes) == 1
    env = handler.envelopes[0]
    assert env.mail_from == "noreply@jssi.local"
    assert env.rcpt_tos == [TO]
    # On the wire the headers are ASCII (RFC 2047), so any relay accepts them.
    raw = env.original_content
    raw.decode("ascii")
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"] == TO
    assert msg["From"] == "noreply@jssi.local"
    assert str(msg["Subject"]) == SUBJECT
    assert msg["Message-ID"] and msg["Date"]
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content() == BODY


def test_unreachable_port_fails():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mail = SmtpMail("127.0.0.1", port, "", "", False, "noreply@jssi.local", timeout=2)
    with pytest.raises(DeliveryFailed) as info:
        mail.send(TO, SUBJECT, BODY)
    assert TO not in str(info.value)
    assert info.value.user_message == "邮件发送失败，请稍后重试。"


def test_factory_follows_settings(monkeypatch):
    from jssi_app.adapters.mail import OutboxMail, mailer
    from jssi_app.config import reset_settings_cache

    reset_settings_cache()
    try:
        monkeypatch.setenv("JSSI_MAIL_BACKEND", "outbox")
        assert isinstance(mailer(), OutboxMail)
        reset_settings_cache()
        monkeypatch.setenv("JSSI_MAIL_BACKEND", "smtp")
        assert isinstance(mailer(), SmtpMail)
    finally:
        monkeypatch.undo()
        reset_settings_cache()
