"""Tables that become cards on narrow screens (≤ 640 px), from one markup.

Every body cell carries its column's name in `data-label`; `assets/styles.css` shows it before the value
(`td::before { content: attr(data-label) }`) and stacks rows as cards under the media query, so a phone gets
cards and a desktop keeps its dense table without a second rendering. docs/accessibility.md (表单与表格).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

_VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
}


@dataclass
class Cell:
    """A cell's content with its own props (alignment, nowrap, a row header)."""

    children: tuple
    props: dict[str, Any] = field(default_factory=dict)
    header: bool = False


def cell(*children: Any, header: bool = False, **props: Any) -> Cell:
    return Cell(children, props, header)


def labelled_cells(headers: Sequence[str], *contents: Any) -> list[rx.Component]:
    """One cell per column, each labelled with its column's header for the card view."""
    if len(headers) != len(contents):
        raise ValueError(f"{len(headers)} headers but {len(contents)} cells")
    cells = []
    for label, content in zip(headers, contents, strict=True):
        c = content if isinstance(content, Cell) else Cell((content,))
        make = rx.table.row_header_cell if c.header else rx.table.cell
        cells.append(make(*c.children, custom_attrs={"data-label": label}, **c.props))
    return cells


def card_table(headers: Sequence[str], *body: rx.Component, caption: str = "", **props: Any) -> rx.Component:
    """A Radix table whose rows are cards on phones; `caption` is its accessible name (not shown)."""
    props.setdefault("width", "100%")
    class_name = ("card-table " + props.pop("class_name", "")).strip()
    return rx.table.root(
        *([rx.el.caption(caption, style=_VISUALLY_HIDDEN)] if caption else []),
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, white_space="nowrap") for h in headers])),
        rx.table.body(*body),
        class_name=class_name,
        **props,
    )
