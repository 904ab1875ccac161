"""/dev/outbox: the messages the embedded default "sent", so a person trying the hall can read their code."""

from __future__ import annotations

import reflex as rx

from jssi_app.adapters.clock import format_local
from jssi_app.config import settings
from jssi_app.services import outbox
from jssi_app.state.base import call_service


class OutboxState(rx.State):
    messages: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        if settings().is_prod:  # the page is not registered in prod; refuse anyway
            self.messages = []
            return
        entries = await call_service(outbox.list_outbox, 50)
        self.messages = [
            {
                "channel": "短信" if e.channel == "sms" else "电子邮件",
                "to": e.recipient_masked,
                "subject": e.subject,
                "body": e.body,
                "at": format_local(e.created_at),
            }
            for e in entries
        ]
