"""单位业务 pages: 参保管理 (人员新增, 批量增员, 人员减员 / 在职人员) and 缴费申报 → 缴费基数申报.

The menu reads as the seed's 相关操作指引: 单位业务 → 参保管理 → 人员新增, 单位业务 → 缴费申报 → 缴费基数申报.
"""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, field_error, form, notice, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.components.tables import card_table, cell, labelled_cells
from jssi_app.components.uploads import upload_zone
from jssi_app.domain.employment import END_REASONS, MAX_IMPORT_ROWS
from jssi_app.services import employment
from jssi_app.state.unit import UnitHomeState
from jssi_app.state.unit_business import DeclarationState, EmployeeAddState, EmployeeImportState, EmployeesState

TITLE = "江苏社保网上服务大厅"
ENROLMENT_TEMPLATE = routes.UNIT_FILE_PREFIX + "/templates/enrolment.xlsx"
DECLARATION_TEMPLATE = routes.UNIT_FILE_PREFIX + "/templates/base-declaration.xlsx"

_SUMMARY_STYLE = {"cursor": "pointer", "font_weight": "600", "padding": "0.35rem 0", "min_height": "32px"}


def _menu_link(text: str, href: str) -> rx.Component:
    return rx.el.li(rx.link(text, href=href, size="3"), style={"padding": "0.3rem 0"})


def business_menu(open_menu: bool = False) -> rx.Component:
    """单位业务 with its two groups, as disclosure lists (native <details>: keyboard and screen-reader ready)."""
    group = {"margin_left": "1rem"}
    return rx.el.nav(
        rx.el.details(
            # A heading inside the summary: the menu is also the section's title for screen readers.
            rx.el.summary(rx.heading("单位业务", as_="h2", size="4", display="inline"), style=_SUMMARY_STYLE),
            rx.el.details(
                rx.el.summary("参保管理", style=_SUMMARY_STYLE),
                rx.el.ul(
                    _menu_link("人员新增", routes.UNIT_EMPLOYEE_ADD),
                    _menu_link("批量增员", routes.UNIT_EMPLOYEE_IMPORT),
                    _menu_link("人员减员", routes.UNIT_EMPLOYEES),
                    _menu_link("在职人员", routes.UNIT_EMPLOYEES),
                    style={"list_style": "none", "padding_left": "1rem", "margin": 0},
                ),
                style=group,
            ),
            rx.el.details(
                rx.el.summary("缴费申报", style=_SUMMARY_STYLE),
                rx.el.ul(
                    _menu_link("缴费基数申报", routes.UNIT_BASE_DECLARATION),
                    style={"list_style": "none", "padding_left": "1rem", "margin": 0},
                ),
                style=group,
            ),
            open=open_menu,
        ),
        custom_attrs={"aria-label": "单位业务菜单"},
        width="100%",
    )


def unit_home_business_card() -> rx.Component:
    """What the unit home shows once the application is approved."""
    return card(
        business_menu(),
        rx.text("审核已通过，可办理员工参保登记（人员新增、批量增员、人员减员）和缴费基数申报。", size="2", color=rx.color("gray", 11)),
    )


def _sign_out() -> list[rx.Component]:
    return [rx.button("退出", on_click=UnitHomeState.sign_out, variant="outline", size="2",
                      style={"color": "white", "border_color": "rgba(255,255,255,0.6)"})]


def _shell(title: str, path: str, *children: rx.Component, width: str = "1000px") -> rx.Component:
    return page_shell(
        rx.hstack(rx.link("单位首页", href=routes.UNIT_HOME, size="2"), rx.text(path, size="2", color=rx.color("gray", 11)),
                  spacing="2", wrap="wrap"),
        card(business_menu()),
        rx.heading(title, as_="h1", size="6"),
        *children,
        width=width,
        header_right=_sign_out(),
    )


def _file_link(text: str, href: str, filename: str) -> rx.Component:
    # rx.download clicks a real anchor with `download`; a link would be taken by the client-side router.
    return rx.button(text, variant="outline", size="2", on_click=rx.download(url=href, filename=filename),
                     width="fit-content")


