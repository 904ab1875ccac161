"""联系我们: the 社会保险经办机构 of Jiangsu's cities, as read from the offices file an administrator maintains.

The file is JSON (docs/operations.md, "联系我们"): every entry is checked and every problem is named with its entry
number, so a wrong file is refused whole with a list of what to fix rather than shown half.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

FORMAT = "jssi-offices/1"

# 省本级 first, then the 13 设区市 in the province's usual order; the page lists them in this order.
CITIES: tuple[str, ...] = (
    "省本级", "南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
    "镇江市", "泰州市", "宿迁市",
)

FIELDS = {"city": 10, "name": 60, "address": 120, "phone": 80, "hours": 120}  # field -> longest allowed
_PHONE_PART = re.compile(r"^(0\d{2,3}-)?\d{5,8}(-\d{1,6})?$")
_PHONE_SEPARATORS = re.compile(r"\s*[、,，;；]\s*")


@dataclass(frozen=True)
class Office:
    city: str
    name: str
    address: str
    phone: str
    hours: str

    def phones(self) -> tuple[str, ...]:
        return split_phones(self.phone)


@dataclass(frozen=True)
class OfficeDirectory:
    offices: tuple[Office, ...]  # in CITIES order, the file's order within a city
    notice: str  # shown above the list when the file carries one (e.g. that it is sample data)

    def cities(self) -> list[str]:
        present = {o.city for o in self.offices}
        return [c for c in CITIES if c in present]


class OfficesFileInvalid(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def _text(value: object) -> str | None:
    """A field's text with control and format characters (bidi overrides too) removed, or None if not text."""
    if not isinstance(value, str):
        return None
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C").strip()


def split_phones(phone: str) -> tuple[str, ...]:
    return tuple(_PHONE_SEPARATORS.split(phone.strip()))


def _phone_ok(phone: str) -> bool:
    return all(_PHONE_PART.match(p) for p in split_phones(phone))


def _entry(i: int, raw: object, problems: list[str]) -> Office | None:
    where = f"第{i}条"
    if not isinstance(raw, dict):
        problems.append(f"{where}：应为对象（{{\"city\": …, \"name\": …}}）")
        return None
    if isinstance(raw.get("city"), str):
        where += f"（{raw['city']}）"
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        problems.append(f"{where}：未知字段 {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, longest in FIELDS.items():
        text = _text(raw.get(name))
        if name not in raw:
            problems.append(f"{where}：缺少 {name}")
        elif text is None or text == "":
            problems.append(f"{where}：{name} 应为非空文字")
        elif len(text) > longest:
            problems.append(f"{where}：{name} 超过{longest}个字符")
        else:
            values[name] = text
    if "city" in values and values["city"] not in CITIES:
        problems.append(f"{where}：city 应为以下之一：{'、'.join(CITIES)}")
        return None
    if "phone" in values and not _phone_ok(values["phone"]):
        problems.append(f"{where}：phone 格式应如 025-12333 或 0512-68661234，多个号码用“、”分隔")
        return None
    return Office(**values) if len(values) == len(FIELDS) and not unknown else None


def parse_offices(data: object) -> OfficeDirectory:
    """The directory from the parsed JSON document, or OfficesFileInvalid listing every problem."""
    if not isinstance(data, dict):
        raise OfficesFileInvalid(["文件应为一个 JSON 对象，含 format 和 offices"])
    problems: list[str] = []
    if data.get("format") != FORMAT:
        problems.append(f"format 应为 \"{FORMAT}\"")
    unknown = sorted(set(data) - {"format", "notice", "offices"})
    if unknown:
        problems.append(f"未知字段 {', '.join(unknown)}")
    notice = _text(data.get("notice", ""))
    if notice is None or len(notice) > 200:
        problems.append("notice 应为不超过200个字符的文字")
    raw_offices = data.get("offices")
    if not isinstance(raw_offices, list) or not raw_offices:
        problems.append("offices 应为非空列表")
        raw_offices = []
    offices = [_entry(i, raw, problems) for i, raw in enumerate(raw_offices, start=1)]
    if problems:
        raise OfficesFileInvalid(problems)
    ordered = sorted((o for o in offices if o is not None), key=lambda o: CITIES.index(o.city))
    return OfficeDirectory(offices=tuple(ordered), notice=notice or "")
