"""个人业务 → 缴费查询 → 选择时间段 → 查询并打印, and the public 缴费证明核验 page (/verify)."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, field_error, form, submit_button
from jssi_app.components.layout import card, page_shell
from jssi_app.components.tables import card_table, cell, labelled_cells
from jssi_app.components.sign_out import sign_out_button
from jssi_app.state.contributions import ContributionsState as S
from jssi_app.state.contributions import VerifyState as V

TITLE = "江苏社保网上服务大厅"
def _status(row) -> rx.Component:  # noqa: ANN001
    # 欠缴 is said in words (and marked with an icon), not by colour alone.
    return rx.cond(
        row["arrears"] == "1",
        rx.badge(rx.icon("triangle-alert", size=12), "欠缴", color_scheme="red", variant="solid", size="2",
                 class_name="status-arrears"),
        rx.badge(row["status"], color_scheme="green", variant="soft", size="2"),
    )


_HEADERS = ("费款所属期", "险种", "缴费基数", "个人缴纳", "单位缴纳", "缴费单位", "缴费状态")


def _table() -> rx.Component:
    # One markup: a table on wide screens, cards on phones (components/tables.py).
    return card_table(
        _HEADERS,
        rx.foreach(S.rows, lambda r: rx.table.row(
            *labelled_cells(
                _HEADERS,
                cell(r["period"], header=True, white_space="nowrap"),
                r["insurance_name"],
                cell(r["base"], text_align="right"),
                cell(r["personal"], text_align="right"),
                cell(r["unit"], text_align="right"),
                r["unit_name"],
                _status(r),
            ),
            class_name=rx.cond(r["arrears"] == "1", "row-arrears", ""),
        )),
        caption="缴费记录",
        variant="surface",
        size="1",
    )


def _pager() -> rx.Component:
    return rx.cond(
        S.page_count > 1,
        rx.hstack(
            rx.button("上一页", on_click=S.go_page(S.page - 1), disabled=S.page <= 1, variant="outline", size="2"),
            rx.text("第 ", S.page, " / ", S.page_count, " 页", size="2"),
            rx.button("下一页", on_click=S.go_page(S.page + 1), disabled=S.page >= S.page_count, variant="outline",
                      size="2"),
            justify="center",
            align="center",
            width="100%",
            aria_label="分页",
        ),
        rx.fragment(),
    )


def _totals() -> rx.Component:
    def item(label: str, value) -> rx.Component:  # noqa: ANN001
        return rx.data_list.item(rx.data_list.label(label, min_width="9em"), rx.data_list.value(value))

    return rx.data_list.root(
        item("记录条数", S.totals["row_count"]),
        item("个人缴纳合计（元）", S.totals["personal"]),
        item("单位缴纳合计（元）", S.totals["unit"]),
        item("缴费合计（元）", S.totals["total"]),
        item("其中欠缴", S.totals["arrears_count"] + " 条，" + S.totals["arrears_total"] + " 元"),
        item("累计缴费月数（养老）", S.totals["cumulative_pension_months"] + " 个月"),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        id="contribution-totals",
    )


def _filters() -> rx.Component:
    return form(
        rx.grid(
            field("起始月份", "from_month", S.errors, input_type="month", value=S.from_month,
                  on_change=S.set_from_month, hint="格式 YYYY-MM"),
            field("截止月份", "to_month", S.errors, input_type="month", value=S.to_month,
                  on_change=S.set_to_month, hint="默认最近12个月"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.el.fieldset(
            rx.el.legend("险种", class_name="field-label"),
            rx.flex(
                rx.foreach(S.type_choices, lambda t: rx.checkbox(
                    t["label"], checked=t["checked"] == "1", on_change=lambda v: S.toggle_type(t["code"], v),
                    size="3")),
                wrap="wrap",
                spacing="4",
            ),
            field_error(S.errors.get("insurance_codes", ""), "field-insurance_codes-error"),
            border="none",
            padding="0",
            margin="0",
            id="field-insurance_codes",  # the summary's link moves focus to the group
            custom_attrs={"tabIndex": -1},
        ),
        submit_button("查询", S.busy & ~S.printing),
        on_submit=S.search,
    )


def _issued() -> rx.Component:
    return rx.cond(
        S.issued_code != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-check")),
            rx.vstack(
                rx.text("参保缴费证明已生成，请打印或保存。", weight="bold"),
                rx.text("验证码：", rx.code(S.issued_code, id="issued-code"), size="2"),
                rx.hstack(
                    # A plain anchor: the file route is not a page, client-side routing must not handle it.
                    rx.el.a("下载缴费证明（PDF）", href=S.issued_file_url, download=True, class_name="rt-Link"),
                    rx.link("核验本证明", href=S.issued_verify_path),
                    spacing="4",
                    wrap="wrap",
                ),
                spacing="1",
            ),
            color_scheme="green",
            role="status",
            width="100%",
        ),
        rx.fragment(),
    )


def contributions_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.hstack(rx.link("个人业务", href=routes.HOME), rx.text("→"), rx.text("缴费查询"), size="2",
                      spacing="1", aria_label="当前位置"),
            rx.heading("缴费查询", as_="h1", size="6"),
            rx.text("选择时间段和险种后查询；查询结果可打印为参保缴费证明（PDF，附验证码和二维码，可在线核验）。",
                    size="2", color=rx.color("gray", 11)),
            spacing="1",
        ),
        error_summary(S.summary_links),
        card(_filters()),
        rx.cond(
            S.has_result,
            rx.vstack(
                card(
                    rx.hstack(
                        rx.heading("缴费记录", as_="h2", size="4", id="contribution-results"),
                        rx.text(S.shown_from, " 至 ", S.shown_to, size="2", color=rx.color("gray", 11)),
                        rx.spacer(),
                        rx.button(rx.icon("printer"), "打印缴费证明", on_click=S.print_proof, loading=S.printing,
                                  size="3"),
                        align="center",
                        width="100%",
                        wrap="wrap",
                    ),
                    _issued(),
                    _totals(),
                    rx.cond(
                        S.rows.length() > 0,
                        rx.vstack(
                            _table(),
                            _pager(),
                            width="100%",
                        ),
                        rx.text("所选期间内没有缴费记录。", color=rx.color("gray", 11)),
                    ),
                ),
                width="100%",
            ),
            rx.fragment(),
        ),
        width="1000px",
        header_right=[sign_out_button()],
    )


def _result() -> rx.Component:
    def item(label: str, key: str) -> rx.Component:
        return rx.data_list.item(rx.data_list.label(label, min_width="8em"), rx.data_list.value(V.result[key]))

    return rx.cond(
        V.found,
        card(
            rx.callout.root(rx.callout.icon(rx.icon("badge-check")),
                            rx.callout.text("核验通过：本系统出具过该验证码对应的参保缴费证明。"),
                            color_scheme="green", role="status"),
            rx.data_list.root(
                item("姓名", "masked_name"),
                item("公民身份号码", "masked_id_number"),
                item("缴费期间", "period"),
                item("险种", "types"),
                item("记录条数", "row_count"),
                item("个人缴纳合计（元）", "personal"),
                item("单位缴纳合计（元）", "unit"),
                item("缴费合计（元）", "total"),
                item("其中欠缴（条）", "arrears_count"),
                item("累计缴费月数（养老）", "cumulative_pension_months"),
                item("出具时间（北京时间）", "issued_at"),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            ),
            rx.text("请核对纸质证明上的姓名、身份号码、期间和合计金额与上述信息一致；不一致的，该证明无效。",
                    size="2", color=rx.color("gray", 11)),
        ),
        rx.fragment(),
    )


def verify_page() -> rx.Component:
    return page_shell(
        rx.heading("缴费证明核验", as_="h1", size="6"),
        rx.text("输入参保缴费证明上印的验证码（或扫描证明上的二维码），核验证明是否由本系统出具及其内容。", size="2",
                color=rx.color("gray", 11)),
        error_summary(V.summary_links),
        card(
            form(
                field("验证码", "code", V.errors, default_value=V.code, hint="20位，如 XXXXX-XXXXX-XXXXX-XXXXX",
                      max_length=64),
                submit_button("核验", V.busy),
                on_submit=V.submit,
                key=V.code,
            ),
        ),
        _result(),
    )


def register_contribution_pages(app: rx.App) -> None:
    app.add_page(contributions_page, route=routes.CONTRIBUTIONS, title=f"缴费查询 - {TITLE}", on_load=S.load)
    app.add_page(verify_page, route=routes.VERIFY, title=f"缴费证明核验 - {TITLE}", on_load=V.load)