_ERROR_HEADERS = ("行号", "列", "错误说明")


def _row_error_table(rows, on_download) -> rx.Component:  # noqa: ANN001
    return rx.cond(
        rows.length() > 0,
        card(
            rx.heading("错误报告", as_="h2", size="4"),
            rx.text("请按以下说明修改文件后重新上传（行号为 Excel 中的行号，第1行为表头）：", size="2"),
            card_table(_ERROR_HEADERS, rx.foreach(rows, lambda e: rx.table.row(
                *labelled_cells(_ERROR_HEADERS, e["row"], e["column"], e["message"]))), caption="错误报告"),
            rx.button("下载错误报告（Excel）", variant="outline", on_click=on_download),
        ),
        rx.fragment(),
    )


def _upload_zone(upload_id: str, handler, busy, text: str) -> rx.Component:  # noqa: ANN001
    return upload_zone(
        rx.box(rx.cond(busy, rx.text("正在检查文件…"), rx.text(text)), class_name="dropzone"),
        id=upload_id,
        multiple=False,
        # No `accept` filter: a browser would drop an .xls or .csv silently, the server says what is wrong.
        on_drop=handler(rx.upload_files(upload_id=upload_id)),
        custom_attrs={"aria-label": text},
    )


# -- 人员新增 -------------------------------------------------------------------------------------


def employee_add_page() -> rx.Component:
    S = EmployeeAddState
    done = S.done
    return _shell(
        "人员新增", "单位业务 → 参保管理 → 人员新增",
        rx.cond(
            done.contains("masked_id_number"),
            card(
                rx.callout.root(rx.callout.icon(rx.icon("circle-check")), rx.callout.text("人员新增成功"),
                                color_scheme="green", role="status"),
                rx.data_list.root(
                    rx.data_list.item(rx.data_list.label("姓名"), rx.data_list.value(done.get("name", ""))),
                    rx.data_list.item(rx.data_list.label("身份证号码"),
                                      rx.data_list.value(done.get("masked_id_number", ""))),
                    rx.data_list.item(rx.data_list.label("用工起始日期"), rx.data_list.value(done.get("start_date", ""))),
                    rx.data_list.item(rx.data_list.label("缴费基数"), rx.data_list.value(done.get("base", "") + " 元")),
                    rx.data_list.item(rx.data_list.label("办理结果"), rx.data_list.value(done.get("result", ""))),
                ),
                rx.text("自用工起始日期所在月起按上述缴费基数参保缴费；基数调整请在“缴费基数申报”中办理。", size="2"),
                rx.hstack(
                    rx.button("继续新增", on_click=S.again, size="3"),
                    rx.link(rx.button("查看参保人员名单", variant="outline", size="3"), href=routes.UNIT_EMPLOYEES),
                    wrap="wrap",
                ),
            ),
            with_notes("employee_add", card(
                rx.text("填写员工信息后提交。姓名和身份证号码须与员工身份证件一致。", size="2", color=rx.color("gray", 11)),
                error_summary(S.summary_links),
                form(
                    field("姓名", "name", S.errors, max_length=40, autocomplete="off"),
                    field("身份证号码", "id_number", S.errors, max_length=40, hint="18位居民身份证号码"),
                    field("手机号码", "phone", S.errors, input_type="tel", inputmode="tel", max_length=20),
                    field("用工起始日期", "start_date", S.errors, input_type="date", hint="劳动合同约定的用工开始日期"),
                    field("缴费基数", "base", S.errors, inputmode="decimal", max_length=20,
                          hint="元/月，范围：" + employment.bounds().text),
                    submit_button("提交", S.busy),
                    on_submit=S.submit,
                    key=S.form_key.to_string(),
                ),
            )),
        ),
        width=NOTES_WIDTH,
    )


# -- 人员减员 / 在职人员 ---------------------------------------------------------------------------


_EMPLOYEE_HEADERS = ("选择", "姓名", "身份证号码", "状态", "缴费基数", "用工起始日期", "终止日期", "减员原因")


