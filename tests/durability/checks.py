"""What must hold after any number of kill -9s: acknowledged submissions present and intact, no partial record,
no stored file without its row (after the sweep), every row's files present and decrypting, the audit chain whole.
"""

from __future__ import annotations

import collections
import io
import json
from pathlib import Path

from PIL import Image
from sqlalchemy import func
from sqlmodel import Session, col, select

from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.pii import cipher
from jssi_app.db import engine_for
from jssi_app.domain.review import ApplicationStatus
from jssi_app.models.accounts import PersonAccount, VerificationCode
from jssi_app.models.operations import AuditEvent
from jssi_app.models.units import Material, MaterialRejection, ReviewRound, UnitAccount, UnitApplication
from jssi_app.services.stored_files import find_orphans
from tests.durability.harness import Ledger, run


def _session(url: str) -> Session:
    return Session(engine_for(url), expire_on_commit=False)


def check_files(db: Session, store: FileStore) -> int:
    """Every material row's three files exist and decrypt, and decode as what they claim to be; the count."""
    checked = 0
    for m in db.exec(select(Material)).all():
        original = store.get(m.storage_key)  # FileNotFoundError / StoredFileCorrupt fail the test
        if m.media_type == "application/pdf":
            assert original.startswith(b"%PDF-"), m.id
        else:
            Image.open(io.BytesIO(original)).verify()
        for key in (m.preview_key, m.thumbnail_key):
            Image.open(io.BytesIO(store.get(key))).verify()
        checked += 3
    db.commit()
    return checked


def check_acknowledged(db: Session, ledger: Ledger) -> int:
    """Every submission the client saw succeed is there, with the values it was given."""
    c = cipher()
    checked = 0
    for a in ledger.acked("person"):
        # The driver saw the account id; a browser tab sees only the 注册成功 page, so the account is found by ID number.
        acc = db.get(PersonAccount, a["account_id"]) if "account_id" in a else db.exec(
            select(PersonAccount).where(PersonAccount.id_fp == c.fingerprint("id_number", a["id_number"]))).first()
        assert acc is not None, f"acknowledged registration lost: {a}"
        assert c.decrypt("person_account.id_number", acc.id_number_enc) == a["id_number"], a
        assert c.decrypt("person_account.name", acc.name_enc) == a["name"], a
        assert c.decrypt("person_account.phone", acc.phone_enc) == a["phone"], a
        assert acc.real_name_verified_at is not None, a
        checked += 1
    assert db.exec(select(func.count()).select_from(VerificationCode)).one() >= len(ledger.acked("sms"))
    checked += len(ledger.acked("sms"))
    for a in ledger.acked("unit"):
        app = db.get(UnitApplication, a["application_id"]) if "application_id" in a else db.exec(
            select(UnitApplication).where(UnitApplication.uscc == a["credit_code"])).first()
        assert app is not None, f"acknowledged unit registration lost: {a}"
        assert (app.uscc, app.unit_name) == (a["credit_code"], a["unit_name"]), a
        if "application_id" in a:
            assert (app.reference_no, app.account_id) == (a["reference_no"], a["account_id"]), a
        assert c.decrypt("unit_application.legal_rep_id", app.legal_rep_id_enc) == a["legal_rep_id"], a
        assert c.decrypt("unit_application.handler_name", app.handler_name_enc) == a["handler_name"], a
        assert c.decrypt("unit_application.handler_id", app.handler_id_enc) == a["handler_id"], a
        assert c.decrypt("unit_application.handler_phone", app.handler_phone_enc) == a["handler_phone"], a
        assert db.get(UnitAccount, app.account_id).uscc == a["credit_code"], a
        checked += 1
    for a in ledger.acked("material"):
        m = db.get(Material, a["material_id"])
        assert m is not None, f"acknowledged upload lost: {a}"
        assert (m.application_id, m.kind, m.sha256, m.size) == (a["application_id"], a["kind"], a["sha256"], a["size"]), a
        checked += 1
    for a in ledger.acked("submit"):
        rnd = db.exec(select(ReviewRound).where(ReviewRound.application_id == a["application_id"],
                                                ReviewRound.number == a["round"])).first()
        assert rnd is not None, f"acknowledged submission lost: {a}"
        if "reference_no" in a:  # the reference number the 提交成功 page showed
            assert db.get(UnitApplication, a["application_id"]).reference_no == a["reference_no"], a
        checked += 1
    claims = {(e.actor, json.loads(e.detail)["application"], json.loads(e.detail)["version"])
              for e in db.exec(select(AuditEvent).where(AuditEvent.event == "application_claimed")).all()}
    for a in ledger.acked("claim"):
        ref = db.get(UnitApplication, a["application_id"]).reference_no
        assert (f"staff:{a['staff_id']}", ref, a["version"]) in claims, f"acknowledged claim lost: {a}"
        checked += 1
    for a in ledger.acked("decision"):
        rnd = db.exec(select(ReviewRound).where(ReviewRound.application_id == a["application_id"],
                                                ReviewRound.number == a["round"])).first()
        assert rnd is not None and rnd.decision == a["decision"] and rnd.decided_by == a["staff_id"], \
            f"acknowledged decision lost: {a} → {rnd}"
        if a["decision"] == ApplicationStatus.APPROVED.value:
            app = db.get(UnitApplication, a["application_id"])
            assert app.status == ApplicationStatus.APPROVED.value, a
            assert db.get(UnitAccount, app.account_id).approved_at is not None, a
        checked += 1
    db.commit()
    return checked


