"""Contact details: mainland mobile numbers and e-mail addresses, validated and masked."""

from __future__ import annotations

import re
import unicodedata

from jssi_app.domain.errors import InvalidValue

PHONE_LENGTH = 11
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit minus the angle brackets
EMAIL_LOCAL_MAX_LENGTH = 64

# People paste numbers as "138 1234 1234" or "138-1234-1234"; the separators carry no meaning.
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")

_EMAIL_MESSAGE = "电子邮箱格式不正确，例如 name@example.com"
# RFC 5322 dot-atom; quoted local parts are legal but no mail form a person fills in needs them.
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LEVEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


def validate_phone(raw: str) -> str:
    """Return the 11-digit number or raise InvalidValue with a message for the person."""
    # NFKC turns the full-width digits and ＋ of a Chinese IME into ASCII.
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if not text:
        raise InvalidValue("请输入手机号码")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086") and len(text) == PHONE_LENGTH + 4:
        text = text[4:]
    elif text.startswith("86") and len(text) == PHONE_LENGTH + 2:
        text = text[2:]
    if not re.fullmatch(r"[0-9]+", text):
        raise InvalidValue("手机号码只能包含数字，请输入11位手机号码")
    if len(text) != PHONE_LENGTH:
        raise InvalidValue(f"请输入11位手机号码（您输入了{len(text)}位）")
    if not _MAINLAND_MOBILE.fullmatch(text):
        raise InvalidValue("手机号码格式不正确，应为以1开头的11位中国大陆手机号码")
    return text


def mask_phone(phone: str) -> str:
    """138****1234: enough for the person to recognise their number, not enough to reuse it."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def validate_email(raw: str) -> str | None:
    """None when left empty (the field is optional); otherwise the address with its domain lower-cased."""
    # NFKC turns the full-width ＠ and letters of a Chinese IME into ASCII; the ideographic full stop
    # is a label separator in internationalised domains (UTS #46), so "qq。com" means "qq.com".
    text = unicodedata.normalize("NFKC", raw or "").replace("\u3002", ".").strip()
    if not text:
        return None
    if any(ch.isspace() for ch in text):
        raise InvalidValue("电子邮箱中不能有空格，例如 name@example.com")
    if len(text) > EMAIL_MAX_LENGTH:
        raise InvalidValue(f"电子邮箱不能超过{EMAIL_MAX_LENGTH}个字符，请换一个较短的邮箱")
    if text.count("@") != 1:
        raise InvalidValue(_EMAIL_MESSAGE)
    local, domain = text.split("@")
    domain = domain.lower()
    if len(local) > EMAIL_LOCAL_MAX_LENGTH or not _EMAIL_LOCAL.fullmatch(local):
        raise InvalidValue(_EMAIL_MESSAGE)
    labels = domain.split(".")
    if (
        len(labels) < 2
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        or not _TOP_LEVEL.fullmatch(labels[-1])
    ):
        raise InvalidValue(_EMAIL_MESSAGE)
    # The local part is case-sensitive by RFC 5321, so only the domain is folded.
    return f"{local}@{domain}"


def mask_email(address: str) -> str:
    """z******n@example.com: the domain stays readable so the person knows which mailbox to check."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "*" * len(address)
    if len(local) <= 1:
        masked = "*" * len(local)
    elif len(local) == 2:
        masked = local[0] + "*"
    else:
        masked = local[0] + "*" * (len(local) - 2) + local[-1]
    return f"{masked}@{domain}"
