"""One uploaded scan (营业执照, 身份证复印件, 授权委托书 …): checked, cleaned, previewed.

The caller has already sniffed the kind from the magic bytes (`jssi_app.domain.file_types.sniff`); here the
file is fully decoded, because only a successful decode shows a file really is what its first bytes claim.
Everything runs synchronously and is CPU-bound: call it from a worker thread (`asyncio.to_thread`).

Images (JPEG, PNG) are opened with only the matching Pillow decoder allowed, their size is read from the
header and refused before any pixel is decoded, then decoded in full (a truncated file fails here). The
EXIF orientation is applied and the picture re-encoded from its pixels alone, so EXIF (GPS position,
camera serial), XMP, ICC profiles, comments, text chunks and anything appended after the image (polyglot
tails) are gone; only the re-encoded file is stored. Memory is bounded by `max_pixels`.

PDFs are stored as uploaded (re-writing a PDF is where converters break documents), so they are inspected
before anything renders them, in three independent layers, any of which refuses:

1. The raw bytes outside stream bodies (the object syntax) are limited to 2 MB and searched for the names
   below, #-escapes decoded, so an object that pypdf's parser does not see (a parser differential) cannot
   carry them either.
2. pypdf reads every object the cross-reference data lists (not only those reachable from the catalog) and
   refuses encryption, more than 20 pages, JavaScript (/JS, /JavaScript name trees, JavaScript actions,
   including /OpenAction and page or field /AA), /Launch and /GoToE actions, embedded files
   (/EmbeddedFiles, /EF, /EmbeddedFile, file-attachment annotations), XFA forms and RichMedia. It also
   bounds the work that parsing and rendering cost: at most 10 000 objects and 2 MB of object syntax
   (counting what object streams inflate to, measured before pypdf parses them), images of at most
   `max_pixels`, and at most 100 MB of decompressed non-image stream data in the whole file (a 1 MB PDF
   whose page content inflates to 1 GB of blanks takes pdfium 2 GB of memory; image streams are decoded by
   pdfium only up to their declared size, so for them the dimensions are what is bounded).
3. pdfium, the renderer, is asked for its own count of document JavaScript actions, attachments and
   security handler; it then renders the first page (without forms) to at most 1600 px.

pdfium is not thread-safe, so every call into it holds one process-wide lock; the pypdf checks run outside
it. Every refusal is an InvalidValue with a Chinese message and a `code` for callers and logs.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import warnings
import zlib
from dataclasses import dataclass

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from jssi_app.domain.errors import InvalidValue

MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PDF_PAGES = 20
PREVIEW_MAX_SIDE = 1600
THUMBNAIL_MAX_SIDE = 320
JPEG_QUALITY = 90
# zlib's level 9 ("optimize") costs ~5x the time of the default level on photo-like pixels (11 s against 2 s
# for a noisy A4 at 300 dpi) for ~15% less; above this size the default level keeps the work bounded.
PNG_OPTIMIZE_MAX_PIXELS = 12_000_000

# Bounds on the work a PDF may cause (see the module docstring). pypdf parses ~4 000 objects or ~0.5 MB of
# object syntax a second, so these keep the inspection of the worst file to a few seconds; scanned and
# exported PDFs use a few hundred objects and a few hundred KB.
PDF_MAX_OBJECTS = 10_000
PDF_MAX_SYNTAX_BYTES = 2 * 1024 * 1024  # object syntax: outside stream bodies plus inside object streams
PDF_MAX_DECODED_BYTES = 100 * 1024 * 1024  # non-image stream data, decompressed, whole file
_PDF_MAX_NODES = 1_000_000  # dictionary/array entries the inspection visits, all objects together

MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}

# --- messages (shown to the person uploading) ------------------------------------------------------------

FILE_TOO_LARGE = "文件大小超过10MB，请降低扫描分辨率或压缩后重新上传"
IMAGE_UNREADABLE = "图片无法识别，可能已损坏，请重新拍照或扫描后上传"
IMAGE_TOO_LARGE = "图片尺寸过大（超过{limit}），请缩小后上传"
PDF_UNREADABLE = "PDF 文件无法打开，可能已损坏或已加密，请重新生成后上传"
PDF_ENCRYPTED = "PDF 文件已加密（设有密码或权限限制），请取消加密后重新生成上传"
PDF_TOO_MANY_PAGES = f"PDF 页数过多（超过{MAX_PDF_PAGES}页），请只上传所需页面"
PDF_ACTIVE_CONTENT = "PDF 含有脚本或附件，出于安全考虑不予接收，请重新导出为普通 PDF"
PDF_TOO_COMPLEX = "PDF 文件结构异常或内容过大，无法安全处理，请重新导出或“打印为 PDF”后上传"
PDF_IMAGE_TOO_LARGE = "PDF 中的图片尺寸过大（超过{limit}），请降低扫描分辨率后重新生成"
PDF_RENDER_FAILED = "PDF 第一页无法显示，可能已损坏，请重新生成后上传"


@dataclass(frozen=True)
class ProcessedScan:
    kind: str  # "jpeg" | "png" | "pdf", as sniffed
    sha256: str  # hex digest of the bytes as uploaded
    stored: bytes  # what is kept: the re-encoded image, or the PDF as uploaded
    stored_media_type: str
    preview_png: bytes  # long side ≤ 1600 px
    thumbnail_png: bytes  # long side ≤ 320 px
    width: int  # of the (upright) image, or of the first page in points (px at 72 dpi)
    height: int
    pages: int  # 1 for images


def process_scan(
    content: bytes, kind: str, *, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_SCAN_BYTES
) -> ProcessedScan:
    """Check, clean and preview one upload; InvalidValue (Chinese message) if it is refused.

    `kind` is what `sniff` decided ("jpeg", "png" or "pdf"); another value is a programming error.
    """
    kind = str(kind)
    if kind not in MEDIA_TYPES:
        raise ValueError(f"unknown scan kind {kind!r}")
    if len(content) > max_bytes:
        raise InvalidValue(FILE_TOO_LARGE, code="file_too_large")
    content = bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    if kind == "pdf":
        return _process_pdf(content, digest, max_pixels)
    return _process_image(content, kind, digest, max_pixels)


def _pixels_text(max_pixels: int) -> str:
    if max_pixels >= 10_000 and max_pixels % 10_000 == 0:
        return f"{max_pixels // 10_000}万像素"
    return f"{max_pixels}像素"


# ==== images ==============================================================================================

_PIL_FORMATS = {"jpeg": ("JPEG",), "png": ("PNG",)}
# A JPEG carrying Multi-Picture data (some phone cameras) opens as MPO; its first picture is the photo.
_ACCEPTED_FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}}
_ORIENTATION = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_PNG_KEPT_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I;16B"}


def _image_unreadable() -> InvalidValue:
    return InvalidValue(IMAGE_UNREADABLE, code="image_unreadable")


def _image_too_large(max_pixels: int) -> InvalidValue:
    return InvalidValue(IMAGE_TOO_LARGE.format(limit=_pixels_text(max_pixels)), code="image_too_large")


def _decode_image(content: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Open with only the expected decoder, refuse oversize from the header, then decode every pixel."""
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard (Image.MAX_IMAGE_PIXELS) warns before it errors; both refuse here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=_PIL_FORMATS[kind])
            if image.format not in _ACCEPTED_FORMATS[kind]:
                raise _image_unreadable()
            width, height = image.size
            if width < 1 or height < 1:
                raise _image_unreadable()
            if width * height > max_pixels:
                raise _image_too_large(max_pixels)
            image.load()
    except InvalidValue:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _image_too_large(max_pixels) from None
    except Exception:  # noqa: BLE001 - any decoder failure (truncated, corrupt, hostile) is a refusal
        raise _image_unreadable() from None
    return image


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - malformed EXIF: treat as upright, it is dropped anyway
        return 1
    return value if isinstance(value, int) else 1


