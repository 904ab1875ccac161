"""Sending verification codes and notices by SMS: to the outbox table (embedded/dev) or to an HTTP SMS gateway.

Only the code goes into a message, never a name, ID number or anything else personal: an SMS passes
through carriers and lands on lock screens. The code itself is kept out of every log line and
exception text, because anyone who reads it can complete the step it guards.

Notices (`send_notice`, e.g. a review result) are fixed texts written by the services, signed 【江苏人社】
like the codes; the same rule holds for them: no names, ID numbers or phone numbers in the text.
"""

from __future__ import annotations

import logging
import re

import httpx
from sqlalchemy.engine import Engine

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.db import session_scope
from jssi_app.domain.contact import mask_phone
from jssi_app.models.operations import OutboxMessage

log = logging.getLogger(__name__)

SMS_TEXTS: dict[str, str] = {
    "register": "【江苏人社】您正在注册江苏社保网上服务大厅，验证码{code}，5分钟内有效。如非本人操作，请忽略本短信。",
    "reset": "【江苏人社】您正在找回江苏社保网上服务大厅登录密码，验证码{code}，5分钟内有效。如非本人操作，请忽略本短信并注意账号安全。",
    "progress": "【江苏人社】您正在查询江苏社保网上服务大厅注册审核进度，验证码{code}，5分钟内有效。如非本人操作，请忽略本短信。",
}

SMS_LABELS: dict[str, str] = {
    "register": "注册验证码",
    "reset": "找回密码验证码",
    "progress": "审核进度查询验证码",
}

# Message-text safety: a code is short and numeric; anything else reaching here is a programming
# error, and refusing it keeps arbitrary text out of an SMS sent under the bureau's signature.
_MAX_CODE_LEN = 8


def _check(purpose: str, code: str) -> None:
    if purpose not in SMS_TEXTS:
        raise ValueError(f"unknown SMS purpose: {purpose!r}")
    if not (code.isascii() and code.isdigit() and 0 < len(code) <= _MAX_CODE_LEN):
        raise ValueError("SMS code must be 1-8 ASCII digits")


def sms_text(purpose: str, code: str) -> str:
    _check(purpose, code)
    return SMS_TEXTS[purpose].format(code=code)


SMS_SIGNATURE = "【江苏人社】"
NOTICE_LABEL = "通知短信"
# Long messages are split by carriers into 67-character parts; a notice is a few parts at most.
MAX_NOTICE_LENGTH = 300
_NOTICE_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def notice_text(text: str) -> str:
    """The notice as sent: signed 【江苏人社】 (added when the caller left it out), one line, bounded length."""
    body = (text or "").strip()
    if not body or body == SMS_SIGNATURE:
        raise ValueError("SMS notice text must not be empty")
    if _NOTICE_CONTROL.search(body):
        raise ValueError("SMS notice text must be one line without control or format characters")
    if not body.startswith(SMS_SIGNATURE):
        body = SMS_SIGNATURE + body
    if len(body) > MAX_NOTICE_LENGTH:
        raise ValueError(f"SMS notice text longer than {MAX_NOTICE_LENGTH} characters")
    return body


