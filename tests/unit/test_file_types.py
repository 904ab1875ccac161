from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.file_types import (
    MAX_UPLOAD_BYTES,
    MIME_TYPES,
    FileKind,
    safe_display_name,
    sniff,
)

UNSUPPORTED = "仅支持 JPG、PNG 或 PDF 格式的扫描件或照片"
DAMAGED = "文件不完整或已损坏，请重新扫描或拍照后上传"


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def png() -> bytes:
    return _image("PNG")


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return _image("JPEG")


@pytest.fixture(scope="module")
def pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Business licence")
    page.showPage()
    page.save()
    return out.getvalue()


def _refusal(content: bytes, **kwargs) -> str:
    with pytest.raises(InvalidValue) as refused:
        sniff(content, **kwargs)
    return refused.value.message


def test_limit_is_ten_megabytes() -> None:
    assert MAX_UPLOAD_BYTES == 10 * 1024 * 1024


def test_real_files_are_recognised(png, jpeg, pdf) -> None:
    assert sniff(png) is FileKind.PNG
    assert sniff(jpeg) is FileKind.JPEG
    assert sniff(pdf) is FileKind.PDF
    assert MIME_TYPES[sniff(pdf)] == "application/pdf"


def test_the_name_is_irrelevant(png, pdf) -> None:
    # sniff never sees a name: a PNG uploaded as 营业执照.pdf is a PNG, a PDF named .jpg is a PDF.
    uploads = {"营业执照.pdf": png, "授权委托书.jpg": pdf}
    assert {name: sniff(content) for name, content in uploads.items()} == {
        "营业执照.pdf": FileKind.PNG,
        "授权委托书.jpg": FileKind.PDF,
    }


def test_html_named_png_is_refused() -> None:
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    assert _refusal(html).startswith(UNSUPPORTED)


def test_other_formats_are_refused() -> None:
    gif = _image("GIF")
    bmp = _image("BMP")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("a.txt", "x")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    for content in (gif, bmp, zipped.getvalue(), b"plain text", heic):
        assert _refusal(content).startswith(UNSUPPORTED)
    assert "HEIC" in _refusal(heic)


def test_pdf_header_must_be_at_offset_zero(pdf) -> None:
    assert _refusal(b"\n\n" + pdf).startswith(UNSUPPORTED)


def test_truncated_jpeg(jpeg) -> None:
    assert _refusal(jpeg[: len(jpeg) // 2]) == DAMAGED


def test_jpeg_with_zero_padding_is_complete(jpeg) -> None:
    assert sniff(jpeg + b"\x00" * 32) is FileKind.JPEG


def test_truncated_png_and_pdf(png, pdf) -> None:
    assert _refusal(png[:-12]) == DAMAGED
    assert _refusal(png[:8]) == DAMAGED
    assert _refusal(pdf[: len(pdf) - 10]) == DAMAGED


def test_pdf_eof_must_be_near_the_end(pdf) -> None:
    assert sniff(pdf + b"\n" * 1000) is FileKind.PDF
    assert _refusal(pdf + b"\n" * 1100) == DAMAGED


def test_zero_byte_file() -> None:
    assert _refusal(b"") == "文件为空，请重新选择"


def test_one_byte_over_the_limit_is_refused_before_looking_inside(png) -> None:
    content = png + b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(png))
    assert len(content) == 10 * 1024 * 1024 + 1
    message = _refusal(content)
    assert "10MB" in message and "10.01MB" in message
    assert message.startswith("文件大小为10.01MB，超过10MB的上限")


def test_exactly_at_the_limit_passes_the_size_check(png) -> None:
    # Padding after IEND is trailing data a PNG decoder ignores; the file passes every check here.
    content = png + b"\x00" * (MAX_UPLOAD_BYTES - len(png))
    assert len(content) == MAX_UPLOAD_BYTES
    assert sniff(content) is FileKind.PNG


def test_custom_limit(png) -> None:
    assert "超过0.5MB的上限" in _refusal(png + b"\x00" * (512 * 1024), max_bytes=512 * 1024)


def test_size_check_comes_before_the_type_check() -> None:
    message = _refusal(b"<html>" * (MAX_UPLOAD_BYTES // 6 + 1))
    assert message.startswith("文件大小为")


# --- display names -----------------------------------------------------------------------------------


def test_directories_are_stripped() -> None:
    assert safe_display_name("../../etc/passwd") == "passwd"
    assert safe_display_name("C:\\Users\\张三\\Desktop\\营业执照.pdf") == "营业执照.pdf"
    assert safe_display_name("..\\..\\windows\\system.ini") == "system.ini"
    assert safe_display_name("/var/tmp/") == "未命名文件"
    assert safe_display_name("..") == "未命名文件"


def test_bidi_override_is_removed() -> None:
    # "授权书\u202egpj.exe" displays as 授权书exe.jpg; without the override it shows what it is.
    assert safe_display_name("授权书\u202egpj.exe") == "授权书gpj.exe"
    assert safe_display_name("\u2066a\u2069\u200b.pdf") == "a.pdf"


def test_control_characters_and_whitespace() -> None:
    assert safe_display_name("营业\x00执照\r\n扫描件.jpg") == "营业执照 扫描件.jpg"
    assert safe_display_name("  法人  身份证.png  ") == "法人 身份证.png"


def test_empty_and_invisible_names_fall_back() -> None:
    assert safe_display_name("") == "未命名文件"
    assert safe_display_name("\u202e\u200b\x07") == "未命名文件"


def test_long_names_keep_the_extension() -> None:
    name = safe_display_name("营" * 300 + ".jpeg")
    assert len(name) == 100
    assert name.endswith("….jpeg")
    assert safe_display_name("营" * 100 + ".pdf").endswith(".pdf")
    no_ext = safe_display_name("x" * 300)
    assert len(no_ext) == 100 and no_ext.endswith("…")


def test_short_names_are_unchanged() -> None:
    assert safe_display_name("经办人身份证.PDF") == "经办人身份证.PDF"
    assert safe_display_name("a" * 100) == "a" * 100


def test_macos_decomposed_names_are_composed() -> None:
    assert safe_display_name("Cafe\u0301.png") == "Café.png"
