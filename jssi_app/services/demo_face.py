"""Demo data for 人脸识别认证: one retired person of the demo registry with a reference photo on file.

The photo is scikit-image's astronaut portrait (Eileen Collins, NASA, public domain). `seed_demo_face` enrols it
for the first retired person (18-digit ID, lowest registry id) unless a demo photo exists already, and writes
the portrait (and matplotlib's Grace Hopper portrait, a different person) to DATA_DIR/demo-face/ so that
someone trying `make run` can register that person and certify by uploading the photo. A demo enrolment has
no clerk (`enrolled_by` is None): that is how `demo_retiree` finds it again. Not for production.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from jssi_app.adapters.pii import cipher
from jssi_app.domain.face_certification import RETIRED_STATUS, RETIRED_TYPE
from jssi_app.models.certification import FaceReference
from jssi_app.models.registry import RegistryPerson
from jssi_app.services.face_certification import save_reference

SAME_PERSON_FILE = "本人照片-astronaut.jpg"
OTHER_PERSON_FILE = "他人照片-grace_hopper.jpg"


@dataclass(frozen=True)
class DemoRetiree:
    id_number: str
    name: str
    same_photo: Path
    other_photo: Path


def _jpeg(image) -> bytes:  # noqa: ANN001
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=92)
    return out.getvalue()


def write_demo_photos(folder: Path) -> tuple[Path, Path]:
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    same = folder / SAME_PERSON_FILE
    same.write_bytes(_jpeg(Image.fromarray(data.astronaut())))
    other = folder / OTHER_PERSON_FILE
    try:
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
            other.write_bytes(_jpeg(Image.open(fh)))
    except ImportError:  # matplotlib is a test dependency; the demo works without the second photo
        pass
    return same, other


def demo_retiree(db: Session, folder: Path) -> DemoRetiree | None:
    try:
        row = db.exec(
            select(RegistryPerson).join(FaceReference, col(FaceReference.person_id) == col(RegistryPerson.id))
            .where(FaceReference.enrolled_by == None).order_by(col(RegistryPerson.id)).limit(1)  # noqa: E711
        ).first()
        if row is None:
            return None
        c = cipher()
        return DemoRetiree(id_number=c.decrypt("registry_person.id_number", row.id_number_enc),
                           name=c.decrypt("registry_person.name", row.name_enc),
                           same_photo=folder / SAME_PERSON_FILE, other_photo=folder / OTHER_PERSON_FILE)
    finally:
        db.commit()


def seed_demo_face(db: Session, folder: Path, *, now: dt.datetime) -> DemoRetiree | None:
    """Enrol the demo reference photo once; returns the demo retiree (None if the registry has no retiree)."""
    from jssi_app.adapters import face_match

    same, _other = write_demo_photos(folder)
    existing = demo_retiree(db, folder)
    if existing is not None:
        return existing
    try:
        person = db.exec(
            select(RegistryPerson).where(RegistryPerson.person_type == RETIRED_TYPE,
                                         RegistryPerson.insured_status == RETIRED_STATUS,
                                         RegistryPerson.id_length == 18)
            .order_by(col(RegistryPerson.id)).limit(1)
        ).first()
        person_id = person.id if person else None
    finally:
        db.commit()
    if person_id is None:
        return None
    jpeg, analysis = face_match.reference_jpeg(same.read_bytes(), max_bytes=10 * 1024 * 1024)
    try:
        person = db.get(RegistryPerson, person_id)
        save_reference(db, person, jpeg, analysis.encoding, enrolled_by=None, actor="seed-demo", client_ip="",
                       detail={"demo": True}, now=now)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return demo_retiree(db, folder)