def _employee_row(r) -> rx.Component:  # noqa: ANN001
    S = EmployeesState
    return rx.table.row(*labelled_cells(
        _EMPLOYEE_HEADERS,
        rx.cond(
            r["status"] == "在职",
            rx.checkbox(checked=S.selected.contains(r["id"]), on_change=lambda c: S.toggle(r["id"], c),
                        custom_attrs={"aria-label": "选择 " + r["name"]}),
            rx.fragment(),
        ),
        r["name"],
        cell(r["masked_id_number"], white_space="nowrap"),
        rx.badge(r["status"], color_scheme=rx.cond(r["status"] == "在职", "green", "gray")),
        r["base"],
        cell(r["start_date"], white_space="nowrap"),
        cell(r["end_date"], white_space="nowrap"),
        r["end_reason"],
    ))


def employees_page() -> rx.Component:
    S = EmployeesState
    return _shell(
        "参保人员名单", "单位业务 → 参保管理 → 人员减员 / 在职人员",
        error_summary(S.summary_links),
        notice(S.notice),
        card(
            rx.hstack(
                rx.link(rx.button("人员新增", size="2"), href=routes.UNIT_EMPLOYEE_ADD),
                rx.link(rx.button("批量增员", size="2", variant="outline"), href=routes.UNIT_EMPLOYEE_IMPORT),
                rx.text("在职 ", S.open_count.to_string(), " 人", size="2"),
                align="center", wrap="wrap",
            ),
            rx.form(
                rx.hstack(
                    rx.vstack(
                        rx.el.label("姓名或身份证号码后几位", html_for="field-query", class_name="field-label"),
                        rx.input(id="field-query", name="query", size="3", max_length=30, width="100%"),
                        spacing="1", flex="1", min_width="200px",
                    ),
                    rx.vstack(
                        rx.el.label("状态", html_for="field-status", class_name="field-label"),
                        rx.el.select(
                            rx.el.option("在职", value="open"), rx.el.option("已减员", value="ended"),
                            rx.el.option("全部", value="all"),
                            id="field-status", name="status", value=S.status, on_change=S.set_status,
                            style={"height": "40px", "padding": "0 .5rem", "border_radius": "6px"},
                        ),
                        spacing="1",
                    ),
                    rx.button("查询", type="submit", size="3"),
                    align="end", wrap="wrap", width="100%",
                ),
                on_submit=S.search, reset_on_submit=False, width="100%",
            ),
            card_table(_EMPLOYEE_HEADERS, rx.foreach(S.rows, _employee_row), caption="参保人员名单"),
            rx.cond(S.total == 0, rx.text("没有符合条件的人员。", size="2", color=rx.color("gray", 11)), rx.fragment()),
            rx.hstack(
                rx.button("上一页", variant="soft", on_click=S.go_page(-1), disabled=S.page <= 1),
                rx.text("第 ", S.page.to_string(), " / ", S.pages.to_string(), " 页，共 ", S.total.to_string(), " 人",
                        size="2"),
                rx.button("下一页", variant="soft", on_click=S.go_page(1), disabled=S.page >= S.pages),
                align="center", wrap="wrap",
            ),
        ),
        card(
            rx.heading("人员减员", as_="h2", size="4"),
            rx.text("勾选上表中要减员的在职人员，填写终止日期和减员原因后提交；已选 ", S.selected.length().to_string(), " 人。",
                    size="2"),
            field_error(S.errors.get("selection", ""), "field-selection-error", role="alert"),
            form(
                field("终止日期", "end_date", S.errors, input_type="date", hint="用工关系终止（停止缴费）的日期"),
                rx.vstack(
                    rx.el.label("减员原因", html_for="field-end_reason", class_name="field-label"),
                    rx.el.select(
                        rx.el.option("请选择", value=""),
                        *[rx.el.option(r, value=r) for r in END_REASONS],
                        id="field-end_reason", name="end_reason",
                        style={"height": "40px", "padding": "0 .5rem", "border_radius": "6px", "width": "100%"},
                    ),
                    field_error(S.errors.get("end_reason", ""), "field-end_reason-error"),
                    spacing="1", width="100%",
                ),
                rx.button("确认减员", type="submit", size="3", color_scheme="red", width="100%",
                          disabled=S.selected.length() == 0),
                on_submit=S.remove,
            ),
        ),
    )


