"""Face detection and comparison with the `face_recognition` package (dlib's models, all local).

CPU-bound and synchronous (≈0.2–0.5 s a photo): call it from a worker thread and outside any database
transaction. `face_recognition` loads its ~100 MB of models when first imported, so it is imported lazily:
pages, the CLI and the tests that never compare a face do not pay for it.

A photo is checked like every upload (size, then content sniffing: JPEG or PNG only), decoded with only the
matching Pillow decoder, turned upright by its EXIF orientation (phones store portraits sideways), and scaled
down so the long side is at most `ANALYSIS_MAX_SIDE`: detection time grows with the pixel count and a face
filling the oval is far larger than the detector's 80 px minimum.

Detection uses dlib's HOG detector (face_recognition's own) with its scores: the raw detector also reports weak
candidates (a badge or a fold of clothing scores up to ~0.6 where a real face scores ~1–1.5), which would turn
a good photo into "several faces". So the best candidate is the face if it scores at least `MIN_FACE_SCORE`
(a head tilted 15° still scores ~0.3; nothing in scikit-image's face-free pictures scores above 0), and any
other candidate counts as a second face only if it scores at least `MIN_OTHER_FACE_SCORE` and half the best
(two people side by side both score > 1).
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.face_certification import DEFAULT_MATCH_THRESHOLD
from jssi_app.domain.file_types import FileKind, sniff

ANALYSIS_MAX_SIDE = 1024
# Below this the picture is upsampled once for detection (a 512 px selfie has a ~120 px face).
UPSAMPLE_BELOW_SIDE = 700
MIN_FACE_SCORE = 0.2
MIN_OTHER_FACE_SCORE = 0.5
OTHER_FACE_RELATIVE = 0.5
MAX_PIXELS = 40_000_000
REFERENCE_MAX_SIDE = 640
ENCODING_SIZE = 128

NOT_A_PHOTO = "请上传 JPG 或 PNG 格式的照片"
PHOTO_UNREADABLE = "照片无法识别，可能已损坏，请重新拍摄后上传"
PHOTO_TOO_LARGE = "照片尺寸过大（超过4000万像素），请缩小后上传"

_FORMATS = {FileKind.JPEG: ("JPEG",), FileKind.PNG: ("PNG",)}
_lock = threading.Lock()  # dlib's detector objects are shared; one analysis at a time keeps memory bounded


def match_threshold() -> float:
    """JSSI_FACE_MATCH_THRESHOLD (default 0.6): lower is stricter (fewer false accepts, more retakes)."""
    raw = os.environ.get("JSSI_FACE_MATCH_THRESHOLD", "").strip()
    if not raw:
        return DEFAULT_MATCH_THRESHOLD
    value = float(raw)
    if not 0.2 <= value <= 0.8:
        raise RuntimeError("JSSI_FACE_MATCH_THRESHOLD must be between 0.2 and 0.8")
    return value


@dataclass(frozen=True)
class FaceAnalysis:
    faces: int
    encoding: tuple[float, ...] | None  # of the one face, when exactly one was found
    width: int
    height: int


def load_photo(content: bytes, *, max_bytes: int) -> Image.Image:
    """Upright RGB picture, long side ≤ ANALYSIS_MAX_SIDE; InvalidValue (Chinese) for anything else."""
    kind = sniff(content, max_bytes=max_bytes)  # size first, then the magic bytes
    if kind not in _FORMATS:
        raise InvalidValue(NOT_A_PHOTO, code="not_a_photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=_FORMATS[kind])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidValue(PHOTO_TOO_LARGE, code="image_too_large")
            # draft() lets the JPEG decoder skip to a smaller scale: a 12-megapixel phone photo decodes at 1/4.
            if image.format == "JPEG":
                image.draft("RGB", (ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except InvalidValue:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidValue(PHOTO_TOO_LARGE, code="image_too_large") from None
    except Exception:  # noqa: BLE001 - any decoder failure is a refusal, not a crash
        raise InvalidValue(PHOTO_UNREADABLE, code="image_unreadable") from None
    image.thumbnail((ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def _library():
    with warnings.catch_warnings():
        # face_recognition_models finds its model files through pkg_resources, which warns it is deprecated.
        warnings.simplefilter("ignore", UserWarning)
        import face_recognition
        from face_recognition import api
    # face_recognition's import switches Pillow, process-wide, to accept truncated images; the upload checks
    # (adapters/scans.py) rely on Pillow refusing them, and a truncated photo must be refused here too.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return face_recognition, api


def _faces(candidates: list[tuple[float, tuple[int, int, int, int]]]) -> list[tuple[int, int, int, int]]:
    """The face boxes among the detector's (score, box) candidates, best first."""
    ranked = sorted((c for c in candidates if c[0] >= MIN_FACE_SCORE), key=lambda c: c[0], reverse=True)
    if not ranked:
        return []
    best = ranked[0][0]
    others = [box for score, box in ranked[1:]
              if score >= MIN_OTHER_FACE_SCORE and score >= OTHER_FACE_RELATIVE * best]
    return [ranked[0][1], *others]


