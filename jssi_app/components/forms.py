"""Form building blocks: a labelled field with hint and error, the error summary, a submit button.

Labels are tied to inputs (`for`/`id`), hints and errors are linked with aria-describedby, so
screen readers and tests find fields by their Chinese label.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

# rx.el.a is React Router's Link, which rewrites "#field-x" into "/current/path/#field-x"; the summary's links
# are plain in-page anchors.
from reflex_components_core.el.elements.inline import A as PlainAnchor


def _focus_field(name: Var[str]) -> list:
    """Moves focus to the field itself (a plain `#field-…` jump only scrolls in some browsers): the control with
    id `field-NAME`, else the upload zone `upload-NAME`, else the control named NAME. The name is a plain
    identifier (FormMixin.summary_links keeps only those)."""
    script = ("(()=>{const n='" + name + "';const e=document.getElementById('field-'+n)"
              "||document.getElementById('upload-'+n)||document.querySelector('[name=\"'+n+'\"]');"
              "if(e){e.focus();e.scrollIntoView({block:'center'});}})()")
    return [rx.prevent_default, rx.call_script(script)]


def _summary_item(item: Var[dict[str, str]]) -> rx.Component:
    return rx.el.li(
        rx.cond(
            item["field"] != "",
            PlainAnchor.create(item["message"], href="#field-" + item["field"], on_click=_focus_field(item["field"]),
                               class_name="error-summary-link"),
            rx.el.span(item["message"]),
        )
    )


def error_summary(items: Var[list[dict[str, str]]]) -> rx.Component:
    """The summary at the top (FormMixin.summary_links): announced (role=alert), focused after a refused submit
    (FormMixin._focus_summary), each message a link to its field."""
    return rx.cond(
        items.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert", aria_hidden="true")),
            rx.box(
                rx.text("提交未成功，请修改以下内容：", weight="bold"),
                rx.el.ul(rx.foreach(items, _summary_item), padding_left="1.2em", margin="0.25rem 0 0"),
            ),
            color_scheme="red",
            role="alert",
            id="error-summary",
            tab_index=-1,
            width="100%",
        ),
        rx.fragment(),
    )


def notice(message: Var[str], color: str = "green") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout.root(rx.callout.text(message), color_scheme=color, role="status", width="100%"),
        rx.fragment(),
    )


def field(
    label: str,
    name: str,
    errors: Var[dict[str, str]],
    *,
    input_type: str = "text",
    hint: str = "",
    autocomplete: str = "off",
    inputmode: str | None = None,
    default_value: Var | str | None = None,
    on_change=None,
    on_blur=None,
    value: Var | None = None,
    max_length: int | None = None,
    required: bool = True,
    extra: rx.Component | None = None,
    label_suffix: str = "",
) -> rx.Component:
    field_id = f"field-{name}"
    error = errors.get(name, "")
    describedby = f"{field_id}-hint {field_id}-error" if hint else f"{field_id}-error"
    props: dict = {
        "id": field_id,
        "name": name,
        "type": input_type,
        "auto_complete": autocomplete,
        "size": "3",
        "width": "100%",
        "custom_attrs": {"aria-describedby": describedby, "aria-invalid": rx.cond(error != "", "true", "false")},
    }
    if inputmode:
        props["input_mode"] = inputmode
    if max_length:
        props["max_length"] = max_length
    if value is not None:
        props["value"] = value
    elif default_value is not None:
        props["default_value"] = default_value
    if on_change is not None:
        props["on_change"] = on_change
    if on_blur is not None:
        props["on_blur"] = on_blur
    if required:
        props["required"] = False  # validation is ours, with Chinese messages; the browser's would be English
    control = rx.input(**props)
    return rx.vstack(
        rx.el.label(label + label_suffix, html_for=field_id, class_name="field-label"),
        rx.cond(hint != "", rx.text(hint, id=f"{field_id}-hint", size="2", color=rx.color("gray", 11)), rx.fragment()),
        rx.hstack(control, extra, width="100%", align="center") if extra is not None else control,
        field_error(error, f"{field_id}-error"),
        spacing="1",
        width="100%",
        align="stretch",
    )


def field_error(error: Var[str], error_id: Var[str] | str | None = None, size: str = "2", **props) -> rx.Component:
    """A field's message, announced when it appears; an icon and words, not colour alone. Empty (and hidden by
    `.field-error:empty`) while there is nothing to say."""
    return rx.text(
        rx.cond(error != "", rx.fragment(rx.icon("circle-alert", size=16, aria_hidden="true"), error), rx.fragment()),
        size=size,
        color=rx.color("red", 11),
        class_name="field-error",
        aria_live="polite",
        **({"id": error_id} if error_id is not None else {}),
        **props,
    )


def submit_button(text: str, loading: Var[bool] | bool = False) -> rx.Component:
    return rx.button(text, type="submit", size="3", width="100%", loading=loading)


def form(*children: rx.Component, on_submit, **props) -> rx.Component:  # noqa: ANN001
    """A form that keeps what was typed after a refused submit (the person corrects, not retypes)."""
    return rx.form(
        rx.vstack(*children, spacing="4", width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
        **props,
    )


def code_button(resend_in: Var[int], on_click) -> rx.Component:  # noqa: ANN001
    """获取手机验证码, counting down the seconds until a new code may be sent."""
    return rx.button(
        rx.cond(resend_in > 0, resend_in.to_string() + "秒后重新获取", "获取手机验证码"),
        type="button",
        size="3",
        variant="outline",
        on_click=on_click,
        disabled=resend_in > 0,
        white_space="nowrap",
    )
