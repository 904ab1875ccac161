"""窗口业务 pages for counter clerks (窗口经办) in the staff area: the counter queue, a task, 人员信息变更 and
参保数据导入. Desktop first (the counter has a desk), still usable on a phone: rows wrap instead of scrolling.
"""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, field_error, notice
from jssi_app.components.layout import BRAND_BLUE
from jssi_app.components.uploads import upload_zone
from jssi_app.domain.counter_person import CHECK_FIELD, ID_CARD_CHECK_LABEL
from jssi_app.domain.counter_tasks import MAX_NOTE
from jssi_app.domain.registry_extract import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB
from jssi_app.pages.staff import staff_shell
from jssi_app.state.counter import (
    KIND_FILTERS,
    STATUS_FILTERS,
    CounterImportState,
    CounterPersonState,
    CounterQueueState,
    CounterTaskState,
)

TITLE = "江苏社保网上服务大厅"
_SELECT = {
    "height": "32px", "padding": "0 8px", "border": "1px solid #b8c4d6", "border_radius": "4px",
    "background": "white", "font_size": "14px", "min_width": "160px",
}
_STATUS_COLORS = (("open", "blue"), ("done", "green"), ("refused", "red"))
_MONO = "ui-monospace, monospace"


def _panel(*children: rx.Component, **props) -> rx.Component:
    return rx.card(rx.vstack(*children, spacing="3", align="stretch", width="100%"), width="100%", size="2", **props)


def _section_title(text: str) -> rx.Component:
    return rx.heading(text, as_="h2", size="3", color=BRAND_BLUE)


def _title(text: str, subtitle: str) -> rx.Component:
    return rx.vstack(
        rx.heading(text, as_="h1", size="5"),
        rx.text(subtitle, size="2", color=rx.color("gray", 11)),
        spacing="1",
    )


def _services_nav() -> rx.Component:
    """The counter's services, on every counter page."""
    links = (
        ("待办业务", routes.STAFF_COUNTER),
        ("人员信息变更", routes.STAFF_COUNTER_PERSON),
        ("参考照片采集", routes.STAFF_COUNTER_FACE),
        ("参保数据导入", routes.STAFF_COUNTER_IMPORT),
        ("证书绑定", routes.STAFF_COUNTER_CERTS),
    )
    return rx.el.nav(
        rx.hstack(
            *[rx.link(text, href=href, size="2", weight="medium") for text, href in links],
            spacing="4",
            wrap="wrap",
        ),
        aria_label="窗口业务",
        width="100%",
    )


def _labelled(label: str, control: rx.Component, control_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"font_size": "13px", "font_weight": "600"}),
        control,
        spacing="1",
    )


def _item(label, value) -> rx.Component:  # noqa: ANN001
    return rx.data_list.item(rx.data_list.label(label, min_width="110px"), rx.data_list.value(value))


# --- 窗口业务 (the queue) ----------------------------------------------------------------------------


def _service_card(title: str, text: str, href: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(rx.text(title, weight="bold", size="3", color=BRAND_BLUE), rx.text(text, size="2", color=rx.color("gray", 11)),
                      spacing="1"),
            size="2",
            height="100%",
        ),
        href=href,
        underline="none",
        flex="1 1 220px",
    )


