"""What a person is told when their browser cannot run the hall (docs/browser-support.md).

Four cases, each where it still works when the others fail:
- JavaScript off: a <noscript> block in the app's overlay, so it is in every pre-rendered page's HTML.
- cookies/storage blocked and outdated browsers: `assets/browser-check.js`, a classic ES5 script in the head that
  runs before (and without) the app bundle and writes a plain-DOM notice; React never renders it.
- lost connection: a banner rendered by React from Reflex's connection errors, replacing Reflex's English toast.
"""

from __future__ import annotations

import reflex as rx
from reflex.components.core.banner import has_connection_errors
from reflex_base.components.memo import memo

# The seed's 浏览器兼容性 advice, word for word, so the notices say what the official guide says.
RECOMMENDED_BROWSERS = "推荐使用Chrome、Firefox、Edge等主流浏览器，并启用JavaScript和Cookies功能"
CHECK_SCRIPT = "/browser-check.js"
CONNECTION_LOST = "与服务器的连接已中断，正在重新连接…"


def check_script() -> rx.Component:
    """The head script: deferred, so it runs after parsing and before the (also deferred) module bundle."""
    return rx.el.script(src=CHECK_SCRIPT, defer=True)


def noscript_notice() -> rx.Component:
    return rx.el.noscript(
        rx.el.div(
            rx.el.div(
                rx.el.h2("请启用 JavaScript"),
                rx.el.p("江苏社保网上服务大厅的登录、注册、查询和打印都需要浏览器启用 JavaScript。"
                        "当前浏览器禁用了 JavaScript，页面无法正常使用。"),
                rx.el.p("请在浏览器设置的网站权限中允许本网站使用 JavaScript，然后刷新本页。"),
                rx.el.p(f"江苏社保网{RECOMMENDED_BROWSERS}。"),
                class_name="noscript-card",
            ),
            class_name="noscript-page",
            lang="zh-CN",
        ),
    )


def connection_banner() -> rx.Component:
    # role="alert" is announced when it appears (a status region would have to be in the page beforehand), and it
    # is in the page only while the connection is lost, so the page's own status messages stay the only ones.
    return rx.el.div(
        rx.cond(
            has_connection_errors,
            rx.el.div(
                rx.el.span(class_name="connection-banner-spinner", aria_hidden="true"),
                rx.el.span(CONNECTION_LOST, rx.el.br(), "已填写的内容会保留，连接恢复后可继续办理。"),
                class_name="connection-banner",
                role="alert",
            ),
            rx.fragment(),
        ),
        class_name="connection-status",
    )


def overlay() -> rx.Component:
    """Replaces Reflex's default overlay (an English toast and a wifi icon) in `rx.App.app_wraps`. Memoised like
    Reflex's own, so a change of the connection errors re-renders the banner and not the page."""

    def browser_notices() -> rx.Component:
        return rx.fragment(noscript_notice(), connection_banner())

    return rx.fragment(memo(browser_notices)())
