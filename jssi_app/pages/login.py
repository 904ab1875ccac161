"""登录页: 身份证号码 + 登录密码, with 注册 and 忘记密码 below as on the official hall."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, form, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH_NARROW, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.components.sign_out import signed_out_notice
from jssi_app.state.login import LoginState


def login_page() -> rx.Component:
    q = LoginState.router.url.query_parameters
    return page_shell(
        with_notes("login_person", card(
            rx.heading("个人用户登录", as_="h1", size="6"),
            signed_out_notice(q),
            rx.cond(q.get("reset", "") == "1", rx.callout.root(rx.callout.text("密码已重置，请使用新密码登录。"), color_scheme="green", role="status"), rx.fragment()),
            error_summary(LoginState.summary_links),
            form(
                field("身份证号码", "id_number", LoginState.errors, autocomplete="username", max_length=40),
                field("登录密码", "password", LoginState.errors, input_type="password",
                      autocomplete="current-password", max_length=64),
                submit_button("登录", LoginState.busy),
                on_submit=LoginState.submit,
        ),
            rx.hstack(
                rx.link("注册", href=routes.REGISTER, size="3"),
                rx.link("忘记密码", href=routes.FORGOT_PASSWORD, size="3"),
                justify="between",
                width="100%",
            ),
            rx.hstack(
                rx.link("单位用户登录", href=routes.LOGIN_UNIT, size="2"),
                rx.link("审核进度查询", href=routes.PROGRESS_QUERY, size="2"),
                justify="between",
                width="100%",
            ),
            rx.hstack(
                rx.link("办事指南", href=routes.HELP_GUIDE_PERSON, size="2"),
                rx.link("操作指引", href=routes.HELP_PATHS, size="2"),
                rx.link("常见问题", href=routes.HELP_FAQ, size="2"),
                rx.link("联系我们", href=routes.HELP_CONTACT, size="2"),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
        )),
        width=NOTES_WIDTH_NARROW,
    )
