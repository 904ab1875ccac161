"""What a clerk may upload as a registry extract (窗口经办 → 参保数据导入). Pure.

An extract is the three CSV files of the provincial format (jssi_app/services/registry_import.py): persons.csv
and units.csv required, contributions.csv optional. They come either as the separate CSV files, selected
together, or as one .zip holding them (at its top level or in one folder). Nothing else is accepted, so a
wrong file is named to the clerk instead of being silently ignored.
"""

from __future__ import annotations

from jssi_app.domain.errors import InvalidValue

PERSONS = "persons.csv"
UNITS = "units.csv"
CONTRIBUTIONS = "contributions.csv"
EXTRACT_FILES = (PERSONS, UNITS, CONTRIBUTIONS)
REQUIRED_FILES = (PERSONS, UNITS)

# Everything uploaded at once (the CSVs together, or the zip). The 3,000-person demo extract with 30 years of
# monthly records is about 30 MB of CSV.
MAX_UPLOAD_MB = 64
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
# Unpacked size of a zip: a small zip can unpack to gigabytes (a "zip bomb").
MAX_UNPACKED_MB = 256
MAX_UNPACKED_BYTES = MAX_UNPACKED_MB * 1024 * 1024

TOO_LARGE = f"上传的文件合计超过 {MAX_UPLOAD_MB}MB，请分批导出或压缩为 zip 后上传"
UNPACKED_TOO_LARGE = f"压缩包解压后超过 {MAX_UNPACKED_MB}MB，请分批导出后上传"
NOTHING_UPLOADED = "请选择要导入的文件：persons.csv、units.csv（必需）和 contributions.csv（可选），或包含它们的 zip 压缩包"


def upload_kind(names: list[str]) -> str:
    """"zip" for one zip file, "csv" for CSV files of the extract; InvalidValue naming what is wrong."""
    if not names:
        raise InvalidValue(NOTHING_UPLOADED)
    lowered = [base_name(n) for n in names]
    zips = [n for n in lowered if n.endswith(".zip")]
    if zips:
        if len(lowered) > 1:
            raise InvalidValue("请只上传一个 zip 压缩包，或不压缩直接选择几个 CSV 文件，不要混合上传")
        return "zip"
    check_members(lowered)
    return "csv"


def base_name(name: str) -> str:
    """The file's own name, lower-cased, without any folder (browsers and zip tools send paths)."""
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().lower()


def check_members(names: list[str]) -> list[str]:
    """The extract's file names (lower-cased base names) as given; InvalidValue for unknown, repeated or
    missing files."""
    unknown = [n for n in names if n not in EXTRACT_FILES]
    if unknown:
        raise InvalidValue(
            f"不能识别的文件：{'、'.join(unknown[:5])}。只接受 persons.csv、units.csv、contributions.csv"
            "（文件名须一致），或包含它们的 zip 压缩包"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidValue(f"文件重复：{'、'.join(repeated)}")
    missing = [n for n in REQUIRED_FILES if n not in names]
    if missing:
        raise InvalidValue(f"缺少文件：{'、'.join(missing)}（persons.csv 和 units.csv 为必需）")
    return names


def check_upload_size(total: int) -> None:
    if total > MAX_UPLOAD_BYTES:
        raise InvalidValue(TOO_LARGE)


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB" if size else "0 KB"