class OutboxSms:
    """Stores each message in `outbox_message` instead of sending it (embedded mode, tests, demos)."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    def send(self, phone: str, purpose: str, code: str) -> None:
        body = sms_text(purpose, code)
        # Its own transaction: the message is "sent" even if the caller's unit of work later rolls
        # back, exactly as with a real gateway.
        with session_scope(self._engine) as session:
            session.add(
                OutboxMessage(
                    channel="sms",
                    recipient_enc=cipher().encrypt("outbox.recipient", phone),
                    # The column is 64 wide; a masked form only has to be recognisable, so clip rather than fail.
                    recipient_masked=mask_phone(phone)[:64],
                    subject=SMS_LABELS[purpose],
                    body=body,
                )
            )

    def send_notice(self, phone: str, text: str) -> None:
        body = notice_text(text)
        with session_scope(self._engine) as session:
            session.add(
                OutboxMessage(
                    channel="sms",
                    recipient_enc=cipher().encrypt("outbox.recipient", phone),
                    recipient_masked=mask_phone(phone)[:64],
                    subject=NOTICE_LABEL,
                    body=body,
                )
            )


class HttpGatewaySms:
    """Hands a templated message to an SMS gateway over HTTP(S) with Basic auth.

    The gateway owns the text (template id + params), as Chinese carriers require pre-registered
    templates; we send only the template id, the code and the purpose.
    """

    def __init__(self, url: str, user: str, password: str, template: str, timeout: float = 5.0) -> None:
        if not url:
            raise RuntimeError("JSSI_SMS_GATEWAY_URL is required when JSSI_SMS_BACKEND=http")
        self._url = url
        self._auth = httpx.BasicAuth(user, password)
        self._template = template
        self._timeout = timeout

    def send(self, phone: str, purpose: str, code: str) -> None:
        _check(purpose, code)
        payload = {"phone": phone, "template": self._template, "params": {"code": code, "purpose": purpose}}
        masked = mask_phone(phone)
        try:
            with httpx.Client(timeout=self._timeout, auth=self._auth, follow_redirects=False) as client:
                response = client.post(self._url, json=payload)
        except httpx.TimeoutException:
            reason = "SMS gateway timed out"
        except httpx.HTTPError as exc:
            # Only the exception type: its text can carry the request URL, which is configuration
            # an error page has no business showing.
            reason = f"SMS gateway unreachable ({type(exc).__name__})"
        else:
            reason = _refusal(response)
            if reason is None:
                log.info("sms sent: purpose=%s to=%s", purpose, masked)
                return
        log.warning("sms not sent: purpose=%s to=%s reason=%s", purpose, masked, reason)
        # `from None`: the chained httpx exception holds the request, whose body contains the code.
        raise DeliveryFailed(reason, user_message="短信发送失败，请稍后重试。") from None

    def send_notice(self, phone: str, text: str) -> None:
        """A notice goes out under its own template (the configured one + "_NOTICE", registered with the
        carrier as the signature and one free parameter), with the signed text as that parameter."""
        body = notice_text(text)
        payload = {"phone": phone, "template": self._template + "_NOTICE", "params": {"text": body}}
        masked = mask_phone(phone)
        try:
            with httpx.Client(timeout=self._timeout, auth=self._auth, follow_redirects=False) as client:
                response = client.post(self._url, json=payload)
        except httpx.TimeoutException:
            reason = "SMS gateway timed out"
        except httpx.HTTPError as exc:
            reason = f"SMS gateway unreachable ({type(exc).__name__})"
        else:
            reason = _refusal(response)
            if reason is None:
                log.info("sms notice sent: to=%s", masked)
                return
        log.warning("sms notice not sent: to=%s reason=%s", masked, reason)
        raise DeliveryFailed(reason, user_message="短信发送失败，请稍后重试。") from None


def _refusal(response: httpx.Response) -> str | None:
    """Why the gateway refused the message, or None if it accepted it."""
    if not response.is_success:
        return f"SMS gateway answered HTTP {response.status_code}"
    try:
        answer = response.json()
    except ValueError:
        # A 2xx without a JSON body is an acceptance for gateways that report nothing more.
        return None
    if isinstance(answer, dict) and answer.get("ok") is False:
        return "SMS gateway refused the message (ok=false)"
    return None


def sms_sender() -> OutboxSms | HttpGatewaySms:
    cfg = settings()
    if cfg.sms_backend == "outbox":
        return OutboxSms()
    if cfg.sms_backend == "http":
        return HttpGatewaySms(
            cfg.sms_gateway_url, cfg.sms_gateway_user, cfg.sms_gateway_password, cfg.sms_template
        )
    raise RuntimeError("JSSI_SMS_BACKEND must be 'outbox' or 'http'")
