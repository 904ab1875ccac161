"""工作人员: 修改密码, 审核工作台 and 申请详情 (工作人员登录: staff_login.py) — desktop pages for reviewers who work a queue all day.

Dense on purpose (a 1200px column, small table rows), every control reachable by keyboard: native selects
and checkboxes, forms that submit on Enter, links in every queue row. Deadlines and pre-check results are
said in words as well as colour.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, field_error, form, notice, submit_button
from jssi_app.components.layout import BRAND_BLUE, card, footer
from jssi_app.components.tables import card_table, labelled_cells
from jssi_app.domain.passwords import PASSWORD_RULE_TEXT
from jssi_app.domain.review import MAX_NOTE_LENGTH, MAX_OPINION_LENGTH, REJECTION_REASONS
from jssi_app.state.staff import (
    STATUS_FILTERS,
    StaffApplicationState,
    StaffPasswordState,
    StaffQueueState,
)

TITLE = "江苏社保网上服务大厅"
WIDTH = "1200px"
_SUBMIT_FILTERS = "document.getElementById('queue-filter')?.requestSubmit()"
_INPUT_STYLE = {
    "height": "32px", "padding": "0 8px", "border": "1px solid #b8c4d6", "border_radius": "4px",
    "background": "white", "font_size": "14px",
}
_STATUS_COLORS = (("submitted", "blue"), ("in_review", "amber"), ("approved", "green"), ("rejected", "red"))


def _status_badge(status: Var, label: Var, size: str = "1") -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *_STATUS_COLORS, "gray"), size=size, variant="soft")


# --- the shell ---------------------------------------------------------------------------------------


def _staff_header(state) -> rx.Component:  # noqa: ANN001
    user = (
        rx.cond(
            state.staff_name != "",
            rx.hstack(
                rx.link("审核工作台", href=routes.STAFF_DASHBOARD, color="white", size="2", weight="medium"),
                rx.cond(state.staff_counter,
                        rx.link("窗口业务", href=routes.STAFF_COUNTER, color="white", size="2", weight="medium"),
                        rx.fragment()),
                rx.link("修改密码", href=routes.STAFF_PASSWORD, color="rgba(255,255,255,0.85)", size="2"),
                rx.text(state.staff_role, " ", rx.text.strong(state.staff_name), size="2", color="white",
                        id="staff-user"),
                rx.button("退出", on_click=state.sign_out, variant="outline", size="1", color_scheme="gray",
                          style={"color": "white", "border_color": "rgba(255,255,255,0.6)"}),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            rx.fragment(),
        )
        if state is not None
        else rx.fragment()
    )
    return rx.el.header(
        rx.hstack(
            rx.hstack(
                rx.box("人社", class_name="logo-mark", aria_hidden="true"),
                rx.vstack(
                    rx.text("江苏省人力资源和社会保障厅", size="1", color="rgba(255,255,255,0.85)"),
                    rx.text("网上服务大厅 · 工作人员", size="3", weight="bold", color="white"),
                    spacing="0",
                ),
                align="center",
                spacing="2",
            ),
            rx.spacer(),
            user,
            align="center",
            width="100%",
            max_width=WIDTH,
            margin="0 auto",
            padding="0.5rem 1rem",
        ),
        background=BRAND_BLUE,
        width="100%",
    )


def staff_shell(*children: rx.Component, state=None, width: str = WIDTH) -> rx.Component:  # noqa: ANN001
    return rx.box(
        rx.el.a("跳到主要内容", href="#main", class_name="skip-link"),
        _staff_header(state),
        rx.el.main(
            rx.vstack(
                *children,
                spacing="3",
                width="100%",
                max_width=width,
                margin="0 auto",
                padding="1rem 1rem 1.5rem",
                align="stretch",
            ),
            id="main",
            width="100%",
        ),
        footer(),
        min_height="100vh",
        background="#f3f5f8",
    )


def _panel(*children: rx.Component, **props) -> rx.Component:
    """A compact card (size 2) for the dense staff pages."""
    return rx.card(rx.vstack(*children, spacing="3", align="stretch", width="100%"), width="100%", size="2", **props)


def _section_title(text: str) -> rx.Component:
    return rx.heading(text, as_="h2", size="3", color=BRAND_BLUE)


# --- 修改密码 (工作人员登录: staff_login.py) ----------------------------------------------------------------------------


def staff_password_page() -> rx.Component:
    S = StaffPasswordState
    return staff_shell(
        card(
            rx.heading("修改密码", as_="h1", size="6"),
            rx.cond(
                S.forced,
                rx.callout.root(rx.callout.icon(rx.icon("info")),
                                rx.callout.text("首次登录或管理员重置密码后，须先修改密码才能使用审核功能。"),
                                color_scheme="blue", role="status"),
                rx.fragment(),
            ),
            error_summary(S.summary_links),
            form(
                field("当前密码", "current_password", S.errors, input_type="password",
                      autocomplete="current-password", max_length=64),
                field("新密码", "password", S.errors, input_type="password", autocomplete="new-password",
                      hint=PASSWORD_RULE_TEXT, max_length=64),
                field("确认密码", "password_confirm", S.errors, input_type="password", autocomplete="new-password",
                      max_length=64),
                submit_button("确认修改", S.busy),
                on_submit=S.submit,
            ),
        ),
        state=S,
        width="520px",
    )


# --- 审核工作台 -------------------------------------------------------------------------------------


def _tile(tile) -> rx.Component:  # noqa: ANN001
    S = StaffQueueState
    late = tile["key"] == "overdue"
    active = rx.cond(late, S.overdue_only, (S.status_filter == tile["key"]) & ~S.overdue_only)
    return rx.el.button(
        rx.text(tile["label"], size="2", color=rx.cond(late, "#b42318", "#3d4b5f")),
        rx.text(tile["count"], size="6", weight="bold", color=rx.cond(late, "#b42318", BRAND_BLUE)),
        type="button",
        on_click=S.show_tile(tile["key"]),
        custom_attrs={"aria-pressed": rx.cond(active, "true", "false")},
        aria_label=tile["label"] + " " + tile["count"] + "件",
        style={
            "display": "flex", "flex_direction": "column", "align_items": "flex-start", "gap": "2px",
            "padding": "8px 14px", "background": "white", "cursor": "pointer", "text_align": "left",
            "border": rx.cond(active, f"2px solid {BRAND_BLUE}", "1px solid #d0d7e2"), "border_radius": "6px",
        },
    )


def _labelled(label: str, control: rx.Component, control_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"font_size": "13px", "font_weight": "600"}),
        control,
        spacing="1",
    )


def _filters() -> rx.Component:
    S = StaffQueueState
    return rx.form(
        rx.hstack(
            _labelled(
                "搜索（统一社会信用代码或单位名称）",
                rx.el.input(id="queue-search", name="search", type="search", default_value=S.search,
                            placeholder="如 91320102 或 科技有限公司", max_length=60, auto_complete="off",
                            style={**_INPUT_STYLE, "width": "300px"}),
                "queue-search",
            ),
            _labelled(
                "状态",
                rx.el.select(
                    *[rx.el.option(label, value=value) for value, label in STATUS_FILTERS],
                    id="queue-status", name="status", default_value=S.status_filter,
                    on_change=rx.call_script(_SUBMIT_FILTERS), style={**_INPUT_STYLE, "width": "200px"},
                ),
                "queue-status",
            ),
            _labelled(
                "提交日期",
                rx.hstack(
                    rx.el.input(id="queue-from", name="date_from", type="date", default_value=S.date_from,
                                aria_label="提交日期（起）", style=_INPUT_STYLE),
                    rx.text("至", size="2"),
                    rx.el.input(id="queue-to", name="date_to", type="date", default_value=S.date_to,
                                aria_label="提交日期（止）", style=_INPUT_STYLE),
                    align="center",
                    spacing="1",
                    wrap="wrap",
                ),
                "queue-from",
            ),
            rx.hstack(
                rx.el.input(type="checkbox", id="queue-overdue", name="overdue", default_checked=S.overdue_only,
                            on_change=rx.call_script(_SUBMIT_FILTERS),
                            style={"width": "18px", "height": "18px", "accent_color": BRAND_BLUE}),
                rx.el.label("仅看超期", html_for="queue-overdue", style={"font_size": "14px"}),
                align="center",
                spacing="1",
                height="32px",
            ),
            rx.button("查询", type="submit", size="2"),
            rx.button("重置", type="button", size="2", variant="soft", color_scheme="gray", on_click=S.reset_filters),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        id="queue-filter",
        key=S.filter_key.to_string(),
        on_submit=S.apply_filters,
        reset_on_submit=False,
        role="search",
        width="100%",
    )


_DUE_COLORS = (("late", "#b42318"), ("soon", "#b54708"), ("done", "#667085"))


QUEUE_HEADERS = ("受理编号", "单位名称", "统一社会信用代码", "提交时间", "办理期限", "状态", "领取人", "预审提示")


def _queue_row(row) -> rx.Component:  # noqa: ANN001
    due_color = rx.match(row["due_state"], *_DUE_COLORS, "#1d2939")
    return rx.table.row(
        *labelled_cells(
            QUEUE_HEADERS,
            rx.link(row["reference_no"], href=row["href"], weight="medium"),
            rx.link(row["unit_name"], href=row["href"], color_scheme="gray", high_contrast=True),
            rx.text(row["uscc"], font_family="ui-monospace, monospace", size="2"),
            row["submitted_at"],
            rx.text(
                rx.cond(row["due_state"] == "late", "⚠ ", ""),
                row["due_text"],
                color=due_color,
                weight=rx.cond(row["due_state"] == "late", "bold", "regular"),
                title="期限 " + row["due_date"],
            ),
            _status_badge(row["status"], row["status_label"]),
            rx.cond(row["claimed_by"] != "", row["claimed_by"], rx.text("—", color=rx.color("gray", 11))),
            rx.cond(row["flags"] != "0",
                    rx.text("⚠ ", row["flags_text"], color="#b54708", weight="medium"),
                    rx.text(row["flags_text"], color=rx.color("gray", 11))),
        ),
        on_click=rx.redirect(row["href"]),
        style={"cursor": "pointer", "_hover": {"background": "#eef3fb"}},
    )


def _queue_table() -> rx.Component:
    S = StaffQueueState
    return card_table(QUEUE_HEADERS, rx.foreach(S.rows, _queue_row), caption="审核列表", size="1", variant="surface")


def staff_dashboard_page() -> rx.Component:
    S = StaffQueueState
    return staff_shell(
        rx.hstack(
            rx.heading("审核工作台", as_="h1", size="5"),
            rx.text("单位用户注册审核 · 先到先审，3个工作日内办结", size="2", color=rx.color("gray", 11)),
            align="baseline",
            spacing="3",
        ),
        notice(S.notice),
        error_summary(S.summary_links),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.hstack(rx.foreach(S.tiles, _tile), spacing="2", wrap="wrap", role="group",
                          aria_label="申请数量统计"),
                _panel(_filters()),
                rx.cond(
                    S.rows.length() > 0,
                    _queue_table(),
                    _panel(rx.text("没有符合条件的申请。", color=rx.color("gray", 11))),
                ),
                rx.hstack(
                    rx.text("第", S.page_number.to_string(), "页", size="2", color=rx.color("gray", 11)),
                    rx.spacer(),
                    rx.button("上一页", on_click=S.prev_page, disabled=S.page_number <= 1, size="2",
                              variant="outline"),
                    rx.button("下一页", on_click=S.next_page, disabled=S.next_cursor == "", size="2",
                              variant="outline"),
                    align="center",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            rx.text("正在加载…", color=rx.color("gray", 11)),
        ),
        state=S,
    )


# --- 申请详情 ---------------------------------------------------------------------------------------


def _revealable(field_name: str, what: str) -> rx.Component:
    S = StaffApplicationState
    return rx.hstack(
        rx.cond(
            S.revealed.contains(field_name),
            rx.text(S.revealed.get(field_name, ""), font_family="ui-monospace, monospace", weight="medium",
                    white_space="nowrap"),
            rx.text(S.masked.get(field_name, ""), font_family="ui-monospace, monospace", white_space="nowrap"),
        ),
        rx.cond(
            S.revealed.contains(field_name),
            rx.button("隐藏", size="1", variant="ghost", on_click=S.hide(field_name), aria_label=f"隐藏{what}"),
            rx.button("显示完整号码", size="1", variant="ghost", on_click=S.reveal(field_name),
                      aria_label=f"显示完整号码：{what}", title="查看将记入审计日志"),
        ),
        align="center",
        spacing="2",
        wrap="wrap",  # the button goes under the number on a phone instead of past the screen's edge
    )


def _item(label: str, value) -> rx.Component:  # noqa: ANN001
    return rx.data_list.item(rx.data_list.label(label, min_width="120px"), rx.data_list.value(value))


def _unit_info() -> rx.Component:
    S = StaffApplicationState
    return _panel(
        _section_title("单位信息"),
        rx.grid(
            rx.data_list.root(
                _item("受理编号", S.reference_no),
                _item("单位名称", S.unit_name),
                _item("统一社会信用代码", rx.text(S.uscc, font_family="ui-monospace, monospace")),
                _item("法定代表人身份证号", _revealable("legal_rep_id", "法定代表人身份证号")),
                _item("提交时间", S.submitted_at),
                size="2",
            ),
            rx.data_list.root(
                _item("经办人姓名", S.masked.get("handler_name", "")),
                _item("经办人身份证号", _revealable("handler_id", "经办人身份证号")),
                _item("经办人手机号", _revealable("handler_phone", "经办人手机号")),
                _item("经办人电子邮箱", S.masked.get("handler_email", "")),
                _item("审核轮次", rx.text("第", S.round_number.to_string(), "轮")),
                size="2",
            ),
            columns="2",
            spacing="4",
        ),
    )


def _prechecks() -> rx.Component:
    S = StaffApplicationState
    return _panel(
        rx.hstack(
            _section_title("预审结果"),
            rx.cond(S.precheck_failures > 0,
                    rx.badge(S.precheck_failures.to_string() + "项不一致，请重点核对", color_scheme="orange"),
                    rx.fragment()),
            align="center",
            spacing="3",
        ),
        rx.el.ul(
            rx.foreach(
                S.prechecks,
                lambda p: rx.el.li(
                    rx.hstack(
                        rx.match(p["state"],
                                 ("ok", rx.icon("circle-check", color="#067647", size=16)),
                                 ("fail", rx.icon("circle-x", color="#b42318", size=16)),
                                 rx.icon("circle-help", color="#667085", size=16)),
                        rx.text(p["label"], size="2"),
                        rx.badge(p["text"], size="1", variant="soft",
                                 color_scheme=rx.match(p["state"], ("ok", "green"), ("fail", "red"), "gray")),
                        align="center",
                        spacing="2",
                    ),
                ),
            ),
            style={"list_style": "none", "padding": "0", "margin": "0", "display": "grid", "gap": "4px"},
        ),
        rx.text("与参保单位库自动比对的结果，仅供参考；请以材料原件为准。", size="1", color=rx.color("gray", 11)),
    )


def _material(m) -> rx.Component:  # noqa: ANN001
    S = StaffApplicationState
    return rx.vstack(
        rx.el.button(
            rx.image(src=m["thumbnail"], alt=m["label"] + "缩略图", class_name="material-thumb",
                     width="132px", height="132px"),
            type="button",
            on_click=S.open_viewer(m["id"]),
            aria_label="查看大图：" + m["label"],
            style={"padding": "0", "border": "none", "background": "none", "cursor": "zoom-in"},
        ),
        rx.text(m["label"], size="1", weight="bold", max_width="150px"),
        rx.text(m["name"], size="1", color=rx.color("gray", 11), max_width="150px", title=m["name"],
                style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"}),
        rx.text(m["pages"], "页 · ", m["size"], size="1", color=rx.color("gray", 11)),
        rx.link("查看原件", href=m["original"], is_external=True, size="1"),
        spacing="1",
        width="150px",
    )


def _materials() -> rx.Component:
    S = StaffApplicationState
    return _panel(
        _section_title("申请材料"),
        rx.cond(
            S.materials.length() > 0,
            rx.hstack(rx.foreach(S.materials, _material), spacing="4", wrap="wrap"),
            rx.text("没有材料。", color=rx.color("gray", 11)),
        ),
    )


def _viewer() -> rx.Component:
    S = StaffApplicationState
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(S.viewer.get("label", ""), size="4", margin="0"),
                rx.text(S.viewer.get("name", ""), size="2", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button("－", on_click=S.zoom_out, size="1", variant="soft", aria_label="缩小"),
                rx.text(S.zoom.to_string(), "%", size="2", min_width="3em", text_align="center", aria_live="polite"),
                rx.button("＋", on_click=S.zoom_in, size="1", variant="soft", aria_label="放大"),
                rx.button("适应窗口", on_click=S.zoom_reset, size="1", variant="soft"),
                rx.link("在新窗口打开原件", href=S.viewer.get("original", ""), is_external=True, size="2"),
                rx.dialog.close(rx.button("关闭", size="1", variant="outline")),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.dialog.description("预览图为材料第1页；多页 PDF 请打开原件查看全部页面。", size="1", color=rx.color("gray", 11)),
            rx.box(
                rx.image(src=S.viewer.get("preview", ""), alt=S.viewer.get("label", "") + "预览",
                         style={"width": S.zoom.to_string() + "%", "max_width": "none", "display": "block",
                                "margin": "0 auto"}),
                overflow="auto",
                max_height="72vh",
                background="#e9edf3",
                padding="8px",
                margin_top="8px",
                id="material-viewer",
            ),
            max_width="1100px",
            width="92vw",
        ),
        open=S.viewer.contains("id"),
        on_open_change=S.set_viewer_open,
    )


def _round(r) -> rx.Component:  # noqa: ANN001
    S = StaffApplicationState
    return rx.box(
        rx.hstack(
            rx.text("第", r["number"], "轮", weight="bold", size="2"),
            rx.text("提交 ", r["submitted_at"], size="2", color=rx.color("gray", 11)),
            _status_badge(r["status"], r["decision_label"]),
            rx.cond(r["decided_by"] != "",
                    rx.text(r["decided_by"], " 于 ", r["decided_at"], size="2", color=rx.color("gray", 11)),
                    rx.fragment()),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.el.ul(
            rx.foreach(
                S.rejections,
                lambda x: rx.cond(
                    x["round"] == r["number"],
                    rx.el.li(rx.text(x["label"], "：", rx.text.strong(x["reason"]),
                                     rx.cond(x["note"] != "", "（" + x["note"] + "）", ""), size="2")),
                    rx.fragment(),
                ),
            ),
            style={"margin": "4px 0 0", "padding_left": "1.2em"},
        ),
        rx.cond(r["opinion"] != "", rx.text("审核意见：", r["opinion"], size="2", white_space="pre-wrap"),
                rx.fragment()),
        border_left="3px solid #c9d6ea",
        padding="2px 0 2px 10px",
    )


def _history() -> rx.Component:
    S = StaffApplicationState
    return _panel(
        _section_title("审核记录"),
        rx.vstack(rx.foreach(S.rounds, _round), spacing="3", align="stretch"),
    )


def _textarea(label: str, name: str, field_id: str, hint: str) -> rx.Component:
    S = StaffApplicationState
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style={"font_size": "14px", "font_weight": "600"}),
        rx.text_area(id=field_id, name=name, max_length=MAX_OPINION_LENGTH, rows="3", placeholder=hint,
                     width="100%", size="2", custom_attrs={"aria-describedby": f"{field_id}-error"}),
        field_error(S.errors.get(name, ""), f"{field_id}-error", size="1"),
        spacing="1",
        width="100%",
    )


def _reject_material(k) -> rx.Component:  # noqa: ANN001
    S = StaffApplicationState
    select_id = "reason-" + k["kind"]
    note_id = "note-" + k["kind"]
    return rx.box(
        rx.el.label(k["label"], html_for=select_id, style={"font_size": "13px", "font_weight": "600"}),
        rx.hstack(
            rx.el.select(
                rx.el.option("无问题（不退回）", value=""),
                *[rx.el.option(reason, value=reason) for reason in REJECTION_REASONS],
                id=select_id, name="reason." + k["kind"], style={**_INPUT_STYLE, "width": "150px"},
            ),
            rx.el.input(id=note_id, name="note." + k["kind"], placeholder="补充说明", max_length=MAX_NOTE_LENGTH,
                        aria_label="补充说明：" + k["label"], style={**_INPUT_STYLE, "flex": "1", "min_width": "0"}),
            spacing="2",
            width="100%",
            margin_top="2px",
        ),
        field_error(S.errors.get("reason." + k["kind"], "") + S.errors.get("note." + k["kind"], ""),
                    select_id + "-error", size="1"),
        width="100%",
    )


def _decision_forms() -> rx.Component:
    S = StaffApplicationState
    approve = rx.form(
        rx.vstack(
            rx.heading("审核通过", as_="h3", size="3"),
            _textarea("审核意见", "opinion", "approve-opinion", "选填，如：材料齐全，准予注册。"),
            rx.hstack(
                rx.button("确认通过", type="submit", color_scheme="green", size="2", loading=S.busy),
                rx.button("取消", type="button", variant="soft", color_scheme="gray", size="2",
                          on_click=S.close_panel),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.approve,
        reset_on_submit=False,
        width="100%",
    )
    reject = rx.form(
        rx.vstack(
            rx.heading("退回单位修改", as_="h3", size="3"),
            rx.text("为需要修改的材料选择退回原因（“其他”须填写补充说明）：", size="1", color=rx.color("gray", 11)),
            field_error(S.errors.get("reasons", ""), "field-reasons-error", size="1"),
            rx.foreach(S.reject_kinds, _reject_material),
            _textarea("审核意见", "opinion", "reject-opinion", "选填，将随退回通知发送给单位经办人"),
            rx.hstack(
                rx.button("确认退回", type="submit", color_scheme="red", size="2", loading=S.busy),
                rx.button("取消", type="button", variant="soft", color_scheme="gray", size="2",
                          on_click=S.close_panel),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.reject,
        reset_on_submit=False,
        width="100%",
    )
    return rx.match(S.panel, ("approve", approve), ("reject", reject), rx.fragment())


def _actions() -> rx.Component:
    S = StaffApplicationState
    has = S.actions.contains
    return _panel(
        _section_title("审核操作"),
        rx.data_list.root(
            _item("审核状态", _status_badge(S.app_status, S.status_label, size="2")),
            _item("办理期限", rx.vstack(
                rx.text(S.due_date, size="2"),
                rx.text(rx.cond(S.overdue, "⚠ ", ""), S.due_text, size="2",
                        color=rx.cond(S.overdue, "#b42318", "inherit"),
                        weight=rx.cond(S.overdue, "bold", "regular")),
                rx.cond(S.due_note != "", rx.text(S.due_note, size="1", color=rx.color("gray", 11)), rx.fragment()),
                spacing="0",
            )),
            _item("领取人", rx.cond(S.claimed_by != "",
                                  rx.text(S.claimed_by, rx.cond(S.claimed_by_me, "（我）", ""), " ",
                                          rx.text.span(S.claimed_at, color=rx.color("gray", 11))),
                                  "—")),
            size="2",
            orientation="vertical",
        ),
        rx.hstack(
            rx.cond(has("claim"), rx.button("领取", on_click=S.claim, size="2", loading=S.busy), rx.fragment()),
            rx.cond(has("approve"),
                    rx.button("通过", on_click=S.open_panel("approve"), size="2", color_scheme="green",
                              variant=rx.cond(S.panel == "approve", "solid", "soft")),
                    rx.fragment()),
            rx.cond(has("reject"),
                    rx.button("退回", on_click=S.open_panel("reject"), size="2", color_scheme="red",
                              variant=rx.cond(S.panel == "reject", "solid", "soft")),
                    rx.fragment()),
            rx.cond(has("release"),
                    rx.button("释放", on_click=S.release, size="2", variant="outline", color_scheme="gray",
                              title="放回待审核列表，由其他审核员领取"),
                    rx.fragment()),
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(
            S.actions.length() == 0,
            rx.text(
                rx.match(
                    S.app_status,
                    ("in_review", "该申请正由 " + S.claimed_by + " 审核。"),
                    ("approved", "审核已结束（已通过）。"),
                    ("rejected", "已退回单位修改，等待单位重新提交。"),
                    "您的账号没有审核权限。",
                ),
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.fragment(),
        ),
        _decision_forms(),
        position="sticky",
        top="12px",
    )


def staff_application_page() -> rx.Component:
    S = StaffApplicationState
    return staff_shell(
        rx.link("← 返回审核工作台", href=routes.STAFF_DASHBOARD, size="2"),
        rx.cond(
            S.loaded,
            rx.hstack(
                rx.heading(S.unit_name, as_="h1", size="5"),
                _status_badge(S.app_status, S.status_label, size="2"),
                rx.text(S.reference_no, size="2", color=rx.color("gray", 11)),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            rx.heading("申请详情", as_="h1", size="5"),
        ),
        notice(S.notice),
        error_summary(S.summary_links),
        rx.cond(
            S.loaded,
            rx.grid(
                rx.vstack(_unit_info(), _prechecks(), _materials(), _history(), spacing="3", align="stretch",
                          min_width="0"),
                rx.box(_actions()),
                # The 审核操作 panel beside the application from 1024 px; below it on phones and tablets.
                columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 1fr) 380px"),
                spacing="3",
                width="100%",
                align="start",
            ),
            rx.fragment(),
        ),
        _viewer(),
        state=S,
    )


def register_staff_pages(app: rx.App) -> None:
    app.add_page(staff_password_page, route=routes.STAFF_PASSWORD, title=f"修改密码 - {TITLE}",
                 on_load=StaffPasswordState.on_load)
    app.add_page(staff_dashboard_page, route=routes.STAFF_DASHBOARD, title=f"审核工作台 - {TITLE}",
                 on_load=StaffQueueState.load)
    app.add_page(staff_application_page, route=routes.STAFF_APPLICATION, title=f"申请详情 - {TITLE}",
                 on_load=StaffApplicationState.load)
