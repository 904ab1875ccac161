"""系统管理 pages: 工作人员管理 (/staff/admin) and 审计日志 (/staff/audit). Desktop-dense tables."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, field_error, form, notice
from jssi_app.components.layout import page_shell
from jssi_app.components.tables import card_table, cell, labelled_cells
from jssi_app.domain.staff import ROLE_LABELS
from jssi_app.services.audit_log import OUTCOME_LABELS, event_choices
from jssi_app.state.admin import PASSWORD_ELEMENT, AuditLogState, StaffAdminState

TITLE = "江苏社保网上服务大厅"
WIDE = "1280px"
# Inline styles: assets/styles.css is shared with other pages.
_SELECT = {"width": "100%", "height": "24px", "font-size": "12px", "padding": "0 4px", "border-radius": "4px",
           "border": "1px solid var(--gray-a7)", "background": "var(--color-surface)", "color": "var(--gray-12)"}
_SELECT_LARGE = {**_SELECT, "height": "40px", "font-size": "16px", "padding": "0 8px"}
_FILTER_LABEL = {"font-size": "12px", "font-weight": "600"}
_DETAIL = {"font-size": "11px", "word-break": "break-all", "white-space": "pre-wrap", "display": "block",
           "max-width": "380px"}


def _nav(state) -> list[rx.Component]:
    def link(text: str, href: str) -> rx.Component:
        return rx.link(text, href=href, color="white", size="2", weight="medium")

    return [
        rx.hstack(
            link("审核工作台", routes.STAFF_DASHBOARD),
            link("工作人员管理", routes.STAFF_ADMIN),
            link("审计日志", routes.STAFF_AUDIT),
            rx.cond(state.admin_name != "",
                    rx.text("系统管理员 " + state.admin_name, size="2", color="rgba(255,255,255,0.85)"),
                    rx.fragment()),
            rx.button("退出", on_click=state.sign_out, size="1", variant="outline", color_scheme="gray",
                      style={"color": "white", "box-shadow": "inset 0 0 0 1px rgba(255,255,255,0.6)"}),
            spacing="4",
            align="center",
        )
    ]


# --- 工作人员管理 ------------------------------------------------------------------------------------


def _status(row) -> rx.Component:
    return rx.hstack(
        rx.badge(row["status"], color_scheme=rx.cond(row["disabled"] == "1", "gray", "green")),
        rx.cond(row["must_change"] == "1", rx.badge("待修改初始密码", color_scheme="orange"), rx.fragment()),
        rx.cond(row["locked"] == "1", rx.badge("已锁定", color_scheme="red"), rx.fragment()),
        spacing="1",
        wrap="wrap",
    )


_STAFF_HEADERS = ("用户名", "姓名", "角色", "状态", "创建时间", "最近登录", "操作")


def _staff_row(row) -> rx.Component:
    S = StaffAdminState
    label = row["username"]
    actions = rx.cond(
        row["self"] == "1",
        rx.text("（本人）", size="1", color=rx.color("gray", 11)),
        rx.hstack(
            rx.cond(
                row["disabled"] == "1",
                rx.button("启用", size="1", variant="soft", color_scheme="green",
                          on_click=S.ask("enable", row["id"], label), aria_label="启用 " + label),
                rx.button("停用", size="1", variant="soft", color_scheme="red",
                          on_click=S.ask("disable", row["id"], label), aria_label="停用 " + label),
            ),
            rx.button("重置密码", size="1", variant="soft", on_click=S.ask("reset", row["id"], label),
                      aria_label="重置密码 " + label),
            spacing="2",
        ),
    )
    return rx.table.row(
        *labelled_cells(
            _STAFF_HEADERS,
            cell(rx.text(row["username"], weight="medium"), header=True),
            row["display_name"],
            row["role_label"],
            _status(row),
            cell(row["created"], white_space="nowrap"),
            cell(row["last_sign_in"], white_space="nowrap"),
            actions,
        ),
        align="center",
    )


def _confirm_dialog() -> rx.Component:
    S = StaffAdminState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.confirm_title),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.text("账号：", rx.text.strong(S.confirm_name)),
                    rx.text(S.confirm_text),
                    spacing="2",
                ),
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("取消", variant="soft", color_scheme="gray", on_click=S.cancel)),
                rx.alert_dialog.action(
                    rx.button("确认", color_scheme=rx.cond(S.confirm_action == "disable", "red", "blue"),
                              on_click=S.confirm)
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="480px",
        ),
        open=S.confirm_action != "",
    )


def _password_dialog() -> rx.Component:
    S = StaffAdminState
    copy = rx.call_script(
        f"navigator.clipboard && navigator.clipboard.writeText(document.getElementById('{PASSWORD_ELEMENT}').textContent)"
    )
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(S.password_reason == "reset", "密码已重置", "工作人员已新增")),
            rx.alert_dialog.description(
                rx.text("工作人员 ", rx.text.strong(S.password_for), " 的初始密码（仅显示这一次）："),
                size="2",
            ),
            rx.box(
                rx.el.code(id=PASSWORD_ELEMENT,
                           style={"font-size": "1.5rem", "letter-spacing": "0.12em", "user-select": "all",
                                  "font-family": "ui-monospace, Menlo, Consolas, monospace"}),
                padding="0.75rem 1rem",
                background="var(--gray-3)",
                border_radius="6px",
                margin="0.75rem 0",
                text_align="center",
            ),
            rx.callout.root(
                rx.callout.icon(rx.icon("shield-alert")),
                rx.callout.text(
                    "请当面或通过电话等安全方式把密码交给本人，不要通过邮件、短信或聊天工具发送，也不要记在纸上留存。"
                    "对方首次登录时必须修改密码。关闭此窗口后将无法再次查看，如遗失只能再次重置。"
                ),
                color_scheme="orange",
                size="1",
            ),
            rx.hstack(
                rx.button("复制密码", variant="soft", on_click=copy),
                rx.button("我已安全交付，关闭", on_click=S.close_password),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="520px",
        ),
        open=S.password_open,
    )


def _new_staff_form() -> rx.Component:
    S = StaffAdminState
    role_error = S.errors.get("role", "")
    role_select = rx.vstack(
        rx.el.label("角色", html_for="field-role", class_name="field-label"),
        rx.el.select(
            *[rx.el.option(label, value=value) for value, label in ROLE_LABELS.items()],
            id="field-role",
            name="role",
            default_value="reviewer",
            style=_SELECT_LARGE,
            custom_attrs={"aria-describedby": "field-role-error"},
        ),
        field_error(role_error, "field-role-error"),
        spacing="1",
        width="100%",
    )
    return rx.card(
        rx.vstack(
            rx.heading("新增工作人员", as_="h2", size="4"),
            rx.text("系统将生成初始密码并只显示一次；对方首次登录时须修改密码。", size="2", color=rx.color("gray", 11)),
            form(
                rx.grid(
                    field("用户名", "username", S.errors, hint="3-32位小写字母、数字或 . _ -", max_length=32),
                    field("姓名", "display_name", S.errors, hint="显示用，可不填", max_length=40, required=False),
                    rx.vstack(rx.box(height="1.6em"), role_select, spacing="1", width="100%"),
                    rx.vstack(
                        rx.box(height="1.6em"),
                        rx.button("新增工作人员", type="submit", size="3", loading=S.busy, margin_top="1.6em"),
                        spacing="1",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2", md="4"),
                    spacing="4",
                    width="100%",
                    align="start",
                ),
                on_submit=S.create,
                id="new-staff-form",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def staff_admin_page() -> rx.Component:
    S = StaffAdminState
    return page_shell(
        rx.heading("工作人员管理", as_="h1", size="6"),
        notice(S.notice),
        error_summary(S.summary_links),
        card_table(_STAFF_HEADERS, rx.foreach(S.rows, _staff_row), caption="工作人员账号", size="1", variant="surface"),
        rx.cond(S.rows.length() == 0, rx.text("暂无工作人员账号。", size="2", color=rx.color("gray", 11)), rx.fragment()),
        _new_staff_form(),
        _confirm_dialog(),
        _password_dialog(),
        width=WIDE,
        header_right=_nav(S),
    )


# --- 审计日志 ---------------------------------------------------------------------------------------


def _filter_label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(text, html_for=html_for, style=_FILTER_LABEL)


def _filter_error(name: str) -> rx.Component:
    return field_error(AuditLogState.errors.get(name, ""), f"filter-{name}-error", size="1")


def _text_filter(label: str, name: str, value, on_change, placeholder: str) -> rx.Component:
    return rx.vstack(
        _filter_label(label, f"filter-{name}"),
        rx.input(id=f"filter-{name}", name=name, value=value, on_change=on_change, placeholder=placeholder, size="1",
                 width="100%", max_length=65, custom_attrs={"aria-describedby": f"filter-{name}-error"}),
        _filter_error(name),
        spacing="1",
        width="100%",
    )


def _date_filter(label: str, name: str, value, on_change) -> rx.Component:
    return rx.vstack(
        _filter_label(label, f"filter-{name}"),
        rx.input(id=f"filter-{name}", name=name, type="date", value=value, on_change=on_change, size="1", width="100%",
                 custom_attrs={"aria-describedby": f"filter-{name}-error"}),
        _filter_error(name),
        spacing="1",
        width="100%",
    )


def _filters() -> rx.Component:
    S = AuditLogState
    event_select = rx.vstack(
        _filter_label("事件", "filter-event"),
        rx.el.select(
            rx.el.option("全部事件", value=""),
            *[rx.el.option(label, value=value) for value, label in event_choices()],
            id="filter-event",
            name="event",
            value=S.f_event,
            on_change=S.set_f_event,
            style=_SELECT,
        ),
        _filter_error("event"),
        spacing="1",
        width="100%",
    )
    outcome_select = rx.vstack(
        _filter_label("结果", "filter-outcome"),
        rx.el.select(
            rx.el.option("全部", value=""),
            *[rx.el.option(label, value=value) for value, label in OUTCOME_LABELS.items()],
            id="filter-outcome",
            name="outcome",
            value=S.f_outcome,
            on_change=S.set_f_outcome,
            style=_SELECT,
        ),
        _filter_error("outcome"),
        spacing="1",
        width="100%",
    )
    return rx.form(
        rx.grid(
            event_select,
            _text_filter("操作者", "actor", S.f_actor, S.set_f_actor, "如 staff:3、person:*"),
            _text_filter("对象", "subject", S.f_subject, S.set_f_subject, "如 staff:li、3201*"),
            outcome_select,
            _date_filter("开始日期", "since", S.f_since, S.set_f_since),
            _date_filter("结束日期", "until", S.f_until, S.set_f_until),
            rx.hstack(
                rx.button("查询", type="submit", size="1"),
                rx.button("清除条件", type="button", size="1", variant="soft", color_scheme="gray",
                          on_click=S.clear_filters),
                spacing="2",
                padding_top="1.35rem",
            ),
            columns=rx.breakpoints(initial="1", xs="2", md="4", lg="7"),
            spacing="3",
            width="100%",
            align="start",
        ),
        rx.text("操作者、对象按完整内容匹配；以 * 结尾时按开头匹配。日期按北京时间，含起止当日。", size="1", color=rx.color("gray", 11),
                margin_top="0.35rem"),
        on_submit=S.search,
        reset_on_submit=False,
        width="100%",
    )


_AUDIT_HEADERS = ("编号", "时间", "事件", "操作者", "对象", "客户端地址", "结果", "详情", "哈希")


def _audit_row(row) -> rx.Component:
    return rx.table.row(*labelled_cells(
        _AUDIT_HEADERS,
        cell(row["id"], color=rx.color("gray", 11)),
        cell(row["at"], white_space="nowrap"),
        rx.text(row["event_label"], custom_attrs={"title": row["event"]}),
        cell(rx.el.code(row["actor"]), white_space="nowrap"),
        cell(rx.el.code(row["subject"]), white_space="nowrap"),
        cell(row["client_ip"], white_space="nowrap"),
        rx.badge(row["outcome_label"], color_scheme=rx.cond(row["outcome"] == "failure", "red", "green")),
        rx.el.code(row["detail"], style=_DETAIL),
        cell(rx.el.code(row["hash_short"], custom_attrs={"title": row["hash"]}), white_space="nowrap"),
    ))


def audit_log_page() -> rx.Component:
    S = AuditLogState
    return page_shell(
        rx.hstack(
            rx.heading("审计日志", as_="h1", size="6"),
            rx.spacer(),
            # Document navigation (reload_document): client-side routing would never fetch the file.
            rx.button(
                rx.link(rx.icon("download", size=14), "导出CSV", href=S.export_href, reload_document=True,
                        download="", aria_label="按当前筛选条件导出CSV"),
                as_child=True, size="1", variant="soft",
            ),
            rx.button(rx.icon("shield-check", size=14), "校验哈希链", size="1", variant="soft", on_click=S.verify,
                      loading=S.busy),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            S.verify_text != "",
            rx.callout.root(rx.callout.text(S.verify_text), color_scheme=rx.cond(S.verify_ok, "green", "red"),
                            role="status", size="1"),
            rx.fragment(),
        ),
        error_summary(S.summary_links),
        _filters(),
        card_table(_AUDIT_HEADERS, rx.foreach(S.rows, _audit_row), caption="审计日志", size="1", variant="surface"),
        rx.cond(S.rows.length() == 0, rx.text("没有符合条件的记录。", size="2", color=rx.color("gray", 11)), rx.fragment()),
        rx.hstack(
            rx.text("第 ", S.page_number.to_string(), " 页 · 每页 50 条，按时间从新到旧", size="1", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.button("第一页", size="1", variant="soft", on_click=S.first_page, disabled=S.history.length() == 0),
            rx.button("上一页", size="1", variant="soft", on_click=S.previous_page, disabled=S.history.length() == 0),
            rx.button("下一页", size="1", on_click=S.next_page, disabled=S.next_before == 0),
            align="center",
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        width=WIDE,
        header_right=_nav(S),
    )


def register_admin_pages(app: rx.App) -> None:
    app.add_page(staff_admin_page, route=routes.STAFF_ADMIN, title=f"工作人员管理 - {TITLE}",
                 on_load=StaffAdminState.load)
    app.add_page(audit_log_page, route=routes.STAFF_AUDIT, title=f"审计日志 - {TITLE}", on_load=AuditLogState.load)
