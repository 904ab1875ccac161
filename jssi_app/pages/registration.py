"""注册: choose the type, then 个人用户注册 with the seed's labels, then the confirmation."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import code_button, error_summary, field, form, notice, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.domain.passwords import PASSWORD_RULE_TEXT
from jssi_app.pages.agreements import agreement_consent
from jssi_app.state.registration import RegistrationState as S


def register_choice_page() -> rx.Component:
    return page_shell(
        rx.heading("注册", as_="h1", size="6"),
        rx.text("请根据您的身份选择注册类型。", color=rx.color("gray", 11)),
        rx.link(
            card(
                rx.heading("个人用户注册", as_="h2", size="5"),
                rx.text("参保职工、灵活就业人员、退休人员等个人使用：查询缴费记录、打印参保证明、待遇资格认证。"),
            ),
            href=routes.REGISTER_PERSON,
            underline="none",
            class_name="choice-card",
        ),
        rx.link(
            card(
                rx.heading("单位用户注册", as_="h2", size="5"),
                rx.text("企业、机关事业单位等用人单位使用：填写单位信息、上传资质材料，经社保经办机构审核（1-3个工作日）后办理人员增减、缴费申报等业务。"),
            ),
            href=routes.REGISTER_UNIT,
            underline="none",
            class_name="choice-card",
        ),
        rx.link("已有账号？返回登录", href=routes.LOGIN),
    )


def _strength() -> rx.Component:
    return rx.cond(
        S.strength_label != "",
        rx.text("密码强度：", rx.text.strong(S.strength_label), size="2", aria_live="polite",
                color=rx.cond(S.strength_score >= 3, "green", rx.cond(S.strength_score >= 2, "orange", "red"))),
        rx.fragment(),
    )


def register_person_page() -> rx.Component:
    return page_shell(
        with_notes("register_person", card(
            rx.heading("个人用户注册", as_="h1", size="6"),
            rx.text("请如实填写以下信息，姓名和身份证号码须与身份证件一致。提交后系统将与社保系统登记信息进行实名校验。", size="2", color=rx.color("gray", 11)),
            error_summary(S.summary_links),
            rx.cond(
                S.already_registered,
                rx.hstack(rx.link("去登录", href=routes.LOGIN), rx.link("忘记密码", href=routes.FORGOT_PASSWORD), spacing="4"),
                rx.fragment(),
            ),
            form(
                field("姓名", "name", S.errors, autocomplete="name", hint="与身份证件一致的姓名", max_length=40),
                field("身份证号码", "id_number", S.errors, hint="18位身份证号码，最后一位可以是X", max_length=40),
                field("手机号码", "phone", S.errors, input_type="tel", autocomplete="tel", inputmode="tel",
                      hint="需为本人实名认证的手机号码，用于接收验证码和后续登录通知",
                      on_change=S.set_phone, max_length=20),
                field("电子邮箱（可选）", "email", S.errors, input_type="email", autocomplete="email",
                      hint="可选，用于找回密码或接收通知", required=False, max_length=254),
                field("登录密码", "password", S.errors, input_type="password", autocomplete="new-password",
                      hint=PASSWORD_RULE_TEXT, on_change=S.password_typed.debounce(250), max_length=64),
                _strength(),
                field("确认密码", "password_confirm", S.errors, input_type="password", autocomplete="new-password",
                      hint="再次输入登录密码", max_length=64),
                field("验证码", "sms_code", S.errors, autocomplete="one-time-code", inputmode="numeric",
                      hint="点击“获取手机验证码”，输入收到的6位验证码", max_length=10, extra=code_button(S.resend_in, S.send_code)),
                notice(S.code_notice),
                agreement_consent(S.errors),
                submit_button("提交注册", S.busy),
                on_submit=S.submit,
        ),
            rx.link("已有账号？返回登录", href=routes.LOGIN),
        )),
        width=NOTES_WIDTH,
    )


def register_done_page() -> rx.Component:
    return page_shell(
        card(
            rx.cond(
                S.done_id_number != "",
                rx.vstack(
                    rx.callout.root(rx.callout.icon(rx.icon("circle-check")), rx.callout.text("注册成功，实名认证已通过。"),
                                    color_scheme="green", role="status"),
                    rx.heading("注册成功", as_="h1", size="6"),
                    rx.data_list.root(
                        rx.data_list.item(rx.data_list.label("姓名"), rx.data_list.value(S.done_name)),
                        rx.data_list.item(rx.data_list.label("身份证号码"), rx.data_list.value(S.done_id_number)),
                        rx.data_list.item(rx.data_list.label("手机号码"), rx.data_list.value(S.done_phone)),
                        rx.data_list.item(rx.data_list.label("注册时间"), rx.data_list.value(S.done_at)),
                    ),
                    rx.text("接下来：请使用身份证号码和登录密码登录。首次登录需补充户籍地址、联系地址，完成后即可使用查询、打印等功能。"),
                    rx.link(rx.button("去登录", size="3", width="100%"), href=routes.LOGIN, width="100%"),
                    spacing="4",
                    align="stretch",
                ),
                rx.vstack(
                    rx.heading("没有可显示的注册结果", as_="h1", size="5"),
                    rx.link("返回登录", href=routes.LOGIN),
                ),
            ),
        ),
    )
