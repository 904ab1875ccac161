"""What an uploaded material is, decided from its bytes; and a file name that is safe to show.

The name and the browser's Content-Type are whatever the uploader says, so neither decides anything: a page
renamed to .jpg is still HTML. Here only the cheap checks run (size, magic bytes, a complete ending); fully
decoding the image or PDF is the upload adapter's job (Pillow, pypdfium2), since that needs the libraries
and a bound on the work.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata

from jssi_app.domain.errors import InvalidValue

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_MB = 1024 * 1024


class FileKind(enum.StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"


MIME_TYPES: dict[FileKind, str] = {
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.PDF: "application/pdf",
}

# The extension stored files and downloads get: from the content, never from the uploaded name.
EXTENSIONS: dict[FileKind, str] = {FileKind.JPEG: ".jpg", FileKind.PNG: ".png", FileKind.PDF: ".pdf"}

_JPEG_START = b"\xff\xd8\xff"
_JPEG_END = b"\xff\xd9"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# IEND has no data, so the whole chunk (length 0, type, CRC) is always these 12 bytes.
_PNG_IEND_CHUNK = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PDF_START = b"%PDF-"
_PDF_EOF = b"%%EOF"
_PDF_TAIL = 1024  # where the PDF spec lets the end-of-file marker sit

# HEIC/HEIF: iPhones save photos in it by default, so it is the commonest unsupported upload.
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")

EMPTY_FILE = "文件为空，请重新选择"
UNSUPPORTED_TYPE = "仅支持 JPG、PNG 或 PDF 格式的扫描件或照片"
HEIF_HINT = "。苹果手机照片（HEIC格式）请在“设置-相机-格式”中选择“兼容性最佳”后重新拍照，或截图后上传"
CONVERT_HINT = "，请转换格式后重新上传"
DAMAGED_FILE = "文件不完整或已损坏，请重新扫描或拍照后上传"


def _format_mb(size: int, *, round_up: bool) -> str:
    """Sizes in MB with at most two decimals; a size just over the limit is rounded up so it reads as over."""
    value = size / _MB
    if value == int(value):
        return f"{int(value)}MB"
    if round_up:
        value = math.ceil(value * 100) / 100
    return f"{value:.2f}".rstrip("0").rstrip(".") + "MB"


def _looks_like_heif(content: bytes) -> bool:
    return content[4:8] == b"ftyp" and content[8:12] in _HEIF_BRANDS


def sniff(content: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> FileKind:
    """The kind of an uploaded scan or photo, from its bytes; InvalidValue with a Chinese message otherwise.

    Order matters: size first, so an oversized upload is refused before anything looks inside it.
    """
    size = len(content)
    if size == 0:
        raise InvalidValue(EMPTY_FILE)
    if size > max_bytes:
        raise InvalidValue(
            f"文件大小为{_format_mb(size, round_up=True)}，超过{_format_mb(max_bytes, round_up=False)}的上限，"
            "请降低扫描分辨率或压缩后重新上传"
        )
    if content.startswith(_JPEG_START):
        # Cameras and scanners sometimes pad the end with zeros; the end-of-image marker must precede them.
        kind, complete = FileKind.JPEG, content.rstrip(b"\x00").endswith(_JPEG_END)
    elif content.startswith(_PNG_SIGNATURE):
        kind, complete = FileKind.PNG, content.find(_PNG_IEND_CHUNK, len(_PNG_SIGNATURE)) != -1
    elif content.startswith(_PDF_START):
        # The spec also allows %PDF- anywhere in the first 1024 bytes; requiring offset 0 refuses polyglots
        # (an HTML or ZIP file that a PDF reader would also open) at the cost of rare odd producers.
        kind, complete = FileKind.PDF, _PDF_EOF in content[-_PDF_TAIL:]
    elif _looks_like_heif(content):
        raise InvalidValue(UNSUPPORTED_TYPE + HEIF_HINT)
    else:
        raise InvalidValue(UNSUPPORTED_TYPE + CONVERT_HINT)
    if not complete:
        raise InvalidValue(DAMAGED_FILE)
    return kind


# --- display names --------------------------------------------------------------------------------------

DISPLAY_NAME_MAX = 100
FALLBACK_NAME = "未命名文件"
_MAX_EXTENSION = 10  # longer "extensions" are part of the name (e.g. "2024.营业执照扫描件")
_SEPARATORS = re.compile(r"[/\\]")
_WHITESPACE = re.compile(r"\s+")
# Cc: control characters; Cf: format characters, i.e. bidi overrides and isolates (U+202A–202E,
# U+2066–2069) that make "gpj.exe" display as "exe.jpg", and zero-width characters; Cs: lone surrogates
# from badly decoded names, which would fail when encoded; Zl/Zp: line breaks that would split a table row.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _truncate_keeping_extension(name: str) -> str:
    if len(name) <= DISPLAY_NAME_MAX:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext) <= _MAX_EXTENSION:
        suffix = "." + ext
        return stem[: DISPLAY_NAME_MAX - len(suffix) - 1].rstrip() + "…" + suffix
    return name[: DISPLAY_NAME_MAX - 1].rstrip() + "…"


def safe_display_name(name: str) -> str:
    """The uploaded name as it may be shown: base name only, no control or bidi characters, ≤ 100 characters.

    For display and the download's filename only; stored files are named by the server.
    """
    base = _SEPARATORS.split(name or "")[-1]
    # Names from macOS arrive decomposed (NFD); composing them makes 营业执照.pdf compare and display the same.
    base = unicodedata.normalize("NFC", base)
    # Line breaks and tabs become spaces first so "营业执照\r\n扫描件" keeps its word break.
    base = _WHITESPACE.sub(" ", base)
    base = "".join(ch for ch in base if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    base = _WHITESPACE.sub(" ", base).strip()
    if base in {"", ".", ".."}:
        return FALLBACK_NAME
    return _truncate_keeping_extension(base)
