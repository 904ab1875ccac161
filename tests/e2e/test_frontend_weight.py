"""The first load of the sign-in and registration pages stays within the frontend budget (issue 6: ≤ 300 KB of
compressed JS) and is sent brotli-compressed; the figures per page are `make bench`'s (docs/performance.md)."""

from __future__ import annotations

import pytest

from bench.frontend_weight import TARGET_JS, measure_page
from jssi_app import routes


@pytest.mark.parametrize("path", [routes.LOGIN, routes.LOGIN_UNIT, routes.STAFF_LOGIN, routes.REGISTER_PERSON,
                                  routes.REGISTER_UNIT])
def test_first_load_sends_at_most_300_kb_of_compressed_js(browser, app_server, path):
    weight = measure_page(browser, app_server.url, path, path)
    assert weight.total("js", "raw") > 100_000  # the page's scripts were seen at all
    # Reflex precompresses files of 256 bytes and more; a browser that accepts br gets brotli.
    assert {a.encoding for a in weight.assets if a.raw >= 256} == {"br"}
    assert weight.total("js", "sent") <= TARGET_JS
    # Only the Radix colour scales the pages use: the full stylesheet is 700 KB raw.
    assert weight.total("css", "raw") < 650_000
