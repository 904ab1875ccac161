"""Face matching on real photos: the same person through everyday changes matches, others do not."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from jssi_app.adapters import face_match
from jssi_app.domain import face_certification as rules
from jssi_app.domain.errors import InvalidValue
from tests import face_photos

LIMIT = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def reference() -> tuple[float, ...]:
    found = face_match.analyse(face_photos.jpeg(face_photos.astronaut()), max_bytes=LIMIT)
    assert found.faces == 1
    return found.encoding


def _outcome(reference, photo: bytes) -> tuple[str, float | None]:
    found = face_match.analyse(photo, max_bytes=LIMIT)
    dist = face_match.distance(reference, found.encoding) if found.encoding else None
    return rules.outcome_of(found.faces, dist, face_match.match_threshold()), dist


@pytest.mark.parametrize("variant", sorted(face_photos.transformed_astronauts()))
def test_transformed_copies_of_the_same_portrait_match(reference, variant):
    outcome, dist = _outcome(reference, face_photos.transformed_astronauts()[variant])
    assert outcome == rules.MATCHED, (variant, dist)
    assert dist < 0.45


def test_a_different_person_is_refused_as_not_the_same_person(reference):
    outcome, dist = _outcome(reference, face_photos.jpeg(face_photos.grace_hopper()))
    assert outcome == rules.MISMATCH
    assert dist > face_match.match_threshold()


def test_a_picture_without_a_face_is_no_face(reference):
    assert _outcome(reference, face_photos.jpeg(face_photos.coffee())) == (rules.NO_FACE, None)


def test_two_people_in_the_picture_are_several_faces(reference):
    pair = face_photos.side_by_side(face_photos.astronaut(), face_photos.grace_hopper())
    outcome, _ = _outcome(reference, face_photos.jpeg(pair))
    assert outcome == rules.SEVERAL_FACES


def test_big_photos_are_scaled_down_before_detection():
    big = face_photos.astronaut().resize((3000, 3000))
    found = face_match.analyse(face_photos.jpeg(big), max_bytes=LIMIT)
    assert max(found.width, found.height) <= face_match.ANALYSIS_MAX_SIDE
    assert found.faces == 1


def test_exif_orientation_is_honoured():
    upright = face_photos.astronaut()
    image = face_match.load_photo(face_photos.sideways_with_exif(upright), max_bytes=LIMIT)
    assert image.size == (512, 512)
    # The pixels come back upright: close to the original (JPEG noise only), far from the sideways ones.
    def diff(a, b):
        return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3
    assert diff(image, upright) < 6
    assert diff(image, upright.transpose(Image.Transpose.ROTATE_90)) > 30


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"<html><script>alert(1)</script></html>", "JPG、PNG"),
        (b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", "JPG 或 PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9", "照片无法识别"),
    ],
)
def test_files_that_are_no_photo_are_refused_with_a_message(content, message):
    with pytest.raises(InvalidValue) as refused:
        face_match.analyse(content, max_bytes=LIMIT)
    assert message in refused.value.message


def test_oversized_files_are_refused_before_decoding():
    photo = face_photos.jpeg(face_photos.astronaut())
    with pytest.raises(InvalidValue) as refused:
        face_match.analyse(photo, max_bytes=len(photo) - 1)
    assert "超过" in refused.value.message


def test_threshold_is_configurable(monkeypatch):
    assert face_match.match_threshold() == 0.6
    monkeypatch.setenv("JSSI_FACE_MATCH_THRESHOLD", "0.5")
    assert face_match.match_threshold() == 0.5
    monkeypatch.setenv("JSSI_FACE_MATCH_THRESHOLD", "5")
    with pytest.raises(RuntimeError):
        face_match.match_threshold()


def test_reference_photo_is_reencoded_small_without_metadata():
    stored, found = face_match.reference_jpeg(face_photos.sideways_with_exif(face_photos.astronaut()), max_bytes=LIMIT)
    import io

    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG" and max(kept.size) <= face_match.REFERENCE_MAX_SIDE
    assert not kept.getexif()
    assert found.faces == 1 and len(found.encoding) == face_match.ENCODING_SIZE



def test_loading_the_face_library_leaves_pillow_refusing_truncated_images(reference):
    # face_recognition's import tells Pillow to accept truncated images for the whole process, which would
    # let truncated scans through adapters/scans.py; loading it must leave Pillow strict.
    from PIL import ImageFile

    face_match._library()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
