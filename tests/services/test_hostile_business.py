"""单位业务 against hostile text (tests/hostile_text.py), on a real database: 缴费基数申报 typed in (preview and
提交) and by Excel, 批量增员 by Excel, 人员减员 and the employee search.

The .xlsx files are generated with the hostile values in their cells (control characters and lone surrogates
as OOXML's _xHHHH_ escapes, which openpyxl reads back as the characters): whatever a unit can put in a workbook.
Each submission is refused with a Chinese message (every row error too, and the error report can be built) and
leaves every row of the business tables as it was, or is stored exactly as its validator cleaned it; the test
then puts the tables back so each example starts from the same state.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import col, delete, select

from jssi_app.adapters import spreadsheets
from jssi_app.adapters.pii import cipher
from jssi_app.domain.base_declaration import DECREASE, validate_base
from jssi_app.domain.employment import DECLARATION_COLUMNS, ENROLMENT_COLUMNS, validate_end
from jssi_app.domain.names import validate_name
from jssi_app.models.counter import CounterTask
from jssi_app.models.employment import BaseDeclaration, Employment
from jssi_app.models.registry import RegistryPerson
from jssi_app.services import base_declaration as bd
from jssi_app.services import employment
from jssi_app.services.employment import bounds, enrol_employee, list_employees
from tests.hostile_text import hostile
from tests.services.helpers import NOW, fetch_all, make_id
from tests.services.hostile_checks import Outcomes, Refused, xlsx
from tests.services.test_employment import approved_unit, form

_ips = (f"10.8.{n // 250}.{n % 250 + 1}" for n in itertools.count())
TABLES = (Employment, RegistryPerson, BaseDeclaration, CounterTask)
A = ("王小明", make_id(601, "19920101"), "8000")
B = ("孙丽", make_id(602, "19900303"), "10000")


def _unit(db, seq: int, name: str) -> tuple[int, dict[str, int]]:
    account = approved_unit(db, seq, name)
    for who_name, number, base in (A, B):
        enrol_employee(db, account, form(name=who_name, id_number=number, base=base), client_ip="10.8.0.0", now=NOW)
    return account, {r.name: int(r.id) for r in list_employees(db, account).rows}


def _put_back_bases(db, ids: dict[str, int]) -> None:
    """Declarations and counter tasks gone, each base as enrolled: the next example starts over."""
    db.exec(delete(BaseDeclaration))
    db.exec(delete(CounterTask))
    for who_name, _number, base in (A, B):
        emp = db.get(Employment, ids[who_name], populate_existing=True)
        emp.base = Decimal(base)
        db.add(emp)
    db.commit()


def _declared_as(db, employment_id: int) -> Decimal:
    """The base the unit's line took: the employment's base, or the pending decrease's new base."""
    (decl,) = fetch_all(db, select(BaseDeclaration).where(BaseDeclaration.employment_id == employment_id))
    if decl.change == DECREASE:
        (emp,) = fetch_all(db, select(Employment).where(Employment.id == employment_id))
        assert Decimal(emp.base) == decl.old_base  # waits for the counter
        return Decimal(decl.new_base)
    (emp,) = fetch_all(db, select(Employment).where(Employment.id == employment_id))
    assert Decimal(emp.base) == decl.new_base
    return Decimal(decl.new_base)


def test_typed_base_declaration_refuses_hostile_bases_or_stores_them_exactly(db):
    account, ids = _unit(db, 91, "南京基数模糊测试有限公司")
    a, b = ids[A[0]], ids[B[0]]
    seen = Outcomes(db, *TABLES)

    @given(first=hostile, second=st.one_of(hostile, st.sampled_from(["9000", "7000.50", "10000"])),
           stranger=st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)))
    @example(first="<script>alert(1)</script>", second="9000", stranger=None)
    @example(first="９０００", second="\x00", stranger=None)
    @example(first="9000\u200b", second="\ud800", stranger=None)
    @example(first="9000", second="7000", stranger=None)
    def run(first, second, stranger):
        entries = {a: first, b: second}
        if stranger is not None and stranger not in (a, b):
            entries[stranger] = "9000"  # an employment id the page never showed: a tampered event
        preview = seen.attempt(lambda: bd.preview_declaration(db, account, entries))  # stores nothing either way
        done = seen.attempt(lambda: bd.submit_declaration(db, account, entries, client_ip=next(_ips), now=NOW))
        assert isinstance(preview, Refused) == isinstance(done, Refused), "the preview and 提交 disagree"
        if isinstance(done, Refused):
            return
        expected = {a: validate_base(first, bounds()), b: validate_base(second, bounds())}
        assert {line.id: line.new_base for line in preview.lines} == {k: f"{v:.2f}" for k, v in expected.items()}
        assert {k: _declared_as(db, k) for k in expected} == expected
        assert done.applied + done.unchanged + done.to_counter == 2
        _put_back_bases(db, ids)

    run()
    seen.assert_both_seen()


def _sheet_rows(field: str, value: str, with_second: bool) -> list[list[str]]:
    row = dict(zip(DECLARATION_COLUMNS, A))
    row[field] = value
    rows = [[row[c] for c in DECLARATION_COLUMNS]]
    if with_second:
        rows.append(list(B[:2]) + ["12000"])
    return rows


def _upload(db, seen: Outcomes, account: int, call):  # noqa: ANN001, ANN202
    """The import's result, or Refused, after checking 下载错误报告 builds for whatever the rows held."""
    result = seen.attempt(call)
    if isinstance(result, Refused) and isinstance(result.error, employment.ImportRejected):
        assert employment.error_report_file(db, account, result.error.errors).startswith(b"PK")
    return result


