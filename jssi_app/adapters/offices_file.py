"""The offices file (联系我们), read from disk and checked by `domain/offices.py`.

Read again whenever the file changes (its modification time and size), so an administrator replaces it without a
restart; a broken file is logged once per version and the page says the list is unavailable.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from jssi_app.config import offices_file
from jssi_app.domain.offices import OfficeDirectory, OfficesFileInvalid, parse_offices

log = logging.getLogger("jssi")

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, OfficeDirectory | OfficesFileInvalid]] = {}


def read_offices(path: Path) -> OfficeDirectory:
    """The file's directory, or OfficesFileInvalid naming what is wrong (unreadable, not JSON, or bad entries)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OfficesFileInvalid([f"无法读取文件：{exc.strerror or exc}"]) from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # a BOM, as Windows editors write, is accepted
    except UnicodeDecodeError as exc:
        raise OfficesFileInvalid(["文件应为 UTF-8 编码"]) from exc
    except json.JSONDecodeError as exc:
        raise OfficesFileInvalid([f"不是有效的 JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}"]) from exc
    return parse_offices(data)


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), st.st_mtime_ns, st.st_size)


def office_directory() -> OfficeDirectory:
    """The configured file's directory (cached until the file changes), or OfficesFileInvalid."""
    path = offices_file()
    stamp = _stamp(path)
    with _lock:
        cached = _cache.get(str(path))
        if cached is None or cached[0] != stamp:
            try:
                result: OfficeDirectory | OfficesFileInvalid = read_offices(path)
            except OfficesFileInvalid as exc:
                log.error("offices file %s is invalid, 联系我们 shows no list: %s", path, "；".join(exc.problems))
                result = exc
            _cache[str(path)] = cached = (stamp, result)
    if isinstance(cached[1], OfficesFileInvalid):
        raise cached[1]
    return cached[1]
