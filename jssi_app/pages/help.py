"""帮助中心: 办事指南 (个人, 单位), 操作指引, 常见问题 and 联系我们 — public pages built from domain/help_content.py."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import form
from jssi_app.components.help_notes import help_link
from jssi_app.components.layout import card, page_shell
from jssi_app.domain.help_content import FAQS, GUIDES, PERSON_GUIDE, UNIT_GUIDE, Faq, Guide, GuideStep
from jssi_app.state.help import MAX_QUERY, ContactState, FaqState, HelpPathsState

TITLE = "江苏社保网上服务大厅"
WIDTH = "860px"
SECTIONS = (
    ("个人用户注册流程", routes.HELP_GUIDE_PERSON),
    ("单位用户注册流程", routes.HELP_GUIDE_UNIT),
    ("操作指引", routes.HELP_PATHS),
    ("常见问题", routes.HELP_FAQ),
    ("联系我们", routes.HELP_CONTACT),
)


def _help_nav() -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            rx.link("帮助中心", href=routes.HELP, size="2", weight="bold"),
            *[rx.link(text, href=href, size="2") for text, href in SECTIONS],
            spacing="4",
            wrap="wrap",
        ),
        custom_attrs={"aria-label": "帮助中心导航"},
        width="100%",
    )


def _shell(*children: rx.Component) -> rx.Component:
    return page_shell(_help_nav(), *children, width=WIDTH)


# -- 帮助中心 -------------------------------------------------------------------------------------------


def _entry(title: str, href: str, text: str) -> rx.Component:
    return rx.link(card(rx.heading(title, as_="h2", size="4"), rx.text(text, size="2")), href=href,
                   underline="none", class_name="choice-card")


def help_index_page() -> rx.Component:
    return _shell(
        rx.heading("帮助中心", as_="h1", size="6"),
        rx.text("注册、登录和办理业务时遇到问题，可在这里查看办事指南、操作指引和常见问题，或查询社保经办机构的地址和电话。",
                size="2", color=rx.color("gray", 11)),
        rx.grid(
            _entry("办事指南：个人用户注册流程", routes.HELP_GUIDE_PERSON, "参保职工、灵活就业人员等个人用户的注册步骤。"),
            _entry("办事指南：单位用户注册流程", routes.HELP_GUIDE_UNIT, "企业、机关事业单位等用人单位的注册、上传资质材料和审核。"),
            _entry("操作指引", routes.HELP_PATHS, "注册后常用功能的操作路径：缴费查询、人脸识别认证、人员新增、缴费基数申报。"),
            _entry("常见问题", routes.HELP_FAQ, "身份证号与社保系统信息不一致、审核时间、忘记密码等问题的解答。"),
            _entry("联系我们", routes.HELP_CONTACT, "各地社会保险经办机构的地址、电话和办公时间。"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
    )


# -- 办事指南 -------------------------------------------------------------------------------------------


def _step(number: int, step: GuideStep) -> rx.Component:
    return rx.el.li(
        card(
            rx.heading(f"第{number}步　{step.title}", as_="h2", size="4"),
            rx.text(step.text),
            rx.el.ul(*[rx.el.li(item) for item in step.items], padding_left="1.2em", margin="0") if step.items
            else rx.fragment(),
            rx.hstack(*[help_link(link, size="3") for link in step.links], spacing="4", wrap="wrap"),
        ),
        style={"list_style": "none", "margin_bottom": "0.75rem"},
    )


def _guide_page(guide: Guide) -> rx.Component:
    other = next(g for g in GUIDES if g.key != guide.key)
    return _shell(
        rx.heading(guide.title, as_="h1", size="6"),
        rx.text(guide.intro, size="2", color=rx.color("gray", 11)),
        rx.el.ol(*[_step(i, s) for i, s in enumerate(guide.steps, start=1)], style={"padding": 0, "margin": 0}),
        rx.hstack(rx.link(other.title, href=other.route), rx.link("操作指引", href=routes.HELP_PATHS),
                  rx.link("常见问题", href=routes.HELP_FAQ), spacing="4", wrap="wrap"),
    )


def person_guide_page() -> rx.Component:
    return _guide_page(PERSON_GUIDE)


def unit_guide_page() -> rx.Component:
    return _guide_page(UNIT_GUIDE)


# -- 操作指引 -------------------------------------------------------------------------------------------


def _path_row(row) -> rx.Component:  # noqa: ANN001
    return rx.el.li(
        card(
            rx.hstack(rx.badge(row["user_type"], size="2"), rx.heading(row["function"], as_="h2", size="4"),
                      align="center", wrap="wrap"),
            rx.text("操作路径：", row["path"], size="2"),
            rx.link(row["action"] + "：" + row["function"], href=row["href"], size="3", weight="bold"),
        ),
        style={"list_style": "none", "margin_bottom": "0.75rem"},
    )


def paths_page() -> rx.Component:
    return _shell(
        rx.heading("操作指引", as_="h1", size="6"),
        rx.text("以下为个人用户和单位用户注册后常用功能的操作路径，供参考。未登录时，点击后先登录，登录后直接进入该功能。",
                size="2", color=rx.color("gray", 11)),
        rx.el.ul(rx.foreach(HelpPathsState.rows, _path_row), style={"padding": 0, "margin": 0}),
    )


# -- 常见问题 -------------------------------------------------------------------------------------------


def _faq(faq: Faq) -> rx.Component:
    return rx.cond(
        FaqState.matches.contains(faq.key),
        rx.el.section(
            card(
                rx.heading("问：" + faq.question, as_="h2", size="4"),
                rx.text("答：" + faq.answer),
                rx.hstack(*[help_link(link, size="3") for link in faq.links], spacing="4", wrap="wrap"),
            ),
            id=f"faq-{faq.key}",
        ),
        rx.fragment(),
    )


def faq_page() -> rx.Component:
    return _shell(
        rx.heading("常见问题", as_="h1", size="6"),
        card(
            form(
                rx.vstack(
                    rx.el.label("搜索问题", html_for="field-faq-q", class_name="field-label"),
                    rx.hstack(
                        rx.input(id="field-faq-q", name="q", default_value=FaqState.query, max_length=MAX_QUERY,
                                 placeholder="如：密码、审核、手机号", size="3", width="100%", type="search",
                                 key=FaqState.query),
                        rx.button("搜索", type="submit", size="3"),
                        width="100%",
                    ),
                    spacing="1",
                    width="100%",
                ),
                on_submit=FaqState.search,
                role="search",
            ),
            rx.text(
                rx.cond(
                    FaqState.query == "",
                    "共 " + FaqState.matches.length().to_string() + " 个常见问题。",
                    rx.cond(
                        FaqState.matches.length() > 0,
                        "找到 " + FaqState.matches.length().to_string() + " 个与“" + FaqState.query + "”相关的问题。",
                        "未找到与“" + FaqState.query + "”相关的问题，请换个关键词，或查看联系我们栏目咨询社保经办机构。",
                    ),
                ),
                size="2",
                role="status",
                aria_live="polite",
            ),
            rx.cond(FaqState.query != "", rx.button("显示全部问题", variant="soft", size="2", on_click=FaqState.clear,
                                                    width="fit-content"), rx.fragment()),
        ),
        *[_faq(f) for f in FAQS],
        rx.cond(FaqState.matches.length() == 0, rx.link("联系我们", href=routes.HELP_CONTACT), rx.fragment()),
    )


# -- 联系我们 -------------------------------------------------------------------------------------------


def _office(row) -> rx.Component:  # noqa: ANN001
    return rx.fragment(
        rx.cond(row["first"] == "1", rx.heading(row["city"], as_="h2", size="5", id=row["anchor"],
                                                margin_top="0.5rem"), rx.fragment()),
        card(
            rx.heading(row["name"], as_="h3", size="4"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("地址"), rx.data_list.value(row["address"])),
                rx.data_list.item(rx.data_list.label("电话"),
                                  rx.data_list.value(rx.el.a(row["phone"], href=row["tel"]))),
                rx.data_list.item(rx.data_list.label("办公时间"), rx.data_list.value(row["hours"])),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            ),
        ),
    )


def contact_page() -> rx.Component:
    S = ContactState
    return _shell(
        rx.heading("联系我们", as_="h1", size="6"),
        rx.text("各地社会保险经办机构（参保地社保经办机构）的地址、电话和办公时间。需携带身份证原件办理的业务（如手机号变更、"
                "身份证信息更新）请到参保地经办机构办理。", size="2", color=rx.color("gray", 11)),
        rx.cond(
            S.unavailable,
            rx.callout.root(rx.callout.icon(rx.icon("circle-alert")),
                            rx.callout.text("经办机构列表暂时无法显示，请稍后再试，或拨打人社服务热线 12333 咨询。"),
                            color_scheme="orange", role="alert"),
            rx.cond(
                S.loaded,
                rx.vstack(
                    rx.cond(S.notice != "", rx.callout.root(rx.callout.text(S.notice), color_scheme="gray"),
                            rx.fragment()),
                    rx.el.nav(
                        rx.hstack(rx.foreach(S.cities, lambda c: rx.el.a(c["city"], href="#" + c["anchor"])),
                                  spacing="3", wrap="wrap"),
                        custom_attrs={"aria-label": "按地区查看"},
                    ),
                    rx.foreach(S.offices, _office),
                    spacing="3",
                    align="stretch",
                    width="100%",
                ),
                rx.text("正在读取经办机构列表……", size="2", color=rx.color("gray", 11), role="status"),
            ),
        ),
    )


def register_help_pages(app: rx.App) -> None:
    app.add_page(help_index_page, route=routes.HELP, title=f"帮助中心 - {TITLE}")
    app.add_page(person_guide_page, route=routes.HELP_GUIDE_PERSON, title=f"个人用户注册流程 - 办事指南 - {TITLE}")
    app.add_page(unit_guide_page, route=routes.HELP_GUIDE_UNIT, title=f"单位用户注册流程 - 办事指南 - {TITLE}")
    app.add_page(paths_page, route=routes.HELP_PATHS, title=f"操作指引 - {TITLE}", on_load=HelpPathsState.on_load)
    app.add_page(faq_page, route=routes.HELP_FAQ, title=f"常见问题 - {TITLE}", on_load=FaqState.on_load)
    app.add_page(contact_page, route=routes.HELP_CONTACT, title=f"联系我们 - {TITLE}", on_load=ContactState.load)
