"""工作人员登录, in a module of its own: Reflex compiles the components of every page defined in one Python
module into one shared JS chunk, and beside the review pages (staff.py) the sign-in page loaded their tables,
dialogs and scroll areas on a first visit. docs/performance.md (frontend weight)."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, form, submit_button
from jssi_app.components.layout import card
from jssi_app.components.sign_out import signed_out_notice
from jssi_app.pages.staff import TITLE, staff_shell
from jssi_app.state.staff import StaffLoginState


def staff_login_page() -> rx.Component:
    S = StaffLoginState
    q = S.router.url.query_parameters
    return staff_shell(
        card(
            rx.heading("工作人员登录", as_="h1", size="6"),
            rx.text("社保经办机构审核员、窗口经办人员使用。", size="2", color=rx.color("gray", 11)),
            signed_out_notice(q),
            error_summary(S.summary_links),
            form(
                field("用户名", "username", S.errors, autocomplete="username", max_length=64),
                field("密码", "password", S.errors, input_type="password", autocomplete="current-password",
                      max_length=64),
                submit_button("登录", S.busy),
                on_submit=S.submit,
            ),
            rx.text("忘记密码请联系系统管理员重置。", size="2", color=rx.color("gray", 11)),
        ),
        width="440px",
    )


def register_staff_login_page(app: rx.App) -> None:
    app.add_page(staff_login_page, route=routes.STAFF_LOGIN, title=f"工作人员登录 - {TITLE}",
                 on_load=StaffLoginState.on_load)
