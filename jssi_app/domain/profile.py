"""Rules for the profile a person completes at first login."""

from __future__ import annotations

import re

from jssi_app.domain.errors import InvalidValue

# Lone surrogates (\ud800-\udfff) can arrive in an event's JSON ("\\ud800") but cannot be stored as UTF-8.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def validate_address(raw: str, label: str) -> str:
    """An address of 5–200 visible characters; raises InvalidValue with a Chinese message naming the field."""
    value = re.sub(r"\s+", " ", _CONTROL.sub("", raw or "")).strip()
    if not value:
        raise InvalidValue(f"请填写{label}")
    if len(value) < 5:
        raise InvalidValue(f"{label}过短，请填写到街道门牌号，例如：南京市鼓楼区中山路1号")
    if len(value) > 200:
        raise InvalidValue(f"{label}不能超过200个字")
    return value
