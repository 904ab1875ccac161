"""参保管理 on SQLite and PostgreSQL: 人员新增 with its refusals, the one-open-employment rule (also under a race
of two sessions), 减员, the employee list, and 批量增员's all-or-nothing import."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from openpyxl import Workbook
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from jssi_app.domain.employment import EnrolmentForm
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.employment import Employment
from jssi_app.models.registry import RegistryPerson, RegistryUnit
from jssi_app.models.units import UnitAccount
from jssi_app.services import employment
from jssi_app.services.employment import (
    EMPLOYED_ELSEWHERE,
    EnrolmentRefused,
    ImportRejected,
    UnitNotApproved,
    enrol_employee,
    import_employees,
    list_employees,
    remove_employees,
)
from tests.services.helpers import NOW, add_registry_person, audit_rows, fetch_all, make_id, make_legacy_id
from tests.services.review_fixtures import add_application

IP = "198.51.100.4"


def approved_unit(db, seq: int, name: str = "南京甲公司") -> int:
    app = add_application(db, seq, unit_name=name, status="approved")
    account = db.get(UnitAccount, app.account_id)
    account.approved_at = NOW
    db.add(account)
    db.commit()
    return app.account_id


def form(name="王小明", id_number=None, phone="13800001111", start="2026-03-01", base="8000") -> EnrolmentForm:
    return EnrolmentForm(name=name, id_number=id_number or make_id(501, "19920101"), phone=phone,
                         start_date=start, base=base)


def open_rows(db) -> list[Employment]:
    return fetch_all(db, select(Employment).where(col(Employment.end_date).is_(None)))


@pytest.fixture
def units(db):
    return approved_unit(db, 1, "南京甲公司"), approved_unit(db, 2, "南京乙公司")


def test_a_new_person_is_added_to_the_registry_with_the_relation(db, units):
    a, _ = units
    done = enrol_employee(db, a, form(), client_ip=IP, now=NOW)
    assert done.new_person and done.masked_id_number.startswith("320102") and "*" in done.masked_id_number
    person = fetch_all(db, select(RegistryPerson))[0]
    assert person.person_type == "职工" and person.insured_status == "正常参保"
    assert "王小明" not in person.name_enc  # encrypted like the importer stores it
    (emp,) = open_rows(db)
    assert emp.person_id == person.id and str(emp.base) in ("8000.00", "8000")
    unit = fetch_all(db, select(RegistryUnit))[0]  # created from the approved application on first business
    assert unit.name == "南京甲公司" and emp.unit_id == unit.id
    assert [r.outcome for r in audit_rows(db, "employee_enrolled")] == ["success"]


def test_an_existing_person_must_match_the_registry_name_which_is_not_revealed(db, units):
    a, _ = units
    add_registry_person(db, make_id(502, "19850505"), "李建华", insured_status="暂停参保", person_type="职工")
    with pytest.raises(EnrolmentRefused) as refused:
        enrol_employee(db, a, form(name="李建国", id_number=make_id(502, "19850505")), client_ip=IP, now=NOW)
    assert refused.value.code == "name_mismatch" and "李建华" not in refused.value.message
    assert open_rows(db) == []
    done = enrol_employee(db, a, form(name="李建华", id_number=make_id(502, "19850505")), client_ip=IP, now=NOW)
    assert not done.new_person
    assert [r.outcome for r in audit_rows(db, "employee_enrolment_refused")] == ["failure"]


def test_a_legacy_15_digit_record_is_sent_to_the_counter(db, units):
    a, _ = units
    legacy = add_registry_person(db, make_legacy_id(7), "赵老五")
    with pytest.raises(EnrolmentRefused) as refused:
        enrol_employee(db, a, form(name="赵老五", id_number=legacy.id_number), client_ip=IP, now=NOW)
    assert refused.value.code == "legacy_id" and "15位升18位" in refused.value.message
    assert len(fetch_all(db, select(RegistryPerson))) == 1


def test_a_person_employed_by_another_unit_is_refused_with_the_reason(db, units):
    a, b = units
    enrol_employee(db, a, form(), client_ip=IP, now=NOW)
    with pytest.raises(EnrolmentRefused) as refused:
        enrol_employee(db, b, form(phone="13900002222"), client_ip=IP, now=NOW)
    assert refused.value.message == EMPLOYED_ELSEWHERE
    assert "南京甲公司" not in refused.value.message
    with pytest.raises(EnrolmentRefused) as again:
        enrol_employee(db, a, form(), client_ip=IP, now=NOW)
    assert again.value.code == "employed_here"
    assert len(open_rows(db)) == 1


def test_the_database_allows_one_open_employment_per_person(db_engine, db, units):
    a, b = units
    enrol_employee(db, a, form(), client_ip=IP, now=NOW)
    (emp,) = open_rows(db)
    other_unit = fetch_all(db, select(RegistryUnit.id))[0]
    with Session(db_engine) as second:
        second.add(Employment(person_id=emp.person_id, unit_id=other_unit, start_date=dt.date(2026, 3, 2),
                              base=emp.base))
        with pytest.raises(IntegrityError):
            second.commit()
    # An ended relation does not count: after 减员 the person can be enrolled again.
    remove_employees(db, a, [emp.id], end_date="2026-03-01", reason="离职", client_ip=IP, now=NOW)
    enrol_employee(db, b, form(start="2026-03-02"), client_ip=IP, now=NOW)
    assert len(open_rows(db)) == 1


@pytest.mark.parametrize("known", [True, False], ids=["registry-person", "new-person"])
def test_two_units_enrolling_the_same_person_at_once_cannot_both_succeed(db_engine, db, units, monkeypatch, known):
    """Both sessions pass the service's own check (patched to see nothing, as two concurrent transactions
    would); the unique indexes (open employment; for a new person also the registry's ID fingerprint) refuse
    the second insert and the service reports the usual reason."""
    a, b = units
    if known:
        add_registry_person(db, make_id(501, "19920101"), "王小明", insured_status="暂停参保", person_type="职工")
    for account in (a, b):  # each unit's registry row exists before the race
        with Session(db_engine, expire_on_commit=False) as s:
            employment.unit_scope(s, account, create=True)
            s.commit()
    monkeypatch.setattr(employment, "open_employment", lambda _db, _pid: None)
    results: dict[int, object] = {}
    if db_engine.dialect.name == "postgresql":
        # Real concurrency: both transactions are open at the same time; the second insert waits on the
        # index entry of the first and fails once it commits.
        barrier = threading.Barrier(2, timeout=30)
        real_flush = Session.flush

        def run(account):
            with Session(db_engine, expire_on_commit=False) as s:
                original = s.flush

                waited = []

                def flush_after_both_checked(*args, **kwargs):
                    if not waited and any(isinstance(o, (Employment, RegistryPerson)) for o in s.new):
                        waited.append(True)
                        try:
                            barrier.wait()
                        except threading.BrokenBarrierError:
                            pass
                    return original(*args, **kwargs)

                s.flush = flush_after_both_checked
                try:
                    results[account] = enrol_employee(s, account, form(), client_ip=IP, now=NOW)
                except Exception as exc:  # noqa: BLE001
                    results[account] = exc

        threads = [threading.Thread(target=run, args=(acc,)) for acc in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert real_flush is Session.flush
    else:
        # SQLite serialises writers (BEGIN IMMEDIATE), so the race is replayed one after the other.
        for account in (a, b):
            with Session(db_engine, expire_on_commit=False) as s:
                try:
                    results[account] = enrol_employee(s, account, form(), client_ip=IP, now=NOW)
                except Exception as exc:  # noqa: BLE001
                    results[account] = exc
    refused = [r for r in results.values() if isinstance(r, EnrolmentRefused)]
    assert len(results) == 2 and len(refused) == 1, results
    assert refused[0].message == EMPLOYED_ELSEWHERE
    assert len(open_rows(db)) == 1


def test_an_unapproved_unit_cannot_do_business(db):
    app = add_application(db, 9)  # 待审核
    with pytest.raises(UnitNotApproved):
        enrol_employee(db, app.account_id, form(), client_ip=IP, now=NOW)
    with pytest.raises(UnitNotApproved):
        list_employees(db, app.account_id)
    with pytest.raises(UnitNotApproved):
        enrol_employee(db, None, form(), client_ip=IP, now=NOW)


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def test_invalid_fields_are_all_reported_and_nothing_is_stored(db, units):
    a, _ = units
    with pytest.raises(ValidationFailed) as bad:
        enrol_employee(db, a, form(name="", id_number=_wrong_check_digit(make_id(504, "19920101")), phone="12", start="2026-02-30",
                                   base="100"), client_ip=IP, now=NOW)
    assert set(bad.value.by_field()) == {"name", "id_number", "phone", "start_date", "base"}
    assert "下限" in bad.value.by_field()["base"]
    assert fetch_all(db, select(RegistryPerson)) == []


def test_removal_ends_only_the_units_own_open_relations(db, units):
    a, b = units
    enrol_employee(db, a, form(), client_ip=IP, now=NOW)
    enrol_employee(db, b, form(name="孙丽", id_number=make_id(503, "19900303")), client_ip=IP, now=NOW)
    mine = list_employees(db, a).rows
    theirs = list_employees(db, b).rows
    assert [r.name for r in mine] == ["王小明"] and [r.name for r in theirs] == ["孙丽"]
    with pytest.raises(ValidationFailed) as foreign:
        remove_employees(db, a, [theirs[0].id], end_date="2026-03-01", reason="离职", client_ip=IP, now=NOW)
    assert "selection" in foreign.value.by_field()
    with pytest.raises(ValidationFailed) as early:
        remove_employees(db, a, [mine[0].id], end_date="2026-02-01", reason="离职", client_ip=IP, now=NOW)
    assert "end_date" in early.value.by_field()
    with pytest.raises(ValidationFailed) as reason:
        remove_employees(db, a, [mine[0].id], end_date="2026-03-01", reason="跳槽", client_ip=IP, now=NOW)
    assert "end_reason" in reason.value.by_field()
    assert remove_employees(db, a, [mine[0].id], end_date="2026-03-01", reason="退休", client_ip=IP, now=NOW) == 1
    page = list_employees(db, a, status="ended")
    assert [(r.status, r.end_date, r.end_reason) for r in page.rows] == [("已减员", "2026-03-01", "退休")]
    assert list_employees(db, a).total == 0
    assert list_employees(db, b).total == 1
    assert [r.outcome for r in audit_rows(db, "employee_removed")] == ["success"]


def test_the_list_searches_by_name_or_id_suffix_and_pages(db, units):
    a, _ = units
    for i in range(25):
        enrol_employee(db, a, form(name=f"员工{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{'子丑寅卯辰'[i // 10]}",
                                   id_number=make_id(600 + i, "19900101")), client_ip=IP, now=NOW)
    page1 = list_employees(db, a)
    assert page1.total == 25 and page1.pages == 2 and len(page1.rows) == 20 and page1.open_count == 25
    assert len(list_employees(db, a, page=2).rows) == 5
    assert [r.name for r in list_employees(db, a, query="甲寅").rows] == ["员工甲寅"]
    suffix = make_id(607, "19900101")[-4:]
    assert [r.masked_id_number[-4:] for r in list_employees(db, a, query=suffix).rows] == [suffix]
    assert all("*" in r.masked_id_number for r in page1.rows)


def _xlsx(rows, header=("姓名", "身份证号码", "手机号码", "用工起始日期", "缴费基数")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_batch_import_is_all_or_nothing(db, units):
    a, b = units
    taken = make_id(701, "19880808")
    enrol_employee(db, b, form(name="周敏", id_number=taken), client_ip=IP, now=NOW)
    rows = [("吴一", make_id(702, "19900101"), "13800000001", "2026-03-01", "6000"),
            ("周敏", taken, "13800000002", "2026-03-01", "6000"),
            ("郑三", make_id(703, "19900101"), "13800000003", "2026-03-01", "7000")]
    with pytest.raises(ImportRejected) as rejected:
        import_employees(db, a, _xlsx(rows), "名单.xlsx", client_ip=IP, now=NOW)
    assert [(e.row, e.column, e.message) for e in rejected.value.errors] == [(3, "身份证号码", EMPLOYED_ELSEWHERE)]
    assert list_employees(db, a).total == 0
    assert len(fetch_all(db, select(RegistryPerson))) == 1  # the new persons of rows 2 and 4 were not kept
    assert import_employees(db, a, _xlsx([rows[0], rows[2]]), "名单.xlsx", client_ip=IP, now=NOW) == 2
    assert list_employees(db, a).total == 2
    assert [r.outcome for r in audit_rows(db, "employees_imported")] == ["success"]
    assert [r.outcome for r in audit_rows(db, "employee_import_refused")] == ["failure"]


def test_batch_import_refuses_bad_files_and_bad_rows(db, units):
    a, _ = units
    with pytest.raises(ImportRejected) as not_xlsx:
        import_employees(db, a, b"name,id\n", "名单.csv", client_ip=IP, now=NOW)
    assert ".xlsx" in not_xlsx.value.errors[0].message
    with pytest.raises(ImportRejected) as fake:
        import_employees(db, a, b"not a zip", "名单.xlsx", client_ip=IP, now=NOW)
    assert "不是 Excel" in fake.value.errors[0].message
    bad = [("", make_id(801, "19900101"), "13800000001", "2026-03-01", "6000"),
           ("冯二", _wrong_check_digit(make_id(802, "19900101")), "13800000002", "2026-03-01", "6000")]
    with pytest.raises(ImportRejected) as rows:
        import_employees(db, a, _xlsx(bad), "名单.xlsx", client_ip=IP, now=NOW)
    assert {(e.row, e.column) for e in rows.value.errors} >= {(2, "姓名")}
    assert fetch_all(db, select(Employment)) == []


def test_a_retired_person_is_not_enrolled(db, units):
    a, _ = units
    add_registry_person(db, make_id(505, "19600101"), "钱老", person_type="退休人员", insured_status="退休")
    with pytest.raises(EnrolmentRefused) as refused:
        enrol_employee(db, a, form(name="钱老", id_number=make_id(505, "19600101")), client_ip=IP, now=NOW)
    assert refused.value.code == "retired"


def test_employments_are_derived_from_the_latest_contributions(db):
    from decimal import Decimal

    from jssi_app.models.registry import Contribution

    approved_unit(db, 1)
    from jssi_app.services.employment import derive_employments, unit_scope

    unit_id = unit_scope(db, 1, create=True).unit_id
    db.commit()
    working = add_registry_person(db, make_id(506, "19900101"), "在职甲", person_type="职工", insured_status="正常参保")
    left = add_registry_person(db, make_id(507, "19900101"), "离开乙", person_type="职工", insured_status="正常参保")
    for pid, periods in ((working.id, ["2025-11", "2025-12", "2026-01", "2026-02"]), (left.id, ["2024-01"])):
        for p in periods:
            db.add(Contribution(person_id=pid, period=p, insurance_code="110", unit_id=unit_id, base=Decimal("7000"),
                                personal_amount=Decimal("560"), unit_amount=Decimal("1120"), paid_status="已实缴"))
    db.commit()
    assert derive_employments(db, now=NOW) == 1
    db.commit()
    (emp,) = open_rows(db)
    assert emp.person_id == working.id and emp.start_date == dt.date(2025, 11, 1) and emp.unit_id == unit_id
    assert derive_employments(db, now=NOW) == 0  # idempotent
    db.commit()


def test_templates_are_only_for_an_approved_unit(db, units):
    a, _ = units
    content = employment.enrolment_template(db, a)
    assert content.startswith(b"PK")
    pending = add_application(db, 9)
    with pytest.raises(UnitNotApproved):
        employment.enrolment_template(db, pending.account_id)
    with pytest.raises(UnitNotApproved):
        employment.enrolment_template(db, None)
