"""单位用户: the unit home (上传资质材料, 提交, review results), 审核进度查询; the routes of unit_entry.py too."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import code_button, error_summary, field, field_error, form, notice, submit_button
from jssi_app.components.help_notes import NOTES_WIDTH, with_notes
from jssi_app.components.layout import card, page_shell
from jssi_app.components.timeline import timeline
from jssi_app.components.uploads import upload_zone
from jssi_app.config import settings
from jssi_app.domain.review import MATERIAL_HINTS, MATERIAL_LABELS, REQUIRED_MATERIALS, MaterialKind
from jssi_app.pages.unit_business import unit_home_business_card
from jssi_app.pages.unit_entry import unit_login_page, unit_register_page
from jssi_app.state.unit import ProgressState, UnitHomeState, UnitLoginState, UnitRegistrationState

TITLE = "江苏社保网上服务大厅"


def _material_slot(kind: MaterialKind) -> rx.Component:
    S = UnitHomeState
    upload_id = f"upload-{kind.value}"
    handler = getattr(S, f"upload_{kind.value}")
    files = S.files_by_kind.get(kind.value, [])
    label = MATERIAL_LABELS[kind] + ("" if kind in REQUIRED_MATERIALS else "（选填）")
    return card(
        rx.hstack(
            rx.heading(label, as_="h3", size="3"),
            rx.badge(MATERIAL_HINTS[kind], color_scheme="gray"),
            align="center",
            wrap="wrap",
        ),
        rx.cond(S.flagged.contains(kind.value),
                rx.callout.root(rx.callout.text("审核意见：", S.flagged.get(kind.value, "")), color_scheme="red",
                                size="1"),
                rx.fragment()),
        rx.hstack(
            rx.foreach(
                files,
                lambda f: rx.vstack(
                    rx.link(rx.image(src=f["thumbnail"], alt=label + "缩略图", class_name="material-thumb"),
                            href=f["preview"], is_external=True),
                    rx.text(f["name"], size="1", max_width="120px", trim="both"),
                    rx.text(f["size"], size="1", color=rx.color("gray", 11)),
                    rx.cond(S.editable,
                            rx.button("删除", size="1", variant="soft", color_scheme="red",
                                      on_click=S.remove(f["id"]), aria_label="删除 " + f["name"]),
                            rx.fragment()),
                    spacing="1",
                ),
            ),
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            S.editable,
            upload_zone(
                rx.box(
                    rx.cond(S.uploading == kind.value,
                            rx.text("正在上传…", S.upload_progress.to_string(), "%"),
                            rx.text(rx.cond(files.length() > 0, "重新选择文件（替换）", "点击选择或拖入文件"),
                                    f"：JPG、PNG 或 PDF，不超过{settings().max_upload_bytes // (1024 * 1024)}MB")),
                    class_name="dropzone",
                ),
                id=upload_id,
                multiple=kind == MaterialKind.OTHER,
                max_size=settings().max_upload_bytes,
                accept={"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "application/pdf": [".pdf"]},
                on_drop=handler(rx.upload_files(upload_id=upload_id, on_upload_progress=S.on_progress)),
                custom_attrs={"aria-label": "上传" + MATERIAL_LABELS[kind]},
            ),
            rx.fragment(),
        ),
        field_error(S.errors.get(kind.value, ""), f"field-{kind.value}-error", role="alert"),
    )


def _edit_fields() -> rx.Component:
    S = UnitHomeState
    v = S.edit_values
    return rx.cond(
        S.editing,
        card(
            rx.heading("修改申请信息", as_="h2", size="4"),
            rx.text("统一社会信用代码和经办人手机号不能在线修改：代码变更请重新注册，手机号变更请联系社保经办机构。", size="2",
                    color=rx.color("gray", 11)),
            form(
                field("单位名称", "unit_name", S.errors, default_value=v.get("unit_name", ""), max_length=120,
                      autocomplete="organization"),
                field("法定代表人身份证号", "legal_rep_id", S.errors, default_value=v.get("legal_rep_id", ""), max_length=40),
                field("姓名", "handler_name", S.errors, default_value=v.get("handler_name", ""), max_length=40,
                      autocomplete="name", label_suffix="（经办人）"),
                field("身份证号", "handler_id", S.errors, default_value=v.get("handler_id", ""), max_length=40,
                      label_suffix="（经办人）"),
                field("电子邮箱（可选）", "handler_email", S.errors, input_type="email",
                      default_value=v.get("handler_email", ""), required=False, max_length=254),
                rx.hstack(
                    rx.button("保存", type="submit", size="3"),
                    rx.button("取消", type="button", size="3", variant="soft", on_click=S.close_edit),
                ),
                on_submit=S.save_fields,
                key=v.get("unit_name", "") + v.get("handler_id", ""),
            ),
        ),
        rx.button("修改申请信息", variant="outline", size="3", on_click=S.open_edit),
    )


def unit_home_page() -> rx.Component:
    S = UnitHomeState
    return page_shell(
        rx.heading(S.unit_name, as_="h1", size="6"),
        error_summary(S.summary_links),
        notice(S.notice),
        card(
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("受理编号"), rx.data_list.value(S.reference_no)),
                rx.data_list.item(rx.data_list.label("统一社会信用代码"), rx.data_list.value(S.uscc)),
                rx.data_list.item(rx.data_list.label("审核状态"), rx.data_list.value(rx.badge(S.status_label, size="2"))),
                rx.data_list.item(rx.data_list.label("办理期限"),
                                  rx.data_list.value(rx.cond(S.due_text != "", S.due_text, "提交后1-3个工作日"))),
                rx.data_list.item(rx.data_list.label("经办人手机号"), rx.data_list.value(S.masked_phone)),
            ),
            rx.heading("审核进度", as_="h2", size="4"),
            timeline(S.timeline),
            rx.cond(S.opinion != "", rx.text("审核意见：", S.opinion), rx.fragment()),
        ),
        rx.cond(
            S.app_status == "approved",
            unit_home_business_card(),
            rx.fragment(),
        ),
        rx.cond(
            S.editable,
            with_notes("unit_materials", rx.vstack(
                rx.heading("上传资质材料", as_="h2", size="5"),
                rx.text("请上传以下材料的扫描件或清晰照片（JPG、PNG 或 PDF，每个文件不超过10MB）。材料不清晰或信息不全可能导致审核失败。",
                        size="2"),
                _edit_fields(),
                rx.link("下载单位授权委托书模板（PDF）", href=routes.AUTHORIZATION_LETTER_TEMPLATE, is_external=True),
                *[_material_slot(kind) for kind in MaterialKind],
                rx.cond(S.missing.length() > 0,
                        rx.text("尚缺：", rx.foreach(S.missing, lambda m: rx.text.span(m + " ")), color="orange", size="2"),
                        rx.fragment()),
                rx.button(rx.cond(S.app_status == "rejected", "重新提交", "提交"), size="3", width="100%",
                          on_click=S.submit, disabled=S.missing.length() > 0),
                spacing="3",
                width="100%",
                align="stretch",
            )),
            rx.fragment(),
        ),
        width=NOTES_WIDTH,
        header_right=[rx.button("退出", on_click=S.sign_out, variant="outline", size="2",
                                style={"color": "white", "border_color": "rgba(255,255,255,0.6)"})],
    )


def unit_submitted_page() -> rx.Component:
    S = UnitHomeState
    return page_shell(
        card(
            rx.callout.root(rx.callout.icon(rx.icon("circle-check")), rx.callout.text("材料已提交，等待审核。"),
                            color_scheme="green", role="status"),
            rx.heading("提交成功", as_="h1", size="6"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("受理编号"), rx.data_list.value(S.submitted_reference)),
                rx.data_list.item(rx.data_list.label("提交时间"), rx.data_list.value(S.submitted_at)),
                rx.data_list.item(rx.data_list.label("预计审核完成"), rx.data_list.value(S.submitted_due)),
            ),
            rx.text("社保经办机构将在3个工作日内审核（遇法定节假日顺延）。审核结果将以短信通知经办人；也可在登录页点击“审核进度查询”查看。"
                    "审核未通过的，请按审核意见修改材料后重新提交。"),
            rx.link(rx.button("返回单位首页", size="3", width="100%"), href=routes.UNIT_HOME, width="100%"),
        ),
    )


def progress_page() -> rx.Component:
    S = ProgressState
    return page_shell(
        with_notes("progress_query", card(
            rx.heading("审核进度查询", as_="h1", size="6"),
            rx.text("输入统一社会信用代码和经办人手机号码，获取验证码后查询单位注册申请的审核进度。", size="2", color=rx.color("gray", 11)),
            error_summary(S.summary_links),
            form(
                field("统一社会信用代码", "credit_code", S.errors, on_change=S.set_credit_code, max_length=40),
                field("手机号码", "phone", S.errors, input_type="tel", autocomplete="tel", inputmode="tel",
                      hint="注册时填写的经办人手机号", on_change=S.set_phone, max_length=20),
                field("验证码", "sms_code", S.errors, autocomplete="one-time-code", inputmode="numeric", max_length=10,
                      extra=code_button(S.resend_in, S.send_code)),
                notice(S.code_notice),
                submit_button("查询", S.busy),
                on_submit=S.query,
            ),
        )),
        rx.cond(
            S.application_id > 0,
            card(
                rx.heading(S.unit_name, as_="h2", size="5"),
                rx.data_list.root(
                    rx.data_list.item(rx.data_list.label("受理编号"), rx.data_list.value(S.reference_no)),
                    rx.data_list.item(rx.data_list.label("审核状态"), rx.data_list.value(rx.badge(S.status_label))),
                    rx.data_list.item(rx.data_list.label("办理期限"), rx.data_list.value(S.due_text)),
                ),
                timeline(S.timeline),
                rx.cond(S.opinion != "", rx.text("审核意见：", S.opinion), rx.fragment()),
                rx.cond(S.app_status == "rejected",
                        rx.text("请使用统一社会信用代码和密码登录，按审核意见替换材料后重新提交。"), rx.fragment()),
                rx.link("单位用户登录", href=routes.LOGIN_UNIT),
            ),
            rx.fragment(),
        ),
        width=NOTES_WIDTH,
    )


def register_unit_pages(app: rx.App) -> None:
    app.add_page(unit_register_page, route=routes.REGISTER_UNIT, title=f"单位用户注册 - {TITLE}",
                 on_load=UnitRegistrationState.on_load)
    app.add_page(unit_login_page, route=routes.LOGIN_UNIT, title=f"单位用户登录 - {TITLE}", on_load=UnitLoginState.on_load)
    app.add_page(unit_home_page, route=routes.UNIT_HOME, title=f"单位首页 - {TITLE}", on_load=UnitHomeState.load)
    app.add_page(unit_submitted_page, route=routes.UNIT_SUBMITTED, title=f"提交成功 - {TITLE}")
    app.add_page(progress_page, route=routes.PROGRESS_QUERY, title=f"审核进度查询 - {TITLE}", on_load=ProgressState.on_load)