def test_excel_base_declaration_refuses_hostile_cells_or_declares_them_exactly(db):
    account, ids = _unit(db, 92, "南京表格基数模糊测试有限公司")
    seen = Outcomes(db, *TABLES)

    @given(field=st.sampled_from(DECLARATION_COLUMNS), value=hostile, with_second=st.booleans(),
           filename=st.one_of(st.just("基数申报.xlsx"), hostile.map(lambda s: s + ".xlsx"), hostile))
    @example(field="姓名", value="王小明<img src=x onerror=alert(1)>", with_second=True, filename="基数申报.xlsx")
    @example(field="缴费基数", value="=1+1", with_second=False, filename="基数申报.xlsx")
    # Regression: a lone surrogate in the uploaded file's name crashed the audit record of the refusal.
    @example(field="缴费基数", value="9000\x00", with_second=False, filename="基数\ud800.xlsx")
    @example(field="身份证号码", value="３２０１０２１９９００３０７４５３６", with_second=False, filename="a.xlsx")
    @example(field="姓名", value="王\u200b小明", with_second=True, filename="基数申报.xlsx")  # accepted
    def run(field, value, with_second, filename):
        content = xlsx(DECLARATION_COLUMNS, _sheet_rows(field, value, with_second))
        done = _upload(db, seen, account, lambda: bd.import_declaration(db, account, content, filename,
                                                                        client_ip=next(_ips), now=NOW))
        if isinstance(done, Refused):
            return
        # Accepted: the base as the sheet held it, cleaned by the rule; the other cells named the employee.
        cells = spreadsheets.read_sheet(content, filename).rows[0][1]
        assert _declared_as(db, ids[A[0]]) == validate_base(cells["缴费基数"], bounds())
        assert done.applied + done.unchanged + done.to_counter == 1 + with_second
        _put_back_bases(db, ids)

    run()
    seen.assert_both_seen()


def test_excel_enrolment_refuses_hostile_cells_or_enrols_them_exactly(db):
    account = approved_unit(db, 93, "南京批量增员模糊测试有限公司")
    good = ["周明", make_id(603, "19910101"), "13800001234", "2026-03-01", "8000"]
    seen = Outcomes(db, *TABLES)

    @given(field=st.sampled_from(ENROLMENT_COLUMNS), value=hostile,
           filename=st.one_of(st.just("增员.xlsx"), hostile.map(lambda s: s + ".xlsx")))
    @example(field="姓名", value="周<script>alert(1)</script>", filename="增员.xlsx")
    @example(field="姓名", value="周\u200b明", filename="增员.xlsx")
    @example(field="手机号码", value="'; DROP TABLE employment; --", filename="增员.xlsx")
    @example(field="用工起始日期", value="2026-03-01\x00", filename="增员\ud800.xlsx")
    def run(field, value, filename):
        cells = dict(zip(ENROLMENT_COLUMNS, good))
        cells[field] = value
        content = xlsx(ENROLMENT_COLUMNS, [[cells[c] for c in ENROLMENT_COLUMNS]])
        count = _upload(db, seen, account, lambda: employment.import_employees(db, account, content, filename,
                                                                               client_ip=next(_ips), now=NOW))
        if isinstance(count, Refused):
            return
        # Accepted: one new registry person named as the cleaned cell, with one open employment.
        assert count == 1
        read = spreadsheets.read_sheet(content, filename).rows[0][1]
        (person,) = fetch_all(db, select(RegistryPerson))
        assert cipher().decrypt("registry_person.name", person.name_enc) == validate_name(read["姓名"])
        assert len(fetch_all(db, select(Employment))) == 1
        db.exec(delete(Employment))
        db.exec(delete(RegistryPerson))
        db.commit()

    run()
    seen.assert_both_seen()


def test_removal_and_search_refuse_hostile_input_or_end_exactly_the_chosen_employment(db):
    account, ids = _unit(db, 94, "南京减员模糊测试有限公司")
    a = ids[A[0]]
    seen = Outcomes(db, *TABLES)

    @given(end=st.one_of(hostile, st.sampled_from(["2026-03-01", "2026-02-28"])),
           reason=st.one_of(hostile, st.sampled_from(["离职", "退休", "其他"])), query=hostile,
           chosen=st.lists(st.one_of(st.just(a), st.integers(-(2**31), 2**31)), max_size=3))
    @example(end="2026-03-01", reason="离职<script>", query="<img src=x onerror=alert(1)>", chosen=[a])
    @example(end="2026-03-01\u202e", reason="离职", query="\x00", chosen=[a])
    @example(end="2026-03-01", reason="离职", query="\ud800", chosen=[a])
    def run(end, reason, query, chosen):
        # 在职人员 search: any text is a search term, never an error and never a change.
        page = seen.attempt(lambda: list_employees(db, account, query=query, status="all"))
        assert not isinstance(page, Refused) and page.total <= 2
        count = seen.attempt(lambda: employment.remove_employees(db, account, chosen, end_date=end, reason=reason,
                                                                 client_ip=next(_ips), now=NOW))
        if isinstance(count, Refused):
            return
        # Accepted only for this unit's own open employee: ended on the cleaned date with the listed reason.
        assert count == 1 and set(chosen) == {a}
        end_date, why = validate_end(end, reason, NOW.date())
        (emp,) = fetch_all(db, select(Employment).where(Employment.id == a))
        assert (emp.end_date, emp.end_reason) == (end_date, why)
        emp.end_date = emp.end_reason = emp.ended_at = emp.ended_by = None
        db.add(emp)
        db.commit()

    run()
    seen.assert_both_seen()
