"""待遇认证 → 人脸识别认证 (for pensioners, phone first) and 窗口经办 → 采集参保登记照片 (the clerk)."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, field_error, form, notice, submit_button
from jssi_app.components.layout import card, page_shell
from jssi_app.components.sign_out import sign_out_button
from jssi_app.components.uploads import upload_zone
from jssi_app.config import settings
from jssi_app.domain import face_certification as rules
from jssi_app.pages.staff import staff_shell
from jssi_app.state.face import ClerkFaceState, FaceCertificationState, FaceHomeState

TITLE = "江苏社保网上服务大厅"
PHOTO_ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}
HINTS = (
    "在光线充足处，正对摄像头，保持面部完整、清晰",
    "将面部置于椭圆框内，不要过近或过远",
    "摘下帽子、口罩和墨镜，不要遮挡面部",
    "画面中只能有您本人",
)
_OUTCOME_COLORS = ((rules.MATCHED, "green"), (rules.NO_FACE, "amber"), (rules.SEVERAL_FACES, "amber"))


def _max_mb() -> int:
    return settings().max_upload_bytes // (1024 * 1024)


# --- the person ----------------------------------------------------------------------------------------


def _status() -> rx.Component:
    S = FaceCertificationState
    return card(
        rx.heading("本年度认证状态", as_="h2", size="4"),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("认证状态"),
                              rx.data_list.value(rx.badge(S.status_label,
                                                          color_scheme=rx.cond(S.certified, "green", "amber")))),
            rx.cond(S.valid_until != "",
                    rx.data_list.item(rx.data_list.label("有效期至"), rx.data_list.value(S.valid_until)),
                    rx.fragment()),
            rx.cond(S.method_label != "",
                    rx.data_list.item(rx.data_list.label("认证方式"), rx.data_list.value(S.method_label)),
                    rx.fragment()),
            rx.cond(S.can_try,
                    rx.data_list.item(rx.data_list.label("今日剩余在线认证次数"),
                                      rx.data_list.value(S.tries_left.to_string() + " 次")),
                    rx.fragment()),
        ),
        rx.cond(S.due_text != "", rx.text(S.due_text, size="2", color=rx.color("gray", 11)), rx.fragment()),
        id="face-status",
    )


def _outcome() -> rx.Component:
    S = FaceCertificationState
    return rx.cond(
        S.outcome != "",
        rx.callout.root(
            # Two static icons, not one icon named by a var: a var name makes Reflex bundle every lucide icon
            # (about 1,750 lazy chunks in the build).
            rx.callout.icon(rx.cond(S.outcome == rules.MATCHED, rx.icon("circle-check"), rx.icon("circle-alert"))),
            rx.callout.text(S.outcome_message),
            color_scheme=rx.match(S.outcome, *_OUTCOME_COLORS, "red"),
            role="status",
            id="face-outcome",
            size="3",
            width="100%",
        ),
        rx.fragment(),
    )


def _camera() -> rx.Component:
    S = FaceCertificationState
    # The <video> stays mounted (hidden until the camera runs): the stream is attached to this element.
    frame = rx.box(
        rx.el.video(id="face-video", auto_play=True, muted=True, plays_inline=True,
                    custom_attrs={"playsInline": True, "aria-label": "摄像头画面"},
                    style={"width": "100%", "height": "100%", "object_fit": "cover", "transform": "scaleX(-1)",
                           "display": "block", "background": "#222"}),
        rx.box(aria_hidden="true",
               style={"position": "absolute", "left": "50%", "top": "50%", "width": "52%", "height": "78%",
                      "transform": "translate(-50%, -50%)", "border": "3px dashed rgba(255,255,255,0.95)",
                      "border_radius": "50%", "box_shadow": "0 0 0 9999px rgba(0,0,0,0.45)"}),
        rx.text("请将面部置于椭圆框内", size="2", color="white", weight="medium",
                style={"position": "absolute", "bottom": "0.6rem", "width": "100%", "text_align": "center",
                       "text_shadow": "0 1px 2px #000"}),
        style={"position": "relative", "width": "100%", "max_width": "480px", "aspect_ratio": "4 / 3",
               "overflow": "hidden", "border_radius": "12px", "margin": "0 auto"},
        display=rx.cond(S.camera == "on", "block", "none"),
    )
    return card(
        rx.heading("拍照认证", as_="h2", size="4"),
        rx.el.ul(*[rx.el.li(h) for h in HINTS], style={"padding_left": "1.4em", "margin": "0", "list_style_type": "disc"}),
        frame,
        rx.cond(S.camera_message != "",
                rx.callout.root(rx.callout.text(S.camera_message), color_scheme="amber", role="status",
                                id="camera-message", width="100%"),
                rx.fragment()),
        rx.cond(
            S.camera == "on",
            rx.button("拍照认证", size="3", width="100%", on_click=S.capture, loading=S.busy, disabled=S.busy),
            rx.button("开启摄像头", size="3", width="100%", on_click=S.start_camera,
                      loading=S.camera == "starting", variant=rx.cond(S.camera == "unavailable", "soft", "solid")),
        ),
        rx.text("照片仅用于本次认证比对，比对完成后不会保存。", size="1", color=rx.color("gray", 11)),
    )


def _upload() -> rx.Component:
    S = FaceCertificationState
    return card(
        rx.heading("上传照片", as_="h2", size="4"),
        rx.text("没有摄像头或无法开启时，可上传本人近期正面免冠照片（可用手机前置摄像头自拍）。", size="2", color=rx.color("gray", 11)),
        upload_zone(
            rx.box(rx.cond(S.busy, rx.text("正在比对，请稍候…"),
                           rx.text(f"点击选择照片：JPG 或 PNG，不超过{_max_mb()}MB")),
                   class_name="dropzone"),
            id="face-upload",
            max_size=settings().max_upload_bytes,
            accept=PHOTO_ACCEPT,
            on_drop=S.upload_photo(rx.upload_files(upload_id="face-upload")),
            custom_attrs={"aria-label": "上传照片"},
            disabled=S.busy,
        ),
    )


def face_certification_page() -> rx.Component:
    S = FaceCertificationState
    return page_shell(
        rx.text(rx.link("个人业务", href=routes.HOME), " › 待遇认证 › 人脸识别认证", size="2", color=rx.color("gray", 11)),
        rx.heading("人脸识别认证", as_="h1", size="6"),
        rx.text("退休人员每年需进行一次养老保险待遇领取资格认证。认证通过后，有效期至次年同月底。", size="2", color=rx.color("gray", 11)),
        error_summary(S.summary_links),
        rx.cond(
            S.loaded,
            rx.fragment(
                _outcome(),
                rx.cond(S.reason != "",
                        rx.callout.root(rx.callout.icon(rx.icon("info")), rx.callout.text(S.reason),
                                        color_scheme=rx.cond(S.eligible, "amber", "blue"), role="status",
                                        id="face-reason", width="100%"),
                        rx.fragment()),
                rx.cond(S.eligible, _status(), rx.fragment()),
                rx.cond(S.can_try, rx.fragment(_camera(), _upload()), rx.fragment()),
            ),
            rx.center(rx.spinner(size="3"), padding="2rem"),
        ),
        header_right=[sign_out_button()],
    )


def face_home_entry() -> rx.Component:
    """The 人脸识别认证 entry on the personal home: its menu path, status and due date."""
    S = FaceHomeState
    return card(
        rx.heading(rx.link("人脸识别认证", href=routes.FACE_CERTIFICATION), as_="h3", size="4"),
        rx.text("待遇认证 → 人脸识别认证 → 按提示完成操作", size="2", color=rx.color("gray", 11)),
        rx.text("退休人员每年一次的养老待遇资格认证。", size="2"),
        rx.cond(S.face_status != "",
                rx.hstack(rx.badge(S.face_status, color_scheme=rx.match(S.face_status, ("已认证", "green"), ("无需认证", "gray"), "amber")),
                          rx.text(S.face_due, size="2"), align="center", wrap="wrap", id="face-home-status"),
                rx.fragment()),
        on_mount=S.load,
        custom_attrs={"role": "region", "aria-label": "待遇认证"},
    )


# --- the clerk -----------------------------------------------------------------------------------------


def _person_card() -> rx.Component:
    S = ClerkFaceState
    p = S.person
    return rx.card(
        rx.vstack(
            rx.heading("参保人员", as_="h2", size="3"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("姓名"), rx.data_list.value(p.get("masked_name", ""))),
                rx.data_list.item(rx.data_list.label("身份证号码"), rx.data_list.value(p.get("masked_id_number", ""))),
                rx.data_list.item(rx.data_list.label("人员类别"), rx.data_list.value(p.get("person_type", ""))),
                rx.data_list.item(rx.data_list.label("参保状态"), rx.data_list.value(p.get("insured_status", ""))),
                rx.data_list.item(rx.data_list.label("待遇认证"),
                                  rx.data_list.value(p.get("status_label", ""), " ", p.get("due_text", ""))),
                rx.data_list.item(rx.data_list.label("参保登记照片"),
                                  rx.data_list.value(rx.cond(p.get("has_reference", "") != "",
                                                             "已采集（" + p.get("enrolled_at", "") + "）", "未采集"))),
            ),
            rx.cond(S.photo_url != "",
                    rx.image(src=S.photo_url, alt="参保登记照片", width="160px", border_radius="6px",
                             id="reference-photo"),
                    rx.fragment()),
            rx.heading(rx.cond(p.get("has_reference", "") != "", "重新采集照片", "采集照片"), as_="h3", size="3"),
            rx.text("请本人到场、核验身份证原件后拍摄正面免冠照片并上传；照片中只能有本人一张人脸。", size="2", color=rx.color("gray", 11)),
            upload_zone(
                rx.box(rx.cond(S.busy, rx.text("正在检测人脸，请稍候…"),
                               rx.text(f"点击选择照片：JPG 或 PNG，不超过{_max_mb()}MB")), class_name="dropzone"),
                id="reference-upload",
                max_size=settings().max_upload_bytes,
                accept=PHOTO_ACCEPT,
                on_drop=S.upload_reference(rx.upload_files(upload_id="reference-upload")),
                custom_attrs={"aria-label": "上传参保登记照片"},
            ),
            field_error(S.errors.get("photo", ""), "field-photo-error", role="alert"),
            spacing="3",
            align="stretch",
        ),
        width="100%",
    )


def clerk_face_page() -> rx.Component:
    S = ClerkFaceState
    return staff_shell(
        rx.hstack(rx.link("窗口业务", href=routes.STAFF_COUNTER), rx.text("›"), rx.text("采集参保登记照片"),
                  spacing="2", align="center"),
        rx.heading("采集参保登记照片", as_="h1", size="5"),
        rx.text("采集后的照片用于退休人员人脸识别认证比对，仅工作人员可查看，加密保存。", size="2", color=rx.color("gray", 11)),
        error_summary(S.summary_links),
        notice(S.notice),
        rx.card(
            form(
                field("身份证号码", "id_number", S.errors, default_value=S.id_number, max_length=40,
                      hint="输入参保人员的18位身份证号码（或参保库中的15位旧号码）"),
                submit_button("查询", S.busy),
                on_submit=S.find,
            ),
            width="100%",
            max_width="520px",
        ),
        rx.cond(S.person.contains("person_id"), _person_card(), rx.fragment()),
        state=S,
        width="900px",
    )


def register_face_pages(app: rx.App) -> None:
    app.add_page(face_certification_page, route=routes.FACE_CERTIFICATION, title=f"人脸识别认证 - {TITLE}",
                 on_load=FaceCertificationState.load)
    app.add_page(clerk_face_page, route=routes.STAFF_COUNTER_FACE, title=f"采集参保登记照片 - {TITLE}",
                 on_load=ClerkFaceState.load)
