"""Numbered pages: how many there are, which one is shown, and the one step a pager's buttons may take."""

from __future__ import annotations


def page_count(total: int, page_size: int) -> int:
    """At least one page, so an empty list still shows 第 1 / 1 页."""
    return max(1, -(-total // page_size))


def shown_page(page: int, pages: int) -> int:
    """The page asked for, brought into 1..pages (rows finished or filtered away meanwhile)."""
    return min(max(1, page), pages)


def stepped(page: int, delta: object) -> int:
    """上一页 / 下一页 send -1 or +1; anything else (a tampered event) leaves the page where it is."""
    step = delta if type(delta) is int and abs(delta) <= 1 else 0
    return max(1, page + step)
