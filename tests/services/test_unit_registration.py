"""单位用户注册 at the service level: the application, materials, submission, and who may open a file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest
from PIL import Image
from reportlab.pdfgen import canvas
from sqlmodel import select

from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.pii import cipher
from jssi_app.domain.credit_codes import credit_code_check_char, org_code_check_char
from jssi_app.domain.errors import ValidationFailed
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.models.registry import RegistryUnit
from jssi_app.models.units import Material, ReviewRound, UnitAccount, UnitApplication
from jssi_app.services import unit_registration as units
from jssi_app.services.material_access import MaterialForbidden, open_material
from jssi_app.services.sessions import Principal
from tests.services.helpers import IP, NOW, audit_rows, make_id, send_code

PHONE = "13912340001"
PASSWORD = "Unit2026ok"


def make_code(seq: int) -> str:
    """A valid 统一社会信用代码: 91 (企业) + 320102 + organisation code MA000seq + its check, + check char."""
    org8 = f"MA{seq:06d}"
    first17 = "91320102" + org8 + org_code_check_char(org8)
    return first17 + credit_code_check_char(first17)


def png_bytes(color=(200, 30, 30), size=(800, 600)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def pdf_bytes() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Authorization letter")
    c.showPage()
    c.save()
    return buf.getvalue()


def form(code: str, sms_code: str, **overrides) -> UnitRegistrationForm:
    base = UnitRegistrationForm(
        unit_name="南京测试科技有限公司", credit_code=code.lower(), legal_rep_id=make_id(41, "19700101"),
        handler_name="王经办", handler_id=make_id(42, "19900101"), handler_phone=PHONE, handler_email="hr@example.com",
        password=PASSWORD, password_confirm=PASSWORD, sms_code=sms_code, agreed=True,
    )
    return dataclasses.replace(base, **overrides)


def register(db, code: str, *, now=NOW, **overrides) -> units.RegisteredUnit:
    sms = send_code(db, overrides.get("handler_phone", PHONE), now=now)
    return units.register_unit(db, form(code, sms, **overrides), client_ip=IP, now=now)


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "uploads")


def upload_all(db, reg, store, now=NOW) -> None:
    for kind in ("business_licence", "legal_rep_id", "handler_id"):
        units.add_material(db, reg.application_id, account_id=reg.account_id, kind=kind, filename=f"{kind}.png",
                           content=png_bytes(), client_ip=IP, now=now, store=store)
    units.add_material(db, reg.application_id, account_id=reg.account_id, kind="authorization_letter",
                       filename="../../委托书.pdf", content=pdf_bytes(), client_ip=IP, now=now, store=store)


def test_registration_creates_a_draft_application_with_prechecks_and_encrypted_pii(db):
    code = make_code(1)
    legal_rep = make_id(41, "19700101")
    db.add(RegistryUnit(uscc=code, name="南京测试科技有限公司", unit_type="企业",
                        legal_rep_name_enc=cipher().encrypt("registry_unit.legal_rep_name", "赵法人"),
                        legal_rep_id_enc=cipher().encrypt("registry_unit.legal_rep_id", legal_rep),
                        legal_rep_id_fp=cipher().fingerprint("id_number", legal_rep), region_code="320102",
                        address="南京市", insured_since="2010-01", status="正常"))
    db.commit()
    reg = register(db, code)
    assert reg.reference_no.startswith("DW20260302") and reg.credit_code == code
    app = db.get(UnitApplication, reg.application_id)
    assert app.status == "draft" and app.round_number == 0
    assert json.loads(app.prechecks) == {"code_exists": True, "name_matches": True, "legal_rep_matches": True}
    assert PHONE not in app.handler_phone_enc and cipher().decrypt("unit_application.handler_phone", app.handler_phone_enc) == PHONE
    assert audit_rows(db, "unit_registered")


def test_prechecks_flag_an_unknown_code_without_blocking(db):
    reg = register(db, make_code(2))
    app = db.get(UnitApplication, reg.application_id)
    assert json.loads(app.prechecks)["code_exists"] is False


def test_one_live_application_per_credit_code(db):
    code = make_code(3)
    register(db, code)
    with pytest.raises(units.UnitRegistrationRefused) as refused:
        register(db, code, now=NOW + dt.timedelta(minutes=2))
    assert "正在办理" in refused.value.message
    assert len(db.exec(select(UnitApplication).where(UnitApplication.uscc == code)).all()) == 1


def test_an_approved_code_gets_the_code_change_advice(db):
    code = make_code(4)
    reg = register(db, code)
    app = db.get(UnitApplication, reg.application_id)
    app.status = "approved"
    db.add(app)
    db.commit()
    with pytest.raises(units.UnitRegistrationRefused) as refused:
        register(db, code, now=NOW + dt.timedelta(minutes=2))
    assert "市场监管部门" in refused.value.message


def test_invalid_fields_store_nothing(db):
    sms = send_code(db, PHONE)
    bad = form(make_code(5)[:-1] + "I", sms, handler_phone="123", password="short")
    with pytest.raises(ValidationFailed) as failed:
        units.register_unit(db, bad, client_ip=IP, now=NOW)
    assert {"credit_code", "handler_phone", "password"} <= set(failed.value.by_field())
    assert db.exec(select(UnitAccount)).all() == []


def test_materials_submit_and_due_date_in_working_days(db, store):
    reg = register(db, make_code(6))
    with pytest.raises(units.UnitRegistrationRefused) as early:
        units.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip=IP, now=NOW)
    assert "营业执照" in early.value.message
    upload_all(db, reg, store)
    live = units.current_materials(db, reg.application_id)
    assert {m.kind for m in live} == {"business_licence", "legal_rep_id", "handler_id", "authorization_letter"}
    letter = next(m for m in live if m.kind == "authorization_letter")
    assert letter.display_name == "委托书.pdf" and letter.media_type == "application/pdf"
    # Friday 2026-10-09 → three working days: Saturday 10-10 (调休, a working day), Monday 10-12, Tuesday 10-13.
    friday = dt.datetime(2026, 10, 9, 2, 0, tzinfo=dt.UTC)
    done = units.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip=IP, now=friday)
    assert done.round_number == 1 and done.due_date == dt.date(2026, 10, 13) and not done.due_estimated
    app = db.get(UnitApplication, reg.application_id)
    assert app.status == "submitted"
    assert db.exec(select(ReviewRound).where(ReviewRound.application_id == app.id)).one().number == 1
    # Submitted: the materials can no longer be changed by the unit.
    with pytest.raises(units.UnitRegistrationRefused):
        units.add_material(db, reg.application_id, account_id=reg.account_id, kind="other", filename="x.png",
                           content=png_bytes(), client_ip=IP, now=friday, store=store)


def test_replacing_keeps_the_old_file_on_record_and_a_bad_file_stores_nothing(db, store, tmp_path):
    reg = register(db, make_code(7))
    upload_all(db, reg, store)
    units.add_material(db, reg.application_id, account_id=reg.account_id, kind="business_licence",
                       filename="licence-v2.png", content=png_bytes((0, 0, 200)), client_ip=IP, now=NOW, store=store)
    rows = db.exec(select(Material).where(Material.kind == "business_licence")).all()
    assert len(rows) == 2 and sum(r.superseded_at is None for r in rows) == 1
    files_before = sorted(p for p in (tmp_path / "uploads").rglob("*") if p.is_file())
    with pytest.raises(Exception) as refused:
        units.add_material(db, reg.application_id, account_id=reg.account_id, kind="handler_id",
                           filename="fake.png", content=b"<html><script>alert(1)</script></html>", client_ip=IP,
                           now=NOW, store=store)
    assert "JPG、PNG 或 PDF" in getattr(refused.value, "message", "")
    assert sorted(p for p in (tmp_path / "uploads").rglob("*") if p.is_file()) == files_before
    assert len(db.exec(select(Material)).all()) == 5


def test_files_are_served_only_to_their_unit_and_to_staff(db, store):
    from jssi_app.services.staff_accounts import create_staff

    own = register(db, make_code(8))
    other = register(db, make_code(9), handler_phone="13912340009", now=NOW + dt.timedelta(minutes=3))
    upload_all(db, own, store)
    material = units.current_materials(db, own.application_id)[0]
    reviewer = create_staff(db, username="rev.a", role="reviewer", password="Review2026ok", now=NOW)

    def open_as(principal, variant="original"):
        return open_material(db, material.id, principal=principal, variant=variant, client_ip=IP, now=NOW, store=store)

    assert open_as(Principal("unit", own.account_id, 1)).data
    assert open_as(Principal("staff", reviewer.account_id, 2), "preview").media_type == "image/png"
    for outsider in (None, Principal("unit", other.account_id, 3), Principal("person", own.account_id, 4)):
        with pytest.raises(MaterialForbidden):
            open_as(outsider)
    with pytest.raises(MaterialForbidden):
        open_material(db, 999_999, principal=Principal("unit", own.account_id, 1), variant="original",
                      client_ip=IP, now=NOW, store=store)
    assert len(audit_rows(db, "material_access_denied")) == 4


def test_rejection_fix_and_resubmission_keep_the_earlier_round_on_record(db, store):
    from jssi_app.adapters.mail import OutboxMail
    from jssi_app.adapters.sms import OutboxSms
    from jssi_app.domain.unit_registration import ApplicationFieldsForm
    from jssi_app.models.units import MaterialRejection
    from jssi_app.services import review, unit_progress
    from jssi_app.services.staff_accounts import create_staff

    reg = register(db, make_code(10))
    upload_all(db, reg, store)
    units.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip=IP, now=NOW)
    reviewer = create_staff(db, username="rev.b", role="reviewer", password="Review2026ok", now=NOW).account_id
    notifier = review.Notifier(sms=OutboxSms(db.get_bind()), mail=OutboxMail(db.get_bind()))
    later = NOW + dt.timedelta(hours=2)
    review.claim(db, reg.application_id, staff_id=reviewer, now=later)
    review.reject(db, reg.application_id, staff_id=reviewer, reasons={"authorization_letter": ("公章缺失", "")},
                  opinion="请补充盖章", now=later, notifier=notifier)

    view = unit_progress.unit_home(db, reg.account_id)
    assert view.status == "rejected" and view.editable
    letter_slot = next(s for s in view.slots if s.kind == "authorization_letter")
    assert letter_slot.flagged == "公章缺失"
    assert [s.label for s in view.timeline][-1] == "未通过" and "公章缺失" in view.timeline[-1].detail
    old_letter = next(m for m in units.current_materials(db, reg.application_id) if m.kind == "authorization_letter")

    # Replace only the flagged material, correct a field, resubmit.
    units.add_material(db, reg.application_id, account_id=reg.account_id, kind="authorization_letter",
                       filename="委托书-盖章.pdf", content=pdf_bytes(), client_ip=IP, now=later, store=store)
    fields = units.application_fields(db, reg.application_id, account_id=reg.account_id)
    units.update_application_fields(db, reg.application_id, dataclasses.replace(fields, unit_name="南京测试科技股份有限公司"),
                                    account_id=reg.account_id, client_ip=IP, now=later)
    again = units.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip=IP,
                                     now=later + dt.timedelta(minutes=5))
    assert again.round_number == 2

    rounds = db.exec(select(ReviewRound).where(ReviewRound.application_id == reg.application_id)
                     .order_by(ReviewRound.number)).all()
    assert [(r.number, r.decision) for r in rounds] == [(1, "rejected"), (2, None)]
    assert db.exec(select(MaterialRejection).where(MaterialRejection.round_id == rounds[0].id)).one().reason == "公章缺失"
    old = db.get(Material, old_letter.id)
    assert old.superseded_at is not None  # the first round's letter is still on record
    app = db.get(UnitApplication, reg.application_id)
    assert app.unit_name == "南京测试科技股份有限公司" and app.status == "submitted"
    labels = [s.label for s in unit_progress.unit_home(db, reg.account_id).timeline]
    assert labels == ["注册申请已创建", "已提交", "未通过", "第2次已提交"]

    review.claim(db, reg.application_id, staff_id=reviewer, now=later + dt.timedelta(hours=1))
    review.approve(db, reg.application_id, staff_id=reviewer, now=later + dt.timedelta(hours=1), notifier=notifier)
    assert db.get(UnitAccount, reg.account_id).approved_at is not None
    # Approved: nothing can be changed by the unit any more.
    with pytest.raises(units.UnitRegistrationRefused):
        units.update_application_fields(db, reg.application_id, fields, account_id=reg.account_id, client_ip=IP,
                                        now=later + dt.timedelta(hours=2))


def test_field_corrections_are_validated(db):
    from jssi_app.domain.unit_registration import ApplicationFieldsForm

    reg = register(db, make_code(11))
    bad = ApplicationFieldsForm(unit_name="南", legal_rep_id="123", handler_name="王经办", handler_id=make_id(42, "19900101"),
                                handler_email="not-an-email")
    with pytest.raises(ValidationFailed) as failed:
        units.update_application_fields(db, reg.application_id, bad, account_id=reg.account_id, client_ip=IP, now=NOW)
    assert set(failed.value.by_field()) == {"unit_name", "legal_rep_id", "handler_email"}


def test_the_upload_limit_is_configurable_and_enforced_on_the_server(db, store, monkeypatch):
    from jssi_app.config import reset_settings_cache

    reg = register(db, make_code(12))
    big = png_bytes(size=(900, 900))
    monkeypatch.setenv("JSSI_MAX_UPLOAD_MB", str(len(big) / 1024 / 1024 * 0.5))
    reset_settings_cache()
    try:
        with pytest.raises(Exception) as refused:
            units.add_material(db, reg.application_id, account_id=reg.account_id, kind="business_licence",
                               filename="big.png", content=big, client_ip=IP, now=NOW, store=store)
        assert "超过" in getattr(refused.value, "message", "")
    finally:
        monkeypatch.delenv("JSSI_MAX_UPLOAD_MB")
        reset_settings_cache()
    units.add_material(db, reg.application_id, account_id=reg.account_id, kind="business_licence",
                       filename="big.png", content=big, client_ip=IP, now=NOW, store=store)


def test_the_file_route_serves_a_scan_decrypted_and_refuses_one_changed_on_disk(db, db_engine, tmp_path,
                                                                                 monkeypatch):
    import jssi_app.api as api_module
    from starlette.testclient import TestClient

    from jssi_app import config
    from jssi_app.adapters.file_store import default_store
    from jssi_app.services.sessions import start_session

    monkeypatch.setattr(api_module, "engine", lambda: db_engine)
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    reg = register(db, make_code(61))
    uploaded = units.add_material(db, reg.application_id, account_id=reg.account_id, kind="legal_rep_id",
                                  filename="id.png", content=png_bytes(), client_ip=IP, now=NOW)
    token = start_session(db, account_kind="unit", account_id=reg.account_id, client_ip=IP,
                          now=dt.datetime.now(dt.UTC))
    db.commit()
    preview_key = db.get(Material, uploaded.material_id).preview_key
    db.commit()

    def fetch():
        with TestClient(api_module.api, base_url="https://testserver") as c:
            c.cookies.set("jssi_session", token)
            return c.get(f"/files/materials/{uploaded.material_id}/preview")

    ok = fetch()
    assert ok.status_code == 200 and ok.content.startswith(b"\x89PNG")
    path = default_store().path_for(preview_key)
    raw = bytearray(path.read_bytes())
    raw[40] ^= 0x01
    path.write_bytes(bytes(raw))
    refused = fetch()
    assert refused.status_code == 500 and refused.text == "文件已损坏，无法显示，请联系管理员"
