"""Counter task kinds and states. Pure."""

from __future__ import annotations

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.review import clean_text

MANUAL_CERTIFICATION = "manual_certification"
BASE_DECREASE = "base_decrease"

KIND_LABELS: dict[str, str] = {
    MANUAL_CERTIFICATION: "人工认证",
    BASE_DECREASE: "缴费基数调减",
}

OPEN = "open"
DONE = "done"
REFUSED = "refused"

STATUS_LABELS: dict[str, str] = {OPEN: "待办理", DONE: "已办结", REFUSED: "不予办理"}

MAX_NOTE = 500


def validate_kind(kind: str) -> str:
    if kind not in KIND_LABELS:
        raise InvalidValue("未知的窗口业务类型")
    return kind


def validate_note(raw: str, *, required: bool) -> str:
    # Cleaned like a reviewer's opinion: a NUL or a lone surrogate could not be stored, a bidi override would
    # change how the note reads.
    note = clean_text(raw)
    if required and not note:
        raise InvalidValue("请填写办理意见")
    if len(note) > MAX_NOTE:
        raise InvalidValue(f"办理意见不能超过 {MAX_NOTE} 个字")
    return note