# -- 批量增员 -------------------------------------------------------------------------------------


def employee_import_page() -> rx.Component:
    S = EmployeeImportState
    return _shell(
        "批量增员", "单位业务 → 参保管理 → 批量增员",
        error_summary(S.summary_links),
        notice(S.notice),
        card(
            rx.heading("第一步：下载模板", as_="h2", size="4"),
            rx.text("模板包含“人员名单”和“填写说明”两页，列为：姓名、身份证号码、手机号码、用工起始日期、缴费基数。", size="2"),
            _file_link("下载批量增员模板（Excel）", ENROLMENT_TEMPLATE, "批量增员模板.xlsx"),
            rx.heading("第二步：上传填好的文件", as_="h2", size="4"),
            rx.text(f"仅支持 .xlsx 格式，不超过2MB、{MAX_IMPORT_ROWS}人。文件中任一行有错误时，整个文件都不会导入。", size="2"),
            _upload_zone("upload-enrolment", S.upload, S.uploading, "点击选择或拖入填好的 Excel 文件（.xlsx）"),
        ),
        _row_error_table(S.row_errors, S.download_report),
        rx.link("查看参保人员名单", href=routes.UNIT_EMPLOYEES),
        width="900px",
    )


# -- 缴费基数申报 ----------------------------------------------------------------------------------


_ENTRY_HEADERS = ("姓名", "身份证号码", "当前基数", "新缴费基数")


def _entry_row(e) -> rx.Component:  # noqa: ANN001
    S = DeclarationState
    return rx.table.row(*labelled_cells(
        _ENTRY_HEADERS,
        e["name"],
        cell(e["masked_id_number"], white_space="nowrap"),
        e["base"],
        rx.cond(
            e["pending"] == "1",
            rx.badge("调减待窗口办理", color_scheme="orange"),
            rx.vstack(
                rx.input(name="base-" + e["id"], placeholder=e["base"], input_mode="decimal", max_length=20,
                         on_blur=lambda v: S.set_entry(e["id"], v),
                         custom_attrs={"aria-label": "新缴费基数 " + e["name"]}, width="9rem"),
                field_error(S.errors.get("base-" + e["id"], ""), "field-base-" + e["id"] + "-error", size="1"),
                spacing="1",
            ),
        ),
    ))


_TYPE_HEADERS = ("险种", "单位缴纳", "个人缴纳")
_PREVIEW_HEADERS = ("姓名", "原基数", "新基数", "变动", "单位月缴", "个人月缴")


def _preview() -> rx.Component:
    S = DeclarationState
    return rx.cond(
        S.preview_lines.length() > 0,
        card(
            rx.heading("月缴费额预览", as_="h2", size="4"),
            rx.text("按录入的新基数和现行费率计算的每月应缴金额（元），提交前请核对。", size="2"),
            card_table(
                _TYPE_HEADERS,
                rx.foreach(S.preview_types, lambda t: rx.table.row(
                    *labelled_cells(_TYPE_HEADERS, t["name"], t["unit"], t["personal"]))),
                rx.table.row(*labelled_cells(_TYPE_HEADERS, rx.text("合计", weight="bold"),
                                             rx.text(S.preview_unit_total, weight="bold"),
                                             rx.text(S.preview_personal_total, weight="bold"))),
                caption="月缴费额预览",
            ),
            card_table(_PREVIEW_HEADERS, rx.foreach(S.preview_lines, lambda p: rx.table.row(*labelled_cells(
                _PREVIEW_HEADERS, p["name"], p["old_base"], p["new_base"],
                rx.badge(p["change_label"], color_scheme=rx.cond(p["change"] == "decrease", "orange", "green")),
                p["unit_total"], p["personal_total"]))), caption="人员基数变动"),
        ),
        rx.fragment(),
    )


