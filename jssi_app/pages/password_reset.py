"""忘记密码 (by phone or email) and the new-password form."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, form, notice, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.domain.passwords import PASSWORD_RULE_TEXT
from jssi_app.state.password_reset import ForgotPasswordState as S

PHONE_LOST = "手机号已停用或无法接收验证码？请携带本人身份证原件到社保经办机构办理手机号变更。"


def _new_password_form() -> rx.Component:
    return rx.vstack(
        rx.heading("设置新密码", as_="h2", size="5"),
        rx.text("账号：", S.reset_for, size="2"),
        error_summary(S.summary_links),
        form(
            field("新密码", "password", S.errors, input_type="password", autocomplete="new-password",
                  hint=PASSWORD_RULE_TEXT + "；不能与当前密码相同", on_change=S.password_typed.debounce(250), max_length=64),
            rx.cond(S.strength_label != "", rx.text("密码强度：", S.strength_label, size="2", aria_live="polite"), rx.fragment()),
            field("确认密码", "password_confirm", S.errors, input_type="password", autocomplete="new-password", max_length=64),
            submit_button("确认修改", S.busy),
            on_submit=S.set_new_password,
    ),
        spacing="4",
        align="stretch",
        width="100%",
    )


def _sms_form() -> rx.Component:
    return form(
        field("身份证号码", "id_number", S.errors, on_change=S.set_id_number, max_length=40),
        field("手机号码", "phone", S.errors, input_type="tel", autocomplete="tel", inputmode="tel",
              hint="注册时填写的手机号码", on_change=S.set_phone, max_length=20),
        field("验证码", "sms_code", S.errors, autocomplete="one-time-code", inputmode="numeric", max_length=10,
              extra=rx.button(
                  rx.cond(S.resend_in > 0, S.resend_in.to_string() + "秒后重新获取", "获取手机验证码"),
                  type="button", size="3", variant="outline", on_click=S.send_code, disabled=S.resend_in > 0,
                  white_space="nowrap")),
        notice(S.code_notice),
        submit_button("下一步", S.busy),
        rx.text(PHONE_LOST, size="2", color=rx.color("gray", 11)),
        on_submit=S.confirm_code,
)


def _email_form() -> rx.Component:
    return form(
        field("身份证号码", "id_number", S.errors, max_length=40),
        field("电子邮箱", "email", S.errors, input_type="email", autocomplete="email",
              hint="注册时填写的电子邮箱", max_length=254),
        notice(S.email_notice),
        submit_button("发送重置链接", S.busy),
        on_submit=S.send_link,
)


def forgot_password_page() -> rx.Component:
    return page_shell(
        with_notes("forgot_password", card(
            rx.heading("忘记密码", as_="h1", size="6"),
            rx.cond(
                S.reset_token != "",
                _new_password_form(),
                rx.vstack(
                    rx.text("可通过注册手机号码接收验证码，或通过注册时填写的电子邮箱找回密码。", size="2", color=rx.color("gray", 11)),
                    rx.radio_group.root(
                        rx.hstack(
                            rx.el.label(rx.radio_group.item(value="sms"), " 通过手机验证码找回", class_name="radio-label"),
                            rx.el.label(rx.radio_group.item(value="email"), " 通过电子邮箱找回", class_name="radio-label"),
                            spacing="4",
                            wrap="wrap",
                        ),
                        value=S.method,
                        on_change=S.set_method,
                        aria_label="找回方式",
                    ),
                    error_summary(S.summary_links),
                    rx.cond(S.method == "sms", _sms_form(), _email_form()),
                    spacing="4",
                    align="stretch",
                    width="100%",
                ),
            ),
            rx.link("返回登录", href=routes.LOGIN),
        )),
        width=NOTES_WIDTH,
    )


def reset_password_page() -> rx.Component:
    return page_shell(
        with_notes("reset_password", card(
            rx.heading("重置登录密码", as_="h1", size="6"),
            rx.cond(
                S.reset_token != "",
                _new_password_form(),
                rx.vstack(
                    rx.callout.root(rx.callout.text(rx.cond(S.link_error != "", S.link_error, "正在验证链接…")),
                                    color_scheme=rx.cond(S.link_error != "", "red", "gray"), role="status"),
                    rx.link("重新找回密码", href=routes.FORGOT_PASSWORD),
                    align="stretch",
                ),
            ),
        )),
        width=NOTES_WIDTH,
    )
