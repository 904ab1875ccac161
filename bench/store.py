"""Where the data-scale benchmark puts its rows: a fresh database with the real schema (alembic upgrade head),
filled by PostgreSQL's COPY (psycopg 3's cursor.copy) or, on SQLite, by executemany.

The registry is made in shards by a process pool: each worker generates its shard's persons and contributions,
checks each person with the importer's own rules, encrypts and fingerprints it as the importer does
(registry_import.stored_person), and hands back COPY text; the parent streams it to the server. At most
`workers + 1` shards are in flight, so memory stays at a few shards whatever the number of persons.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Connection, make_url

from bench.generate import LOAD_SHARDS, people, person_row, shard_sizes, unit_row

ROOT = Path(__file__).resolve().parents[1]
PERSON_COPY_COLUMNS = (
    "id", "id_fp", "upgraded_id_fp", "id_length", "id_number_enc", "name_enc", "gender", "birth_date", "phone_enc",
    "phone_fp", "hukou_address_enc", "insured_region", "person_type", "insured_status", "first_insured",
)
CONTRIBUTION_COPY_COLUMNS = (
    "person_id", "period", "insurance_code", "unit_id", "base", "personal_amount", "unit_amount", "paid_status",
)


def upgrade_schema(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["db_url"] = url
    command.upgrade(cfg, "head")


class PgDatabase:
    """A database of its own on the server of `admin_url`, dropped on exit unless `keep`."""

    def __init__(self, admin_url: str, *, keep: bool) -> None:
        self.name = f"jssi_bench_{uuid.uuid4().hex[:8]}"
        self.keep = keep
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.url = make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> PgDatabase:
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self

    def size_bytes(self) -> int:
        with self._admin.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(:n)"), {"n": self.name}).scalar_one())

    def __exit__(self, *exc) -> None:
        from jssi_app.db import engine_for

        engine_for(self.url).dispose()
        if not self.keep:
            with self._admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def bulk_insert(conn: Connection, table: str, rows: list[dict]) -> None:
    """Rows (dicts with the same keys) into `table`: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    columns = list(rows[0])
    if conn.dialect.name == "postgresql":
        cursor = _driver_cursor(conn)
        with cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    from sqlmodel import SQLModel

    conn.execute(insert(SQLModel.metadata.tables[table]), rows)


def _driver_cursor(conn: Connection):  # noqa: ANN202
    """psycopg's own cursor (for COPY) inside the Connection's transaction, so conn.commit() commits its work."""
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.dbapi_connection.cursor()


def copy_text(conn: Connection, table: str, columns: tuple[str, ...], data: bytes) -> None:
    cursor = _driver_cursor(conn)
    with cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)


