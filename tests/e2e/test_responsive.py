"""Every page of the tour at 320 (WCAG 1.4.10 reflow), 360, 390, 768, 1280 and 1440 px (issue 7 §4): no horizontal scroll, the staff
dashboard's queue still a table on desktop, every control 44 px high on a touch phone, and screenshots of every page at 390 and 1280 kept in
test-results/screenshots/tour-<width>-<page>.png. The figures (and the tables that scroll sideways inside their
own box, which is allowed here and which the tables-as-cards work removes) go to test-results/responsive-report.json."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.page_tour import TOUR

pytestmark = [pytest.mark.e2e, pytest.mark.rendering]
WIDTHS = {320: 568, 360: 740, 390: 844, 768: 1024, 1280: 800, 1440: 900}
SCREENSHOT_WIDTHS = (390, 1280)
DESKTOP_WIDTHS = (1280, 1440)

# The innermost elements past the right edge, leaving out those inside a scrolling box (a table's own scroll area).
WIDEST = """() => {
  const w = window.innerWidth, out = [];
  const scrolled = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0 && !scrolled(el)
        && ![...el.children].some(c => c.getBoundingClientRect().right > w + 1)) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].slice(0, 2).join('.')}`
               + ` "${(el.textContent || '').trim().slice(0, 30)}" right=${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 5);
}"""
SCROLL = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Tables wider than the screen: the page does not scroll, the table's own box does.
SCROLLING_TABLES = """() => [...document.querySelectorAll('table')].filter(
  t => t.getBoundingClientRect().width > window.innerWidth).length"""
# The queue stays dense: its rows laid out as table rows, one line high.
QUEUE_ROWS = """() => [...document.querySelectorAll('table tbody tr')].map(
  r => [getComputedStyle(r).display, Math.round(r.getBoundingClientRect().height)])"""


def _settle(page) -> None:
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(100)


@pytest.fixture(scope="module")
def report():
    pages: dict[str, dict] = {}
    started = time.perf_counter()
    yield pages
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "responsive-report.json").write_text(json.dumps({
        "widths": list(WIDTHS), "pages": len(pages), "tour_seconds": round(time.perf_counter() - started, 1),
        "overflowing": {name: p["overflowing"] for name, p in pages.items() if p["overflowing"]},
        "tables_scrolling_inside": {name: p["tables_scrolling_inside"] for name, p in pages.items()
                                    if any(p["tables_scrolling_inside"].values())},
        "pages_detail": pages,
    }, ensure_ascii=False, indent=2))


@pytest.mark.parametrize("stop", TOUR, ids=lambda s: s.name)
def test_no_horizontal_scroll_at_any_width(tour, stop, report):
    started = time.perf_counter()
    page, _ = tour.visit(stop)
    overflowing, problems, tables = [], [], {}
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            _settle(page)
            scroll_width, inner_width = page.evaluate(SCROLL)
            tables[width] = page.evaluate(SCROLLING_TABLES)
            if scroll_width > inner_width:
                overflowing.append(width)
                problems.append(f"{width}px: scrollWidth {scroll_width} > {inner_width}: {page.evaluate(WIDEST)}")
            if width in SCREENSHOT_WIDTHS:
                page.screenshot(path=str(shots / f"tour-{width}-{stop.name}.png"), full_page=True)
            if stop.name == "staff" and width in DESKTOP_WIDTHS:
                rows = page.evaluate(QUEUE_ROWS)
                assert rows and all(display == "table-row" and h < 64 for display, h in rows), (width, rows)
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})
        report[stop.name] = {"role": stop.role, "overflowing": overflowing, "tables_scrolling_inside": tables,
                             "seconds": round(time.perf_counter() - started, 2)}
    assert not overflowing, f"{stop.name} scrolls sideways:\n" + "\n".join(problems)


# Every control a finger aims at, measured by the box it is hit in (a text field's whole frame). Links inside a
# sentence are exempt, as in WCAG 2.5.5/2.5.8: they take the line's height, and padding them would break the text.
SMALL_TARGETS = """() => {
  const seen = new Set(), small = [];
  const inSentence = a => {
    const p = a.parentElement;
    return p && (p.textContent || '').trim() !== (a.textContent || '').trim() && getComputedStyle(a).display === 'inline';
  };
  const targets = document.querySelectorAll(
    'main button, main select, main a[href], main input:not([type=hidden]):not([type=file]), main [role=checkbox],'
    + ' main [role=radio], main .dropzone');
  for (const e of targets) {
    if (e.offsetParent === null || (e.tagName === 'A' && inSentence(e))) continue;
    const box = e.closest('.rt-TextFieldRoot') || e.closest('label:has(> .rt-CheckboxRoot)') || e;
    if (seen.has(box)) continue;
    seen.add(box);
    const r = box.getBoundingClientRect(), minimum = e.matches('input[type=checkbox], input[type=radio], [role=checkbox], [role=radio]') && box === e ? 24 : 44;
    if (r.height < minimum - 0.5) {
      small.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${(e.textContent || e.name || e.getAttribute('aria-label') || '').trim().slice(0, 16)}" ${Math.round(r.height)}px`);
    }
  }
  return small;
}"""


@pytest.mark.parametrize("stop", TOUR, ids=lambda s: s.name)
def test_touch_targets_are_44px_on_a_touch_phone(touch_tour, stop):
    """On a touch screen (`pointer: coarse`) every control of every page is at least 44 px high (Apple's and WCAG
    2.5.5's size; checkboxes and radios 24 px, WCAG 2.2's 2.5.8, with their label the 44 px target)."""
    page, _ = touch_tour.visit(stop)
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    _settle(page)
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{stop.name}: {small}"
    # The taller targets still fit the phone's width.
    scroll_width, inner_width = page.evaluate(SCROLL)
    assert scroll_width <= inner_width, f"{stop.name}: {page.evaluate(WIDEST)}"
