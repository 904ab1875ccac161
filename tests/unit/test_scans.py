from __future__ import annotations

import hashlib
import io
import struct
import time
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from jssi_app.adapters import scans
from jssi_app.adapters.scans import ProcessedScan, process_scan
from jssi_app.domain.errors import InvalidValue

# --- inputs, made here --------------------------------------------------------------------------------------


def _two_colour(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    width, height = size
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    return image


def _jpeg(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, **params)
    return out.getvalue()


def _png(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **params)
    return out.getvalue()


def _camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (32.0, 3.0, 36.0)  # Nanjing
    gps[3] = "E"
    gps[4] = (118.0, 47.0, 24.0)
    return exif


def _pdf(pages: int = 1, pagesize=A4) -> bytes:
    out = io.BytesIO()
    doc = canvas.Canvas(out, pagesize=pagesize)
    for number in range(1, pages + 1):
        doc.setFillColorRGB(0, 0, 0.8)
        doc.rect(50, 50, 200, 300, fill=1)
        doc.drawString(72, 760, f"Business licence page {number}")
        doc.showPage()
    doc.save()
    return out.getvalue()


def _rewrite(pdf: bytes, change) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _raw_pdf(*objects: bytes) -> bytes:
    """A PDF from object bodies (1 0 obj is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _one_page_pdf(page_extra: bytes = b"", content: bytes = b"0 0 1 rg 50 50 200 300 re f", *more: bytes) -> bytes:
    return _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page_extra + b" >>",
        _stream(b"", content),
        *more,
    )


def _refused(content: bytes, kind: str, **kwargs) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        process_scan(content, kind, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def camera_jpeg() -> bytes:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _jpeg(_two_colour((400, 200)), exif=_camera_exif().tobytes(), icc_profile=icc, comment=b"secret note")


# --- images -----------------------------------------------------------------------------------------------


def test_jpeg_is_turned_upright_and_loses_its_metadata(camera_jpeg: bytes) -> None:
    result = process_scan(camera_jpeg, "jpeg")
    assert isinstance(result, ProcessedScan)
    assert result.kind == "jpeg" and result.stored_media_type == "image/jpeg" and result.pages == 1
    assert result.sha256 == hashlib.sha256(camera_jpeg).hexdigest()
    # Landscape 400x200 with orientation 6 displays as portrait 200x400: the stored pixels are turned.
    assert (result.width, result.height) == (200, 400)
    stored = Image.open(io.BytesIO(result.stored))
    assert stored.format == "JPEG" and stored.size == (200, 400)
    # Turned 90° clockwise, the red left half is now on top and the blue right half below.
    red, blue = stored.convert("RGB").getpixel((100, 50)), stored.convert("RGB").getpixel((100, 350))
    assert red[0] > 150 and red[2] < 100
    assert blue[2] > 150 and blue[0] < 100
    # No EXIF (so no GPS, no camera, no orientation to apply twice), no ICC profile, no comment.
    assert len(stored.getexif()) == 0
    for key in ("exif", "icc_profile", "comment", "xmp"):
        assert key not in stored.info
    for marker in (b"Exif", b"PhoneMaker", b"secret note", b"ICC_PROFILE"):
        assert marker not in result.stored


def test_jpeg_previews_are_pngs_within_bounds(camera_jpeg: bytes) -> None:
    big = _jpeg(_two_colour((3000, 2000)), exif=_camera_exif().tobytes())
    result = process_scan(big, "jpeg")
    preview = Image.open(io.BytesIO(result.preview_png))
    thumbnail = Image.open(io.BytesIO(result.thumbnail_png))
    assert preview.format == thumbnail.format == "PNG"
    assert preview.size == (1067, 1600)  # upright, long side 1600
    assert max(thumbnail.size) == 320 and thumbnail.height == 320
    assert "exif" not in preview.info and "exif" not in thumbnail.info
    small = process_scan(camera_jpeg, "jpeg")
    assert Image.open(io.BytesIO(small.preview_png)).size == (200, 400)  # never enlarged


def test_png_is_reencoded_without_text_chunks_and_previews_flattened() -> None:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    image.paste((10, 120, 10, 255), (0, 0, 150, 120))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.com")
    info.add_itxt("Comment", "内部备注", zip=True)
    exif = Image.Exif()
    exif[0x010F] = "ScannerCo"
    original = _png(image, pnginfo=info, exif=exif.tobytes())
    result = process_scan(original, "png")
    assert result.stored_media_type == "image/png" and (result.width, result.height) == (300, 120)
    assert result.sha256 == hashlib.sha256(original).hexdigest()
    stored = Image.open(io.BytesIO(result.stored))
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert not stored.text and "exif" not in stored.info
    assert b"someone@example.com" not in result.stored and b"ScannerCo" not in result.stored
    assert stored.getpixel((200, 60))[3] == 0  # transparency kept in the stored copy
    preview = Image.open(io.BytesIO(result.preview_png)).convert("RGB")
    assert preview.getpixel((200, 60)) == (255, 255, 255)  # flattened onto white for display


def test_palette_png_with_transparency_and_grey_png() -> None:
    palette = Image.new("P", (50, 50), 1)
    palette.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    result = process_scan(_png(palette, transparency=0), "png")
    assert Image.open(io.BytesIO(result.stored)).mode == "RGBA"
    grey = process_scan(_png(Image.new("L", (40, 30), 128)), "png")
    assert Image.open(io.BytesIO(grey.stored)).mode == "L"
    sixteen = process_scan(_png(Image.new("I;16", (40, 30), 40000)), "png")
    preview = Image.open(io.BytesIO(sixteen.preview_png))
    assert preview.mode == "L" and preview.getpixel((0, 0)) == 40000 // 256


def test_cmyk_jpeg_is_stored_as_rgb() -> None:
    result = process_scan(_jpeg(Image.new("CMYK", (64, 64), (0, 255, 255, 0))), "jpeg")
    assert Image.open(io.BytesIO(result.stored)).mode == "RGB"


def test_multi_picture_jpeg_keeps_the_first_picture() -> None:
    out = io.BytesIO()
    _two_colour((120, 80)).save(out, format="MPO", save_all=True, append_images=[Image.new("RGB", (60, 40))])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    result = process_scan(out.getvalue(), "jpeg")
    stored = Image.open(io.BytesIO(result.stored))
    assert stored.format == "JPEG" and stored.size == (120, 80) and getattr(stored, "n_frames", 1) == 1


def test_appended_payload_does_not_survive_reencoding() -> None:
    polyglot = _jpeg(_two_colour((64, 64))) + b"PK\x03\x04<script>alert(1)</script>"
    result = process_scan(polyglot, "jpeg")
    assert b"<script>" not in result.stored and b"PK\x03\x04" not in result.stored
    assert result.sha256 == hashlib.sha256(polyglot).hexdigest()  # the hash is of what was uploaded


def test_truncated_jpeg_is_refused() -> None:
    noisy = _jpeg(Image.effect_noise((800, 600), 64).convert("RGB"))
    error = _refused(noisy[: len(noisy) // 2], "jpeg")
    assert error.message == scans.IMAGE_UNREADABLE and error.code == "image_unreadable"
    assert _refused(noisy[:200], "jpeg").code == "image_unreadable"


def test_truncated_png_is_refused() -> None:
    noisy = _png(Image.effect_noise((400, 300), 64).convert("RGB"))
    assert _refused(noisy[: len(noisy) // 2], "png").code == "image_unreadable"


def test_kind_must_match_the_decoder() -> None:
    jpeg, png = _jpeg(_two_colour((32, 32))), _png(_two_colour((32, 32)))
    assert _refused(jpeg, "png").message == scans.IMAGE_UNREADABLE
    assert _refused(png, "jpeg").message == scans.IMAGE_UNREADABLE
    gif = io.BytesIO()
    _two_colour((32, 32)).save(gif, format="GIF")
    assert _refused(gif.getvalue(), "png").code == "image_unreadable"
    assert _refused(_pdf(), "jpeg").code == "image_unreadable"


def _png_claiming(width: int, height: int) -> bytes:
    """A small valid PNG whose IHDR is patched to claim another size (CRC recomputed)."""
    data = bytearray(_png(Image.new("RGB", (16, 16), (255, 255, 255))))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_decompression_bomb_is_refused_from_the_header() -> None:
    bomb = _png_claiming(50_000, 50_000)
    started = time.monotonic()
    error = _refused(bomb, "png")
    assert time.monotonic() - started < 1
    assert error.code == "image_too_large"
    assert error.message == "图片尺寸过大（超过4000万像素），请缩小后上传"


def test_pillow_bomb_guard_also_refuses_when_the_limit_is_raised() -> None:
    # Above twice Image.MAX_IMAGE_PIXELS Pillow raises DecompressionBombError in open(); still a refusal.
    assert _refused(_png_claiming(50_000, 50_000), "png", max_pixels=10**12).code == "image_too_large"
    # Between once and twice, Pillow only warns; the warning is treated as an error too.
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    assert _refused(_png_claiming(side, side), "png", max_pixels=10**12).code == "image_too_large"


def test_max_pixels_is_checked_before_decoding() -> None:
    error = _refused(_jpeg(_two_colour((200, 100))), "jpeg", max_pixels=10_000)
    assert error.code == "image_too_large" and "1万像素" in error.message
    assert _refused(_png_claiming(8000, 6000), "png").code == "image_too_large"  # 48M > 40M


def test_oversized_file_and_unknown_kind() -> None:
    assert _refused(b"\xff\xd8\xff" + b"\0" * 100, "jpeg", max_bytes=50).code == "file_too_large"
    with pytest.raises(ValueError):
        process_scan(b"GIF89a", "gif")


# --- PDFs -------------------------------------------------------------------------------------------------


def test_one_page_pdf_is_kept_as_is_and_previewed() -> None:
    original = _pdf(1)
    result = process_scan(original, "pdf")
    assert result.stored == original and result.stored_media_type == "application/pdf"
    assert result.sha256 == hashlib.sha256(original).hexdigest()
    assert (result.width, result.height, result.pages) == (595, 842, 1)
    preview = Image.open(io.BytesIO(result.preview_png))
    assert preview.format == "PNG" and preview.height == 1600 and 1125 <= preview.width <= 1135
    # The blue rectangle drawn at (50..250, 50..350) pt is in the preview (y from the top in pixels).
    scale = 1600 / 842
    r, _, b = preview.convert("RGB").getpixel((int(150 * scale), int((842 - 200) * scale)))
    assert b > 150 and r < 60
    assert preview.convert("RGB").getpixel((5, 5)) == (255, 255, 255)
    thumbnail = Image.open(io.BytesIO(result.thumbnail_png))
    assert thumbnail.height == 320 and thumbnail.width < 320


def test_three_page_pdf() -> None:
    result = process_scan(_pdf(3), "pdf")
    assert result.pages == 3
    assert Image.open(io.BytesIO(result.preview_png)).height == 1600


def test_landscape_and_rotated_pages() -> None:
    landscape = process_scan(_pdf(1, pagesize=(842, 595)), "pdf")
    assert (landscape.width, landscape.height) == (842, 595)
    assert Image.open(io.BytesIO(landscape.preview_png)).width == 1600
    rotated = process_scan(_rewrite(_pdf(1), lambda w: w.pages[0].rotate(90)), "pdf")
    assert (rotated.width, rotated.height) == (842, 595)


def test_the_downloadable_authorization_letter_is_an_acceptable_upload() -> None:
    from jssi_app.adapters.authorization_letter import build_authorization_letter_pdf

    result = process_scan(build_authorization_letter_pdf(), "pdf")
    assert (result.width, result.height, result.pages) == (595, 842, 1)


def test_concurrent_pdfs_from_worker_threads() -> None:
    # pdfium is not thread-safe; callers run process_scan in worker threads, so it serialises pdfium itself.
    from concurrent.futures import ThreadPoolExecutor

    inputs = [_pdf(n % 3 + 1) for n in range(12)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda content: process_scan(content, "pdf"), inputs))
    assert [r.pages for r in results] == [n % 3 + 1 for n in range(12)]


def test_too_many_pages() -> None:
    assert process_scan(_pdf(20), "pdf").pages == 20
    error = _refused(_pdf(21), "pdf")
    assert error.code == "pdf_too_many_pages"
    assert error.message == "PDF 页数过多（超过20页），请只上传所需页面"


def _active(content: bytes) -> None:
    error = _refused(content, "pdf")
    assert error.code == "pdf_active_content", error.message
    assert error.message == "PDF 含有脚本或附件，出于安全考虑不予接收，请重新导出为普通 PDF"


def test_document_javascript_is_refused() -> None:
    # pypdf's replacement for add_js: a script in the catalog's /Names /JavaScript tree, run on opening.
    _active(_rewrite(_pdf(), lambda w: w.add_open_action(JavaScript("app.alert('hi');"))))


def test_open_action_javascript_is_refused() -> None:
    def open_action(writer: PdfWriter) -> None:
        action = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("this.exportDataObject({cName: 'x', nLaunch: 2});"),
            }
        )
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)

    _active(_rewrite(_pdf(), open_action))


def test_page_additional_action_javascript_is_refused() -> None:
    _active(_rewrite(_pdf(), lambda w: w.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.beep(0);"))))


def test_launch_action_in_a_link_is_refused() -> None:
    def launch(writer: PdfWriter) -> None:
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)]),
                NameObject("/A"): DictionaryObject(
                    {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
                ),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])

    _active(_rewrite(_pdf(), launch))


def test_embedded_file_is_refused() -> None:
    _active(_rewrite(_pdf(), lambda w: w.add_attachment("invoice.exe", b"MZ\x90\x00")))


def test_escaped_names_and_unreferenced_objects_are_refused() -> None:
    # "/J#53" is "/JS"; the action is not referenced from anything a viewer would open first.
    _active(_one_page_pdf(b"", b"0 0 1 rg 0 0 10 10 re f", b"<< /S /JavaScript /J#53 (app.alert(1)) >>"))


def test_raw_name_scan_ignores_stream_bodies() -> None:
    scans._check_syntax(_one_page_pdf(b"", b"% /JS /JavaScript /Launch\n0 0 1 rg 0 0 10 10 re f"))
    with pytest.raises(InvalidValue):
        scans._check_syntax(b"%PDF-1.7\n1 0 obj << /S /Launch >> endobj")
    with pytest.raises(InvalidValue):
        scans._check_syntax(b"%PDF-1.7\n1 0 obj << /Names << /Embedded#46iles 2 0 R >> >> endobj")


def _pdf_with_object_stream(hidden: bytes, catalog_extra: bytes = b"") -> bytes:
    """A PDF whose object 6 sits compressed in an object stream, found through a cross-reference stream."""
    plain = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(b"", b"0 0 1 rg 0 0 10 10 re f"),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate(plain, 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    header = b"6 0 "
    offsets[5] = len(out)
    body = _stream(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header), zlib.compress(header + hidden))
    out += b"5 0 obj\n" + body + b"\nendobj\n"
    offsets[7] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[number], 0) for number in range(1, 6)]
    rows += [struct.pack(">BIH", 2, 5, 0), struct.pack(">BIH", 1, offsets[7], 0)]
    xref = _stream(b"/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode", zlib.compress(b"".join(rows)))
    out += b"7 0 obj\n" + xref + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[7]
    return bytes(out)


def test_object_streams_are_inspected() -> None:
    assert process_scan(_pdf_with_object_stream(b"<< /Author (x) >>"), "pdf").pages == 1
    script = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    # Compressed, the script is invisible to the raw scan and pdfium does not count an /OpenAction script:
    # only pypdf's walk over every object finds it, referenced or not.
    _active(_pdf_with_object_stream(script, b"/OpenAction 6 0 R"))
    _active(_pdf_with_object_stream(script))


def test_object_stream_syntax_bomb_is_refused() -> None:
    junk = b"[" + b" ".join([b"[0 1 2 3 4 5 6 7 8 9]"] * 150_000) + b"]"  # 3.3 MB of syntax, 40 KB compressed
    started = time.monotonic()
    assert _refused(_pdf_with_object_stream(junk), "pdf").code == "pdf_too_complex"
    assert time.monotonic() - started < 2


def test_plain_syntax_bomb_is_refused() -> None:
    junk = b"[" + b" ".join([b"[0 1 2 3 4 5 6 7 8 9]"] * 120_000) + b"]"
    started = time.monotonic()
    assert _refused(_one_page_pdf(b"/Junk 5 0 R", b"0 0 1 rg 0 0 10 10 re f", junk), "pdf").code == "pdf_too_complex"
    assert time.monotonic() - started < 2


def test_encrypted_pdfs_are_refused() -> None:
    for user_password in ("secret", ""):  # an empty user password opens without asking, but still encrypted
        encrypted = _rewrite(_pdf(), lambda w, pw=user_password: w.encrypt(pw, "owner", algorithm="AES-128"))
        error = _refused(encrypted, "pdf")
        assert error.code == "pdf_encrypted"


def test_garbage_pdf_is_refused() -> None:
    assert _refused(b"%PDF-1.7\nthis is not a pdf\n%%EOF\n", "pdf").code == "pdf_unreadable"
    assert _refused(_pdf()[:300] + b"\n%%EOF\n", "pdf").code in {"pdf_unreadable", "pdf_render_failed"}


def test_pdf_without_pages_is_refused() -> None:
    empty = _raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>")
    assert _refused(empty, "pdf").code == "pdf_unreadable"


def test_page_too_thin_to_render_is_refused() -> None:
    # 14400 x 1 pt: at 1600 px for the long side the short one would be a tenth of a pixel.
    sliver = _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 1] >>",
    )
    error = _refused(sliver, "pdf")
    assert error.code == "pdf_render_failed" and error.message == scans.PDF_RENDER_FAILED


def test_content_stream_bomb_is_refused_before_rendering() -> None:
    inflater_food = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(inflater_food.compress(chunk) for _ in range(200)) + inflater_food.flush()
    assert len(body) < 300_000  # a 200 MB page description in a file of a few hundred KB
    bomb = _raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(b"/Filter /FlateDecode", body),
    )
    started = time.monotonic()
    assert _refused(bomb, "pdf").code == "pdf_too_complex"
    assert time.monotonic() - started < 5


def test_huge_image_in_pdf_is_refused() -> None:
    image = _stream(
        b"/Type /XObject /Subtype /Image /Width 60000 /Height 60000 /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Filter /FlateDecode",
        zlib.compress(b"\0" * 1000),
    )
    pdf = _one_page_pdf(b"/Resources << /XObject << /Im0 5 0 R >> >>", b"q 500 0 0 500 0 0 cm /Im0 Do Q", image)
    error = _refused(pdf, "pdf")
    assert error.code == "pdf_image_too_large" and "4000万像素" in error.message


def test_too_many_objects_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scans, "PDF_MAX_OBJECTS", 3)
    assert _refused(_pdf(), "pdf").code == "pdf_too_complex"


def test_inflated_size_counts_without_keeping() -> None:
    data = zlib.compress(b"a" * 5_000_000)
    assert scans._inflated_size(data, 10**9) == 5_000_000
    assert 1_000_000 < scans._inflated_size(data, 1_000_000) <= 2_100_000  # stops soon after the limit
    assert scans._inflated_size(b"not zlib", 100) == 0
    assert scans._inflated_size(data[: len(data) // 2], 10**9) > 0  # corrupt tail: what inflated so far