_RATE_HEADERS = ("险种", "单位费率", "个人费率")
_RECORD_HEADERS = ("申报时间", "年度", "姓名", "身份证号码", "原基数", "申报基数", "变动", "状态")


def declaration_page() -> rx.Component:
    S = DeclarationState
    return _shell(
        "缴费基数申报", "单位业务 → 缴费申报 → 缴费基数申报",
        error_summary(S.summary_links),
        notice(S.notice),
        with_notes("base_declaration", card(
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("申报年度"), rx.data_list.value(S.year.to_string() + "年度")),
                rx.data_list.item(rx.data_list.label("缴费基数范围"), rx.data_list.value(S.bounds_text)),
            ),
            card_table(_RATE_HEADERS, rx.foreach(S.rates, lambda r: rx.table.row(
                *labelled_cells(_RATE_HEADERS, r["name"], r["unit"], r["personal"]))), caption="费率"),
            rx.text("调增或不变的基数提交后立即生效；调减的基数按规定需到社保经办窗口办理，办结后生效。", size="2", color=rx.color("gray", 11)),
        )),
        rx.cond(
            S.entering,
            card(
                rx.heading("录入基数", as_="h2", size="4"),
                rx.text("在“新缴费基数”中填写需要申报的人员（不填的人员不申报）。", size="2"),
                rx.box(
                    card_table(_ENTRY_HEADERS, rx.foreach(S.employees, _entry_row), caption="录入基数"),
                    key=S.form_key.to_string(),
                    width="100%",
                ),
                rx.cond(S.more > 0, rx.text("另有 ", S.more.to_string(), " 名人员未列出，请使用 Excel 批量申报。", size="2"),
                        rx.fragment()),
                rx.hstack(
                    rx.button("提交", size="3", on_click=S.submit, disabled=S.entries.length() == 0),
                    rx.button("取消", size="3", variant="soft", on_click=S.cancel_entry),
                ),
            ),
            rx.button("录入基数", size="3", on_click=S.start_entry, disabled=S.employees.length() == 0),
        ),
        _preview(),
        card(
            rx.heading("Excel 批量申报", as_="h2", size="4"),
            _file_link("下载缴费基数申报模板（Excel）", DECLARATION_TEMPLATE, "缴费基数申报模板.xlsx"),
            _upload_zone("upload-declaration", S.upload, S.uploading, "点击选择或拖入填好的基数申报文件（.xlsx）"),
        ),
        _row_error_table(S.row_errors, S.download_report),
        card(
            rx.heading("申报记录", as_="h2", size="4"),
            card_table(_RECORD_HEADERS, rx.foreach(S.records, lambda d: rx.table.row(*labelled_cells(
                _RECORD_HEADERS,
                cell(d["declared_at"], white_space="nowrap"), d["year"], d["name"],
                cell(d["masked_id_number"], white_space="nowrap"), d["old_base"], d["new_base"], d["change"],
                rx.badge(d["status_label"]),
            ))), caption="申报记录"),
            rx.cond(S.records.length() == 0, rx.text("暂无申报记录。", size="2", color=rx.color("gray", 11)), rx.fragment()),
        ),
    )


def register_unit_business_pages(app: rx.App) -> None:
    app.add_page(employee_add_page, route=routes.UNIT_EMPLOYEE_ADD, title=f"人员新增 - {TITLE}",
                 on_load=EmployeeAddState.load)
    app.add_page(employees_page, route=routes.UNIT_EMPLOYEES, title=f"参保人员名单 - {TITLE}",
                 on_load=EmployeesState.load)
    app.add_page(employee_import_page, route=routes.UNIT_EMPLOYEE_IMPORT, title=f"批量增员 - {TITLE}",
                 on_load=EmployeeImportState.load)
    app.add_page(declaration_page, route=routes.UNIT_BASE_DECLARATION, title=f"缴费基数申报 - {TITLE}",
                 on_load=DeclarationState.load)
