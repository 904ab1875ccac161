"""Import of a provincial registry extract: persons.csv, units.csv and (optionally) contributions.csv.

The format is the registry's extract format: UTF-8 CSV, a header row, RFC 4180 quoting, with the
columns PERSON_COLUMNS, UNIT_COLUMNS and CONTRIBUTION_COLUMNS below. 15-digit legacy ID numbers are
kept as the registry holds them and also indexed under their 18-digit upgrade (`upgraded_id_fp`).

All-or-nothing: every row of every file is validated before anything is written, and one bad row
rejects the whole extract with a list of (file, line, reason). Re-importing the same extract is a
no-op: rows are compared with what is stored (fingerprints, decrypted values) and only changed
values are written, so unchanged ciphertexts keep their nonces. Writes are bulk statements in
chunks; contributions are streamed twice (validate, then write) so memory does not grow with the
number of contribution rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from sqlalchemy import Row, insert, select, update
from sqlmodel import Session

from jssi_app.adapters.pii import PiiCipher, cipher
from jssi_app.domain.credit_codes import validate_credit_code
from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.identifiers import (
    PROVINCE_CODES,
    birth_date_of,
    gender_of,
    is_valid_legacy_id,
    upgrade_15_to_18,
    validate_id_number,
)
from jssi_app.models.registry import Contribution, RegistryPerson, RegistryUnit

PERSONS_FILE = "persons.csv"
UNITS_FILE = "units.csv"
CONTRIBUTIONS_FILE = "contributions.csv"

PERSON_COLUMNS = (
    "id_number", "name", "gender", "birth_date", "phone", "hukou_address",
    "insured_region", "person_type", "insured_status", "first_insured",
)
UNIT_COLUMNS = (
    "uscc", "name", "unit_type", "legal_rep_name", "legal_rep_id",
    "region_code", "address", "insured_since", "status",
)
CONTRIBUTION_COLUMNS = (
    "id_number", "period", "insurance_code", "uscc", "base", "personal_amount", "unit_amount", "paid_status",
)

PERSON_TYPES = frozenset({"职工", "灵活就业人员", "退休人员"})
INSURED_STATUSES = frozenset({"正常参保", "暂停参保", "退休"})
UNIT_TYPES = frozenset({"企业", "机关", "事业单位", "社会团体", "个体工商户"})
UNIT_STATUSES = frozenset({"正常", "注销"})
PAID_STATUSES = frozenset({"已实缴", "欠缴"})
# Index of each code in the per-person duplicate bitmap (see _SeenMonths).
INSURANCE_CODES = {code: i for i, code in enumerate(("110", "120", "170", "210", "310", "390", "410", "510"))}

# Beyond this many collected errors the extract is clearly broken; keep counting but stop storing.
MAX_ERRORS = 1000
_CHUNK = 5000  # rows per bulk statement
_IN_CHUNK = 500  # values per IN (...) lookup, well under SQLite's parameter limit

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONEY = re.compile(r"\d{1,10}\.\d{2}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_REGION = re.compile(r"\d{6}")


@dataclass(frozen=True)
class ImportRowError:
    file: str
    line: int  # physical line where the record starts; 0 for a problem with the whole file
    reason: str

    def __str__(self) -> str:
        return f"{self.file} 第{self.line}行：{self.reason}" if self.line else f"{self.file}：{self.reason}"


class RegistryImportError(Exception):
    """The extract was rejected; nothing was written. `errors` is capped at MAX_ERRORS, `total` is not."""

    def __init__(self, errors: list[ImportRowError], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(f"registry extract rejected with {self.total} error(s)")


@dataclass
class ImportReport:
    persons_added: int = 0
    persons_updated: int = 0
    persons_unchanged: int = 0
    units_added: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    contributions_added: int = 0
    contributions_updated: int = 0
    contributions_unchanged: int = 0
    seconds: float = 0.0


@dataclass
class DryRunReport:
    """试导入: what the extract holds and how much of it is new, from validation alone (nothing written)."""

    persons: int = 0
    persons_new: int = 0
    units: int = 0
    units_new: int = 0
    contributions: int = 0
    seconds: float = 0.0


class _Errors:
    def __init__(self) -> None:
        self.items: list[ImportRowError] = []
        self.total = 0
        self.unreadable: set[str] = set()  # files whose rows could not all be read

    def add(self, file: str, line: int, reason: str) -> None:
        self.total += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append(ImportRowError(file, line, reason))

    def __bool__(self) -> bool:
        return self.total > 0


# -- reading -------------------------------------------------------------------------------------

# Where an extract's files come from: a folder holding them (the CLI), or their contents by file name (the
# counter's staged upload, decrypted into memory so no plaintext copy is written to disk).
ExtractSource = Path | Mapping[str, bytes]


def _has(source: ExtractSource, name: str) -> bool:
    return name in source if isinstance(source, Mapping) else (source / name).is_file()


def _open(source: ExtractSource, name: str) -> TextIO:
    # utf-8-sig: tolerate the byte-order mark spreadsheet programs put in front of UTF-8 files.
    if isinstance(source, Mapping):
        return io.TextIOWrapper(io.BytesIO(source[name]), encoding="utf-8-sig", newline="")
    return open(source / name, encoding="utf-8-sig", newline="")


def _records(
    source: ExtractSource, name: str, columns: tuple[str, ...], errors: _Errors
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) of the data rows; header, encoding and column-count problems go to `errors`."""
    with _open(source, name) as fh:
        reader = csv.reader(fh, strict=True)
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                errors.add(name, 0, "文件为空，缺少表头")
                errors.unreadable.add(name)
                return
            if tuple(h.strip() for h in header) != columns:
                errors.add(name, 1, f"表头不正确，应为：{','.join(columns)}")
                errors.unreadable.add(name)
                return
            while True:
                line = reader.line_num + 1
                fields = next(reader, None)
                if fields is None:
                    return
                if not fields or fields == [""]:
                    continue  # blank line, e.g. a trailing newline
                if len(fields) != len(columns):
                    errors.add(name, line, f"应有{len(columns)}列，实际为{len(fields)}列")
                    continue
                yield line, [f.strip() for f in fields]
        except UnicodeDecodeError:
            errors.add(name, line, "文件不是有效的 UTF-8 编码")
            errors.unreadable.add(name)
        except csv.Error as exc:
            errors.add(name, line, f"CSV 格式错误（{exc}）")
            errors.unreadable.add(name)


