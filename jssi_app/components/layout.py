"""The shell every page shares: header with the hall's name, a centred main column, footer."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes

BRAND_BLUE = "#0b4f9c"


def header(*right: rx.Component) -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.box("人社", class_name="logo-mark", aria_hidden="true"),
                    rx.vstack(
                        rx.text("江苏省人力资源和社会保障厅", size="1", color="rgba(255,255,255,0.85)"),
                        rx.text("网上服务大厅", size="4", weight="bold", color="white"),
                        spacing="0",
                    ),
                    align="center",
                    spacing="2",
                ),
                href=routes.INDEX,
                underline="none",
            ),
            rx.spacer(),
            rx.link("帮助中心", href=routes.HELP, size="2", weight="medium", color="white", _hover={"color": "white"},
                    flex_shrink="0"),
            *right,
            align="center",
            # On a narrow phone the staff pages' links and 退出 go to a second line rather than past the edge.
            wrap="wrap",
            row_gap="0.5rem",
            width="100%",
            max_width="1100px",
            margin="0 auto",
            padding="0.75rem 1rem",
        ),
        background=BRAND_BLUE,
        width="100%",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.text(
            "江苏省人力资源和社会保障厅 主办 · 推荐使用 Chrome、Firefox、Edge 等主流浏览器，并启用 JavaScript 和 Cookies",
            size="1",
            color=rx.color("gray", 11),
            text_align="center",
        ),
        padding="1.5rem 1rem",
        width="100%",
    )


def page_shell(*children: rx.Component, heading: str = "", width: str = "640px", header_right=None) -> rx.Component:
    return rx.box(
        rx.el.a("跳到主要内容", href="#main", class_name="skip-link"),
        header(*(header_right or [])),
        rx.el.main(
            rx.vstack(
                rx.cond(heading != "", rx.heading(heading, as_="h1", size="6"), rx.fragment()),
                *children,
                spacing="4",
                width="100%",
                max_width=width,
                margin="0 auto",
                padding="1.25rem 1rem 2rem",
                align="stretch",
            ),
            id="main",
            width="100%",
        ),
        footer(),
        min_height="100vh",
        background="#f5f7fa",
    )


def card(*children: rx.Component, **props) -> rx.Component:
    return rx.card(rx.vstack(*children, spacing="4", align="stretch", width="100%"), width="100%", size="3", **props)
