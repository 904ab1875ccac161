"""退出 for the signed-in person's pages (home, 缴费查询, 人脸识别认证 …), in the page header."""

from __future__ import annotations

import reflex as rx

from jssi_app.state.login import LoginState


def sign_out_button() -> rx.Component:
    return rx.button("退出", on_click=LoginState.sign_out, variant="outline", color_scheme="gray",
                     style={"color": "white", "border_color": "rgba(255,255,255,0.6)"}, size="2")


def signed_out_notice(query) -> rx.Component:  # noqa: ANN001  (the page's router query parameters)
    """您已安全退出 on a login page that 退出 redirected to (?signed_out=1); the three login pages share it."""
    return rx.cond(query.get("signed_out", "") == "1",
                   rx.callout.root(rx.callout.text("您已安全退出。"), color_scheme="green", role="status"),
                   rx.fragment())
