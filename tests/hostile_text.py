"""Hypothesis strategies for hostile text, and the profiles that bound how many examples run.

`make test` runs the "quick" profile; `JSSI_FUZZ_PROFILE=long` (what `make bench` sets) runs many more.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile("quick", max_examples=60, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=500, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = os.environ.get("JSSI_FUZZ_PROFILE", "quick")
settings.load_profile(PROFILE)

FRAGMENTS = [
    "' OR '1'='1", "'; DROP TABLE person_account; --", "\" OR 1=1 --", "1; SELECT pg_sleep(10)", "%' --", "\\",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${7*7}",
    "</textarea><svg onload=alert(1)>", "&lt;b&gt;", "\x00", "\u200b", "\u200d", "\ufeff", "\u202e", "\u2066",
    "\u061c", "\u00a0", "\u3000", "\r\n", "\t", "\u2028", "😀", "👨‍👩‍👧", "🇨🇳", "\ud800", "\udfff",
    "３２０１０２１９９００３０７４５３６", "１３９１２３４０００１", "ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ", "张\u200b伟", "王·\u202e建国",
    "مرحبا", "שלום", "𠀀𪚥", "Ａ", "ǅ", "ﬁ", "\u0301", "%00", "%2e%2e%2f", "../../etc/passwd", "NaN", "1e999", "-0",
    "9" * 40, "320102199003074536", "13912340001", "2026-03", "2026-03-01", "5000.00",
]

fragments = st.sampled_from(FRAGMENTS)
# Every code point, lone surrogates included: JSON (and so a tampered websocket payload) can carry "\ud800".
any_char = st.characters(codec=None, categories=None)
mixed = st.lists(st.one_of(fragments, st.text(alphabet=any_char, max_size=8)), max_size=8).map("".join)
long_text = st.builds(lambda piece, n: (piece or "a") * n, mixed, st.integers(1, 10_240)).map(lambda s: s[:10_240])
hostile = st.one_of(fragments, st.text(alphabet=any_char, max_size=40), mixed, long_text)


def storable(value: str) -> bool:
    """What PostgreSQL and SQLite both store exactly: valid UTF-8 without NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value
