"""Unified social credit codes (统一社会信用代码, GB 32100-2015) and their embedded organisation code.

Structure of the 18 characters:
  1      registration authority (登记管理部门代码)
  2      unit type within that authority (机构类别代码)
  3–8    administrative division of the registering office (登记管理机关行政区划码)
  9–17   organisation code (主体标识码, GB 11714): 8 characters + its own check character
  18     check character over the first 17
"""

from __future__ import annotations

import re

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.identifiers import PROVINCE_CODES

# I, O, Z, S and V are left out so that a code is never misread as 1, 0, 2, 5 or U.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Weight of position i is 3**i mod 31.
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_FORBIDDEN = "IOZSV"

# GB 11714: letters count 10..35 in plain alphabetical order (unlike the credit-code alphabet).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 32100-2015 表1 (with the later 军队 'A' and 农业 'N' authorities): authority → unit types.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常住新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"},
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# Full-width letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) come from Chinese input methods; map them to ASCII.
_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF5B) if chr(c - 0xFEE0).isalnum()})
_SPACES = re.compile(r"[\s\u3000]+")


def normalize_credit_code(raw: str) -> str:
    """Full-width characters to ASCII, spaces (incl. the ideographic space) removed, upper case."""
    return _SPACES.sub("", (raw or "").translate(_FULLWIDTH)).upper()


def credit_code_check_char(first17: str) -> str:
    """Check character (position 18) of the first 17 characters, which must be in ALPHABET."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(f"not an organisation-code character: {ch!r}")


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body: a digit or X."""
    total = sum(_org_value(ch) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(raw: str) -> str:
    """Return the normalised 18-character code or raise InvalidValue with a Chinese message."""
    code = normalize_credit_code(raw)
    if not code:
        raise InvalidValue("请输入统一社会信用代码")
    if len(code) != 18:
        raise InvalidValue(f"统一社会信用代码应为18位，当前为{len(code)}位")
    forbidden = sorted({ch for ch in code if ch in _FORBIDDEN})
    if forbidden:
        raise InvalidValue(f"统一社会信用代码不使用字母 I、O、Z、S、V，代码中含有 {'、'.join(forbidden)}")
    if any(ch not in _VALUE for ch in code):
        raise InvalidValue("统一社会信用代码只能由数字和大写字母组成")
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        raise InvalidValue("统一社会信用代码第1位（登记管理部门代码）不正确")
    if code[1] not in authority[1]:
        raise InvalidValue("统一社会信用代码第2位（机构类别代码）与登记管理部门不符")
    region = code[2:8]
    # "10" is used by national-level registration offices (e.g. 100000).
    if not region.isdigit() or region[:2] not in PROVINCE_CODES and region[:2] != "10":
        raise InvalidValue("统一社会信用代码第3至8位（登记管理机关行政区划码）不正确")
    if org_code_check_char(code[8:16]) != code[16]:
        raise InvalidValue("统一社会信用代码第9至17位（组织机构代码）校验位不正确")
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidValue("统一社会信用代码校验位（第18位）不正确，请核对后重新输入")
    return code
