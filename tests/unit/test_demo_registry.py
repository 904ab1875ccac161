"""The demo extract generator: deterministic, and every row valid in the registry format."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from jssi_app.domain.credit_codes import validate_credit_code
from jssi_app.domain.identifiers import (
    birth_date_of,
    gender_of,
    is_valid_legacy_id,
    upgrade_15_to_18,
    validate_id_number,
)
from jssi_app.services.demo_registry import DEMO_IDENTITIES, DEMO_UNIT_CODES, DemoSummary, write_demo_extract

TODAY = dt.date(2026, 11, 28)
LAST_PERIOD = "2026-10"

# The documented headers, spelled out here so a change to the format is a visible test change.
HEADERS = {
    "persons.csv": "id_number,name,gender,birth_date,phone,hukou_address,insured_region,person_type,"
    "insured_status,first_insured",
    "units.csv": "uscc,name,unit_type,legal_rep_name,legal_rep_id,region_code,address,insured_since,status",
    "contributions.csv": "id_number,period,insurance_code,uscc,base,personal_amount,unit_amount,paid_status",
}


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> tuple[Path, DemoSummary]:
    """The default-size extract, as `make run` seeds it."""
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo_extract(out, today=TODAY)


@pytest.fixture(scope="module")
def rows(extract) -> dict[str, list[dict[str, str]]]:
    out, _ = extract
    return {name: read(out / name) for name in HEADERS}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_demo_extract(a, persons=300, units=12, today=TODAY)
    write_demo_extract(b, persons=300, units=12, today=TODAY)
    write_demo_extract(c, persons=300, units=12, seed=7, today=TODAY)
    for name in HEADERS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "persons.csv").read_bytes() != (c / "persons.csv").read_bytes()


def test_files_follow_the_format(extract, rows) -> None:
    out, summary = extract
    for name, header in HEADERS.items():
        raw = (out / name).read_bytes()
        assert raw.startswith(header.encode() + b"\r\n"), name  # no BOM, CRLF as RFC 4180
        raw.decode("utf-8")
    assert summary == DemoSummary(
        persons=len(rows["persons.csv"]), units=len(rows["units.csv"]), contributions=len(rows["contributions.csv"])
    )
    assert (summary.persons, summary.units) == (3000, 100)


def test_every_person_id_is_valid_and_agrees_with_gender_and_birth_date(rows) -> None:
    persons = rows["persons.csv"]
    assert len({p["id_number"] for p in persons}) == len(persons)
    legacy = [p for p in persons if len(p["id_number"]) == 15]
    for p in persons:
        number = p["id_number"]
        if len(number) == 15:
            assert is_valid_legacy_id(number), number
            assert upgrade_15_to_18(number) not in {q["id_number"] for q in legacy}
        else:
            assert validate_id_number(number, TODAY) == number
        assert gender_of(number) == p["gender"]
        assert birth_date_of(number).isoformat() == p["birth_date"]
        assert p["phone"] == "" or re.fullmatch(r"1[3-9]\d{9}", p["phone"])
        assert re.fullmatch(r"32\d{4}", p["insured_region"])
        assert p["hukou_address"]
    # About 3% legacy 15-digit records, all born in the 1900s.
    assert 0.02 * len(persons) <= len(legacy) <= 0.04 * len(persons)
    assert all(birth_date_of(p["id_number"]).year < 2000 for p in legacy)
    # About 10% born outside Jiangsu; some empty phones; a few minority names.
    outside = sum(1 for p in persons if not p["id_number"].startswith("32"))
    assert 0.06 * len(persons) <= outside <= 0.15 * len(persons)
    assert any(p["phone"] == "" for p in persons)
    assert any("·" in p["name"] for p in persons)


def test_person_types_and_statuses(rows) -> None:
    persons = rows["persons.csv"]
    pairs = Counter((p["person_type"], p["insured_status"]) for p in persons)
    assert set(pairs) <= {("职工", "正常参保"), ("职工", "暂停参保"), ("灵活就业人员", "正常参保"), ("退休人员", "退休")}
    assert pairs[("退休人员", "退休")] >= 20


def test_small_extract_still_has_twenty_retirees(tmp_path: Path) -> None:
    write_demo_extract(tmp_path, persons=60, units=6, today=TODAY)
    assert sum(p["person_type"] == "退休人员" for p in read(tmp_path / "persons.csv")) >= 20


def test_units_have_valid_codes_and_legal_representatives(rows) -> None:
    units = rows["units.csv"]
    assert len({u["uscc"] for u in units}) == len(units)
    assert len({u["name"] for u in units}) == len(units)
    for u in units:
        assert validate_credit_code(u["uscc"]) == u["uscc"]
        assert u["uscc"][2:8] == u["region_code"]
        assert validate_id_number(u["legal_rep_id"], TODAY) == u["legal_rep_id"]
        assert u["unit_type"] in {"企业", "机关", "事业单位", "社会团体", "个体工商户"}
        assert u["status"] in {"正常", "注销"}
    by_code = {u["uscc"]: u for u in units}
    for code, name in DEMO_UNIT_CODES.items():
        assert validate_credit_code(code) == code
        assert by_code[code]["name"] == name
        assert by_code[code]["status"] == "正常"


MONEY = re.compile(r"\d+\.\d{2}")
BASE_MIN, BASE_MAX, CENT = Decimal("4494"), Decimal("24042"), Decimal("0.01")
EMPLOYEE_RATES = {"110": (Decimal("0.08"), Decimal("0.16")), "210": (Decimal("0.005"), Decimal("0.005")),
                  "310": (Decimal("0.02"), Decimal("0.07"))}
FLEX_RATES = {"110": Decimal("0.24"), "310": Decimal("0.09")}


def cents(value: Decimal) -> Decimal:
    """Amounts are rounded half-up to the cent."""
    return value.quantize(CENT, ROUND_HALF_UP)


def test_contributions_are_consistent(rows) -> None:
    persons = {p["id_number"]: p for p in rows["persons.csv"]}
    units = {u["uscc"]: u for u in rows["units.csv"]}
    months: dict[str, set[str]] = defaultdict(set)
    keys = set()
    status = Counter()
    for c in rows["contributions.csv"]:
        number, period, code, uscc = c["id_number"], c["period"], c["insurance_code"], c["uscc"]
        person = persons[number]
        keys.add((number, period, code))
        months[number].add(period)
        status[c["paid_status"]] += 1
        assert person["first_insured"] <= period <= LAST_PERIOD
        for amount in (c["base"], c["personal_amount"], c["unit_amount"]):
            assert MONEY.fullmatch(amount)
        base, personal, unit = Decimal(c["base"]), Decimal(c["personal_amount"]), Decimal(c["unit_amount"])
        assert BASE_MIN <= base <= BASE_MAX
        if person["person_type"] == "灵活就业人员":
            assert uscc == "" and unit == 0
            assert personal == cents(base * FLEX_RATES[code])
            continue
        assert units[uscc]["insured_since"] <= period
        if code == "410":
            assert personal == 0 and cents(base * Decimal("0.002")) <= unit <= cents(base * Decimal("0.019"))
        else:
            rates = EMPLOYEE_RATES[code]
            assert (personal, unit) == (cents(base * rates[0]), cents(base * rates[1]))
        if person["person_type"] == "退休人员":
            # Contributions stop before retirement.
            assert period < LAST_PERIOD
    assert len(keys) == len(rows["contributions.csv"])  # one row per person, month and insurance type
    # Arrears in about 2% of the rows.
    assert 0.01 < status["欠缴"] / sum(status.values()) < 0.03
    # Most histories are short (fast demo start), a handful are long.
    lengths = sorted(len(m) for m in months.values())
    assert lengths[len(lengths) // 2] <= 36
    assert sum(1 for n in lengths if n >= 120) >= 10
    # Every person has a contribution history.
    assert set(months) == set(persons)


def test_demo_identities(rows) -> None:
    assert [d.key for d in DEMO_IDENTITIES] == ["can_register", "name_differs", "legacy_15"]
    persons = {p["id_number"]: p for p in rows["persons.csv"]}
    contributions = Counter(c["id_number"] for c in rows["contributions.csv"])
    ident = {d.key: d for d in DEMO_IDENTITIES}
    for d in DEMO_IDENTITIES:
        assert validate_id_number(d.id_number, TODAY) == d.id_number
        assert re.fullmatch(r"1[3-9]\d{9}", d.phone) and d.label and d.note

    can = persons[ident["can_register"].id_number]
    assert can["name"] == ident["can_register"].name and can["person_type"] == "职工"
    assert can["insured_region"].startswith("3201")
    assert contributions[ident["can_register"].id_number] >= 15 * 12 * 4

    differs = persons[ident["name_differs"].id_number]
    assert differs["name"] != ident["name_differs"].name
    assert (ident["name_differs"].name, differs["name"]) == ("李娜", "李娜娜")

    legacy_18 = ident["legacy_15"].id_number
    assert legacy_18 not in persons
    legacy_15 = legacy_18[:6] + legacy_18[8:17]
    assert upgrade_15_to_18(legacy_15) == legacy_18
    assert persons[legacy_15]["name"] == ident["legacy_15"].name
    assert contributions[legacy_15] > 0


def test_rejects_sizes_below_the_fixed_records(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_demo_extract(tmp_path, persons=2, today=TODAY)
    with pytest.raises(ValueError):
        write_demo_extract(tmp_path, units=4, today=TODAY)
