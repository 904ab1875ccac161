"""The data-scale benchmark's generator and loader produce what the real importer would: rows it accepts, and
stored rows the services read, with personal data encrypted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from bench.generate import make_units, people, write_extract
from bench.store import LoadReport, PgDatabase, Shard, check_references, load_registry_pg, registry_rows, upgrade_schema
from jssi_app.adapters.pii import cipher
from jssi_app.models.registry import Contribution, RegistryPerson
from jssi_app.services.registry_import import import_registry
from tests.services.conftest import PG_URL
from tests.backing import require_pg

TODAY = dt.date(2026, 11, 28)


def test_generated_extract_is_accepted_by_the_importer_with_the_wanted_rows_per_person(db, tmp_path):
    units = make_units(12, seed=7, today=TODAY)
    # 300 persons spread over the 99 shards: ID numbers from different shards must never collide.
    summary = write_extract(tmp_path, persons=300, units=units, reference_units=units, rows_per_person=50, seed=7,
                            today=TODAY)

    report = import_registry(db, tmp_path, actor="test", today=TODAY)

    assert (report.persons_added, report.units_added, report.contributions_added) == (300, 12, summary.contributions)
    assert 40 <= summary.contributions / 300 <= 60
    assert db.scalar(select(func.count()).select_from(Contribution)) == summary.contributions


def test_shard_rows_hold_personal_data_encrypted_and_findable_by_fingerprint():
    units = make_units(10, seed=3, today=TODAY)
    unit_ids = {u.uscc: i for i, u in enumerate(units, start=1)}
    generated = list(people(5, 20, units, rows_per_person=50, seed=3, today=TODAY))

    shard = registry_rows(Shard(5, 20, first_id=101), units=units, unit_ids=unit_ids, rows_per_person=50, seed=3,
                          today=TODAY)

    lines = shard.persons.decode().splitlines()
    assert len(lines) == shard.person_count == 20
    pii = cipher()
    for line, (person, _) in zip(lines, generated):
        assert person.id_number not in line and person.name not in line
        fields = line.split("\t")
        assert fields[0] == str(101 + lines.index(line))
        assert fields[1] == pii.fingerprint("id_number", person.id_number)
        assert pii.decrypt("registry_person.id_number", fields[4]) == person.id_number
        assert pii.decrypt("registry_person.name", fields[5]) == person.name
    assert shard.contribution_count == sum(len(rows) for _, rows in generated)


def test_copy_load_on_postgresql_gives_rows_the_importer_finds_unchanged(tmp_path):
    require_pg()
    units = make_units(10, seed=11, today=TODAY)
    with PgDatabase(PG_URL, keep=False) as database:
        upgrade_schema(database.url)
        from jssi_app.db import engine_for

        engine = engine_for(database.url)
        report = LoadReport()
        with engine.connect() as conn:
            load_registry_pg(conn, units=units, persons=198, rows_per_person=20, seed=11, today=TODAY, workers=2,
                             report=report)
            check_references(conn)
        # The same persons as an extract: the importer must find every one stored exactly as it would store it.
        write_extract(tmp_path, persons=198, units=units, reference_units=units, rows_per_person=20, seed=11,
                      today=TODAY)
        with Session(engine) as db:
            again = import_registry(db, tmp_path, actor="test", today=TODAY)
            assert (again.persons_added, again.persons_updated, again.persons_unchanged) == (0, 0, 198)
            assert (again.contributions_added, again.contributions_updated) == (0, 0)
            assert again.contributions_unchanged == report.contributions
            # The sequences follow the explicit ids: the next person the application adds gets a fresh id.
            assert db.execute(text("SELECT nextval(pg_get_serial_sequence('registry_person', 'id'))")).scalar_one() \
                == db.scalar(select(func.max(RegistryPerson.id))) + 1
