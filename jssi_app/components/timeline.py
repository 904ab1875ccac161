"""The review timeline (已提交 → 审核中 → 已通过 / 未通过), shared by the unit home and 审核进度查询."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def _step(step) -> rx.Component:  # noqa: ANN001
    color = rx.match(step["state"], ("rejected", "red"), ("approved", "green"), ("current", "blue"), "gray")
    return rx.el.li(
        rx.hstack(
            rx.badge(step["label"], color_scheme=color, size="2"),
            rx.text(step["at"], size="2", color=rx.color("gray", 11)),
            align="center",
            wrap="wrap",
        ),
        rx.cond(step["detail"] != "", rx.text(step["detail"], size="2"), rx.fragment()),
        class_name="timeline-step",
    )


def timeline(steps: Var[list[dict[str, str]]]) -> rx.Component:
    return rx.el.ol(rx.foreach(steps, _step), class_name="timeline", aria_label="审核进度")