def analyse_image(image: Image.Image) -> FaceAnalysis:
    import numpy as np

    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    upsample = 1 if max(image.size) < UPSAMPLE_BELOW_SIDE else 0
    with _lock:
        face_recognition, api = _library()

        rects, scores, _ = api.face_detector.run(pixels, upsample, MIN_FACE_SCORE)
        boxes = _faces([(float(score), (r.top(), r.right(), r.bottom(), r.left()))
                        for r, score in zip(rects, scores, strict=True)])
        encoding = None
        if len(boxes) == 1:
            encoding = tuple(float(v) for v in face_recognition.face_encodings(pixels, boxes, num_jitters=1)[0])
    return FaceAnalysis(faces=len(boxes), encoding=encoding, width=image.width, height=image.height)


def analyse(content: bytes, *, max_bytes: int) -> FaceAnalysis:
    return analyse_image(load_photo(content, max_bytes=max_bytes))


def distance(reference: tuple[float, ...], probe: tuple[float, ...]) -> float:
    import numpy as np

    return float(np.linalg.norm(np.asarray(reference) - np.asarray(probe)))


def reference_jpeg(content: bytes, *, max_bytes: int) -> tuple[bytes, FaceAnalysis]:
    """The photo to keep on file (upright, ≤ 640 px, re-encoded without any metadata) and its analysis."""
    image = load_photo(content, max_bytes=max_bytes)
    analysis = analyse_image(image)
    kept = image.copy()
    kept.thumbnail((REFERENCE_MAX_SIDE, REFERENCE_MAX_SIDE), Image.Resampling.LANCZOS)
    kept.info = {}
    out = io.BytesIO()
    kept.save(out, format="JPEG", quality=88)
    return out.getvalue(), analysis


_DATA_URL_PREFIXES = ("data:image/jpeg;base64,", "data:image/png;base64,")
CAMERA_FRAME_UNREADABLE = "未能从摄像头获取照片，请重新拍摄，或改用“上传照片”"


def photo_from_data_url(data_url: str, *, max_bytes: int) -> bytes:
    """The bytes of a camera frame the page sends as a data URL (canvas.toDataURL)."""
    import base64
    import binascii

    text = data_url if isinstance(data_url, str) else ""
    prefix = next((p for p in _DATA_URL_PREFIXES if text.startswith(p)), None)
    # base64 is 4/3 of the bytes: refuse an oversized frame before decoding it.
    if prefix is None or len(text) > len(prefix) + (max_bytes * 4) // 3 + 4:
        raise InvalidValue(CAMERA_FRAME_UNREADABLE, code="camera_frame")
    try:
        return base64.b64decode(text[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue(CAMERA_FRAME_UNREADABLE, code="camera_frame") from None