def _write_records(source: ExtractSource, name: str) -> Iterator[list[str]]:
    """Data rows of a file that already passed validation."""
    with _open(source, name) as fh:
        reader = csv.reader(fh, strict=True)
        next(reader)
        for fields in reader:
            if fields and fields != [""]:
                yield [f.strip() for f in fields]


# -- field rules ---------------------------------------------------------------------------------


def _id_problem(number: str, today: dt.date) -> str | None:
    """None when `number` is a valid 18-digit or legacy 15-digit resident ID, else the reason."""
    if len(number) == 15 and number.isdigit():
        return None if is_valid_legacy_id(number) else "15位旧身份证号码无效（地区代码或出生日期不正确）"
    if len(number) != 18:
        return "身份证号码应为18位（或15位旧号码）"
    try:
        validate_id_number(number, today)
    except InvalidValue as exc:
        return exc.message.removesuffix("，请核对后重新输入")
    return None


def _month_problem(value: str, label: str) -> str | None:
    m = _PERIOD.fullmatch(value)
    if not m or int(m.group(1)) < 1900:
        return f"{label}应为 YYYY-MM 格式的有效月份"
    return None


def _region_problem(value: str, label: str) -> str | None:
    if not _REGION.fullmatch(value) or value[:2] not in PROVINCE_CODES:
        return f"{label}应为6位行政区划代码"
    return None


def _enum_problem(value: str, allowed: Iterable[str], label: str) -> str | None:
    if value not in allowed:
        return f"{label}应为 {' / '.join(sorted(allowed))} 之一"
    return None


@dataclass(frozen=True)
class _PersonRow:
    line: int
    id_number: str
    name: str
    gender: str
    birth_date: dt.date
    phone: str
    hukou_address: str
    insured_region: str
    person_type: str
    insured_status: str
    first_insured: str


