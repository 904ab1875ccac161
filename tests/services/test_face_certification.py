"""人脸识别认证 against a real database (SQLite and PostgreSQL) with real photos and real face matching:
reference enrolment by a clerk (audited with the clerk), online tries, the 3-failures-a-day rule that opens one
人工认证 counter task, and the clerk's completion that certifies."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from jssi_app.domain import face_certification as rules
from jssi_app.domain.counter_tasks import MANUAL_CERTIFICATION, OPEN
from jssi_app.domain.errors import InvalidValue
from jssi_app.models.certification import FaceCertification, FaceCertificationAttempt, FaceReference
from jssi_app.models.counter import CounterTask
from jssi_app.services import counter_tasks, face_certification as fc
from jssi_app.services.counter_tasks import CounterRefused
from jssi_app.services.face_certification import CertificationRefused
from jssi_app.services.staff_accounts import create_staff
from tests import face_photos
from tests.services.helpers import add_registry_person, audit_rows, fetch_all, make_id, register

# 2026-11-28 10:00 in Nanjing.
T0 = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
IP = "198.51.100.9"
PW = "Counter2026ok"


@pytest.fixture(scope="module")
def photos():
    a = face_photos.astronaut()
    return {
        "reference": face_photos.jpeg(a),
        "same": face_photos.transformed_astronauts()["rotated"],
        "other": face_photos.jpeg(face_photos.grace_hopper()),
        "none": face_photos.jpeg(face_photos.coffee()),
        "two": face_photos.jpeg(face_photos.side_by_side(a, face_photos.grace_hopper())),
    }


@pytest.fixture
def staff(db):
    ids = {role: create_staff(db, username=f"{role}1", role=role, password=PW, display_name=f"{role}姓名",
                              now=T0).account_id for role in ("reviewer", "clerk", "admin")}
    db.commit()
    return ids


@pytest.fixture
def retiree(db):
    person = add_registry_person(db, make_id(21, birth="19580704"), "陈秀英", phone="13905170001",
                                 person_type="退休人员", insured_status="退休")
    return person, register(db, person, now=T0 - dt.timedelta(days=3)).account_id


def _enrol(db, staff_id, person_id, photo):
    return fc.enrol_reference(db, staff_id=staff_id, person_id=person_id, photo=photo, client_ip=IP, now=T0)


def _try(db, account_id, photo, *, at=T0, channel=rules.CHANNEL_UPLOAD):
    return fc.attempt(db, account_id, photo, channel=channel, client_ip=IP, now=at)


def test_enrolment_needs_a_clerk_one_face_and_stores_encrypted_photo_and_encoding(db, staff, retiree, photos):
    person, _ = retiree
    card = fc.find_person(db, staff_id=staff["clerk"], id_number=person.id_number, now=T0)
    assert card.masked_name == "陈**" and not card.has_reference and card.person_type == "退休人员"
    for who in (staff["reviewer"], None):
        with pytest.raises(CounterRefused):
            _enrol(db, who, person.id, photos["reference"])
        with pytest.raises(CounterRefused):
            fc.find_person(db, staff_id=who, id_number=person.id_number, now=T0)
    for bad, text in ((photos["none"], "未检测到人脸"), (photos["two"], "多张人脸"), (b"GIF89a", "JPG")):
        with pytest.raises(InvalidValue) as refused:
            _enrol(db, staff["clerk"], person.id, bad)
        assert text in refused.value.message
    assert fetch_all(db, select(FaceReference)) == []

    card = _enrol(db, staff["clerk"], person.id, photos["reference"])
    assert card.has_reference and card.enrolled_at
    ref = fetch_all(db, select(FaceReference))[0]
    assert ref.enrolled_by == staff["clerk"]
    # Ciphertext only: neither the JPEG nor the numbers of the encoding are readable in the row.
    assert ref.photo_enc.startswith("v1:") and ref.encoding_enc.startswith("v1:")
    assert "/9j/" not in ref.photo_enc and "[" not in ref.encoding_enc
    stored = fc.reference_photo(db, staff_id=staff["clerk"], person_id=person.id, client_ip=IP)
    assert stored.startswith(b"\xff\xd8")
    assert fc.reference_photo(db, staff_id=staff["admin"], person_id=person.id) == stored
    with pytest.raises(CounterRefused):
        fc.reference_photo(db, staff_id=staff["reviewer"], person_id=person.id)
    (event,) = audit_rows(db, "face_reference_enrolled")
    assert event.actor == f"staff:{staff['clerk']}" and event.client_ip == IP
    assert json.loads(event.detail)["clerk"] == "clerk1" and json.loads(event.detail)["clerk_name"] == "clerk姓名"
    assert person.id_number not in event.subject

    # Enrolling again replaces the photo (one per person), audited again.
    _enrol(db, staff["admin"], person.id, photos["same"])
    assert len(fetch_all(db, select(FaceReference))) == 1
    assert len(audit_rows(db, "face_reference_enrolled")) == 2


def test_a_matching_photo_certifies_until_the_same_month_next_year(db, staff, retiree, photos):
    person, account_id = retiree
    _enrol(db, staff["clerk"], person.id, photos["reference"])
    before = fc.overview(db, account_id, now=T0)
    assert before.eligible and before.has_reference and not before.certified and before.status_label == "待认证"

    result = _try(db, account_id, photos["same"], channel=rules.CHANNEL_CAMERA)
    assert result.outcome == rules.MATCHED and result.certified and result.valid_until == "2027年11月"
    assert "认证成功" in result.message
    (cert,) = fetch_all(db, select(FaceCertification))
    assert cert.method == rules.METHOD_FACE and cert.valid_until == dt.date(2027, 11, 30)
    (row,) = fetch_all(db, select(FaceCertificationAttempt))
    assert row.channel == "camera" and row.distance < 0.6 and row.local_day == dt.date(2026, 11, 28)
    after = fc.overview(db, account_id, now=T0)
    assert after.certified and after.valid_until == "2027年11月" and after.method_label == "人脸识别"
    assert not after.due_now
    # Certified for the year: no second try until the month it runs out.
    with pytest.raises(CertificationRefused) as refused:
        _try(db, account_id, photos["same"], at=T0 + dt.timedelta(days=30))
    assert refused.value.code == "already_certified" and "2027年11月" in refused.value.message
    next_year = dt.datetime(2027, 11, 3, 2, 0, tzinfo=dt.UTC)
    assert fc.overview(db, account_id, now=next_year).due_now
    assert _try(db, account_id, photos["same"], at=next_year).valid_until == "2028年11月"
    events = [(r.event, r.outcome, json.loads(r.detail).get("outcome")) for r in audit_rows(db)
              if r.event.startswith("face_cert")]
    assert events == [("face_certification_attempted", "success", "matched"), ("face_certified", "success", None)] * 2


def test_three_failures_in_a_day_open_one_manual_task_and_stop_online_tries(db, staff, retiree, photos):
    person, account_id = retiree
    _enrol(db, staff["clerk"], person.id, photos["reference"])
    outcomes = [_try(db, account_id, photos[k], at=T0 + dt.timedelta(minutes=i))
                for i, k in enumerate(("other", "none", "two"))]
    assert [r.outcome for r in outcomes] == [rules.MISMATCH, rules.NO_FACE, rules.SEVERAL_FACES]
    assert [r.tries_left for r in outcomes] == [2, 1, 0]
    assert "与参保登记照片不一致" in outcomes[0].message and "还可在线认证2次" in outcomes[0].message
    assert outcomes[2].manual_required and "人工认证" in outcomes[2].message
    tasks = fetch_all(db, select(CounterTask))
    assert [(t.kind, t.status, t.person_id) for t in tasks] == [(MANUAL_CERTIFICATION, OPEN, person.id)]
    assert person.id_number not in tasks[0].summary and person.name not in tasks[0].summary

    # A fourth try the same (Beijing) day is refused before any matching, even with the right face.
    with pytest.raises(CertificationRefused) as refused:
        _try(db, account_id, photos["same"], at=T0 + dt.timedelta(hours=8))
    assert "人工认证" in refused.value.message
    view = fc.overview(db, account_id, now=T0 + dt.timedelta(hours=8))
    assert view.blocked_today and view.manual_task_open and view.tries_left == 0

    # Next Beijing day (16:00 UTC = 00:00 in Nanjing): online again; three more failures keep the one open task.
    next_day = dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.UTC)
    for i in range(3):
        _try(db, account_id, photos["other"], at=next_day + dt.timedelta(minutes=i))
    assert len(fetch_all(db, select(CounterTask))) == 1
    assert [json.loads(r.detail)["outcome"] for r in audit_rows(db, "face_certification_attempted")] == \
        ["mismatch", "no_face", "several_faces", "mismatch", "mismatch", "mismatch"]
    assert len(audit_rows(db, "counter_task_opened")) == 1


def test_the_clerk_completing_the_manual_task_certifies_and_refusing_does_not(db, staff, retiree, photos):
    person, account_id = retiree
    _enrol(db, staff["clerk"], person.id, photos["reference"])
    for i in range(3):
        _try(db, account_id, photos["other"], at=T0 + dt.timedelta(minutes=i))
    (first,) = fetch_all(db, select(CounterTask))
    # Refused (the person did not come): nothing is certified.
    counter_tasks.complete_task(db, first.id, staff_id=staff["clerk"], approved=False, note="本人未到场", now=T0)
    assert fetch_all(db, select(FaceCertification)) == []

    # The next day, three more failures open a new task; the clerk certifies at the counter.
    later = T0 + dt.timedelta(days=2)
    for i in range(3):
        _try(db, account_id, photos["other"], at=later + dt.timedelta(minutes=i))
    (task,) = [t for t in fetch_all(db, select(CounterTask)) if t.status == OPEN]
    counter_tasks.complete_task(db, task.id, staff_id=staff["clerk"], approved=True, note="本人持身份证到窗口",
                                now=later)
    (cert,) = fetch_all(db, select(FaceCertification))
    assert (cert.method, cert.certified_by, cert.counter_task_id) == (rules.METHOD_MANUAL, staff["clerk"], task.id)
    assert cert.valid_until == dt.date(2027, 11, 30)
    view = fc.overview(db, account_id, now=later)
    assert view.certified and view.method_label == "人工认证" and not view.due_now
    (event,) = audit_rows(db, "face_certified")
    assert event.actor == f"staff:{staff['clerk']}" and json.loads(event.detail)["method"] == "manual"


def test_who_cannot_certify_online_is_told_why(db, staff, photos):
    worker = add_registry_person(db, make_id(31), "周建华", phone="13905170002", person_type="职工",
                                 insured_status="正常参保")
    worker_account = register(db, worker, now=T0 - dt.timedelta(days=1)).account_id
    view = fc.overview(db, worker_account, now=T0)
    assert not view.eligible and view.status_label == "无需认证" and "无需办理" in view.reason
    with pytest.raises(CertificationRefused) as refused:
        _try(db, worker_account, photos["reference"])
    assert refused.value.code == "not_needed"

    retired = add_registry_person(db, make_id(32, birth="19550101"), "吴桂兰", phone="13905170003",
                                  person_type="退休人员", insured_status="退休")
    account = register(db, retired, now=T0 - dt.timedelta(days=1)).account_id
    view = fc.overview(db, account, now=T0)
    assert view.eligible and not view.has_reference and "采集照片" in view.reason
    with pytest.raises(CertificationRefused) as refused:
        _try(db, account, photos["reference"])
    assert refused.value.code == "no_reference"
    with pytest.raises(CertificationRefused):
        fc.overview(db, None, now=T0)
    assert fetch_all(db, select(FaceCertificationAttempt)) == []


def test_a_file_that_is_no_photo_is_not_counted_as_a_try(db, staff, retiree, photos):
    person, account_id = retiree
    _enrol(db, staff["clerk"], person.id, photos["reference"])
    with pytest.raises(InvalidValue):
        _try(db, account_id, b"%PDF-1.7\n%%EOF")
    assert fetch_all(db, select(FaceCertificationAttempt)) == []
    assert fc.overview(db, account_id, now=T0).tries_left == 3


def test_reference_photo_route_serves_clerks_and_admins_only(db, db_engine, staff, retiree, photos, monkeypatch):
    import jssi_app.api as api_module
    from starlette.testclient import TestClient

    from jssi_app.services.sessions import start_session

    monkeypatch.setattr(api_module, "engine", lambda: db_engine)
    person, account_id = retiree
    _enrol(db, staff["clerk"], person.id, photos["reference"])
    now = dt.datetime.now(dt.UTC)
    tokens = {who: start_session(db, account_kind="staff", account_id=staff[who], client_ip=IP, now=now)
              for who in ("clerk", "admin", "reviewer")}
    tokens["person"] = start_session(db, account_kind="person", account_id=account_id, client_ip=IP, now=now)
    db.commit()

    def fetch(token: str, path: str = f"/files/face-references/{person.id}"):
        with TestClient(api_module.api, base_url="https://testserver") as c:
            if token:
                c.cookies.set("jssi_session", token)
            return c.get(path)

    for who in ("clerk", "admin"):
        ok = fetch(tokens[who])
        assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg"
        assert ok.content.startswith(b"\xff\xd8") and ok.headers["cache-control"] == "private, no-store"
    # The person themself, a reviewer and anyone without a session get the same 404.
    for token in (tokens["person"], tokens["reviewer"], ""):
        refused = fetch(token)
        assert refused.status_code == 404 and not refused.content.startswith(b"\xff\xd8")
    assert fetch(tokens["clerk"], "/files/face-references/999999").status_code == 404
    # Each view of face data by staff is audited, with who looked.
    views = [r for r in audit_rows(db, "pii_revealed") if json.loads(r.detail)["field"] == "face_reference_photo"]
    assert [r.actor for r in views] == [f"staff:{staff['clerk']}", f"staff:{staff['admin']}"]
    assert fetch(tokens["clerk"], "/files/face-references/abc").status_code == 404


def test_demo_seed_enrols_the_first_retiree_once_and_the_photo_certifies(db, tmp_path):
    from jssi_app.services.demo_face import seed_demo_face

    add_registry_person(db, make_id(41), "郑职工", person_type="职工", insured_status="正常参保")
    retired = add_registry_person(db, make_id(42, birth="19560203"), "冯退休", phone="13905170042",
                                  person_type="退休人员", insured_status="退休")
    demo = seed_demo_face(db, tmp_path, now=T0)
    assert (demo.id_number, demo.name) == (retired.id_number, "冯退休")
    assert demo.same_photo.exists() and demo.other_photo.exists()
    assert seed_demo_face(db, tmp_path, now=T0) == demo
    assert len(fetch_all(db, select(FaceReference))) == 1
    assert [r.actor for r in audit_rows(db, "face_reference_enrolled")] == ["seed-demo"]

    account_id = register(db, retired, now=T0 - dt.timedelta(days=1)).account_id
    assert _try(db, account_id, demo.other_photo.read_bytes()).outcome == rules.MISMATCH
    assert _try(db, account_id, demo.same_photo.read_bytes()).outcome == rules.MATCHED
