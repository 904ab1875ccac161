"""单位CA证书: 证书绑定 at the counter (staff area) and the CA login result page (unit side)."""

from __future__ import annotations

import os

import reflex as rx

from jssi_app import routes
from jssi_app.components.forms import error_summary, field, notice
from jssi_app.components.layout import card, page_shell
from jssi_app.components.uploads import upload_zone
from jssi_app.pages.counter import _panel, _section_title, _services_nav, _title
from jssi_app.pages.staff import staff_shell
from jssi_app.services.unit_certificates import MAX_CERTIFICATE_BYTES
from jssi_app.state.unit_certificates import CaLoginState, CounterCertificatesState

TITLE = "江苏社保网上服务大厅"
_MONO = "ui-monospace, monospace"


def ca_login_url() -> str:
    """Where “使用CA证书登录” points: the proxy's mutual-TLS entry (JSSI_CA_LOGIN_URL, default /ca-login)."""
    return os.environ.get("JSSI_CA_LOGIN_URL", "").strip() or routes.CA_LOGIN


def ca_login_link() -> rx.Component:
    # A full page load, not the single-page router: /ca-login is the proxy's (or the app's HTTP) entry, not a page.
    return rx.link("使用CA证书登录", href=ca_login_url(), id="ca-login-link", reload_document=True)


def _binding(row) -> rx.Component:  # noqa: ANN001
    S = CounterCertificatesState
    return rx.box(
        rx.hstack(
            rx.badge(rx.cond(row["active"] == "1", "有效", "已解除"),
                     color_scheme=rx.cond(row["active"] == "1", "green", "gray")),
            rx.text("序列号 ", rx.text.span(row["serial"], font_family=_MONO), size="2"),
            rx.spacer(),
            rx.cond(row["active"] == "1",
                    rx.button("解除绑定", on_click=S.revoke(row["id"]), size="2", color_scheme="red", variant="soft",
                              aria_label="解除绑定 序列号 " + row["serial"]),
                    rx.fragment()),
            align="center", spacing="2", wrap="wrap", width="100%",
        ),
        rx.text("证书主题：", row["subject"], size="2"),
        rx.text("签发机构：", row["issuer"], size="2", color=rx.color("gray", 11)),
        rx.text("有效期：", row["validity"], size="2", color=rx.color("gray", 11)),
        rx.text("SHA-256指纹：", rx.text.span(row["fingerprint"], font_family=_MONO, word_break="break-all"), size="1",
                color=rx.color("gray", 11)),
        rx.text("绑定：", row["bound"], size="2", color=rx.color("gray", 11)),
        rx.cond(row["revoked"] != "", rx.text("解除：", row["revoked"], size="2", color=rx.color("gray", 11)), rx.fragment()),
        class_name="unit-certificate",
        padding="10px 12px", border="1px solid #d0d7e2", border_radius="6px", background="white", width="100%",
    )


def _certs_body() -> rx.Component:
    S = CounterCertificatesState
    return rx.vstack(
        _panel(
            _section_title("查询单位"),
            rx.form(
                rx.hstack(
                    rx.box(field("统一社会信用代码", "credit_code", S.errors, hint="18位，见营业执照；仅限审核通过的单位",
                                 max_length=40, autocomplete="off"), flex="1 1 260px"),
                    rx.button("查询", type="submit", size="3", margin_top="1.6rem"),
                    align="start", spacing="3", wrap="wrap", width="100%",
                ),
                on_submit=S.lookup, reset_on_submit=False, id="certificate-lookup-form", width="100%",
            ),
        ),
        rx.cond(
            S.uscc != "",
            rx.vstack(
                _panel(
                    _section_title("单位信息"),
                    rx.text(S.unit_name, " ", rx.text.span(S.uscc, font_family=_MONO), weight="medium"),
                    rx.text("已绑定证书", size="2", weight="bold"),
                    rx.cond(S.bindings.length() > 0,
                            rx.vstack(rx.foreach(S.bindings, _binding), spacing="2", width="100%",
                                      id="unit-certificates"),
                            rx.text("该单位尚未绑定CA证书。", size="2", color=rx.color("gray", 11))),
                ),
                _panel(
                    _section_title("绑定证书"),
                    rx.text("上传单位经办人带来的CA证书（只含公钥的证书文件，PEM 或 DER 格式：.pem、.cer、.crt、.der；"
                            "不是含私钥的 .pfx）。系统核对证书主题中的统一社会信用代码与本单位一致、证书由本省认可的CA签发、"
                            "在有效期内且未被吊销，然后绑定。", size="2"),
                    upload_zone(
                        rx.box(rx.cond(S.uploading, rx.text("正在核验并绑定…"),
                                       rx.text("点击选择或拖入证书文件")), class_name="dropzone"),
                        id="unit-certificate-file",
                        multiple=False, max_files=1, max_size=MAX_CERTIFICATE_BYTES,
                        on_drop=S.upload(rx.upload_files(upload_id="unit-certificate-file")),
                        on_drop_rejected=S.files_rejected,
                        custom_attrs={"aria-label": "上传单位CA证书"},
                    ),
                ),
                spacing="3", width="100%", align="stretch",
            ),
            rx.fragment(),
        ),
        spacing="3", width="100%", align="stretch",
    )


def counter_certificates_page() -> rx.Component:
    S = CounterCertificatesState
    return staff_shell(
        _title("证书绑定", "单位经办人携带单位CA证书到窗口办理：绑定后可使用CA证书登录网上服务大厅"),
        _services_nav(),
        notice(S.notice),
        error_summary(S.summary_links),
        rx.cond(S.allowed, _certs_body(), rx.fragment()),
        state=S,
        width="900px",
    )


def ca_login_page() -> rx.Component:
    S = CaLoginState
    return page_shell(
        rx.el.meta(name="referrer", content="no-referrer"),
        card(
            rx.heading("使用CA证书登录", as_="h1", size="6"),
            rx.cond(
                S.summary.length() > 0,
                rx.callout.root(
                    rx.callout.icon(rx.icon("circle-alert")),
                    rx.box(rx.text("CA证书登录未成功", weight="bold"),
                           rx.foreach(S.summary, lambda m: rx.text(m, class_name="ca-login-error"))),
                    color_scheme="red", role="alert", id="error-summary", tab_index=-1,
                ),
                rx.text("正在登录…", size="2", color=rx.color("gray", 11)),
            ),
            rx.hstack(ca_login_link(), rx.link("使用统一社会信用代码和密码登录", href=routes.LOGIN_UNIT),
                      justify="between", width="100%", wrap="wrap"),
        ),
        width="520px",
    )


def register_ca_pages(app: rx.App) -> None:
    app.add_page(counter_certificates_page, route=routes.STAFF_COUNTER_CERTS, title=f"证书绑定 - {TITLE}",
                 on_load=CounterCertificatesState.load)
    app.add_page(ca_login_page, route=routes.UNIT_CA_LOGIN, title=f"使用CA证书登录 - {TITLE}",
                 on_load=CaLoginState.on_load)
