"""Registry import against a real database (SQLite, and PostgreSQL when JSSI_TEST_PG_URL is set)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from jssi_app.adapters.pii import cipher
from jssi_app.domain.identifiers import upgrade_15_to_18
from jssi_app.models.operations import AuditEvent
from jssi_app.models.registry import Contribution, RegistryPerson, RegistryUnit
from jssi_app.services.demo_registry import (
    DEMO_IDENTITIES,
    DEMO_UNIT_CODES,
    DemoSummary,
    write_demo_extract,
)
from jssi_app.services.registry_import import (
    CONTRIBUTION_COLUMNS,
    PERSON_COLUMNS,
    UNIT_COLUMNS,
    ImportReport,
    RegistryImportError,
    import_registry,
)

TODAY = dt.date(2026, 11, 28)
TABLES = (RegistryUnit, RegistryPerson, Contribution)


def small_extract(directory: Path) -> DemoSummary:
    return write_demo_extract(directory, persons=200, units=10, today=TODAY)


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def counts(db: Session) -> dict[str, int]:
    return {t.__tablename__: db.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def dump(db: Session) -> dict[str, list[tuple]]:
    """Every column of every registry row, ciphertexts included (so a re-encryption shows up)."""
    out = {}
    for table in TABLES:
        t = table.__table__
        out[t.name] = [tuple(r) for r in db.execute(select(t).order_by(t.c.id))]
    return out


def audit_events(db: Session, event: str) -> list[AuditEvent]:
    return list(db.execute(select(AuditEvent).where(AuditEvent.event == event)).scalars())


def find_person(db: Session, number: str) -> RegistryPerson | None:
    fp = cipher().fingerprint("id_number", number)
    return db.execute(select(RegistryPerson).where(RegistryPerson.id_fp == fp)).scalar_one_or_none()


def test_import_adds_everything_and_persons_are_found_by_fingerprint(db, tmp_path):
    summary = small_extract(tmp_path)
    report = import_registry(db, tmp_path, actor="tester", today=TODAY)

    assert isinstance(report, ImportReport)
    assert (report.persons_added, report.units_added, report.contributions_added) == (
        summary.persons, summary.units, summary.contributions,
    )
    assert report.persons_updated == report.persons_unchanged == 0
    assert report.units_updated == report.units_unchanged == 0
    assert report.contributions_updated == report.contributions_unchanged == 0
    assert counts(db) == {"registry_unit": 10, "registry_person": 200, "contribution": summary.contributions}

    # A person from the file, looked up the way registration does it.
    row = read_rows(tmp_path / "persons.csv")[10]
    assert row[0] and len(row[0]) == 18
    person = find_person(db, row[0])
    assert person is not None
    pii = cipher()
    assert pii.decrypt("registry_person.id_number", person.id_number_enc) == row[0]
    assert pii.decrypt("registry_person.name", person.name_enc) == row[1]
    assert (person.gender, person.birth_date.isoformat()) == (row[2], row[3])
    if row[4]:
        assert pii.decrypt("registry_person.phone", person.phone_enc) == row[4]
        assert person.phone_fp == pii.fingerprint("phone", row[4])
    assert pii.decrypt("registry_person.hukou_address", person.hukou_address_enc) == row[5]
    assert (person.insured_region, person.person_type, person.insured_status, person.first_insured) == tuple(row[6:])
    assert person.id_length == 18 and person.upgraded_id_fp is None

    # Units keep the credit code readable; the legal representative is encrypted and fingerprinted.
    unit_row = read_rows(tmp_path / "units.csv")[1]
    unit = db.execute(select(RegistryUnit).where(RegistryUnit.uscc == unit_row[0])).scalar_one()
    assert unit.name == unit_row[1]
    assert pii.decrypt("registry_unit.legal_rep_name", unit.legal_rep_name_enc) == unit_row[3]
    assert pii.decrypt("registry_unit.legal_rep_id", unit.legal_rep_id_enc) == unit_row[4]
    assert unit.legal_rep_id_fp == pii.fingerprint("id_number", unit_row[4])

    # Contribution amounts come back exactly.
    first = read_rows(tmp_path / "contributions.csv")[1]
    owner = find_person(db, first[0])
    stored = db.execute(
        select(Contribution).where(
            Contribution.person_id == owner.id, Contribution.period == first[1], Contribution.insurance_code == first[2]
        )
    ).scalar_one()
    assert [str(stored.base), str(stored.personal_amount), str(stored.unit_amount), stored.paid_status] == first[4:]
    assert (stored.unit_id is None) == (first[3] == "")

    [event] = audit_events(db, "registry_imported")
    assert event.actor == "tester" and event.outcome == "success"
    detail = json.loads(event.detail)
    assert detail["persons_added"] == 200 and detail["contributions_added"] == summary.contributions


def test_second_import_of_the_same_extract_changes_nothing(db, tmp_path):
    summary = small_extract(tmp_path)
    import_registry(db, tmp_path, today=TODAY)
    before = dump(db)

    report = import_registry(db, tmp_path, today=TODAY)

    assert (report.persons_added, report.persons_updated, report.persons_unchanged) == (0, 0, 200)
    assert (report.units_added, report.units_updated, report.units_unchanged) == (0, 0, 10)
    assert (report.contributions_added, report.contributions_updated, report.contributions_unchanged) == (
        0, 0, summary.contributions,
    )
    assert dump(db) == before
    assert len(audit_events(db, "registry_imported")) == 2


def test_a_bad_check_digit_rejects_the_whole_extract_with_file_and_line(db, tmp_path):
    small_extract(tmp_path)
    rows = read_rows(tmp_path / "persons.csv")
    line = 12  # header is line 1, so rows[11] is on line 12
    number = rows[line - 1][0]
    assert len(number) == 18
    rows[line - 1][0] = number[:17] + ("1" if number[17] != "1" else "2")
    write_rows(tmp_path / "persons.csv", rows)

    with pytest.raises(RegistryImportError) as exc:
        import_registry(db, tmp_path, actor="tester", today=TODAY)

    errors = exc.value.errors
    assert errors[0].file == "persons.csv" and errors[0].line == line
    assert "校验位不正确" in errors[0].reason
    assert str(errors[0]) == f"persons.csv 第{line}行：{errors[0].reason}"
    # That person's contributions now refer to nobody: reported too, in contributions.csv.
    assert {e.file for e in errors} == {"persons.csv", "contributions.csv"}
    assert all("不存在" in e.reason for e in errors[1:])
    assert exc.value.total >= len(errors)
    # Nothing written, but the refusal itself is audited.
    assert counts(db) == {"registry_unit": 0, "registry_person": 0, "contribution": 0}
    [event] = audit_events(db, "registry_import_failed")
    assert event.actor == "tester" and event.outcome == "failure"
    assert json.loads(event.detail)["errors"] == exc.value.total
    assert audit_events(db, "registry_imported") == []


def test_every_kind_of_row_error_is_reported(db, tmp_path):
    small_extract(tmp_path)
    persons = read_rows(tmp_path / "persons.csv")
    persons[2][2] = "女" if persons[2][2] == "男" else "男"  # line 3: gender disagrees with the ID
    persons[3][3] = "1990-01-01"  # line 4: birth date disagrees
    persons[4][4] = "12345"  # line 5: not a mobile number
    persons[5][7] = "学生"  # line 6: unknown person type
    persons[6][9] = "2020-13"  # line 7: no such month
    persons.append(list(persons[8]))  # line 202: duplicate of line 9
    write_rows(tmp_path / "persons.csv", persons)
    units = read_rows(tmp_path / "units.csv")
    units[2][0] = units[2][0][:17] + ("0" if units[2][0][17] != "0" else "1")  # line 3: check character
    units[3][8] = "停业"  # line 4: unknown status
    write_rows(tmp_path / "units.csv", units)
    contributions = read_rows(tmp_path / "contributions.csv")
    contributions[1][2] = "999"  # line 2: unknown insurance code
    contributions[2][4] = "12.5"  # line 3: one decimal place
    contributions[3][5] = "-1.00"  # line 4: negative
    contributions[4][7] = "未缴"  # line 5: unknown paid status
    contributions.insert(6, list(contributions[5]))  # line 7: duplicate of line 6
    write_rows(tmp_path / "contributions.csv", contributions)

    with pytest.raises(RegistryImportError) as exc:
        import_registry(db, tmp_path, today=TODAY)

    found = {(e.file, e.line): e.reason for e in exc.value.errors}
    assert "性别与身份证号码不符" in found[("persons.csv", 3)]
    assert "出生日期与身份证号码不符" in found[("persons.csv", 4)]
    assert "手机号码" in found[("persons.csv", 5)]
    assert "人员类别" in found[("persons.csv", 6)]
    assert "首次参保年月" in found[("persons.csv", 7)]
    assert "与第9行重复" in found[("persons.csv", 202)]
    assert "校验位" in found[("units.csv", 3)]
    assert "单位状态" in found[("units.csv", 4)]
    assert "险种代码" in found[("contributions.csv", 2)]
    assert "缴费基数" in found[("contributions.csv", 3)]
    assert "个人缴纳金额" in found[("contributions.csv", 4)]
    assert "缴费状态" in found[("contributions.csv", 5)]
    assert "重复" in found[("contributions.csv", 7)]
    assert counts(db) == {"registry_unit": 0, "registry_person": 0, "contribution": 0}


def test_missing_file_and_wrong_header(db, tmp_path):
    small_extract(tmp_path)
    (tmp_path / "units.csv").unlink()
    with pytest.raises(RegistryImportError) as exc:
        import_registry(db, tmp_path, today=TODAY)
    assert [(e.file, e.line) for e in exc.value.errors] == [("units.csv", 0)]

    small_extract(tmp_path)
    rows = read_rows(tmp_path / "persons.csv")
    rows[0][1] = "full_name"
    write_rows(tmp_path / "persons.csv", rows)
    with pytest.raises(RegistryImportError) as exc:
        import_registry(db, tmp_path, today=TODAY)
    assert [(e.file, e.line) for e in exc.value.errors] == [("persons.csv", 1)]
    assert ",".join(PERSON_COLUMNS) in exc.value.errors[0].reason
    assert counts(db)["registry_person"] == 0


def test_contributions_file_is_optional(db, tmp_path):
    small_extract(tmp_path)
    (tmp_path / "contributions.csv").unlink()
    report = import_registry(db, tmp_path, today=TODAY)
    assert (report.persons_added, report.units_added, report.contributions_added) == (200, 10, 0)


def test_a_changed_phone_updates_only_that_person(db, tmp_path):
    small_extract(tmp_path)
    import_registry(db, tmp_path, today=TODAY)
    before = dump(db)
    rows = read_rows(tmp_path / "persons.csv")
    row = rows[20]
    row[4] = "13900001111" if row[4] != "13900001111" else "13900002222"
    write_rows(tmp_path / "persons.csv", rows)

    report = import_registry(db, tmp_path, today=TODAY)

    assert (report.persons_added, report.persons_updated, report.persons_unchanged) == (0, 1, 199)
    assert report.units_updated == report.contributions_updated == report.contributions_added == 0
    person = find_person(db, row[0])
    pii = cipher()
    assert pii.decrypt("registry_person.phone", person.phone_enc) == row[4]
    assert person.phone_fp == pii.fingerprint("phone", row[4])
    after = dump(db)
    changed = [(a, b) for a, b in zip(before["registry_person"], after["registry_person"], strict=True) if a != b]
    assert len(changed) == 1
    old, new = changed[0]
    columns = list(RegistryPerson.__table__.c.keys())
    differing = {columns[i] for i, (x, y) in enumerate(zip(old, new, strict=True)) if x != y}
    # Only the phone's ciphertext and fingerprint change; the other ciphertexts keep their nonces.
    assert differing == {"phone_enc", "phone_fp"}
    assert after["contribution"] == before["contribution"]


def test_changed_contribution_and_unit_are_updated_and_new_month_added(db, tmp_path):
    small_extract(tmp_path)
    import_registry(db, tmp_path, today=TODAY)

    units = read_rows(tmp_path / "units.csv")
    units[5][6] = units[5][6] + "（新址）"
    write_rows(tmp_path / "units.csv", units)
    contributions = read_rows(tmp_path / "contributions.csv")
    contributions[1][7] = "欠缴" if contributions[1][7] == "已实缴" else "已实缴"
    new_row = list(contributions[1])
    new_row[1] = "2026-11"
    contributions.insert(1, new_row)
    write_rows(tmp_path / "contributions.csv", contributions)

    report = import_registry(db, tmp_path, today=TODAY)
    assert (report.units_updated, report.contributions_updated, report.contributions_added) == (1, 1, 1)
    unit = db.execute(select(RegistryUnit).where(RegistryUnit.uscc == units[5][0])).scalar_one()
    assert unit.address.endswith("（新址）")


def test_contributions_may_refer_to_persons_and_units_already_in_the_database(db, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    small_extract(first)
    import_registry(db, first, today=TODAY)

    # A later extract with only contributions: persons and units come from the database.
    second.mkdir()
    write_rows(second / "persons.csv", [list(PERSON_COLUMNS)])
    write_rows(second / "units.csv", [list(UNIT_COLUMNS)])
    old = read_rows(first / "contributions.csv")[1]
    changed = old[:4] + [old[4], old[5], old[6], "欠缴" if old[7] == "已实缴" else "已实缴"]
    added = [old[0], "2026-11", *old[2:]]
    unknown_person = ["110101199003070015", "2026-10", "110", "", "5000.00", "1200.00", "0.00", "已实缴"]
    write_rows(second / "contributions.csv", [list(CONTRIBUTION_COLUMNS), changed, added, unknown_person])

    with pytest.raises(RegistryImportError) as exc:
        import_registry(db, second, today=TODAY)
    assert [(e.file, e.line) for e in exc.value.errors] == [("contributions.csv", 4)]

    write_rows(second / "contributions.csv", [list(CONTRIBUTION_COLUMNS), changed, added])
    report = import_registry(db, second, today=TODAY)
    assert (report.persons_added, report.contributions_updated, report.contributions_added) == (0, 1, 1)


def test_legacy_rows_are_indexed_under_their_upgraded_number(db, tmp_path):
    small_extract(tmp_path)
    import_registry(db, tmp_path, today=TODAY)
    legacy = [r[0] for r in read_rows(tmp_path / "persons.csv")[1:] if len(r[0]) == 15]
    assert len(legacy) >= 4
    pii = cipher()
    for number in legacy:
        person = find_person(db, number)
        assert person.id_length == 15
        assert pii.decrypt("registry_person.id_number", person.id_number_enc) == number
        assert person.upgraded_id_fp == pii.fingerprint("id_number", upgrade_15_to_18(number))
        # The 18-digit form is not a record of its own.
        assert find_person(db, upgrade_15_to_18(number)) is None


def test_demo_identities_are_present_as_documented(db, tmp_path):
    small_extract(tmp_path)
    import_registry(db, tmp_path, today=TODAY)
    pii = cipher()
    ident = {d.key: d for d in DEMO_IDENTITIES}

    can = find_person(db, ident["can_register"].id_number)
    assert pii.decrypt("registry_person.name", can.name_enc) == ident["can_register"].name
    assert (can.person_type, can.insured_status) == ("职工", "正常参保")
    months = db.execute(
        select(func.count(func.distinct(Contribution.period))).where(Contribution.person_id == can.id)
    ).scalar_one()
    assert months >= 15 * 12
    employer = db.execute(
        select(RegistryUnit.uscc).join(Contribution, Contribution.unit_id == RegistryUnit.id)
        .where(Contribution.person_id == can.id).limit(1)
    ).scalar_one()
    assert employer in DEMO_UNIT_CODES

    differs = find_person(db, ident["name_differs"].id_number)
    assert pii.decrypt("registry_person.name", differs.name_enc) == "李娜娜" != ident["name_differs"].name

    typed = ident["legacy_15"].id_number
    assert find_person(db, typed) is None
    [legacy] = db.execute(
        select(RegistryPerson).where(RegistryPerson.upgraded_id_fp == pii.fingerprint("id_number", typed))
    ).scalars()
    assert legacy.id_length == 15
    assert pii.decrypt("registry_person.id_number", legacy.id_number_enc) == typed[:6] + typed[8:17]
    assert pii.decrypt("registry_person.name", legacy.name_enc) == ident["legacy_15"].name

    retirees = db.execute(
        select(func.count()).select_from(RegistryPerson).where(RegistryPerson.person_type == "退休人员")
    ).scalar_one()
    assert retirees >= 20
