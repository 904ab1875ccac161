"""Numbered pages (domain/paging.py): the counts and clamps the paged lists share, and the pager's one step."""

from __future__ import annotations

import pytest

from jssi_app.domain.paging import page_count, shown_page, stepped


@pytest.mark.parametrize(("total", "size", "pages"), [(0, 50, 1), (1, 50, 1), (50, 50, 1), (51, 50, 2), (101, 50, 3)])
def test_page_count_rounds_up_and_is_never_zero(total, size, pages):
    assert page_count(total, size) == pages


@pytest.mark.parametrize(("asked", "shown"), [(-3, 1), (0, 1), (1, 1), (2, 2), (3, 3), (9, 3)])
def test_the_page_shown_is_brought_into_range(asked, shown):
    assert shown_page(asked, 3) == shown


@pytest.mark.parametrize(("delta", "page"), [(1, 5), (-1, 3), (0, 4), (2, 4), (-40, 4), (True, 4), ("1", 4), (1.0, 4),
                                             (None, 4)])
def test_a_step_is_one_page_and_a_tampered_one_is_ignored(delta, page):
    assert stepped(4, delta) == page


def test_a_step_back_from_the_first_page_stays_there():
    assert stepped(1, -1) == 1
