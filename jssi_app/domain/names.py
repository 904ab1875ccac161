"""Personal names as written on identity documents: normalisation, validation, comparison."""

from __future__ import annotations

import re
import unicodedata

from jssi_app.domain.errors import InvalidValue

MIN_LENGTH = 2
MAX_LENGTH = 30
MIDDLE_DOT = "·"  # U+00B7, the separator the public security registry uses in minority and foreign names

# Input methods and copy-paste produce many look-alikes of the middle dot; people cannot tell them apart.
_DOT_VARIANTS = str.maketrans(dict.fromkeys("\u30fb\u2022\u2027\u00b7\uff0e\uff65\u2219", MIDDLE_DOT))
# Same story for hyphens in double-barrelled Latin names (Jean-Pierre).
_HYPHENS_AND_INVISIBLES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2212", "-")
    # Zero-width characters ride along when a name is copied from a web page or chat; they are invisible,
    # so a message about them could not be acted on.
    | dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", None)
)

# Unified ideographs, Extension A, and Extensions B–I: rare characters do occur in real names
# (生僻字) and the registry holds them, so refusing them would lock those people out.
_CJK = (
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\U00020000-\U0002a6df"
    "\U0002a700-\U0002ebef"
    "\U0002ebf0-\U0002ee5f"
    "\U00030000-\U000323af"
)
# ASCII letters plus the Latin-1, Extended-A/B and Extended Additional letters (é, ñ, ø, Vietnamese).
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"

_CJK_CHAR = re.compile(f"[{_CJK}]")
_LATIN_CHAR = re.compile(f"[{_LATIN}]")
_ALLOWED_CHAR = re.compile(f"[{_CJK}{_LATIN} {MIDDLE_DOT}\\-]")
_CHINESE_NAME = re.compile(f"[{_CJK}]+(?:{MIDDLE_DOT}[{_CJK}]+)*")
_LATIN_NAME = re.compile(f"[{_LATIN}]+(?:[ {MIDDLE_DOT}\\-][{_LATIN}]+)*")

_WHITESPACE = re.compile(r"\s+")
_SPACE_AROUND_SEPARATOR = re.compile(f" *([{MIDDLE_DOT}\\-]) *")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def normalize_name(raw: str) -> str:
    """The comparable form of a name; never raises, so it also serves registry data as stored."""
    # Dots are mapped before NFKC, which would otherwise turn the full-width ． into a full stop.
    text = (raw or "").translate(_DOT_VARIANTS)
    # NFKC turns full-width Latin letters, hyphens and spaces typed in a Chinese IME into ASCII,
    # and composes letters with combining accents so é typed two ways is one character.
    text = unicodedata.normalize("NFKC", text).translate(_HYPHENS_AND_INVISIBLES)
    text = _WHITESPACE.sub(" ", text).strip()
    text = _SPACE_AROUND_SEPARATOR.sub(r"\1", text)
    # Chinese names have no spaces; a stray one ("张 三") is a typing slip, not part of the name.
    return _SPACE_BETWEEN_CJK.sub("", text)


def validate_name(raw: str) -> str:
    """Return the normalised name or raise InvalidValue with a message for the person."""
    name = normalize_name(raw)
    if not name:
        raise InvalidValue("请输入姓名")
    for ch in name:
        if not _ALLOWED_CHAR.fullmatch(ch):
            shown = f"“{ch}”" if ch.isprintable() else "不可见的字符（可能是复制时带入的，请手动输入）"
            raise InvalidValue(
                f"姓名中不能包含{shown}，请按身份证件填写：中文姓名只用汉字（少数民族姓名各部分之间用间隔号“·”），"
                "外文姓名只用英文字母"
            )
    has_cjk = bool(_CJK_CHAR.search(name))
    if has_cjk and _LATIN_CHAR.search(name):
        raise InvalidValue("姓名不能同时包含汉字和英文字母，请按身份证件上的姓名填写")
    if len(name) < MIN_LENGTH:
        raise InvalidValue(f"姓名至少{MIN_LENGTH}个字，请填写完整的姓名")
    if len(name) > MAX_LENGTH:
        raise InvalidValue(f"姓名最多{MAX_LENGTH}个字符（含间隔号和空格），您输入了{len(name)}个，请核对后重新输入")
    if has_cjk:
        if not _CHINESE_NAME.fullmatch(name):
            if " " in name or "-" in name:
                raise InvalidValue("中文姓名中不能有空格或连字符，少数民族姓名各部分之间请用间隔号“·”分隔")
            raise InvalidValue("间隔号“·”只能用在姓名各部分之间，不能在开头、结尾或连续出现，请修改后重新输入")
    elif not _LATIN_NAME.fullmatch(name):
        if not _LATIN_CHAR.search(name):
            raise InvalidValue("请填写姓名本身，不能只有符号")
        raise InvalidValue(
            "外文姓名各部分之间只能用一个空格、间隔号“·”或连字符“-”分隔，且不能以符号开头或结尾，请修改后重新输入"
        )
    return name


def names_match(entered: str, registry: str) -> bool:
    """Whether a typed name is the registry's name, forgiving dot variants, spacing and Latin case."""
    a, b = normalize_name(entered), normalize_name(registry)
    return bool(a) and a.casefold() == b.casefold()