def _queue_filters() -> rx.Component:
    S = CounterQueueState
    return rx.form(
        rx.hstack(
            _labelled(
                "业务类型",
                rx.el.select(*[rx.el.option(label, value=value) for value, label in KIND_FILTERS],
                             id="counter-kind", name="kind", default_value=S.kind_filter, style=_SELECT),
                "counter-kind",
            ),
            _labelled(
                "办理状态",
                rx.el.select(*[rx.el.option(label, value=value) for value, label in STATUS_FILTERS],
                             id="counter-status", name="status", default_value=S.status_filter, style=_SELECT),
                "counter-status",
            ),
            rx.button("查询", type="submit", size="2"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        key=S.filter_key.to_string(),
        on_submit=S.apply_filters,
        reset_on_submit=False,
        role="search",
        width="100%",
    )


def _queue_pager() -> rx.Component:
    S = CounterQueueState
    return rx.cond(
        S.pages > 1,
        rx.hstack(
            rx.button("上一页", variant="soft", size="2", on_click=S.go_page(-1), disabled=S.page <= 1),
            rx.text("第 ", S.page, " / ", S.pages, " 页", size="2"),
            rx.button("下一页", variant="soft", size="2", on_click=S.go_page(1), disabled=S.page >= S.pages),
            justify="center",
            align="center",
            width="100%",
            aria_label="分页",
        ),
        rx.fragment(),
    )


def _task_row(row) -> rx.Component:  # noqa: ANN001
    return rx.box(
        rx.hstack(
            rx.badge(row["kind_label"], color_scheme="indigo", variant="soft"),
            rx.badge(row["status_label"], color_scheme=rx.match(row["status"], *_STATUS_COLORS, "gray"),
                     variant="soft"),
            rx.text("受理时间 ", row["created"], size="2", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.link(rx.cond(row["status"] == "open", "办理", "查看"), href=row["href"], weight="medium",
                    aria_label=rx.cond(row["status"] == "open", "办理 ", "查看 ") + row["summary"]),
            align="center",
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        rx.text(row["summary"], size="2", weight="medium", margin_top="4px"),
        rx.cond(row["note"] != "", rx.text("办理意见：", row["note"], size="2", color=rx.color("gray", 11)), rx.fragment()),
        class_name="counter-task",
        padding="10px 12px",
        border="1px solid #d0d7e2",
        border_radius="6px",
        background="white",
        width="100%",
        on_click=rx.redirect(row["href"]),
        style={"cursor": "pointer", "_hover": {"background": "#eef3fb"}},
    )


def counter_queue_page() -> rx.Component:
    S = CounterQueueState
    return staff_shell(
        _title("窗口业务", "窗口经办 · 办理群众和单位到社保经办机构窗口办理的业务，先到先办"),
        _services_nav(),
        error_summary(S.summary_links),
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.flex(
                    _service_card("人员信息变更", "变更手机号码、15位升18位、更正姓名（须核验本人身份证原件）",
                                  routes.STAFF_COUNTER_PERSON),
                    _service_card("参考照片采集", "为退休人员采集人脸识别认证的参考照片", routes.STAFF_COUNTER_FACE),
                    _service_card("参保数据导入", "导入参保库数据，先试导入校验，再正式导入", routes.STAFF_COUNTER_IMPORT),
                    _service_card("证书绑定", "为审核通过的单位绑定或解除单位CA证书（CA证书登录）", routes.STAFF_COUNTER_CERTS),
                    gap="12px",
                    wrap="wrap",
                    width="100%",
                ),
                _panel(
                    _section_title("待办业务"),
                    _queue_filters(),
                    rx.cond(
                        S.rows.length() > 0,
                        rx.vstack(
                            rx.text("共 ", S.total, " 件", size="2", color=rx.color("gray", 11), id="counter-total"),
                            rx.vstack(rx.foreach(S.rows, _task_row), spacing="2", width="100%", id="counter-tasks"),
                            _queue_pager(),
                            spacing="2",
                            width="100%",
                        ),
                        rx.text("没有符合条件的窗口业务。", color=rx.color("gray", 11), size="2"),
                    ),
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            rx.fragment(),
        ),
        state=S,
    )


# --- 窗口业务详情 ---------------------------------------------------------------------------------------


def counter_task_page() -> rx.Component:
    S = CounterTaskState
    t = S.task
    return staff_shell(
        rx.link("← 返回窗口业务", href=routes.STAFF_COUNTER, size="2"),
        rx.heading("窗口业务详情", as_="h1", size="5"),
        notice(S.notice),
        error_summary(S.summary_links),
        rx.cond(
            S.loaded,
            rx.vstack(
                _panel(
                    rx.hstack(_section_title(t["kind_label"]),
                              rx.badge(t["status_label"], color_scheme=rx.match(t["status"], *_STATUS_COLORS, "gray"),
                                       id="task-status"),
                              align="center", spacing="3"),
                    rx.data_list.root(
                        _item("摘要", t["summary"]),
                        _item("受理时间", t["created"]),
                        rx.cond(t["handled"] != "", _item("办结时间", t["handled"]), rx.fragment()),
                        rx.cond(t["note"] != "", _item("办理意见", t["note"]), rx.fragment()),
                        size="2",
                    ),
                ),
                rx.cond(
                    S.detail_items.length() > 0,
                    _panel(
                        _section_title("业务信息"),
                        rx.data_list.root(
                            rx.foreach(S.detail_items, lambda d: _item(d["label"], d["value"])),
                            size="2",
                        ),
                    ),
                    rx.fragment(),
                ),
                rx.cond(
                    t["status"] == "open",
                    _panel(
                        _section_title("办理"),
                        rx.vstack(
                            rx.el.label("办理意见", html_for="field-note", class_name="field-label"),
                            rx.text("不予办理时必须填写办理意见，说明原因。", id="field-note-hint", size="2", color=rx.color("gray", 11)),
                            rx.text_area(id="field-note", name="note", default_value=S.note, on_blur=S.set_note,
                                         max_length=MAX_NOTE, rows="3", width="100%",
                                         custom_attrs={"aria-describedby": "field-note-hint field-note-error"}),
                            field_error(S.errors.get("note", ""), "field-note-error"),
                            spacing="1",
                            width="100%",
                        ),
                        rx.hstack(
                            rx.button("办结", on_click=S.approve, loading=S.busy, size="3"),
                            rx.button("不予办理", on_click=S.refuse, loading=S.busy, size="3", color_scheme="red",
                                      variant="soft"),
                            spacing="3",
                        ),
                    ),
                    rx.fragment(),
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            rx.fragment(),
        ),
        state=S,
        width="900px",
    )


# --- 人员信息变更 ---------------------------------------------------------------------------------------


def _id_card_check(form: str) -> rx.Component:
    S = CounterPersonState
    control_id = f"field-{form}.{CHECK_FIELD}"  # the error's key: the summary links here
    error = S.errors.get(f"{form}.{CHECK_FIELD}", "")
    return rx.vstack(
        rx.hstack(
            rx.el.input(type="checkbox", id=control_id, name=CHECK_FIELD,
                        style={"width": "18px", "height": "18px", "accent_color": BRAND_BLUE},
                        custom_attrs={"aria-describedby": f"{control_id}-error"}),
            rx.el.label(ID_CARD_CHECK_LABEL, html_for=control_id, style={"font_size": "14px", "font_weight": "600"}),
            align="center",
            spacing="2",
        ),
        field_error(error, f"{control_id}-error"),
        spacing="1",
    )


def _change_form(form: str, title: str, *children: rx.Component, button: str, on_submit) -> rx.Component:  # noqa: ANN001
    S = CounterPersonState
    return _panel(
        _section_title(title),
        rx.form(
            rx.vstack(*children, _id_card_check(form), rx.button(button, type="submit", size="3", loading=S.busy),
                      spacing="3", width="100%", align="start"),
            on_submit=on_submit,
            reset_on_submit=False,
            key=S.form_key.to_string(),
            id=f"counter-{form}-form",
            width="100%",
        ),
    )


def _record_panel() -> rx.Component:
    S = CounterPersonState
    r = S.record
    return _panel(
        _section_title("参保信息"),
        rx.data_list.root(
            _item("身份证号码", rx.hstack(rx.text(r["masked_id"], font_family=_MONO),
                                     rx.badge(r["id_length"] + "位", color_scheme=rx.cond(r["id_length"] == "15",
                                                                                        "orange", "gray")),
                                     spacing="2", align="center")),
            _item("姓名", r["masked_name"]),
            _item("性别", r["gender"]),
            _item("手机号码", rx.text(r["masked_phone"], font_family=_MONO)),
            _item("人员类别", r["person_type"]),
            _item("参保状态", r["insured_status"]),
            _item("首次参保年月", r["first_insured"]),
            _item("网上服务大厅账号", r["account"]),
            size="2",
        ),
        id="counter-record",
    )


def counter_person_page() -> rx.Component:
    S = CounterPersonState
    return staff_shell(
        _title("人员信息变更", "本人持身份证原件到窗口办理：变更手机号码、15位升18位、更正姓名"),
        _services_nav(),
        error_summary(S.summary_links),
        rx.cond(
            S.done_title != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-check")),
                rx.box(
                    rx.text(S.done_title, weight="bold"),
                    rx.el.ul(rx.foreach(S.done_lines, lambda line: rx.el.li(line)), padding_left="1.2em",
                             margin="0.25rem 0 0"),
                ),
                color_scheme="green",
                role="status",
                id="counter-done",
                width="100%",
            ),
            rx.fragment(),
        ),
        rx.cond(S.allowed, _person_body(), rx.fragment()),
        state=S,
        width="900px",
    )


def _person_body() -> rx.Component:
    S = CounterPersonState
    r = S.record
    return rx.vstack(
        _panel(
            _section_title("查询参保人员"),
            rx.form(
                rx.hstack(
                    rx.box(
                        field("身份证号码", "id_number", S.errors, hint="按身份证原件输入18位号码（老证件为15位）",
                              max_length=24, autocomplete="off"),
                        flex="1 1 260px",
                    ),
                    rx.button("查询", type="submit", size="3", margin_top="1.6rem"),
                    align="start",
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.lookup,
                reset_on_submit=False,
                id="counter-lookup-form",
                width="100%",
            ),
        ),
        rx.cond(
            S.person_id > 0,
            rx.vstack(
                _record_panel(),
                _change_form(
                    "phone", "变更手机号码",
                    field("新手机号码", "new_phone", S.errors, input_type="tel", inputmode="numeric", max_length=20,
                          hint="变更后登记手机号码和网上服务大厅账号的手机号码同时更新，账号在所有设备退出登录，并向原号码发送通知短信"),
                    button="确认变更手机号码",
                    on_submit=S.change_phone,
                ),
                rx.cond(
                    r["id_length"] == "15",
                    _change_form(
                        "upgrade", "15位升18位",
                        rx.text("参保库登记的是15位旧身份证号码，升位后为 ",
                                rx.text.strong(r["masked_upgrade"], font_family=_MONO),
                                "。请核对与身份证原件一致后办理；参保和缴费记录保持不变。", size="2"),
                        button="确认升位",
                        on_submit=S.upgrade,
                    ),
                    rx.fragment(),
                ),
                _change_form(
                    "name", "姓名更正",
                    field("更正后姓名", "new_name", S.errors, max_length=40,
                          hint="按身份证原件填写；网上服务大厅账号的姓名同时更正"),
                    button="确认更正姓名",
                    on_submit=S.correct_name,
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
        align="stretch",
    )


# --- 参保数据导入 ---------------------------------------------------------------------------------------


def _result() -> rx.Component:
    S = CounterImportState
    report = rx.data_list.root(rx.foreach(S.report_rows, lambda d: _item(d["label"], d["value"])), size="2")
    errors = rx.vstack(
        rx.el.ul(rx.foreach(S.error_lines, lambda line: rx.el.li(line, font_size="14px")), padding_left="1.2em",
                 margin="0", id="import-errors"),
        rx.cond(S.total_errors > S.error_lines.length(),
                rx.text("……另有 ", (S.total_errors - S.error_lines.length()).to_string(), " 处错误未列出", size="2",
                        color=rx.color("gray", 11)),
                rx.fragment()),
        spacing="1",
        width="100%",
    )
    return rx.match(
        S.stage,
        ("passed", _panel(
            rx.callout.root(rx.callout.text("试导入通过，未写入任何数据。核对以下数量无误后，点击“正式导入”。"),
                            color_scheme="green", role="status", id="import-result"),
            report,
        )),
        ("failed", _panel(
            rx.callout.root(rx.callout.text("试导入发现 ", S.total_errors.to_string(),
                                            " 处错误，未写入任何数据。请按以下文件和行号修改后重新上传。"),
                            color_scheme="red", role="alert", id="import-result"),
            errors,
        )),
        ("imported", _panel(
            rx.callout.root(rx.callout.text("导入完成，上传的文件已删除。"), color_scheme="green", role="status",
                            id="import-result"),
            report,
        )),
        ("import_failed", _panel(
            rx.callout.root(rx.callout.text("正式导入被拒绝（共 ", S.total_errors.to_string(),
                                            " 处错误），未写入任何数据。参保库在试导入后可能已有变化，请修改后重新上传。"),
                            color_scheme="red", role="alert", id="import-result"),
            errors,
        )),
        rx.fragment(),
    )


def counter_import_page() -> rx.Component:
    S = CounterImportState
    return staff_shell(
        _title("参保数据导入", "与命令行 import-registry 使用同一导入程序：任何一行有误则整批不导入"),
        _services_nav(),
        error_summary(S.summary_links),
        rx.cond(S.allowed, _import_body(), rx.fragment()),
        state=S,
        width="900px",
    )


def _import_body() -> rx.Component:
    S = CounterImportState
    return rx.vstack(
        _panel(
            _section_title("选择文件"),
            rx.text(
                "上传省参保库导出的 persons.csv、units.csv（必需）和 contributions.csv（可选）：可一次选择这几个 CSV 文件，"
                f"也可上传包含它们的一个 zip 压缩包；合计不超过 {MAX_UPLOAD_MB}MB。先“试导入”校验（不写入任何数据），"
                "通过后再“正式导入”。上传的文件在正式导入或重新选择后删除，未使用的2小时后删除。",
                size="2",
            ),
            upload_zone(
                rx.box(
                    rx.cond(S.uploading, rx.text("正在上传…"),
                            rx.text(f"点击选择或拖入文件：CSV 或 zip，合计不超过 {MAX_UPLOAD_MB}MB")),
                    class_name="dropzone",
                ),
                id="registry-extract",
                multiple=True,
                max_files=3,
                max_size=MAX_UPLOAD_BYTES,
                accept={"text/csv": [".csv"], "application/vnd.ms-excel": [".csv"], "application/zip": [".zip"],
                        "application/x-zip-compressed": [".zip"]},
                on_drop=S.upload(rx.upload_files(upload_id="registry-extract")),
                on_drop_rejected=S.files_rejected,
                custom_attrs={"aria-label": "上传参保数据文件"},
            ),
            rx.cond(
                S.files.length() > 0,
                rx.vstack(
                    rx.text("已上传：", size="2", weight="bold"),
                    rx.el.ul(rx.foreach(S.files, lambda f: rx.el.li(f["name"], "（", f["size"], "）")),
                             padding_left="1.2em", margin="0", id="import-files"),
                    spacing="1",
                ),
                rx.fragment(),
            ),
            rx.hstack(
                rx.button("试导入", on_click=S.dry_run, disabled=S.token == "", loading=S.busy, size="3"),
                rx.button("正式导入", on_click=S.run_import, disabled=(S.stage != "passed") | (S.token == ""),
                          loading=S.busy, size="3", color_scheme="green"),
                rx.button("重新选择", on_click=S.discard, disabled=S.token == "", size="3", variant="soft",
                          color_scheme="gray"),
                spacing="3",
                wrap="wrap",
            ),
        ),
        _result(),
        spacing="3",
        width="100%",
        align="stretch",
    )


def register_counter_pages(app: rx.App) -> None:
    app.add_page(counter_queue_page, route=routes.STAFF_COUNTER, title=f"窗口业务 - {TITLE}",
                 on_load=CounterQueueState.load)
    app.add_page(counter_task_page, route=routes.STAFF_COUNTER_TASK, title=f"窗口业务详情 - {TITLE}",
                 on_load=CounterTaskState.load)
    app.add_page(counter_person_page, route=routes.STAFF_COUNTER_PERSON, title=f"人员信息变更 - {TITLE}",
                 on_load=CounterPersonState.load)
    app.add_page(counter_import_page, route=routes.STAFF_COUNTER_IMPORT, title=f"参保数据导入 - {TITLE}",
                 on_load=CounterImportState.load)
