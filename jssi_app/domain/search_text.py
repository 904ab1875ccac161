"""What a typed search or filter value may carry to the database."""

from __future__ import annotations

import re

# Control characters and lone surrogates are in no stored name and cannot be sent to the database (PostgreSQL
# refuses NUL, a lone surrogate does not encode as UTF-8): they are left out of a search.
_UNSEARCHABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def searchable(raw: str | None) -> str:
    return _UNSEARCHABLE.sub("", raw or "").strip()
