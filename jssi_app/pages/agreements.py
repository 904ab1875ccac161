"""用户协议 and 隐私政策: readable pages and the same text in a dialog from the registration form."""

from __future__ import annotations

from pathlib import Path

import reflex as rx

from jssi_app.components.forms import field_error
from jssi_app.components.layout import card, page_shell

_DIR = Path(__file__).resolve().parents[2] / "assets" / "agreements"


def agreement_text(name: str) -> tuple[str, list[str]]:
    lines = [line.strip() for line in (_DIR / name).read_text("utf-8").splitlines() if line.strip()]
    return lines[0], lines[1:]


def agreement_body(name: str) -> rx.Component:
    _title, lines = agreement_text(name)
    return rx.vstack(
        *[rx.text(line, weight="bold" if line[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"} else "regular")
          for line in lines],
        spacing="2",
        align="stretch",
    )


def agreement_dialog(link_text: str, name: str) -> rx.Component:
    title, _ = agreement_text(name)
    return rx.dialog.root(
        # A button: Reflex wraps a child with its own on_click in a <div>, which then carries the trigger's
        # aria-haspopup and type="button" (axe: aria-allowed-attr, critical).
        rx.dialog.trigger(rx.el.button(link_text, type="button", class_name="link-button")),
        rx.dialog.content(
            rx.dialog.title(title),
            rx.scroll_area(agreement_body(name), type="auto", scrollbars="vertical", style={"max_height": "60vh"}),
            rx.flex(rx.dialog.close(rx.button("我知道了", size="3")), justify="end", margin_top="1rem"),
            max_width="640px",
        ),
    )


def agreement_consent(errors) -> rx.Component:  # noqa: ANN001
    """The 我已阅读并同意 checkbox of the registration forms, with links to read both texts and its error."""
    return rx.vstack(
        rx.hstack(
            rx.el.input(type="checkbox", id="field-agreed", name="agreed", class_name="big-checkbox",
                        custom_attrs={"aria-describedby": "field-agreed-error"}),
            rx.el.label("我已阅读并同意用户协议和隐私政策", html_for="field-agreed"),
            align="center",
            spacing="2",
        ),
        rx.hstack(rx.text("阅读：", size="2"), agreement_dialog("《用户协议》", "user-agreement.txt"),
                  agreement_dialog("《隐私政策》", "privacy-policy.txt"), spacing="2"),
        field_error(errors.get("agreed", ""), "field-agreed-error"),
        spacing="1",
    )


def user_agreement_page() -> rx.Component:
    title, _ = agreement_text("user-agreement.txt")
    return page_shell(card(rx.heading(title, as_="h1", size="5"), agreement_body("user-agreement.txt")), width="760px")


def privacy_policy_page() -> rx.Component:
    title, _ = agreement_text("privacy-policy.txt")
    return page_shell(card(rx.heading(title, as_="h1", size="5"), agreement_body("privacy-policy.txt")), width="760px")