def reset_sequences(conn: Connection, tables: tuple[str, ...]) -> None:
    """After rows were written with explicit ids, the next id the application takes follows them."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY continues after the largest id by itself
    for table in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"))


# -- COPY text of the registry, made in worker processes ----------------------------------------------------------

_NULL = "\\N"


def _field(value: object) -> str:
    if value is None:
        return _NULL
    if isinstance(value, dt.date):
        return value.isoformat()
    # Ciphertexts are base64, fingerprints hex, the rest generated codes and dates: no tab, newline or backslash.
    return str(value)


@dataclass(frozen=True)
class Shard:
    prefix: int
    count: int
    first_id: int


@dataclass(frozen=True)
class ShardText:
    persons: bytes
    contributions: bytes
    person_count: int
    contribution_count: int
    encrypt_seconds: float  # spent checking, encrypting and fingerprinting persons


_worker: dict = {}


def _init_worker(units: list, unit_ids: dict[str, int], rows_per_person: int, seed: int, today: dt.date) -> None:
    _worker.update(units=units, unit_ids=unit_ids, rows_per_person=rows_per_person, seed=seed, today=today)


def registry_rows(shard: Shard, *, units: list, unit_ids: dict[str, int], rows_per_person: int, seed: int,
                  today: dt.date) -> ShardText:
    """One shard as COPY text of registry_person (explicit ids from shard.first_id) and contribution."""
    from jssi_app.adapters.pii import cipher
    from jssi_app.services.registry_import import _check_person, stored_person

    pii = cipher()
    person_lines: list[str] = []
    contribution_lines: list[str] = []
    encrypt_seconds = 0.0
    person_id = shard.first_id
    for person, rows in people(shard.prefix, shard.count, units, rows_per_person=rows_per_person, seed=seed,
                               today=today):
        started = time.perf_counter()
        checked, problems = _check_person(0, list(person_row(person)), today)
        if checked is None:
            raise ValueError(f"generated person refused by the importer's rules: {problems}")
        values = stored_person(checked, pii.fingerprint("id_number", checked.id_number), pii)
        encrypt_seconds += time.perf_counter() - started
        values["id"] = person_id
        person_lines.append("\t".join(_field(values[c]) for c in PERSON_COPY_COLUMNS))
        for _, period, code, uscc, base, personal, unit_amount, paid in rows:
            unit_id = unit_ids[uscc] if uscc else _NULL
            contribution_lines.append(
                f"{person_id}\t{period}\t{code}\t{unit_id}\t{base}\t{personal}\t{unit_amount}\t{paid}")
        person_id += 1
    return ShardText(
        persons=("\n".join(person_lines) + "\n").encode() if person_lines else b"",
        contributions=("\n".join(contribution_lines) + "\n").encode() if contribution_lines else b"",
        person_count=len(person_lines), contribution_count=len(contribution_lines), encrypt_seconds=encrypt_seconds,
    )


def _worker_shard(shard: Shard) -> ShardText:
    return registry_rows(shard, **_worker)


@dataclass
class LoadReport:
    persons: int = 0
    units: int = 0
    contributions: int = 0
    applications: int = 0
    seconds: float = 0.0  # the registry: units, persons, contributions
    applications_seconds: float = 0.0  # generating (encryption included) and writing the unit applications
    encrypt_seconds: float = 0.0  # summed over the workers
    workers: int = 1
    check_seconds: float = 0.0  # the foreign keys' check after the load
    vacuum_seconds: float = 0.0  # VACUUM ANALYZE after the load


def unit_values(units: list) -> list[dict]:
    """registry_unit rows (explicit ids 1..n) of generated units, checked and encrypted as the importer does."""
    from jssi_app.adapters.pii import cipher
    from jssi_app.services.registry_import import _check_unit, stored_unit

    pii = cipher()
    rows = []
    for i, unit in enumerate(units, start=1):
        checked, problems = _check_unit(0, list(unit_row(unit)), dt.date.today())
        if checked is None:
            raise ValueError(f"generated unit refused by the importer's rules: {problems}")
        rows.append({"id": i, **stored_unit(checked, pii)})
    return rows


def load_registry_pg(conn: Connection, *, units: list, persons: int, rows_per_person: int, seed: int,
                     today: dt.date, workers: int, report: LoadReport) -> None:
    """Units, then persons and contributions shard by shard, each shard committed on its own."""
    unit_rows = unit_values(units)
    bulk_insert(conn, "registry_unit", unit_rows)
    conn.commit()
    unit_ids = {row["uscc"]: row["id"] for row in unit_rows}
    report.units = len(unit_rows)

    shards, first_id = [], 1
    for prefix, count in enumerate(shard_sizes(persons, LOAD_SHARDS)):
        shards.append(Shard(prefix, count, first_id))
        first_id += count
    report.workers = workers
    # Foreign keys are checked once after the load (check_references) instead of by a trigger per row, as
    # pg_restore --disable-triggers does: the per-row checks cut COPY into contribution from ~140,000 to ~31,000
    # rows/s here. The importer's own COPY (the slice measured afterwards) keeps them.
    conn.execute(text("SET session_replication_role = replica"))
    conn.commit()
    with ProcessPoolExecutor(workers, initializer=_init_worker,
                             initargs=(units, unit_ids, rows_per_person, seed, today)) as pool:
        pending: deque[Future] = deque()
        queue = deque(shards)
        while queue or pending:
            while queue and len(pending) < workers + 1:
                pending.append(pool.submit(_worker_shard, queue.popleft()))
            part: ShardText = pending.popleft().result()
            copy_text(conn, "registry_person", PERSON_COPY_COLUMNS, part.persons)
            copy_text(conn, "contribution", CONTRIBUTION_COPY_COLUMNS, part.contributions)
            conn.commit()
            report.persons += part.person_count
            report.contributions += part.contribution_count
            report.encrypt_seconds += part.encrypt_seconds
    conn.execute(text("RESET session_replication_role"))
    reset_sequences(conn, ("registry_unit", "registry_person"))
    conn.commit()


def check_references(conn: Connection) -> None:
    """Every contribution's person and unit exist: the checks the foreign keys skipped during the load."""
    orphans = conn.execute(text(
        "SELECT (SELECT count(*) FROM contribution c WHERE NOT EXISTS "
        "(SELECT 1 FROM registry_person p WHERE p.id = c.person_id)) + "
        "(SELECT count(*) FROM contribution c WHERE c.unit_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM registry_unit u WHERE u.id = c.unit_id))")).scalar_one()
    conn.rollback()
    if orphans:
        raise RuntimeError(f"{orphans} contribution rows refer to a missing person or unit")
