"""/dev/outbox — only outside production."""

from __future__ import annotations

import reflex as rx

from jssi_app.components.layout import card, page_shell
from jssi_app.state.outbox import OutboxState


def _message(m) -> rx.Component:  # noqa: ANN001
    return card(
        rx.hstack(rx.badge(m["channel"]), rx.text(m["to"], weight="bold"), rx.spacer(), rx.text(m["at"], size="2", color=rx.color("gray", 11)),
                  wrap="wrap", width="100%"),
        rx.text(m["subject"], size="2", color=rx.color("gray", 11)),
        rx.text(m["body"], white_space="pre-wrap", class_name="outbox-body"),
    )


def outbox_page() -> rx.Component:
    return page_shell(
        rx.callout.root(
            rx.callout.text("开发与演示环境的发件箱：这里显示系统“发出”的短信和邮件，便于试用时查看验证码。生产环境中不提供此页面，短信和邮件经真实通道发送。"),
            color_scheme="orange",
            role="note",
        ),
        rx.hstack(rx.heading("发件箱", as_="h1", size="6"), rx.spacer(), rx.button("刷新", on_click=OutboxState.load, variant="outline")),
        rx.cond(OutboxState.messages.length() == 0, rx.text("暂无消息。"), rx.fragment()),
        rx.foreach(OutboxState.messages, _message),
        width="760px",
    )
