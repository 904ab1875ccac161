"""The hostile-file corpus (tests/hostile_files.py) through the real upload path: 上传资质材料 and the face photo.

Every file is either refused with a Chinese message — and then nothing of it is stored: no material row, no file
in the store, only the material_refused audit event — or accepted, and then what is stored is safe: images
re-encoded from their pixels (no metadata chunks, nothing after the image's end, none of the payloads the
corpus hides), PDFs kept as uploaded only once the three inspection layers found no script, action or
attachment in them. The counts by category are printed (`pytest -s`) and recorded in docs/security.md.
"""

from __future__ import annotations

import collections
import io
import re
import struct

import pypdf
import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from jssi_app.adapters import face_match
from jssi_app.adapters.file_store import FileStore
from jssi_app.domain.errors import DomainError
from jssi_app.models.operations import AuditEvent
from jssi_app.models.units import Material
from jssi_app.services import unit_registration as units
from tests.hostile_files import CATEGORIES, corpus
from tests.services.helpers import IP, NOW
from tests.services.test_unit_registration import make_code, register

CJK = re.compile(r"[\u4e00-\u9fff]")
PAYLOAD_MARKERS = (b"<script", b"<svg", b"<html", b"<?php", b"PK\x03\x04", b"\x7fELF", b"%PDF", b"onerror",
                   b"alert(")
PNG_ALLOWED_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


@pytest.fixture(scope="module")
def files():
    made = corpus()
    assert len(made) >= 200
    return made


def _png_chunks(data: bytes) -> tuple[list[bytes], int]:
    """Chunk types in order, and how many bytes follow IEND."""
    position, kinds = 8, []
    while position < len(data):
        length = struct.unpack(">I", data[position:position + 4])[0]
        kind = data[position + 4:position + 8]
        kinds.append(kind)
        position += 12 + length
        if kind == b"IEND":
            break
    return kinds, len(data) - position


def _jpeg_markers(data: bytes) -> tuple[list[int], int]:
    """Marker bytes before the scan data, and how many bytes follow the final EOI."""
    position, markers = 2, []
    while position < len(data):
        assert data[position] == 0xFF
        marker = data[position + 1]
        markers.append(marker)
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        position += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows up to EOI
            break
    return markers, len(data) - (data.rindex(b"\xff\xd9") + 2)


def assert_clean_image(stored: bytes, kind: str) -> None:
    for marker in PAYLOAD_MARKERS:
        assert marker not in stored, marker
    image = Image.open(io.BytesIO(stored))
    image.load()
    if kind == "png":
        assert image.format == "PNG"
        chunks, trailing = _png_chunks(stored)
        assert set(chunks) <= PNG_ALLOWED_CHUNKS, chunks  # no tEXt/zTXt/iTXt/eXIf/iCCP
        assert trailing == 0
    else:
        assert image.format == "JPEG"
        markers, trailing = _jpeg_markers(stored)
        # APP0 (JFIF) only: no APP1 (EXIF/XMP), APP2 (ICC), COM (comments)
        assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE], markers
        assert trailing == 0


def assert_clean_pdf(stored: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(stored))
    assert not reader.is_encrypted
    catalog = reader.trailer["/Root"]
    assert "/OpenAction" not in catalog or "/JS" not in str(catalog["/OpenAction"])
    for name in (b"/JavaScript", b"/JS ", b"/Launch", b"/EmbeddedFile", b"/GoToE", b"/XFA", b"/RichMedia"):
        assert name not in stored


def _counts(db, store: FileStore) -> tuple[int, int]:
    materials = db.exec(select(func.count()).select_from(Material)).one()
    db.commit()
    stored = sum(1 for path in store.root.rglob("*") if path.is_file()) if store.root.exists() else 0
    return materials, stored


def test_every_corpus_file_is_refused_cleanly_or_stored_safe(db, tmp_path, files):
    store = FileStore(tmp_path / "uploads")
    reg = register(db, make_code(901))
    outcome: dict[str, collections.Counter] = {category: collections.Counter() for category in CATEGORIES}
    for category, name, content in files:
        before = _counts(db, store)
        refusals_before = db.exec(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.event == "material_refused")).one()
        db.commit()
        try:
            uploaded = units.add_material(db, reg.application_id, account_id=reg.account_id, kind="other",
                                          filename=f"{name}.png", content=content, client_ip=IP, now=NOW, store=store)
        except DomainError as exc:
            assert CJK.search(exc.message), (name, exc.message)
            assert _counts(db, store) == before, f"{name}: something was stored from a refused file"
            refusals = db.exec(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.event == "material_refused")).one()
            db.commit()
            assert refusals == refusals_before + 1, name
            outcome[category]["refused"] += 1
            continue
        material = db.get(Material, uploaded.material_id)
        db.commit()
        stored = store.get(material.storage_key)
        if material.media_type == "application/pdf":
            assert stored == content  # PDFs are kept as uploaded, after inspection (docs/review.md)
            assert_clean_pdf(stored)
            outcome[category]["accepted (PDF inspected)"] += 1
        else:
            assert_clean_image(stored, "png" if material.media_type == "image/png" else "jpeg")
            for preview_key in (material.preview_key, material.thumbnail_key):
                assert_clean_image(store.get(preview_key), "png")
            outcome[category]["re-encoded"] += 1
        assert _counts(db, store) == (before[0] + 1, before[1] + 3), name
    print("\nhostile corpus through 上传资质材料:")
    for category in CATEGORIES:
        print(f"  {category}: {sum(outcome[category].values())} files, {dict(outcome[category])}")
    # Every category that is hostile by construction is refused outright.
    for category in ("empty", "random bytes", "wrong magic", "pdf active content", "disguised markup"):
        assert set(outcome[category]) == {"refused"}, (category, outcome[category])
    assert outcome["decompression bomb"]["refused"] >= 11


def test_every_corpus_file_is_refused_or_decoded_by_the_face_photo_path(files):
    refused = accepted = 0
    for _category, name, content in files:
        try:
            image = face_match.load_photo(content, max_bytes=10 * 1024 * 1024)
        except DomainError as exc:
            assert CJK.search(exc.message), (name, exc.message)
            refused += 1
            continue
        # Only pixels go on: an upright RGB picture within the analysis bound.
        assert image.mode == "RGB" and max(image.size) <= face_match.ANALYSIS_MAX_SIDE, name
        accepted += 1
    print(f"\nhostile corpus through the face photo path: {refused} refused, {accepted} decoded to pixels")
    assert refused + accepted == len(files)
    assert refused >= 200
