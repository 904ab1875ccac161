"""单位用户注册 and 单位用户登录, the unit's entry pages.

A module of their own because Reflex compiles the components of every page defined in one Python module into
one shared JS chunk: beside the unit home (unit.py), these pages loaded its upload code (react-dropzone, 13 KB
compressed) on a first visit. docs/performance.md (frontend weight).
"""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import code_button, error_summary, field, form, notice, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH, NOTES_WIDTH_NARROW, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.components.sign_out import signed_out_notice
from jssi_app.domain.passwords import PASSWORD_RULE_TEXT
from jssi_app.pages.agreements import agreement_consent
from jssi_app.pages.unit_certificates import ca_login_link
from jssi_app.state.unit import UnitLoginState, UnitRegistrationState


def unit_register_page() -> rx.Component:
    S = UnitRegistrationState
    return page_shell(
        with_notes("register_unit", card(
            rx.heading("单位用户注册", as_="h1", size="6"),
            rx.text("请按营业执照或登记证如实填写。提交注册申请后需上传资质材料，社保经办机构在1-3个工作日内审核。",
                    size="2", color=rx.color("gray", 11)),
            error_summary(S.summary_links),
            form(
                field("单位名称", "unit_name", S.errors, hint="与营业执照或登记证一致的完整名称", max_length=120,
                      autocomplete="organization"),
                field("统一社会信用代码", "credit_code", S.errors, hint="18位，见营业执照", max_length=40),
                field("法定代表人身份证号", "legal_rep_id", S.errors, hint="用于验证单位授权信息", max_length=40),
                rx.el.fieldset(
                    rx.el.legend("经办人信息"),
                    rx.text("经办人需为单位负责社保工作的人员。", size="2", color=rx.color("gray", 11)),
                    rx.vstack(
                        field("姓名", "handler_name", S.errors, autocomplete="name", max_length=40),
                        field("身份证号", "handler_id", S.errors, max_length=40),
                        field("手机号", "handler_phone", S.errors, input_type="tel", autocomplete="tel", inputmode="tel",
                              hint="用于接收验证码和审核结果通知", on_change=S.set_phone, max_length=20),
                        field("电子邮箱（可选）", "handler_email", S.errors, input_type="email", autocomplete="email",
                              required=False, max_length=254),
                        spacing="3",
                        width="100%",
                    ),
                    class_name="group",
                ),
                field("登录密码", "password", S.errors, input_type="password", autocomplete="new-password",
                      hint=PASSWORD_RULE_TEXT + "；不能包含统一社会信用代码。建议由经办人妥善保管", max_length=64),
                field("确认密码", "password_confirm", S.errors, input_type="password", autocomplete="new-password",
                      max_length=64),
                field("验证码", "sms_code", S.errors, autocomplete="one-time-code", inputmode="numeric", max_length=10,
                      hint="验证码发送至经办人手机号", extra=code_button(S.resend_in, S.send_code)),
                notice(S.code_notice),
                agreement_consent(S.errors),
                submit_button("提交注册申请", S.busy),
                on_submit=S.submit,
            ),
            rx.hstack(rx.link("已注册？单位用户登录", href=routes.LOGIN_UNIT), rx.link("审核进度查询", href=routes.PROGRESS_QUERY),
                      justify="between", width="100%"),
        )),
        width=NOTES_WIDTH,
    )


def unit_login_page() -> rx.Component:
    S = UnitLoginState
    q = S.router.url.query_parameters
    return page_shell(
        with_notes("login_unit", card(
            rx.heading("单位用户登录", as_="h1", size="6"),
            signed_out_notice(q),
            error_summary(S.summary_links),
            form(
                field("统一社会信用代码", "credit_code", S.errors, autocomplete="username", max_length=40),
                field("登录密码", "password", S.errors, input_type="password", autocomplete="current-password",
                      max_length=64),
                submit_button("登录", S.busy),
                on_submit=S.submit,
            ),
            rx.hstack(ca_login_link(), rx.link("单位用户注册", href=routes.REGISTER_UNIT), rx.link("审核进度查询", href=routes.PROGRESS_QUERY),
                      rx.link("个人用户登录", href=routes.LOGIN), justify="between", width="100%", wrap="wrap"),
        )),
        width=NOTES_WIDTH_NARROW,
    )
