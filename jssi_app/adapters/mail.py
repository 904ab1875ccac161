"""Sending mail: to the outbox table (embedded/dev) or through an SMTP relay.

Stdlib smtplib keeps the synchronous call shape the SMS sender has, so services treat both channels
alike. Recipients and bodies never reach logs or exception text (bodies carry reset links).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.engine import Engine

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.db import session_scope
from jssi_app.domain.contact import mask_email
from jssi_app.models.operations import OutboxMessage

log = logging.getLogger(__name__)

_USER_MESSAGE = "邮件发送失败，请稍后重试。"


class OutboxMail:
    """Stores each mail in `outbox_message` instead of sending it (embedded mode, tests, demos)."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    def send(self, to: str, subject: str, body: str) -> None:
        # Its own transaction, as a real relay would not un-send when the caller rolls back.
        with session_scope(self._engine) as session:
            session.add(
                OutboxMessage(
                    channel="email",
                    recipient_enc=cipher().encrypt("outbox.recipient", to),
                    # The column is 64 wide; a masked form only has to be recognisable, so clip rather than fail.
                    recipient_masked=mask_email(to)[:64],
                    subject=subject[:200],
                    body=body,
                )
            )


class SmtpMail:
    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        starttls: bool,
        sender: str,
        timeout: float = 10,
    ) -> None:
        self._host = host
        self._port = port
        self._user = user
        self._password = password
        self._starttls = starttls
        self._sender = sender
        self._timeout = timeout

    def _message(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()  # default policy: RFC 2047 subject, UTF-8 body
        msg["From"] = self._sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        # base64 rather than raw 8-bit: not every relay on the way advertises 8BITMIME.
        msg.set_content(body, charset="utf-8", cte="base64")
        return msg

    def send(self, to: str, subject: str, body: str) -> None:
        msg = self._message(to, subject, body)
        masked = mask_email(to)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._user:
                    smtp.login(self._user, self._password)
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            # Only the type and, for SMTP replies, the code: reply texts may echo the recipient.
            code = getattr(exc, "smtp_code", None)
            reason = f"SMTP delivery failed ({type(exc).__name__}{f' {code}' if code else ''})"
            log.warning("mail not sent: to=%s reason=%s", masked, reason)
            raise DeliveryFailed(reason, user_message=_USER_MESSAGE) from None
        log.info("mail sent: to=%s", masked)


def mailer() -> OutboxMail | SmtpMail:
    cfg = settings()
    if cfg.mail_backend == "outbox":
        return OutboxMail()
    if cfg.mail_backend == "smtp":
        return SmtpMail(
            cfg.smtp_host,
            cfg.smtp_port,
            cfg.smtp_user,
            cfg.smtp_password,
            cfg.smtp_starttls,
            cfg.mail_from,
        )
    raise RuntimeError("JSSI_MAIL_BACKEND must be 'outbox' or 'smtp'")
