"""Seed data for the backup and key-rotation tests: registry persons, registered accounts, a unit application
with real uploaded (encrypted) files, a face reference and audit events — every kind of ciphertext and
fingerprint the schema holds."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from sqlmodel import Session, select

from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.pii import cipher
from jssi_app.models.certification import FaceReference
from jssi_app.models.units import Material
from jssi_app.services import audit
from tests.services.helpers import add_registry_person, make_id, make_legacy_id, register
from tests.services.review_fixtures import add_application

PDF = b"%PDF-1.4\n% scan of a business licence\n" + bytes(range(256)) * 4


@dataclass
class Seeded:
    persons: list = field(default_factory=list)  # helpers.Person, registered or not
    accounts: list = field(default_factory=list)  # helpers.Person with an account (password helpers.PASSWORD)
    files: dict[str, bytes] = field(default_factory=dict)  # storage key -> plaintext
    application_id: int = 0
    face_person_id: int = 0


def seed(db: Session, store: FileStore, *, persons: int = 4) -> Seeded:
    out = Seeded()
    for i in range(persons):
        out.persons.append(add_registry_person(db, make_id(100 + i), f"张{'一二三四五六七八九'[i % 9]}明",
                                               phone=f"1390000{1000 + i:04d}"))
    for person in out.persons[:2]:
        register(db, person)
        out.accounts.append(person)
    out.persons.append(add_registry_person(db, make_legacy_id(7), "王建国", phone="13900009999"))  # 15 digits
    app = add_application(db, 1)
    out.application_id = app.id
    for i, material in enumerate(db.exec(select(Material).where(Material.application_id == app.id)).all()):
        for attr in ("storage_key", "preview_key", "thumbnail_key"):
            data = PDF + f"{i}:{attr}".encode()
            key = store.put(data)
            out.files[key] = data
            setattr(material, attr, key)
        db.add(material)
    c = cipher()
    photo = b"\xff\xd8\xff\xe0 a reference photo"
    face = FaceReference(person_id=out.persons[0].id,
                         photo_enc=c.encrypt("face_reference.photo", base64.b64encode(photo).decode()),
                         encoding_enc=c.encrypt("face_reference.encoding", json.dumps([0.1] * 128)))
    db.add(face)
    db.commit()
    out.face_person_id = out.persons[0].id
    for i in range(5):
        audit.record(db, "material_uploaded", actor=f"unit:{app.uscc}", subject=app.reference_no,
                     detail={"n": i})
    db.commit()
    return out
