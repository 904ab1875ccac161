"""Staff accounts: roles, usernames, generated initial passwords."""

from __future__ import annotations

import re
import secrets

from jssi_app.domain.errors import InvalidValue

ROLE_LABELS = {"reviewer": "审核员", "clerk": "窗口经办", "admin": "系统管理员"}
STAFF_ROLES = tuple(ROLE_LABELS)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
# No look-alikes (0/O, 1/l/I) in a password that is read off a screen and typed in once.
_ALPHABET_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"
_ALPHABET_DIGITS = "23456789"


def validate_username(raw: str) -> str:
    """工号/用户名: 3–32 characters, lower-case letters, digits, dot, dash, underscore."""
    value = (raw or "").strip().lower()
    if not _USERNAME.fullmatch(value):
        raise InvalidValue("用户名应为3-32位小写字母、数字或 . _ -，并以字母或数字开头")
    return value


def validate_role(raw: str) -> str:
    if raw not in ROLE_LABELS:
        raise InvalidValue(f"角色应为 {'、'.join(STAFF_ROLES)} 之一")
    return raw


DISPLAY_NAME_MAX = 40
# Shown in every staff page's header and in the review history: nothing invisible, no bidi override, and no
# NUL or lone surrogate, which cannot be stored.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def validate_display_name(raw: str) -> str:
    """姓名 (optional, for display): visible characters, runs of blanks as one space, at most 40."""
    value = _INVISIBLE.sub("", re.sub(r"\s+", " ", raw or "")).strip()
    if len(value) > DISPLAY_NAME_MAX:
        raise InvalidValue(f"姓名不能超过{DISPLAY_NAME_MAX}个字")
    return value


def generate_password(length: int = 14) -> str:
    """Letters and digits (the hall's password rule), at least two of each, from `secrets`."""
    while True:
        chars = [secrets.choice(_ALPHABET_LETTERS + _ALPHABET_DIGITS) for _ in range(length)]
        letters = sum(c in _ALPHABET_LETTERS for c in chars)
        if letters >= 2 and length - letters >= 2:
            return "".join(chars)