def check_no_partial_records(db: Session) -> dict[str, int]:
    """Each business row was written with its audit event in one transaction, and each state has all its parts."""
    events = collections.Counter(dict(db.exec(select(AuditEvent.event, func.count()).group_by(AuditEvent.event)).all()))

    def count(model, *where) -> int:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()

    persons, apps, materials = count(PersonAccount), count(UnitApplication), count(Material)
    rounds = count(ReviewRound)
    decided = count(ReviewRound, col(ReviewRound.decision).is_not(None))
    assert persons == events["account_created"], (persons, events["account_created"])
    assert apps == events["unit_registered"] == count(UnitAccount), (apps, events["unit_registered"])
    assert materials == events["material_uploaded"], (materials, events["material_uploaded"])
    assert rounds == events["application_submitted"], (rounds, events["application_submitted"])
    assert decided == events["application_approved"] + events["application_rejected"], (decided, events)
    # One SMS code consumed per account created, in the same transaction.
    assert count(VerificationCode) == events["sms_sent"], (count(VerificationCode), events["sms_sent"])
    assert count(VerificationCode, col(VerificationCode.used_at).is_not(None)) == persons + apps

    for app in db.exec(select(UnitApplication)).all():
        status = ApplicationStatus(app.status)
        if status == ApplicationStatus.DRAFT:
            assert app.round_number == 0, app
            continue
        rnd = db.exec(select(ReviewRound).where(ReviewRound.application_id == app.id,
                                                ReviewRound.number == app.round_number)).first()
        assert rnd is not None, f"application {app.id} in {status} without its round"
        if status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
            assert rnd.decision == status.value and app.decided_at is not None, (app, rnd)
        else:
            assert rnd.decision is None, (app, rnd)
        if status == ApplicationStatus.IN_REVIEW:
            assert app.claimed_by is not None, app
        if status == ApplicationStatus.APPROVED:
            assert db.get(UnitAccount, app.account_id).approved_at is not None, app
    for rnd in db.exec(select(ReviewRound).where(ReviewRound.decision == ApplicationStatus.REJECTED.value)).all():
        assert count(MaterialRejection, MaterialRejection.round_id == rnd.id) >= 1, rnd
    db.commit()
    return {"person_accounts": persons, "unit_applications": apps, "materials": materials, "review_rounds": rounds,
            "decisions": decided, "audit_events": sum(events.values())}


def check_all(url: str, data_dir: Path, env: dict[str, str], ledger: Ledger) -> dict:
    store = FileStore(data_dir / "uploads")
    with _session(url) as db:
        acknowledged = check_acknowledged(db, ledger)
        rows = check_no_partial_records(db)
        files_before = check_files(db, store)
        orphans = find_orphans(db, store)
    orphan_files = sum(1 for e in orphans if e.key is not None)
    orphan_temps = sum(1 for e in orphans if e.key is None)
    # The app's own clean-up (no grace period: every writer is dead now).
    swept = run(["-m", "jssi_app", "sweep-orphan-files", "--min-age-minutes", "0"], env).stdout
    assert f"已清理 {orphan_files} 个无记录的上传文件、{orphan_temps} 个中断写入的临时文件" in swept, swept
    with _session(url) as db:
        assert find_orphans(db, store) == [], "orphan files left after the sweep"
        files_after = check_files(db, store)  # the sweep removed nothing a row names
    assert files_after == files_before
    verified = run(["-m", "jssi_app", "verify-audit"], env)  # check=True: exit 0 means the chain verifies
    return {"acknowledged_checked": acknowledged, "stored_files_checked": files_after,
            "orphan_files_found": orphan_files, "interrupted_temp_files_found": orphan_temps, **rows,
            "verify_audit": verified.stdout.strip().splitlines()[-1] if verified.stdout.strip() else ""}