@dataclass(frozen=True)
class _UnitRow:
    line: int
    uscc: str
    name: str
    unit_type: str
    legal_rep_name: str
    legal_rep_id: str
    region_code: str
    address: str
    insured_since: str
    status: str


def _check_person(line: int, f: list[str], today: dt.date) -> tuple[_PersonRow | None, list[str]]:
    number, name, gender, birth, phone, hukou, region, ptype, status, first = f
    number = number.upper()
    problems: list[str] = []
    id_problem = _id_problem(number, today)
    if id_problem:
        problems.append(id_problem)
    if not name:
        problems.append("姓名不能为空")
    elif len(name) > 64:
        problems.append("姓名过长")
    if gender not in ("男", "女"):
        problems.append("性别应为 男 / 女")
    elif not id_problem and gender_of(number) != gender:
        problems.append("性别与身份证号码不符")
    birth_date = None
    if not _DATE.fullmatch(birth):
        problems.append("出生日期应为 YYYY-MM-DD 格式")
    else:
        try:
            birth_date = dt.date.fromisoformat(birth)
        except ValueError:
            problems.append("出生日期不存在")
        else:
            if not id_problem and birth_date_of(number) != birth_date:
                problems.append("出生日期与身份证号码不符")
    if phone and not _MOBILE.fullmatch(phone):
        problems.append("手机号码应为空或11位大陆手机号码")
    if len(hukou) > 200:
        problems.append("户籍地址过长")
    problems += filter(None, (
        _region_problem(region, "参保地"),
        _enum_problem(ptype, PERSON_TYPES, "人员类别"),
        _enum_problem(status, INSURED_STATUSES, "参保状态"),
        _month_problem(first, "首次参保年月"),
    ))
    if problems:
        return None, problems
    assert birth_date is not None
    return _PersonRow(line, number, name, gender, birth_date, phone, hukou, region, ptype, status, first), []


def _check_unit(line: int, f: list[str], today: dt.date) -> tuple[_UnitRow | None, list[str]]:
    uscc, name, utype, rep_name, rep_id, region, address, since, status = f
    problems: list[str] = []
    try:
        uscc = validate_credit_code(uscc)
    except InvalidValue as exc:
        problems.append(exc.message.removesuffix("，请核对后重新输入"))
    if not name:
        problems.append("单位名称不能为空")
    elif len(name) > 200:
        problems.append("单位名称过长")
    if not rep_name:
        problems.append("法定代表人姓名不能为空")
    rep_id = rep_id.upper()
    rep_problem = _id_problem(rep_id, today)
    if rep_problem:
        problems.append(f"法定代表人{rep_problem}")
    if not address:
        problems.append("单位地址不能为空")
    elif len(address) > 300:
        problems.append("单位地址过长")
    problems += filter(None, (
        _enum_problem(utype, UNIT_TYPES, "单位类型"),
        _region_problem(region, "行政区划代码"),
        _month_problem(since, "参保年月"),
        _enum_problem(status, UNIT_STATUSES, "单位状态"),
    ))
    if problems:
        return None, problems
    return _UnitRow(line, uscc, name, utype, rep_name, rep_id, region, address, since, status), []


class _SeenMonths:
    """Which (month, insurance code) pairs each person already has in the file.

    One integer bitmap per person, offset by the person's earliest month, keeps duplicate detection
    at a few dozen bytes per person instead of a set entry per contribution row.
    """

    def __init__(self) -> None:
        self._maps: dict[str, tuple[int, int]] = {}

    def add(self, person: str, slot: int) -> bool:
        """Mark `slot`; True when it was already marked (a duplicate)."""
        entry = self._maps.get(person)
        if entry is None:
            self._maps[person] = (slot, 1)
            return False
        base, bits = entry
        if slot < base:
            bits <<= base - slot
            base = slot
        bit = 1 << (slot - base)
        if bits & bit:
            return True
        self._maps[person] = (base, bits | bit)
        return False


# -- database lookups ----------------------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Lookups read plain rows (not ORM objects): nothing piles up in the session's identity map, and
# the bulk UPDATEs below never have to reconcile with loaded objects.


