"""The check that a table renders as cards on a narrow screen (components/tables.py, assets/styles.css)."""

from __future__ import annotations

from playwright.sync_api import expect

NARROW = {"width": 360, "height": 780}
# The innermost elements that reach past the viewport's right edge, to say what to fix.
_WIDEST = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
    .slice(0, 5).map(e => e.tagName + '.' + e.className.toString().slice(0, 40) + ' ' + (e.textContent || '').trim().slice(0, 20))"""
_DRAWN = """e => { e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); return e === hit || e.contains(hit); }"""


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        wide = page.evaluate(_WIDEST)
        raise AssertionError(f"the page scrolls sideways: {width}px wide; widest elements: {wide}")


def assert_cards(page, label: str) -> None:
    """The cells of column `label` show their label (the card layout), rows are blocks, and nothing scrolls
    sideways."""
    cell = page.locator(f".card-table td[data-label='{label}'], .card-table th[data-label='{label}']").first
    expect(cell).to_be_visible()
    # Visible means drawn, not only laid out: nothing clips the card away.
    assert cell.evaluate(_DRAWN), f"the {label} cell is clipped or covered"
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == f'"{label}"'
    assert cell.evaluate("e => getComputedStyle(e.closest('tr')).display") == "block"
    expect(page.locator(".card-table thead").first).to_be_hidden()
    no_sideways_scroll(page)


def assert_table(page, label: str) -> None:
    """On a wide screen the same markup is a plain table: no label before the cell."""
    cell = page.locator(f".card-table [data-label='{label}']").first
    expect(cell).to_be_visible()
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") in ("none", "normal")
    assert cell.evaluate("e => getComputedStyle(e.closest('tr')).display") == "table-row"
