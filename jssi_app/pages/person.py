"""个人业务: the personal home and 完善个人信息 (required at first login)."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, form, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.components.sign_out import sign_out_button
from jssi_app.pages.face import face_home_entry
from jssi_app.state.person import PersonState as S


def _function(title: str, path: str, text: str, available: bool, href: str = "") -> rx.Component:
    heading = rx.heading(rx.link(title, href=href) if href else title, as_="h3", size="4")
    body = card(
        rx.hstack(heading,
                  rx.fragment() if available else rx.badge("即将开放", color_scheme="gray"), align="center"),
        rx.text(path, size="2", color=rx.color("gray", 11)),
        rx.text(text, size="2"),
    )
    return body


def home_page() -> rx.Component:
    return page_shell(
        rx.heading("个人业务", as_="h1", size="6"),
        card(
            rx.heading("我的信息", as_="h2", size="4"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("姓名"), rx.data_list.value(S.masked_name)),
                rx.data_list.item(rx.data_list.label("身份证号码"), rx.data_list.value(S.masked_id_number)),
                rx.data_list.item(rx.data_list.label("手机号码"), rx.data_list.value(S.masked_phone)),
                rx.data_list.item(rx.data_list.label("电子邮箱"), rx.data_list.value(rx.cond(S.masked_email != "", S.masked_email, "未填写"))),
                rx.data_list.item(rx.data_list.label("人员类别"), rx.data_list.value(S.person_type)),
                rx.data_list.item(rx.data_list.label("参保状态"), rx.data_list.value(S.insured_status)),
            ),
            rx.link("修改户籍地址、联系地址", href=routes.PROFILE_COMPLETE),
        ),
        rx.heading("可办理的业务", as_="h2", size="4"),
        rx.grid(
            _function("缴费查询", "个人业务 → 缴费查询 → 选择时间段 → 查询并打印", "查询社保缴费记录并打印参保缴费证明。", True,
                      routes.CONTRIBUTIONS),
            face_home_entry(),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.text("退休审批、工伤认定等复杂业务请到社保经办窗口办理。", size="2", color=rx.color("gray", 11)),
        heading="",
        width="900px",
        header_right=[sign_out_button()],
    )


def profile_page() -> rx.Component:
    return page_shell(
        with_notes("profile", card(
            rx.heading("完善个人信息", as_="h1", size="6"),
            rx.text("首次登录需补充户籍地址和联系地址，完成后即可使用查询、打印等功能。户籍地址已按社保系统登记信息预填，如有变化请修改。",
                    size="2", color=rx.color("gray", 11)),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("姓名"), rx.data_list.value(S.masked_name)),
                rx.data_list.item(rx.data_list.label("身份证号码"), rx.data_list.value(S.masked_id_number)),
            ),
            error_summary(S.summary_links),
            rx.cond(
                S.profile_loaded,
                form(
                    field("户籍地址", "hukou_address", S.errors, autocomplete="street-address", default_value=S.hukou_address,
                          hint="与户口簿一致，如：南京市鼓楼区中山路43号", max_length=200),
                    field("联系地址", "contact_address", S.errors, autocomplete="street-address",
                          default_value=S.contact_address, hint="目前居住或接收邮件的地址", max_length=200),
                    submit_button("保存并继续", S.busy),
                    on_submit=S.save_profile,
                    # Remount when the values change (a refused save puts back what was typed).
                    key=S.hukou_address + "|" + S.contact_address,
                ),
                rx.text("正在读取登记信息……", size="2", color=rx.color("gray", 11), role="status"),
            ),
        )),
        width=NOTES_WIDTH,
        header_right=[sign_out_button()],
    )