def _persons_by_fp(session: Session, fps: list[str]) -> dict[str, Row]:
    table = RegistryPerson.__table__
    found: dict[str, Row] = {}
    for chunk in _chunks(fps, _IN_CHUNK):
        for row in session.execute(select(table).where(table.c.id_fp.in_(chunk))):
            found[row.id_fp] = row
    return found


def _person_ids_by_fp(session: Session, fps: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(fps, _IN_CHUNK):
        for pid, fp in session.execute(
            select(RegistryPerson.id, RegistryPerson.id_fp).where(RegistryPerson.id_fp.in_(chunk))
        ):
            found[fp] = pid
    return found


def _units_by_code(session: Session, codes: list[str]) -> dict[str, Row]:
    table = RegistryUnit.__table__
    found: dict[str, Row] = {}
    for chunk in _chunks(codes, _IN_CHUNK):
        for row in session.execute(select(table).where(table.c.uscc.in_(chunk))):
            found[row.uscc] = row
    return found


# -- the use case --------------------------------------------------------------------------------


def _refuse_during_key_rotation() -> None:
    # The import finds existing persons by the fingerprint under the current key only; while previous keys
    # are still in the ring a person not yet re-keyed would be taken for a new one and stored twice.
    if cipher().previous_key_ids:
        raise RegistryImportError([ImportRowError(
            "参保库", 0, "个人信息加密密钥正在轮换，请先完成 rotate-keys 并停用旧密钥后再导入")])


def import_registry(
    session: Session,
    source: ExtractSource,
    *,
    actor: str = "cli",
    today: dt.date | None = None,
    dry_run: bool = False,
    audit_detail: dict | None = None,
    client_ip: str = "",
) -> ImportReport | DryRunReport:
    """Validate and import the extract in `source` (a folder, or file name → contents); commits `session` on
    success.

    On any invalid row the session is rolled back, an audit event "registry_import_failed" is
    committed on its own, and RegistryImportError is raised. `today` (default: today in Nanjing)
    bounds the birth dates in ID numbers.

    With `dry_run` the same validation runs and nothing is written but the audit event
    "registry_import_dry_run" (outcome success or failure); a DryRunReport comes back, or
    RegistryImportError with the same (file, line, reason) list a real import would give.
    `audit_detail` is merged into the audit event's detail (e.g. the clerk who ran it).
    """
    from jssi_app.services import audit

    started = time.perf_counter()
    if today is None:
        from jssi_app.adapters.clock import local_today

        today = local_today()
    if not isinstance(source, Mapping):
        source = Path(source)
    # A folder is named in the audit event; contents in memory have no place to name (the caller's
    # audit_detail says what they were).
    extra = {"directory": str(source)} if isinstance(source, Path) else {}
    extra.update(audit_detail or {})
    try:
        _refuse_during_key_rotation()
        plan = _validate(session, source, today)
    except RegistryImportError as exc:
        session.rollback()
        audit.record(
            session,
            "registry_import_dry_run" if dry_run else "registry_import_failed",
            actor=actor,
            client_ip=client_ip,
            outcome="failure",
            detail={
                "errors": exc.total,
                "first_errors": [str(e) for e in exc.errors[:5]],
                **extra,
            },
        )
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        try:
            dry = _dry_run_report(session, plan)
            session.rollback()  # nothing but the audit event below may come out of a dry run
            dry.seconds = round(time.perf_counter() - started, 3)
            audit.record(session, "registry_import_dry_run", actor=actor, client_ip=client_ip,
                         detail={**asdict(dry), **extra})
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return dry
    try:
        report = _write(session, source, plan)
    except BaseException:
        session.rollback()  # all-or-nothing holds for database errors too
        raise
    report.seconds = round(time.perf_counter() - started, 3)
    audit.record(
        session,
        "registry_imported",
        actor=actor,
        client_ip=client_ip,
        detail={**asdict(report), **extra},
    )
    session.commit()
    return report


@dataclass
class _Plan:
    persons: dict[str, _PersonRow]  # by ID number as written
    units: dict[str, _UnitRow]  # by credit code
    person_fp: dict[str, str]  # ID number -> id_fp, for every person the extract touches
    db_person_ids: dict[str, int]  # ID number -> id, persons only in the database
    db_unit_ids: dict[str, int]  # credit code -> id, units only in the database
    has_contributions: bool
    contribution_rows: int = 0


def _dry_run_report(session: Session, plan: _Plan) -> DryRunReport:
    """Counts for 试导入: read-only lookups of which persons and units the registry already holds."""
    existing_persons = _person_ids_by_fp(session, [plan.person_fp[n] for n in plan.persons])
    existing_units = _units_by_code(session, list(plan.units))
    return DryRunReport(
        persons=len(plan.persons),
        persons_new=len(plan.persons) - len(existing_persons),
        units=len(plan.units),
        units_new=len(plan.units) - len(existing_units),
        contributions=plan.contribution_rows,
    )


_LINES_PER_REFERENCE = 3


def _note_reference(unknown: dict[str, list[int]], key: str, line: int) -> None:
    """Remember where an unresolved reference occurs: the first few lines, then just a count (last item)."""
    entry = unknown.get(key)
    if entry is None:
        unknown[key] = [line, 1]
    else:
        entry[-1] += 1
        if len(entry) <= _LINES_PER_REFERENCE:
            entry.insert(-1, line)


def _report_reference(errors: _Errors, entry: list[int], reason: str) -> None:
    *lines, count = entry
    for line in lines:
        errors.add(CONTRIBUTIONS_FILE, line, reason)
    # Every further row with the same reference is an error too, counted but not listed.
    errors.total += count - len(lines)


def _validate(session: Session, source: ExtractSource, today: dt.date) -> _Plan:
    errors = _Errors()
    for name in (PERSONS_FILE, UNITS_FILE):
        if not _has(source, name):
            errors.add(name, 0, f"缺少文件 {name}")
    if errors:
        raise RegistryImportError(errors.items, errors.total)

    persons: dict[str, _PersonRow] = {}
    person_lines: dict[str, int] = {}  # every ID number in persons.csv, valid or not
    for line, fields in _records(source, PERSONS_FILE, PERSON_COLUMNS, errors):
        row, problems = _check_person(line, fields, today)
        number = row.id_number if row else fields[0].upper()
        if number in person_lines:
            problems.append(f"身份证号码与第{person_lines[number]}行重复")
        else:
            person_lines[number] = line
        for p in problems:
            errors.add(PERSONS_FILE, line, p)
        if row and not problems:
            persons[number] = row

    units: dict[str, _UnitRow] = {}
    unit_lines: dict[str, int] = {}
    for line, fields in _records(source, UNITS_FILE, UNIT_COLUMNS, errors):
        row, problems = _check_unit(line, fields, today)
        code = row.uscc if row else fields[0].upper()
        if code in unit_lines:
            problems.append(f"统一社会信用代码与第{unit_lines[code]}行重复")
        else:
            unit_lines[code] = line
        for p in problems:
            errors.add(UNITS_FILE, line, p)
        if row and not problems:
            units[code] = row

    if errors.unreadable:
        # Without every person and unit, contribution references cannot be checked meaningfully.
        raise RegistryImportError(errors.items, errors.total)

    fp = cipher().fingerprint
    person_fp = {number: fp("id_number", number) for number in persons}

    has_contributions = _has(source, CONTRIBUTIONS_FILE)
    contribution_rows = 0
    db_person_ids: dict[str, int] = {}
    db_unit_ids: dict[str, int] = {}
    if has_contributions:
        # References not in the files are checked against the database after the pass, in bulk.
        unknown_persons: dict[str, list[int]] = {}
        unknown_units: dict[str, list[int]] = {}
        seen = _SeenMonths()
        for line, f in _records(source, CONTRIBUTIONS_FILE, CONTRIBUTION_COLUMNS, errors):
            contribution_rows += 1
            number, period, code, uscc, base, personal, unit_amount, paid = f
            number = number.upper()
            uscc = uscc.upper()
            if number not in person_lines:
                _note_reference(unknown_persons, number, line)
            if uscc and uscc not in unit_lines:
                _note_reference(unknown_units, uscc, line)
            m = _PERIOD.fullmatch(period)
            if not m or int(m.group(1)) < 1900:
                errors.add(CONTRIBUTIONS_FILE, line, "费款所属期应为 YYYY-MM 格式的有效月份")
            code_index = INSURANCE_CODES.get(code)
            if code_index is None:
                errors.add(CONTRIBUTIONS_FILE, line, f"险种代码应为 {' / '.join(INSURANCE_CODES)} 之一")
            for value, label in ((base, "缴费基数"), (personal, "个人缴纳金额"), (unit_amount, "单位缴纳金额")):
                if not _MONEY.fullmatch(value):
                    errors.add(CONTRIBUTIONS_FILE, line, f"{label}应为不小于0、保留两位小数的金额")
            if paid not in PAID_STATUSES:
                errors.add(CONTRIBUTIONS_FILE, line, "缴费状态应为 已实缴 / 欠缴 之一")
            if m and code_index is not None:
                slot = ((int(m.group(1)) * 12 + int(m.group(2))) << 3) | code_index
                if seen.add(number, slot):
                    errors.add(CONTRIBUTIONS_FILE, line, "同一人员、同一所属期、同一险种的缴费记录重复")
        del seen

        if unknown_persons:
            numbers = list(unknown_persons)
            fps = {n: fp("id_number", n) for n in numbers}
            found = _person_ids_by_fp(session, list(fps.values()))
            for number in numbers:
                if fps[number] in found:
                    db_person_ids[number] = found[fps[number]]
                    person_fp[number] = fps[number]
                else:
                    _report_reference(
                        errors, unknown_persons[number], "身份证号码在 persons.csv 和参保人员库中均不存在"
                    )
        if unknown_units:
            found_units = _units_by_code(session, list(unknown_units))
            for code, lines in unknown_units.items():
                if code in found_units:
                    db_unit_ids[code] = found_units[code].id
                else:
                    _report_reference(
                        errors, lines, "缴费单位的统一社会信用代码在 units.csv 和参保单位库中均不存在"
                    )

    if errors:
        order = {PERSONS_FILE: 0, UNITS_FILE: 1, CONTRIBUTIONS_FILE: 2}
        items = sorted(errors.items, key=lambda e: (order.get(e.file, 3), e.line))
        raise RegistryImportError(items, errors.total)
    return _Plan(persons, units, person_fp, db_person_ids, db_unit_ids, has_contributions, contribution_rows)


def stored_unit(u: _UnitRow, pii: PiiCipher) -> dict:
    """The registry_unit row of a new unit: legal representative encrypted and fingerprinted."""
    return {
        "uscc": u.uscc, "name": u.name, "unit_type": u.unit_type,
        "legal_rep_name_enc": pii.encrypt("registry_unit.legal_rep_name", u.legal_rep_name),
        "legal_rep_id_enc": pii.encrypt("registry_unit.legal_rep_id", u.legal_rep_id),
        "legal_rep_id_fp": pii.fingerprint("id_number", u.legal_rep_id), "region_code": u.region_code,
        "address": u.address, "insured_since": u.insured_since, "status": u.status,
    }


def stored_person(p: _PersonRow, id_fp: str, pii: PiiCipher) -> dict:
    """The registry_person row of a new person: personal data encrypted, ID number and phone fingerprinted."""
    number = p.id_number
    return {
        "id_fp": id_fp,
        "upgraded_id_fp": pii.fingerprint("id_number", upgrade_15_to_18(number)) if len(number) == 15 else None,
        "id_length": len(number),
        "id_number_enc": pii.encrypt("registry_person.id_number", number),
        "name_enc": pii.encrypt("registry_person.name", p.name),
        "gender": p.gender, "birth_date": p.birth_date,
        "phone_enc": pii.encrypt("registry_person.phone", p.phone) if p.phone else None,
        "phone_fp": pii.fingerprint("phone", p.phone) if p.phone else None,
        "hukou_address_enc": (
            pii.encrypt("registry_person.hukou_address", p.hukou_address) if p.hukou_address else None
        ),
        "insured_region": p.insured_region, "person_type": p.person_type,
        "insured_status": p.insured_status, "first_insured": p.first_insured,
    }


def _write(session: Session, source: ExtractSource, plan: _Plan) -> ImportReport:
    report = ImportReport()
    pii = cipher()
    unit_ids = dict(plan.db_unit_ids)

    # Units first: contributions refer to them.
    existing_units = _units_by_code(session, list(plan.units))
    new_units: list[dict] = []
    changed_units: list[dict] = []
    for code, u in plan.units.items():
        old = existing_units.get(code)
        if old is None:
            new_units.append(stored_unit(u, pii))
            continue
        rep_fp = pii.fingerprint("id_number", u.legal_rep_id)
        unit_ids[code] = old.id
        changes = {
            k: v for k, v in (("name", u.name), ("unit_type", u.unit_type), ("region_code", u.region_code),
                              ("address", u.address), ("insured_since", u.insured_since), ("status", u.status))
            if getattr(old, k) != v
        }
        if old.legal_rep_id_fp != rep_fp:
            changes["legal_rep_id_enc"] = pii.encrypt("registry_unit.legal_rep_id", u.legal_rep_id)
            changes["legal_rep_id_fp"] = rep_fp
        if pii.decrypt("registry_unit.legal_rep_name", old.legal_rep_name_enc) != u.legal_rep_name:
            changes["legal_rep_name_enc"] = pii.encrypt("registry_unit.legal_rep_name", u.legal_rep_name)
        if changes:
            changed_units.append({"id": old.id, **changes})
    for chunk in _chunks(new_units, _CHUNK):
        for uid, code in session.execute(
            insert(RegistryUnit.__table__).returning(
                RegistryUnit.__table__.c.id, RegistryUnit.__table__.c.uscc, sort_by_parameter_order=True
            ),
            chunk,
        ):
            unit_ids[code] = uid
    for chunk in _chunks(changed_units, _CHUNK):
        session.execute(update(RegistryUnit), chunk)
    report.units_added = len(new_units)
    report.units_updated = len(changed_units)
    report.units_unchanged = len(plan.units) - len(new_units) - len(changed_units)

    # Persons.
    person_ids = dict(plan.db_person_ids)
    existing = _persons_by_fp(session, [plan.person_fp[n] for n in plan.persons])
    new_persons: list[dict] = []
    changed_persons: list[dict] = []
    for number, p in plan.persons.items():
        id_fp = plan.person_fp[number]
        old = existing.get(id_fp)
        if old is None:
            new_persons.append(stored_person(p, id_fp, pii))
            continue
        phone_fp = pii.fingerprint("phone", p.phone) if p.phone else None
        person_ids[number] = old.id
        changes = {
            k: v for k, v in (("gender", p.gender), ("birth_date", p.birth_date),
                              ("insured_region", p.insured_region), ("person_type", p.person_type),
                              ("insured_status", p.insured_status), ("first_insured", p.first_insured))
            if getattr(old, k) != v
        }
        if len(number) == 15 and old.upgraded_id_fp is None:
            changes["upgraded_id_fp"] = pii.fingerprint("id_number", upgrade_15_to_18(number))
        if pii.decrypt("registry_person.name", old.name_enc) != p.name:
            changes["name_enc"] = pii.encrypt("registry_person.name", p.name)
        if old.phone_fp != phone_fp:
            changes["phone_enc"] = pii.encrypt("registry_person.phone", p.phone) if p.phone else None
            changes["phone_fp"] = phone_fp
        old_hukou = (
            pii.decrypt("registry_person.hukou_address", old.hukou_address_enc) if old.hukou_address_enc else ""
        )
        if old_hukou != p.hukou_address:
            changes["hukou_address_enc"] = (
                pii.encrypt("registry_person.hukou_address", p.hukou_address) if p.hukou_address else None
            )
        if changes:
            changed_persons.append({"id": old.id, **changes})
    number_by_fp = {plan.person_fp[n]: n for n in plan.persons}
    table = RegistryPerson.__table__
    for chunk in _chunks(new_persons, _CHUNK):
        for pid, id_fp in session.execute(
            insert(table).returning(table.c.id, table.c.id_fp, sort_by_parameter_order=True), chunk
        ):
            person_ids[number_by_fp[id_fp]] = pid
    for chunk in _chunks(changed_persons, _CHUNK):
        session.execute(update(RegistryPerson), chunk)
    report.persons_added = len(new_persons)
    report.persons_updated = len(changed_persons)
    report.persons_unchanged = len(plan.persons) - len(new_persons) - len(changed_persons)

    if plan.has_contributions:
        new_person_ids = {person_ids[number_by_fp[row["id_fp"]]] for row in new_persons}
        _write_contributions(session, source, person_ids, unit_ids, new_person_ids, report)
    session.flush()
    return report


_CONTRIBUTION_INSERT_COLUMNS = (
    "person_id", "period", "insurance_code", "unit_id", "base", "personal_amount", "unit_amount", "paid_status",
)


def _insert_contributions(session: Session, rows: list[tuple]) -> None:
    """Bulk insert of (person_id, period, code, unit_id, base, personal, unit, paid_status) tuples.

    The generic path is SQLAlchemy's executemany; the two dialects we run get a faster one, since
    contributions are the bulk of every extract (measured on the 369k-row demo extract).
    """
    columns = ", ".join(_CONTRIBUTION_INSERT_COLUMNS)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # COPY: about 2.7x the rows per second of psycopg's executemany.
        dbapi = session.connection().connection.dbapi_connection
        with dbapi.cursor() as cur, cur.copy(f"COPY contribution ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif dialect == "sqlite":
        # SQLite has no decimal type and SQLAlchemy binds Numeric as float anyway; binding the floats
        # directly skips its per-row parameter processing (about a quarter of the CPU time).
        session.connection().exec_driver_sql(
            f"INSERT INTO contribution ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(p, per, code, u, float(b), float(pa), float(ua), st) for p, per, code, u, b, pa, ua, st in rows],
        )
    else:
        session.execute(insert(Contribution.__table__), [dict(zip(_CONTRIBUTION_INSERT_COLUMNS, r)) for r in rows])


def _write_contributions(
    session: Session,
    source: ExtractSource,
    person_ids: dict[str, int],
    unit_ids: dict[str, int],
    new_person_ids: set[int],
    report: ImportReport,
) -> None:
    table = Contribution.__table__
    to_insert: list[tuple] = []
    to_update: list[dict] = []

    def flush_writes(final: bool = False) -> None:
        if to_insert and (final or len(to_insert) >= _CHUNK):
            _insert_contributions(session, to_insert)
            to_insert.clear()
        if to_update and (final or len(to_update) >= _CHUNK):
            session.execute(update(Contribution), to_update)
            to_update.clear()

    def process(batch: list[list[str]]) -> None:
        # Stored rows are fetched per batch, only for persons that existed before this import.
        known = sorted({person_ids[f[0].upper()] for f in batch} - new_person_ids)
        stored: dict[tuple[int, str, str], tuple] = {}
        for chunk in _chunks(known, _IN_CHUNK):
            for row in session.execute(
                select(
                    table.c.id, table.c.person_id, table.c.period, table.c.insurance_code, table.c.unit_id,
                    table.c.base, table.c.personal_amount, table.c.unit_amount, table.c.paid_status,
                ).where(table.c.person_id.in_(chunk))
            ):
                stored[(row[1], row[2], row[3])] = row
        for number, period, code, uscc, base, personal, unit_amount, paid in batch:
            person_id = person_ids[number.upper()]
            unit_id = unit_ids[uscc.upper()] if uscc else None
            base_d, personal_d, unit_d = Decimal(base), Decimal(personal), Decimal(unit_amount)
            old = stored.get((person_id, period, code))
            if old is None:
                to_insert.append((person_id, period, code, unit_id, base_d, personal_d, unit_d, paid))
                report.contributions_added += 1
            elif (old[4], old[5], old[6], old[7], old[8]) != (unit_id, base_d, personal_d, unit_d, paid):
                to_update.append({
                    "id": old[0], "unit_id": unit_id, "base": base_d, "personal_amount": personal_d,
                    "unit_amount": unit_d, "paid_status": paid,
                })
                report.contributions_updated += 1
            else:
                report.contributions_unchanged += 1
        flush_writes()

    batch: list[list[str]] = []
    for fields in _write_records(source, CONTRIBUTIONS_FILE):
        batch.append(fields)
        if len(batch) >= 20000:
            process(batch)
            batch = []
    if batch:
        process(batch)
    flush_writes(final=True)
