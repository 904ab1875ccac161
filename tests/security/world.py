"""The people and objects of the authorization matrix: two persons, two approved units, three staff roles.

Everything is created through the real services or inserted exactly as the services store it (the same helpers
the service tests use), on a SQLite database of its own that the app's `engine()` is pointed at, so the state
handlers and the file routes read the same rows. Sessions are real rows made by `sessions.start_session`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field

from PIL import Image
from sqlmodel import Session, select

from jssi_app.adapters.file_store import default_store
from jssi_app.adapters.pii import cipher
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.certification import FaceReference
from jssi_app.models.registry import RegistryUnit
from jssi_app.models.units import Material, UnitAccount
from jssi_app.services import sessions
from jssi_app.services.face_certification import PHOTO_FIELD
from tests.services.helpers import NOW, add_registry_person, make_id
from tests.services.review_fixtures import add_application, add_staff

ROLES = ("anonymous", "person_a", "person_b", "unit_a", "unit_b", "reviewer", "clerk", "admin")


def png_bytes(colour=(20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 160, 120)).save(out, "JPEG")
    return out.getvalue()


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    proof_code_b: str = ""
    id_number_b: str = ""


def _person_account(db: Session, person_id: int, id_number: str, name: str, tag: str, phone: str) -> int:
    c = cipher()
    account = PersonAccount(registry_person_id=person_id, id_fp=c.fingerprint("id_number", id_number),
                            id_number_enc=c.encrypt("person_account.id_number", id_number),
                            name_enc=c.encrypt("person_account.name", name),
                            phone_enc=c.encrypt("person_account.phone", phone), phone_fp=c.fingerprint("phone", phone),
                            password_hash="!", profile_completed_at=NOW)
    db.add(account)
    db.commit()
    return int(account.id)


def _approved_unit(db: Session, seq: int, name: str) -> tuple[int, int]:
    app = add_application(db, seq, unit_name=name, status="approved")
    account = db.get(UnitAccount, app.account_id)
    account.approved_at = NOW
    db.add(account)
    db.commit()
    return app.id, app.account_id


def _real_files(db: Session, application_id: int) -> int:
    """Give the application's first material real stored files (so an allowed read gets 200); its id."""
    store = default_store()
    material = db.exec(select(Material).where(Material.application_id == application_id)).first()
    png = png_bytes()
    material.storage_key, material.preview_key, material.thumbnail_key = store.put(png), store.put(png), store.put(png)
    material.media_type = "image/png"
    db.add(material)
    db.commit()
    return int(material.id)


def build(db: Session) -> World:
    from decimal import Decimal

    from jssi_app.models.registry import Contribution
    from jssi_app.services.contribution_proofs import issue_proof

    w = World()
    now = dt.datetime.now(dt.UTC)
    unit = RegistryUnit(uscc="91320100000000002B", name="南京紫金山软件科技有限公司", unit_type="企业",
                        legal_rep_name_enc="x", legal_rep_id_enc="x", legal_rep_id_fp="x", region_code="320102",
                        address="南京市", insured_since="1996-01", status="正常")
    db.add(unit)
    db.commit()
    id_a, id_b = make_id(31), make_id(32)
    person_a = add_registry_person(db, id_a, "张三丰")
    person_b = add_registry_person(db, id_b, "李四光")
    w.id_number_b = id_b
    w.ids["person_a"] = _person_account(db, person_a.id, id_a, "张三丰", "a", "13800000031")
    w.ids["person_b"] = _person_account(db, person_b.id, id_b, "李四光", "b", "13800000032")
    w.ids["registry_person_b"] = person_b.id
    for period in ("2026-01", "2026-02"):
        db.add(Contribution(person_id=person_b.id, period=period, insurance_code="110", unit_id=unit.id,
                            base=Decimal("6000.00"), personal_amount=Decimal("480.00"),
                            unit_amount=Decimal("960.00"), paid_status="已实缴"))
    db.commit()
    w.proof_code_b = issue_proof(db, account_id=w.ids["person_b"], from_month="2026-01", to_month="2026-02",
                                 insurance_codes=("110",), client_ip="198.51.100.1", now=now,
                                 public_url="https://hall.example.cn").code
    db.commit()
    c = cipher()
    db.add(FaceReference(person_id=person_b.id, photo_enc=c.encrypt(PHOTO_FIELD, base64.b64encode(jpeg_bytes()).decode()),
                         encoding_enc=c.encrypt("face_reference.encoding", "[]"), enrolled_at=NOW))
    db.commit()
    w.ids["application_a"], w.ids["unit_a"] = _approved_unit(db, 41, "南京甲公司")
    w.ids["application_b"], w.ids["unit_b"] = _approved_unit(db, 42, "南京乙公司")
    w.ids["material_a"] = _real_files(db, w.ids["application_a"])
    w.ids["material_b"] = _real_files(db, w.ids["application_b"])
    w.ids["application_pending"] = add_application(db, 43, unit_name="南京丙公司").id
    from jssi_app.domain.counter_tasks import MANUAL_CERTIFICATION
    from jssi_app.services.counter_tasks import open_task

    task = open_task(db, MANUAL_CERTIFICATION, summary="人工认证", actor="system", person_id=person_b.id, now=now)
    db.commit()
    w.ids["counter_task"] = int(task.id)
    for role in ("reviewer", "clerk", "admin"):
        w.ids[role] = add_staff(db, f"matrix-{role}", role=role, display_name=f"测试{role}")
    kinds = {"person_a": "person", "person_b": "person", "unit_a": "unit", "unit_b": "unit",
             "reviewer": "staff", "clerk": "staff", "admin": "staff"}
    w.tokens["anonymous"] = ""
    for role, kind in kinds.items():
        w.tokens[role] = sessions.start_session(db, account_kind=kind, account_id=w.ids[role], client_ip="198.51.100.1",
                                                now=now)
        db.commit()
    return w
