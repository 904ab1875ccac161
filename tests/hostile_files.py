"""A corpus of malformed and hostile upload files, made here from nothing (no downloaded samples).

`corpus()` returns (category, name, bytes) triples; the categories are the ones docs/security.md counts.
Deterministic: the random parts come from a seeded generator, so a failure names a file that can be rebuilt.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from PIL import Image, PngImagePlugin

CATEGORIES = (
    "empty", "random bytes", "wrong magic", "truncated", "polyglot", "decompression bomb", "huge dimensions",
    "pdf active content", "disguised markup", "corrupt structure",
)


def png(size=(64, 48), colour=(200, 30, 30), **params) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG", **params)
    return out.getvalue()


def jpeg(size=(64, 48), colour=(30, 120, 200), **params) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=85, **params)
    return out.getvalue()


def raw_pdf(*objects: bytes, trailer_extra: bytes = b"") -> bytes:
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
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def one_page_pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", *more: bytes,
                 content: bytes = b"0 0 1 rg 50 50 200 300 re f") -> bytes:
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page_extra + b" >>",
        stream(b"", content),
        *more,
    )


def _patched_png(width: int, height: int) -> bytes:
    data = bytearray(png((16, 16)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _patched_jpeg(width: int, height: int) -> bytes:
    data = bytearray(jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _png_with_idat_bomb(width: int, height: int) -> bytes:
    """A PNG that really holds width × height pixels of zeros: small on disk, huge once decoded."""
    raw = zlib.compressobj(9)
    row = b"\0" * (1 + width)  # filter byte + greyscale row
    body = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


HTML = b"<html><body><script>fetch('/steal?c='+document.cookie)</script><img src=x onerror=alert(1)></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.domain)</script><rect width="10" height="10"/></svg>')
JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


def _pdf_active() -> list[tuple[str, bytes]]:
    files = [
        ("open-action-js", one_page_pdf(b"/OpenAction 5 0 R", b"", JS_ACTION)),
        ("names-javascript", one_page_pdf(b"/Names << /JavaScript << /Names [(a) 5 0 R] >> >>", b"", JS_ACTION)),
        ("page-aa-js", one_page_pdf(b"", b"/AA << /O 5 0 R >>", JS_ACTION)),
        ("catalog-aa-js", one_page_pdf(b"/AA << /WC 5 0 R >>", b"", JS_ACTION)),
        ("unreferenced-js", one_page_pdf(b"", b"", JS_ACTION)),
        ("launch-action", one_page_pdf(b"/OpenAction 5 0 R", b"", b"<< /S /Launch /F (cmd.exe) >>")),
        ("launch-win", one_page_pdf(b"/OpenAction 5 0 R", b"", b"<< /S /Launch /Win << /F (calc.exe) >> >>")),
        ("gotoe", one_page_pdf(b"/OpenAction 5 0 R", b"", b"<< /S /GoToE /T << /R /C /N (a) >> >>")),
        ("embedded-files", one_page_pdf(b"/Names << /EmbeddedFiles << /Names [(x.exe) 5 0 R] >> >>", b"",
                                        b"<< /Type /Filespec /F (x.exe) /EF << /F 6 0 R >> >>",
                                        stream(b"/Type /EmbeddedFile", b"MZ\x90\x00"))),
        ("file-attachment-annot", one_page_pdf(b"", b"/Annots [5 0 R]",
                                               b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10]"
                                               b" /FS << /F (a.exe) >> >>")),
        ("xfa-form", one_page_pdf(b"/AcroForm << /Fields [] /XFA 5 0 R >>", b"", stream(b"", b"<xdp:xdp/>"))),
        ("rich-media", one_page_pdf(b"", b"/Annots [5 0 R]",
                                    b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>")),
        ("uri-js-link", one_page_pdf(b"", b"/Annots [5 0 R]",
                                     b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A " + JS_ACTION + b" >>")),
        ("field-aa-js", one_page_pdf(b"/AcroForm << /Fields [5 0 R] >>", b"",
                                     b"<< /FT /Tx /T (a) /AA << /K " + JS_ACTION + b" >> >>")),
        ("escaped-js-name", one_page_pdf(b"/OpenAction << /S /Java#53cript /J#53 (x) >>")),
        ("escaped-launch", one_page_pdf(b"/OpenAction << /S /#4caunch /F (x) >>")),
        ("escaped-embedded", one_page_pdf(b"/Names << /Embedded#46iles 5 0 R >>", b"", b"<< /Names [] >>")),
        ("next-chain-js", one_page_pdf(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 5 0 R >>", b"", JS_ACTION)),
        ("js-in-trailer-info", one_page_pdf(b"", b"", JS_ACTION)),
        ("js-in-object-stream", _pdf_with_object_stream(JS_ACTION, b"/OpenAction 6 0 R")),
        ("js-in-object-stream-unref", _pdf_with_object_stream(JS_ACTION)),
        ("launch-in-object-stream", _pdf_with_object_stream(b"<< /S /Launch /F (x) >>", b"/OpenAction 6 0 R")),
        ("embedded-in-object-stream", _pdf_with_object_stream(b"<< /Type /EmbeddedFile >>")),
    ]
    # The same JavaScript in the HTML-ish hex and octal string spellings a scanner may miss.
    for number, js in enumerate([b"<6170702e616c657274283129>", b"(\\141pp.alert(1))", b"(this.submitForm('x'))"]):
        files.append((f"js-string-{number}", one_page_pdf(b"/OpenAction 5 0 R", b"", b"<< /S /JavaScript /JS " + js + b" >>")))
    return files


def _pdf_with_object_stream(hidden: bytes, catalog_extra: bytes = b"") -> bytes:
    """A PDF whose object 6 sits compressed in an object stream, found through a cross-reference stream."""
    plain = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        stream(b"", b"0 0 1 rg 0 0 10 10 re f"),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate(plain, 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    header = b"6 0 "
    offsets[5] = len(out)
    body = stream(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header), zlib.compress(header + hidden))
    out += b"5 0 obj\n" + body + b"\nendobj\n"
    offsets[7] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[number], 0) for number in range(1, 6)]
    rows += [struct.pack(">BIH", 2, 5, 0), struct.pack(">BIH", 1, offsets[7], 0)]
    xref = stream(b"/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode", zlib.compress(b"".join(rows)))
    out += b"7 0 obj\n" + xref + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[7]
    return bytes(out)


def _flate_bomb(megabytes: int) -> bytes:
    food = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    return b"".join(food.compress(chunk) for _ in range(megabytes)) + food.flush()


def corpus() -> list[tuple[str, str, bytes]]:
    rng = random.Random(20261128)
    good_png, good_jpeg, good_pdf = png(), jpeg(), one_page_pdf()
    files: list[tuple[str, str, bytes]] = []

    def add(category: str, name: str, data: bytes) -> None:
        assert category in CATEGORIES
        files.append((category, name, data))

    add("empty", "empty", b"")
    for size in (1, 2, 3, 7):
        add("empty", f"only-{size}-zero-bytes", b"\0" * size)

    for number in range(20):
        add("random bytes", f"random-{number}", rng.randbytes(rng.choice([16, 512, 4096, 65536])))
    for prefix, label in ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"%PDF-1.7\n", "pdf")):
        for number in range(4):
            tail = {"jpeg": b"\xff\xd9", "png": b"\x00\x00\x00\x00IEND\xaeB`\x82", "pdf": b"\n%%EOF\n"}[label]
            add("random bytes", f"{label}-magic-then-random-{number}", prefix + rng.randbytes(2000) + tail)

    image = Image.new("RGB", (32, 32), (10, 200, 10))
    for fmt in ("GIF", "BMP", "TIFF", "WEBP", "ICO", "PPM", "TGA", "PCX"):
        out = io.BytesIO()
        image.save(out, format=fmt)
        add("wrong magic", f"{fmt.lower()}-named-png", out.getvalue())
    add("wrong magic", "heic-ftyp", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + rng.randbytes(100))
    add("wrong magic", "zip", _zip({"a.txt": b"hello"}))
    add("wrong magic", "elf", b"\x7fELF\x02\x01\x01" + rng.randbytes(200))
    add("wrong magic", "windows-exe", b"MZ\x90\x00\x03" + rng.randbytes(200))
    add("wrong magic", "gzip", zlib.compress(b"x" * 100))
    add("wrong magic", "utf16-bom-text", "营业执照".encode("utf-16"))
    add("wrong magic", "png-signature-off-by-one", b"\x89PNF" + good_png[4:])
    add("wrong magic", "jpeg-second-byte-wrong", b"\xff\xd9\xff" + good_jpeg[3:])
    add("wrong magic", "pdf-lowercase-header", b"%pdf-" + good_pdf[5:])
    add("wrong magic", "pdf-after-bom", b"\xef\xbb\xbf" + good_pdf)
    add("wrong magic", "pdf-after-whitespace", b"\n\n" + good_pdf)
    add("wrong magic", "jpeg-bytes-png-start", b"\x89PNG\r\n\x1a\n" + good_jpeg + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    add("wrong magic", "png-bytes-jpeg-start", b"\xff\xd8\xff" + good_png + b"\xff\xd9")
    add("wrong magic", "pdf-bytes-jpeg-start", b"\xff\xd8\xff" + good_pdf + b"\xff\xd9")

    for source, label in ((good_png, "png"), (good_jpeg, "jpeg"), (good_pdf, "pdf")):
        for fraction in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
            add("truncated", f"{label}-cut-at-{int(fraction * 100)}pct", source[: max(1, int(len(source) * fraction))])
        # Cut, then the ending the sniffer looks for glued back on: only the decoder can tell.
        for fraction in (0.3, 0.5, 0.8):
            ending = {"png": b"\x00\x00\x00\x00IEND\xaeB`\x82", "jpeg": b"\xff\xd9", "pdf": b"\n%%EOF\n"}[label]
            add("truncated", f"{label}-cut-{int(fraction * 100)}pct-ending-restored",
                source[: int(len(source) * fraction)] + ending)

    archive = _zip({"payload.html": HTML, "evil.js": b"alert(1)"})
    for source, label in ((good_png, "png"), (good_jpeg, "jpeg")):
        add("polyglot", f"{label}+zip", source + archive)
        add("polyglot", f"{label}+html", source + HTML)
        add("polyglot", f"{label}+svg", source + SVG)
        add("polyglot", f"{label}+pdf", source + good_pdf)
        add("polyglot", f"{label}+php", source + b"<?php system($_GET['c']); ?>")
        add("polyglot", f"{label}+elf", source + b"\x7fELF" + rng.randbytes(64))
    add("polyglot", "png-with-html-text-chunk", png(pnginfo=_text_chunk("Comment", HTML.decode())))
    add("polyglot", "png-with-zip-text-chunk", png(pnginfo=_text_chunk("Payload", archive.hex())))
    add("polyglot", "jpeg-with-html-comment", jpeg(comment=HTML))
    add("polyglot", "jpeg-with-exif-script", jpeg(exif=_exif_with(HTML)))
    add("polyglot", "pdf+html-tail", good_pdf + HTML + b"\n%%EOF\n")
    add("polyglot", "pdf+zip-tail", good_pdf + archive + b"\n%%EOF\n")
    add("polyglot", "html-then-pdf", HTML + good_pdf)
    add("polyglot", "zip-then-png", archive + good_png)
    add("polyglot", "pdf-with-html-in-content", one_page_pdf(content=b"% " + HTML + b"\n0 0 1 rg 0 0 9 9 re f"))
    add("polyglot", "pdf-with-zip-stream", one_page_pdf(b"", b"", stream(b"/Subtype /Zip", archive)))

    for width, height in ((50_000, 50_000), (65_535, 65_535), (1_000_000, 1), (1, 1_000_000), (2**31 - 1, 2**31 - 1)):
        add("decompression bomb", f"png-header-claims-{width}x{height}", _patched_png(width, height))
    add("decompression bomb", "png-real-zero-pixels-8000x6000", _png_with_idat_bomb(8000, 6000))
    add("decompression bomb", "jpeg-header-claims-65500x65500", _patched_jpeg(65_500, 65_500))
    add("decompression bomb", "jpeg-header-claims-60000x1000", _patched_jpeg(60_000, 1000))
    bomb = _flate_bomb(150)
    add("decompression bomb", "pdf-content-stream-150MB",
        raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                stream(b"/Filter /FlateDecode", bomb)))
    add("decompression bomb", "pdf-unreferenced-150MB-stream",
        one_page_pdf(b"", b"", stream(b"/Filter /FlateDecode", bomb)))
    add("decompression bomb", "pdf-syntax-bomb-in-object-stream",
        _pdf_with_object_stream(b"[" + b" ".join([b"[0 1 2 3 4 5 6 7 8 9]"] * 150_000) + b"]"))
    add("decompression bomb", "pdf-image-60000x60000",
        one_page_pdf(b"", b"/Resources << /XObject << /Im0 5 0 R >> >>",
                     stream(b"/Type /XObject /Subtype /Image /Width 60000 /Height 60000 /ColorSpace /DeviceGray"
                            b" /BitsPerComponent 8 /Filter /FlateDecode", zlib.compress(b"\0" * 1000)),
                     content=b"q 500 0 0 500 0 0 cm /Im0 Do Q"))

    for width, height in ((8000, 6000), (40_001, 1000), (7000, 7000), (100_000, 500)):
        add("huge dimensions", f"png-{width}x{height}", _patched_png(width, height))
        add("huge dimensions", f"jpeg-{width}x{height}", _patched_jpeg(min(width, 65_535), height))
    add("huge dimensions", "png-zero-width", _patched_png(0, 10))
    add("huge dimensions", "png-zero-height", _patched_png(10, 0))
    add("huge dimensions", "jpeg-zero-size", _patched_jpeg(0, 0))
    add("huge dimensions", "pdf-page-14400x1", raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                                                        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                                        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 1] >>"))
    add("huge dimensions", "pdf-page-zero-area", raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                                                         b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                                         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 0 0] >>"))
    kids = b" ".join(b"%d 0 R" % n for n in range(3, 3 + 25))
    add("huge dimensions", "pdf-25-pages", raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count 25 >>",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * 25))

    for name, data in _pdf_active():
        add("pdf active content", name, data)

    for label, markup in (("html", HTML), ("svg", SVG)):
        add("disguised markup", f"{label}-as-png", markup)
        add("disguised markup", f"{label}-with-png-magic", b"\x89PNG\r\n\x1a\n" + markup + b"\x00\x00\x00\x00IEND\xaeB`\x82")
        add("disguised markup", f"{label}-with-jpeg-magic", b"\xff\xd8\xff" + markup + b"\xff\xd9")
        add("disguised markup", f"{label}-with-pdf-magic", b"%PDF-1.7\n" + markup + b"\n%%EOF\n")
        add("disguised markup", f"{label}-utf8-bom", b"\xef\xbb\xbf" + markup)
    add("disguised markup", "svgz", zlib.compress(SVG))
    add("disguised markup", "xhtml", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">' + HTML + b"</html>")
    add("disguised markup", "javascript", b"alert(document.cookie)//\xff\xd9")
    add("disguised markup", "json", b'{"__proto__": {"admin": true}}')

    add("corrupt structure", "pdf-no-xref", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    add("corrupt structure", "pdf-garbage-body", b"%PDF-1.7\nthis is not a pdf\n%%EOF\n")
    add("corrupt structure", "pdf-no-pages", raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                                                     b"<< /Type /Pages /Kids [] /Count 0 >>"))
    add("corrupt structure", "pdf-self-referencing-pages", raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                                                                   b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"))
    add("corrupt structure", "pdf-deep-nesting", one_page_pdf(b"/Deep " + b"[" * 50_000 + b"]" * 50_000))
    add("corrupt structure", "pdf-deep-dicts", one_page_pdf(b"/Deep " + b"<< /A " * 5_000 + b">> " * 5_000))
    add("corrupt structure", "pdf-xref-points-nowhere", good_pdf.replace(b"startxref\n", b"startxref\n9999999"))
    add("corrupt structure", "pdf-encrypt-dict", one_page_pdf(b"", b"", b"<< /Filter /Standard /V 1 /R 2 /O (x) /U (y) /P -4 >>")
        .replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 5 0 R"))
    add("corrupt structure", "pdf-negative-length", good_pdf.replace(b"/Length ", b"/Length -"))
    add("corrupt structure", "pdf-huge-length", good_pdf.replace(b"/Length ", b"/Length 99999999"))
    add("corrupt structure", "png-bad-crc", good_png[:29] + b"\0\0\0\0" + good_png[33:])
    add("corrupt structure", "png-idat-garbage", good_png[:41] + rng.randbytes(len(good_png) - 53) + good_png[-12:])
    add("corrupt structure", "png-bit-depth-99", _png_header_variant(bit_depth=99))
    add("corrupt structure", "png-colour-type-7", _png_header_variant(colour_type=7))
    add("corrupt structure", "png-interlace-5", _png_header_variant(interlace=5))
    add("corrupt structure", "jpeg-no-sof", good_jpeg.replace(b"\xff\xc0", b"\xff\xfe"))
    add("corrupt structure", "jpeg-scan-garbage", good_jpeg[:-200] + rng.randbytes(198) + b"\xff\xd9")
    for number in range(10):
        flipped = bytearray(good_png)
        for _ in range(8):
            flipped[rng.randrange(33, len(flipped) - 12)] ^= 1 << rng.randrange(8)
        add("corrupt structure", f"png-bitflips-{number}", bytes(flipped))
        flipped = bytearray(good_jpeg)
        for _ in range(8):
            flipped[rng.randrange(3, len(flipped) - 2)] ^= 1 << rng.randrange(8)
        add("corrupt structure", f"jpeg-bitflips-{number}", bytes(flipped))
        flipped = bytearray(good_pdf)
        for _ in range(8):
            flipped[rng.randrange(9, len(flipped) - 8)] ^= 1 << rng.randrange(8)
        add("corrupt structure", f"pdf-bitflips-{number}", bytes(flipped))
    return files


def _text_chunk(key: str, value: str) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info


def _exif_with(payload: bytes) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = payload.decode()  # ImageDescription
    return exif.tobytes()


def _png_header_variant(*, bit_depth: int = 8, colour_type: int = 2, interlace: int = 0) -> bytes:
    data = bytearray(png((16, 16)))
    data[24], data[25], data[28] = bit_depth, colour_type, interlace
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)