def _clean_image(image: Image.Image, kind: str) -> Image.Image:
    """Upright pixels in a mode the output format keeps, with no metadata left to copy."""
    method = _TRANSPOSE.get(_orientation(image))
    if method is not None:
        image = image.transpose(method)
    if kind == "jpeg":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")  # CMYK and 12-bit scans
    else:
        has_alpha = "A" in image.mode or "transparency" in image.info
        if image.mode == "P" and not has_alpha:
            pass  # palette PNGs stay small; the palette lives on the image, not in its info
        elif has_alpha and image.mode not in ("LA", "RGBA"):
            image = image.convert("RGBA")  # the tRNS chunk is metadata we drop; fold it into pixels
        elif image.mode not in _PNG_KEPT_MODES:
            image = image.convert("RGB")
    # The encoders copy ICC profiles, comments, transparency and such from `info`: start from nothing.
    image.info = {}
    return image


def _encode_stored(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "jpeg":
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif image.width * image.height <= PNG_OPTIMIZE_MAX_PIXELS:
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _preview_source(image: Image.Image) -> Image.Image:
    """8-bit L or RGB, alpha flattened onto white, ready to be resized with a good filter."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("LA", "RGBA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode == "1":
        return image.convert("L")
    if image.mode not in ("L", "RGB"):
        return image.convert("RGB")
    return image


def _fit(image: Image.Image, limit: int) -> Image.Image:
    width, height = image.size
    longest = max(width, height)
    if longest <= limit:
        return image
    scale = limit / longest
    size = (max(1, min(limit, round(width * scale))), max(1, min(limit, round(height * scale))))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _previews(image: Image.Image) -> tuple[bytes, bytes]:
    preview = _fit(_preview_source(image), PREVIEW_MAX_SIDE)
    preview.info = {}
    thumbnail = _fit(preview, THUMBNAIL_MAX_SIDE)
    return _png(preview), _png(thumbnail)


def _process_image(content: bytes, kind: str, digest: str, max_pixels: int) -> ProcessedScan:
    image = _clean_image(_decode_image(content, kind, max_pixels), kind)
    try:
        stored = _encode_stored(image, kind)
        preview, thumbnail = _previews(image)
    except Exception:  # noqa: BLE001 - an encoder choking on odd decoded data is still a bad upload
        raise _image_unreadable() from None
    return ProcessedScan(
        kind=kind,
        sha256=digest,
        stored=stored,
        stored_media_type=MEDIA_TYPES[kind],
        preview_png=preview,
        thumbnail_png=thumbnail,
        width=image.width,
        height=image.height,
        pages=1,
    )


# ==== PDFs ================================================================================================

# pdfium keeps global state and is not thread-safe, even across documents.
_PDFIUM_LOCK = threading.Lock()

# Keys whose mere presence means script or attachment.
_FORBIDDEN_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"})
# Action types (/S) refused: scripts, starting programs, jumping into embedded files, rich media.
_FORBIDDEN_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/RichMediaExecute"})
_FORBIDDEN_TYPES = frozenset({"/EmbeddedFile"})
_FORBIDDEN_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia"})
# The same, as they may appear anywhere in the file's own syntax (layer 1).
_FORBIDDEN_RAW_NAMES = frozenset(
    name.encode()[1:] for name in _FORBIDDEN_KEYS | _FORBIDDEN_ACTIONS | _FORBIDDEN_TYPES | _FORBIDDEN_SUBTYPES
)

_FLATE = frozenset({"/FlateDecode", "/Fl"})
# Filters whose output is at most a few times their input (or, for image codecs, bounded by the image size).
_NON_EXPANDING = frozenset(
    {"/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85", "/DCTDecode", "/DCT", "/JPXDecode",
     "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
)  # fmt: skip

_STREAM_BODY = re.compile(rb">>\s*stream(?:\r\n|\r|\n).*?endstream", re.DOTALL)
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /<>\[\]()%{}]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _pdf_unreadable() -> InvalidValue:
    return InvalidValue(PDF_UNREADABLE, code="pdf_unreadable")


def _pdf_too_complex() -> InvalidValue:
    return InvalidValue(PDF_TOO_COMPLEX, code="pdf_too_complex")


def _pdf_active_content() -> InvalidValue:
    return InvalidValue(PDF_ACTIVE_CONTENT, code="pdf_active_content")


def _pdf_too_many_pages() -> InvalidValue:
    return InvalidValue(PDF_TOO_MANY_PAGES, code="pdf_too_many_pages")


class _Inspection:
    """Layer 2: every object pypdf can find, checked for active content and for the work it implies."""

    def __init__(self, reader: pypdf.PdfReader, max_pixels: int, syntax_budget: int) -> None:
        self.reader = reader
        self.max_pixels = max_pixels
        self.syntax_budget = syntax_budget
        self.decoded_budget = PDF_MAX_DECODED_BYTES
        self.nodes = 0

    def check_size(self) -> None:
        """Before anything is parsed: the object count, and the syntax hidden in object streams."""
        if sum(map(len, self.reader.xref.values())) + len(self.reader.xref_objStm) > PDF_MAX_OBJECTS:
            raise _pdf_too_complex()
        for number in sorted({stream_number for stream_number, _ in self.reader.xref_objStm.values()}):
            container = self.reader.get_object(number)
            if isinstance(container, StreamObject):
                self.syntax_budget -= self._decoded_size(container, max(self.syntax_budget, 0))
                if self.syntax_budget < 0:
                    raise _pdf_too_complex()

    def run(self) -> None:
        refs = [(idnum, generation) for generation, entries in self.reader.xref.items() for idnum in entries]
        refs += [(idnum, 0) for idnum in self.reader.xref_objStm]
        self._walk(self.reader.trailer)
        for idnum, generation in refs:
            self._walk(self.reader.get_object(IndirectObject(idnum, generation, self.reader)))

    def _walk(self, root: object) -> None:
        # Direct objects only: references are not followed, since every indirect object is walked itself.
        stack = [root]
        while stack:
            obj = stack.pop()
            self.nodes += 1
            if self.nodes > _PDF_MAX_NODES:
                raise _pdf_too_complex()
            if isinstance(obj, DictionaryObject):
                self._check_dictionary(obj)
                stack.extend(dict.values(obj))
            elif isinstance(obj, ArrayObject):
                stack.extend(list.__iter__(obj))

    @staticmethod
    def _name(value: object) -> object:
        if isinstance(value, IndirectObject):
            value = value.get_object()
        return value if isinstance(value, str) else None

    def _check_dictionary(self, obj: DictionaryObject) -> None:
        if not _FORBIDDEN_KEYS.isdisjoint(obj.keys()):
            raise _pdf_active_content()
        if (
            self._name(dict.get(obj, "/S")) in _FORBIDDEN_ACTIONS
            or self._name(dict.get(obj, "/Type")) in _FORBIDDEN_TYPES
            or self._name(dict.get(obj, "/Subtype")) in _FORBIDDEN_SUBTYPES
        ):
            raise _pdf_active_content()
        if isinstance(obj, StreamObject):
            self._check_stream(obj)

    def _check_stream(self, stream: StreamObject) -> None:
        if self._name(dict.get(stream, "/Subtype")) == "/Image":
            width = _int(dict.get(stream, "/Width"))
            height = _int(dict.get(stream, "/Height"))
            if width is not None and height is not None and width * height > self.max_pixels:
                raise InvalidValue(
                    PDF_IMAGE_TOO_LARGE.format(limit=_pixels_text(self.max_pixels)), code="pdf_image_too_large"
                )
            return  # pdfium decodes image data only up to the declared size
        self.decoded_budget -= self._decoded_size(stream, self.decoded_budget)
        if self.decoded_budget < 0:
            raise _pdf_too_complex()

    @staticmethod
    def _filters(stream: StreamObject) -> list[str]:
        value = dict.get(stream, "/Filter")
        if isinstance(value, IndirectObject):
            value = value.get_object()
        if value is None:
            return []
        if isinstance(value, ArrayObject):
            return [str(item.get_object() if isinstance(item, IndirectObject) else item) for item in value]
        return [str(value)]

    def _decoded_size(self, stream: StreamObject, limit: int) -> int:
        raw = getattr(stream, "_data", b"") or b""
        filters = self._filters(stream)
        if not filters:
            return len(raw)
        if len(filters) == 1 and filters[0] in _FLATE:
            return _inflated_size(raw, limit)
        if all(name in _NON_EXPANDING for name in filters):
            return 4 * len(raw)
        # LZW, run-length and filter chains: rare; pypdf decodes them under its own output limits.
        try:
            return len(stream.get_data())
        except LimitReachedError:
            raise _pdf_too_complex() from None
        except Exception:  # noqa: BLE001 - undecodable data renders as nothing
            return len(raw)


def _int(value: object) -> int | None:
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes a FlateDecode stream inflates to, counted in 1 MB steps and stopped past `limit`.

    Nothing is kept, so memory stays at one step. Corrupt data counts what inflates before the error,
    which is also all pdfium would get.
    """
    inflater = zlib.decompressobj()
    total = 0
    data = raw
    try:
        while not inflater.eof:
            # Called again with empty input while output is pending: a few bytes can inflate to megabytes.
            step = len(inflater.decompress(data, 1 << 20))
            total += step
            if total > limit or step == 0:  # no output means the input is used up (or stuck)
                break
            data = inflater.unconsumed_tail
    except zlib.error:
        pass
    return total


def _check_syntax(content: bytes) -> int:
    """Layer 1: the file's syntax outside stream bodies is bounded and names nothing forbidden.

    Returns the syntax's size, which counts against PDF_MAX_SYNTAX_BYTES together with object streams.
    """
    syntax = _STREAM_BODY.sub(b">> ", content)
    if len(syntax) > PDF_MAX_SYNTAX_BYTES:
        raise _pdf_too_complex()
    for match in _NAME.finditer(syntax):
        name = match.group(1)
        if b"#" in name:
            name = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        if name in _FORBIDDEN_RAW_NAMES:
            raise _pdf_active_content()
    return len(syntax)


def _inspect_pdf(content: bytes, max_pixels: int, syntax_size: int = 0) -> None:
    """Layer 2: pypdf's view of the file (encryption, pages, every object)."""
    try:
        reader = pypdf.PdfReader(
            io.BytesIO(content), strict=False, xref_stream_maximum_entries=2 * PDF_MAX_OBJECTS
        )
        encrypted = reader.is_encrypted
    except LimitReachedError:
        raise _pdf_too_complex() from None
    except Exception:  # noqa: BLE001 - anything pypdf cannot parse is not inspected, so not accepted
        raise _pdf_unreadable() from None
    if encrypted:
        raise InvalidValue(PDF_ENCRYPTED, code="pdf_encrypted")
    try:
        inspection = _Inspection(reader, max_pixels, PDF_MAX_SYNTAX_BYTES - syntax_size)
        inspection.check_size()
        pages = len(reader.pages)
        if pages == 0:
            raise _pdf_unreadable()
        if pages > MAX_PDF_PAGES:
            raise _pdf_too_many_pages()
        inspection.run()
    except InvalidValue:
        raise
    except (LimitReachedError, RecursionError, MemoryError):
        raise _pdf_too_complex() from None
    except Exception:  # noqa: BLE001
        raise _pdf_unreadable() from None


def _render_first_page(content: bytes) -> tuple[Image.Image, int, int, int]:
    """Layer 3 and the preview: pdfium's own checks, then page 1 at ≤ 1600 px. Holds the pdfium lock."""
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(content)
        except Exception:  # noqa: BLE001 - PdfiumError and friends
            raise _pdf_unreadable() from None
        try:
            if pdfium_c.FPDF_GetSecurityHandlerRevision(document) != -1:
                raise InvalidValue(PDF_ENCRYPTED, code="pdf_encrypted")
            pages = len(document)
            if pages < 1:
                raise _pdf_unreadable()
            if pages > MAX_PDF_PAGES:
                raise _pdf_too_many_pages()
            if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document) != 0 or document.count_attachments() != 0:
                raise _pdf_active_content()
            try:
                page = document[0]
                try:
                    width, height = page.get_size()
                    longest = max(width, height)
                    scale = PREVIEW_MAX_SIDE / longest if longest > 0 else 0
                    if min(width, height) * scale < 1:
                        raise ValueError("page has no area")
                    bitmap = page.render(
                        scale=scale,
                        may_draw_forms=False,
                        limit_image_cache=True,
                        fill_color=(255, 255, 255, 255),
                    )
                    try:
                        image = bitmap.to_pil().convert("RGB")  # a copy, independent of pdfium's buffer
                    finally:
                        bitmap.close()
                finally:
                    page.close()
            except Exception:  # noqa: BLE001
                raise InvalidValue(PDF_RENDER_FAILED, code="pdf_render_failed") from None
        finally:
            document.close()
    return image, max(1, round(width)), max(1, round(height)), pages


def _process_pdf(content: bytes, digest: str, max_pixels: int) -> ProcessedScan:
    _inspect_pdf(content, max_pixels, _check_syntax(content))
    rendered, width, height, pages = _render_first_page(content)
    preview_image = _fit(rendered, PREVIEW_MAX_SIDE)
    preview, thumbnail = _png(preview_image), _png(_fit(preview_image, THUMBNAIL_MAX_SIDE))
    return ProcessedScan(
        kind="pdf",
        sha256=digest,
        stored=content,
        stored_media_type=MEDIA_TYPES["pdf"],
        preview_png=preview,
        thumbnail_png=thumbnail,
        width=width,
        height=height,
        pages=pages,
    )
