"""Personal data at rest: after a full journey no table, column or database file holds it in plaintext."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from jssi_app.adapters.pii import cipher
from jssi_app.models.accounts import PersonAccount
from jssi_app.services import authentication, password_reset, profile, registration
from jssi_app.services.authentication import SignInRefused
from jssi_app.services.profile import ProfileForm
from jssi_app.services.registration import RealNameFailed
from tests.services.helpers import (
    HOUR,
    IP,
    MIN,
    NOW,
    PASSWORD,
    SEC,
    add_registry_person,
    as_15_digits,
    fetch_all,
    make_id,
    make_legacy_id,
    outbox_mail,
    outbox_sms,
    reg_form,
    register,
    send_code,
)

NAME = "欧阳明远"
PHONE = "13905178264"
EMAIL = "ouyang.mingyuan@example.com"
HUKOU = "南京市建邺区江东中路369号新华报业传媒广场"
CONTACT = "常州市天宁区延陵西路127号红梅新村"
LEGACY_NAME = "上官秀琴"
LEGACY_PHONE = "13905179375"
LEGACY_HUKOU = "扬州市广陵区文昌中路518号"


def journey(db):
    """Register (with e-mail), fail and succeed to sign in, complete the profile, ask for both resets;
    a legacy 15-digit person tries to register. Returns the plaintexts that must not be stored."""
    id_number = make_id(81, birth="19690823")
    person = add_registry_person(db, id_number, NAME, phone=PHONE, hukou_address=HUKOU)
    legacy = add_registry_person(db, make_legacy_id(82), LEGACY_NAME, phone=LEGACY_PHONE,
                                 hukou_address=LEGACY_HUKOU)

    account_id = register(db, person, email=EMAIL).account_id
    code = send_code(db, LEGACY_PHONE, now=NOW + MIN)
    with pytest.raises(RealNameFailed):
        registration.register_person(db, reg_form(legacy, code), client_ip=IP, now=NOW + MIN + 20 * SEC)

    t = NOW + HOUR
    with pytest.raises(SignInRefused):
        authentication.sign_in(db, id_number=id_number, password="Wrong7pass#x", client_ip=IP, now=t)
    signed = authentication.sign_in(db, id_number=id_number, password=PASSWORD, client_ip=IP, now=t + MIN)
    assert profile.load_profile_form(db, account_id).hukou_address == HUKOU
    profile.complete_profile(db, account_id, ProfileForm(HUKOU, CONTACT), client_ip=IP, now=t + 2 * MIN)
    password_reset.request_reset_code(db, id_number=id_number, phone=PHONE, client_ip=IP, now=t + 3 * MIN,
                                      sender=outbox_sms(db))
    password_reset.request_reset_link(db, id_number=id_number, email=EMAIL, client_ip=IP, now=t + 4 * MIN,
                                      mailer=outbox_mail(db))
    authentication.sign_out(db, token=signed.token, client_ip=IP, now=t + 5 * MIN)

    # The data did go in (encrypted): otherwise finding no plaintext would prove nothing.
    (account,) = fetch_all(db, select(PersonAccount))
    c = cipher()
    assert c.decrypt("person_account.email", account.email_enc) == EMAIL
    assert c.decrypt("person_account.contact_address", account.contact_address_enc) == CONTACT

    return {
        "ID number": id_number,
        "ID number, 15-digit form": as_15_digits(id_number),
        "legacy ID number (15 digits)": legacy.registry_id_number,
        "legacy ID number, upgraded": legacy.id_number,
        "phone": PHONE,
        "legacy phone": LEGACY_PHONE,
        "e-mail": EMAIL,
        "e-mail local part": EMAIL.split("@")[0],
        "hukou address": HUKOU,
        "contact address": CONTACT,
        "legacy hukou address": LEGACY_HUKOU,
        "name": NAME,
        "legacy name": LEGACY_NAME,
        "password": PASSWORD,
        "session token": signed.token,
    }


def dump_every_column(db) -> dict[str, str]:
    """table -> every value of every row, as text (SELECT * on each table the database has)."""
    bind = db.get_bind()
    tables = inspect(bind).get_table_names()
    assert set(SQLModel.metadata.tables) <= set(tables)
    out = {}
    with bind.connect() as conn:
        for table in tables:
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows)
    return out


def test_no_plaintext_personal_data_anywhere(db):
    secrets = journey(db)
    db.commit()

    dump = dump_every_column(db)
    for table in ("person_account", "registry_person", "login_session", "verification_code", "audit_event",
                  "outbox_message", "throttle_hit", "password_reset_token"):
        assert dump[table], f"{table} is empty: the journey should have written to it"
    for table, content in dump.items():
        for label, plain in secrets.items():
            assert plain not in content, f"{label} in plaintext in table {table}"

    bind = db.get_bind()
    if bind.dialect.name == "sqlite":
        db.close()
        path = Path(bind.url.database)
        files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
        raw = b"".join(p.read_bytes() for p in files)
        # The files read hold the journey's data: its masked phone (audit subject, outbox recipient) is there.
        assert b"139****8264" in raw
        for label, plain in secrets.items():
            assert plain.encode("utf-8") not in raw, f"{label} in plaintext in {[p.name for p in files]}"


def test_no_plaintext_in_the_stored_files(db, tmp_path, monkeypatch):
    """A unit's scans (and their previews and thumbnails) and a clerk's staged registry extract, as the
    default stores under DATA_DIR keep them: no file there holds an image, a PDF or a CSV line in the clear."""
    from jssi_app import config
    from jssi_app.adapters.extract_staging import ExtractStaging
    from jssi_app.services import unit_registration as units
    from jssi_app.services.material_access import open_material
    from jssi_app.services.sessions import Principal
    from tests.services.test_unit_registration import make_code, pdf_bytes, png_bytes, register

    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    reg = register(db, make_code(77))
    png, pdf = png_bytes(), pdf_bytes()
    uploaded = units.add_material(db, reg.application_id, account_id=reg.account_id, kind="legal_rep_id",
                                  filename="法人身份证.png", content=png, client_ip=IP, now=NOW)
    units.add_material(db, reg.application_id, account_id=reg.account_id, kind="authorization_letter",
                       filename="委托书.pdf", content=pdf, client_ip=IP, now=NOW)
    csv_line = f"{make_id(83, birth='19751203')},{NAME},男,1975-12-03,{PHONE},{HUKOU},320102,职工,正常参保,2000-01"
    ExtractStaging().create({"persons.csv": f"{','.join(('id_number', 'name'))}\n{csv_line}\n".encode()},
                            staff_id=1, now=NOW)

    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "meta.json"]
    assert len([p for p in files if p.suffix == ".bin"]) == 6  # original, preview, thumbnail of each scan
    assert len([p for p in files if p.suffix == ".csv"]) == 1
    # The scans went in (and come out) as images and PDFs: otherwise finding none on disk would prove nothing.
    principal = Principal(account_kind="unit", account_id=reg.account_id, session_id=0)
    shown = open_material(db, uploaded.material_id, principal=principal, variant="preview", client_ip=IP, now=NOW)
    assert shown.data.startswith(b"\x89PNG")
    for path in files:
        raw = path.read_bytes()
        for label, plain in {"PNG signature": b"\x89PNG", "PNG header chunk": b"IHDR", "PDF signature": b"%PDF",
                             "JPEG signature": b"\xff\xd8\xff", "CSV line": csv_line.encode(),
                             "name": NAME.encode(), "phone": PHONE.encode()}.items():
            assert plain not in raw, f"{label} in plaintext in {path.relative_to(tmp_path)}"
