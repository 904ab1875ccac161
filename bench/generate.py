"""The data-scale benchmark's registry: the demo generator's persons, units and contributions at any size.

It reuses services/demo_registry.py (names, ID numbers, addresses, bases, employment spells, contribution rows
in the import format) and changes only what does not scale there: persons come out one at a time (never a list
of a million), the employer is picked by bisection instead of a scan of every unit, unit names may repeat with a
branch suffix once the name parts run out, and a history is as long as the wanted rows per person.

Persons are made in shards so a process pool can make them in parallel. ID numbers stay unique across shards
without sharing a set: GB 11643's sequence code (three digits) starts with a two-digit prefix owned by one shard.
Prefixes 0..LOAD_SHARDS-1 belong to the load, SLICE_PREFIX to the extra persons of the import-rate slice.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jssi_app.domain.identifiers import check_digit
from jssi_app.services.demo_registry import _fmt_month, _Generator, _Person, _Unit
from jssi_app.services.registry_import import CONTRIBUTION_COLUMNS, PERSON_COLUMNS, UNIT_COLUMNS

LOAD_SHARDS = 99
SLICE_PREFIX = 99
# The demo's shares of person types (退休人员 22%, 灵活就业人员 9%) and of legacy 15-digit records (3%).
_TYPES = ("退休人员", "灵活就业人员", "职工")
_TYPE_WEIGHTS = (22, 9, 69)
_LEGACY_SHARE = 0.03
# Contribution rows per month: an employee pays 养老, 失业, 医疗 and 工伤; a flexible worker 养老 and 医疗.
_CODES_PER_MONTH = {"灵活就业人员": 2}
_EMPLOYEE_CODES = 4


class ScaleGenerator(_Generator):
    """The demo generator with ID numbers confined to one shard's prefix and histories of a given length."""

    def __init__(self, rng: random.Random, today: dt.date, *, prefix: int | None = None,
                 rows_per_person: int = 50) -> None:
        super().__init__(rng, today)
        self.prefix = prefix
        self.rows_per_person = rows_per_person
        self._months = 12
        self._by_start: list[_Unit] = []
        self._starts: list[int] = []
        self._branches = 0

    def use_units(self, units: list[_Unit]) -> None:
        self._by_start = sorted(units, key=lambda u: u.insured_since)
        self._starts = [u.insured_since for u in self._by_start]

    def id_number(self, region: str, birth: dt.date, gender: str) -> str:
        if self.prefix is None:
            return super().id_number(region, birth, gender)
        # A shard owns five sequence codes per place, day and gender: plenty below ~100 million persons.
        for _ in range(50):
            seq = self.prefix * 10 + self.rng.randrange(1 if gender == "男" else 0, 10, 2)
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
        raise RuntimeError(f"shard {self.prefix} ran out of ID numbers for {region} {birth}")

    def history_months(self) -> int:
        return self._months

    def pick_unit(self, units: list[_Unit], start: int, active: bool) -> _Unit:
        eligible = bisect.bisect_right(self._starts, start)
        if not eligible:
            return self._by_start[0]
        for _ in range(8):
            unit = self._by_start[self.rng.randrange(eligible)]
            if unit.status == "正常" or not active:
                return unit
        return unit

    def unit_name(self, unit_type: str, place: str) -> str:
        for _ in range(20):
            name = self.unit_name_candidate(unit_type, place)
            if name not in self.used_unit_names:
                self.used_unit_names.add(name)
                return name
        self._branches += 1
        return f"{name}第{self._branches}分公司"

    def scaled_person(self, units: list[_Unit]) -> _Person:
        person_type = self.rng.choices(_TYPES, _TYPE_WEIGHTS)[0]
        per_month = _CODES_PER_MONTH.get(person_type, _EMPLOYEE_CODES)
        # ±20% around the wanted rows, so histories differ in length but the mean is the knob.
        self._months = max(1, round(self.rows_per_person / per_month * self.rng.uniform(0.8, 1.2)))
        person = self.person(person_type, units)
        if person.birth.year < 2000 and self.rng.random() < _LEGACY_SHARE:
            self.legacy_form(person)
        return person


def make_units(count: int, *, seed: int, today: dt.date) -> list[_Unit]:
    gen = ScaleGenerator(random.Random(seed), today)
    return gen.units(count)


def shard_sizes(persons: int, shards: int = LOAD_SHARDS) -> list[int]:
    return [persons // shards + (1 if k < persons % shards else 0) for k in range(shards)]


def people(prefix: int, count: int, units: list[_Unit], *, rows_per_person: int, seed: int,
           today: dt.date) -> Iterator[tuple[_Person, list[tuple[str, ...]]]]:
    """`count` persons of the shard owning `prefix`, each with its contribution rows (import format)."""
    gen = ScaleGenerator(random.Random(seed * 1000 + prefix), today, prefix=prefix, rows_per_person=rows_per_person)
    gen.use_units(units)
    for _ in range(count):
        person = gen.scaled_person(units)
        yield person, gen.contribution_rows(person)


def person_row(p: _Person) -> tuple[str, ...]:
    """A persons.csv row (PERSON_COLUMNS)."""
    return (p.id_number, p.name, p.gender, p.birth.isoformat(), p.phone, p.hukou_address, p.insured_region,
            p.person_type, p.insured_status, _fmt_month(p.first_insured))


def unit_row(u: _Unit) -> tuple[str, ...]:
    """A units.csv row (UNIT_COLUMNS)."""
    return (u.uscc, u.name, u.unit_type, u.legal_rep_name, u.legal_rep_id, u.region_code, u.address,
            _fmt_month(u.insured_since), u.status)


@dataclass(frozen=True)
class ExtractSummary:
    persons: int
    units: int
    contributions: int


def write_extract(out_dir: Path, *, persons: int, units: list[_Unit] | None, reference_units: list[_Unit],
                  rows_per_person: int, seed: int, today: dt.date, prefixes: range | None = None) -> ExtractSummary:
    """An extract in the import format, streamed to disk: `units` go to units.csv (None: header only, the units
    are already in the registry), `persons` spread over the shards `prefixes` and employed by `reference_units`."""
    prefixes = prefixes or range(LOAD_SHARDS)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "units.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(UNIT_COLUMNS)
        writer.writerows(unit_row(u) for u in units or ())
    written = 0
    with open(out_dir / "persons.csv", "w", encoding="utf-8", newline="") as pf, \
            open(out_dir / "contributions.csv", "w", encoding="utf-8", newline="") as cf:
        persons_out, contributions_out = csv.writer(pf), csv.writer(cf)
        persons_out.writerow(PERSON_COLUMNS)
        contributions_out.writerow(CONTRIBUTION_COLUMNS)
        for prefix, count in zip(prefixes, shard_sizes(persons, len(prefixes))):
            for person, rows in people(prefix, count, reference_units, rows_per_person=rows_per_person, seed=seed,
                                       today=today):
                persons_out.writerow(person_row(person))
                contributions_out.writerows(rows)
                written += len(rows)
    return ExtractSummary(persons=persons, units=len(units or ()), contributions=written)
