"""The data-scale benchmark: the pages' queries over a province-sized registry (PostgreSQL) and a single office's
(SQLite), and the registry import rate against a bare bulk write of the same rows.

PostgreSQL (JSSI_BENCH_PG_URL, else JSSI_TEST_PG_URL; the part is left out, and says so, when neither is set):
a database of its own, the real schema (alembic upgrade head), JSSI_BENCH_PERSONS persons (1,000,000) with
JSSI_BENCH_CONTRIBUTIONS_PER_PERSON rows each (50) loaded by COPY, JSSI_BENCH_APPLICATIONS unit applications
(100,000). Dropped at the end unless JSSI_BENCH_KEEP=1. SQLite: JSSI_BENCH_SQLITE_PERSONS persons (10,000) loaded
through the importer itself, and the same applications, so that the queue has a 500th page there too.

Measured with the services the pages call, each call in its own session, JSSI_BENCH_SAMPLES times (200):
- 缴费查询: contribution_page as the 查询 button calls it (profile check, rows and totals of the default range of
  12 months, 累计缴费月数, the audit record) for random persons, target p95 ≤ 20 ms;
- the review queue: list_queue's first page and 500th page (reached by walking the cursor) under two filters,
  target p95 ≤ 50 ms; the dashboard counts;
- the import rate: import_registry of a slice of new persons (~100,000 rows) into the loaded registry, against
  the same rows written by the importer's own bulk path (COPY on PostgreSQL) and rolled back (the reference).
On PostgreSQL the SQL of each measured service call is explained with EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import setup_env, write_section
from bench.store import LoadReport

PG_BEGIN, PG_END = "<!-- bench:data-pg:begin -->", "<!-- bench:data-pg:end -->"
SQLITE_BEGIN, SQLITE_END = "<!-- bench:data-sqlite:begin -->", "<!-- bench:data-sqlite:end -->"
SEED = 20261128
QUEUE_PAGE = 500
CONTRIBUTION_TARGET_MS = 20.0
QUEUE_TARGET_MS = 50.0
SLICE_ROWS = 100_000
ROUNDS = 3


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").replace(",", "").replace("_", "") or default)


@dataclass(frozen=True)
class Scale:
    persons: int
    rows_per_person: int
    applications: int
    samples: int

    @property
    def units(self) -> int:
        # About one employer per 25 insured persons, as in the demo registry (3,000 persons, 100 units).
        return max(10, self.persons // 25)


@dataclass
class Result:
    label: str
    load: LoadReport | None = None
    load_note: str = ""
    timings: list = field(default_factory=list)
    import_rows: int = 0
    import_rate: float = 0.0
    reference_rate: float = 0.0
    reference_label: str = ""
    # The 1-minute load average when the measures began and ended: the machine is shared, and a busy one
    # shows in the wall times of every call while the servers' own execution times (the plans) stay put.
    load_average: tuple[float, float] = (0.0, 0.0)
    sizes: list[tuple[str, int]] = field(default_factory=list)
    indexes: list[tuple[str, str, int]] = field(default_factory=list)
    plans: list[tuple[str, str, str]] = field(default_factory=list)


# -- loading ---------------------------------------------------------------------------------------------------------


def _load_applications(engine, scale: Scale, now: dt.datetime, result: Result) -> None:
    from jssi_app.adapters.hashing import hash_password

    from bench.applications import make_applications
    from bench.store import bulk_insert, reset_sequences

    started = time.perf_counter()
    tables = make_applications(scale.applications, password_hash=hash_password("Bench2026pw"), seed=SEED, now=now)
    with engine.connect() as conn:
        for table, rows in tables.items():
            bulk_insert(conn, table, rows)
        reset_sequences(conn, tuple(name for name, _ in tables.items()))
        conn.commit()
    result.load.applications = scale.applications
    result.load.applications_seconds = time.perf_counter() - started


def _sample_accounts(engine, count: int, now: dt.datetime) -> list[int]:
    """Person accounts (profile completed) for `count` random registry persons with an 18-digit ID."""
    from sqlalchemy import text
    from sqlmodel import Session

    from jssi_app.adapters.pii import cipher
    from jssi_app.models.accounts import PersonAccount

    pii = cipher()
    with Session(engine) as db:
        top = db.execute(text("SELECT max(id) FROM registry_person")).scalar_one()
        rng = random.Random(SEED)
        wanted = sorted(rng.sample(range(1, top + 1), min(top, count * 2)))
        rows = db.execute(text(
            "SELECT id, id_fp, id_number_enc, name_enc FROM registry_person WHERE id_length = 18 AND id = ANY(:ids)"
            if engine.dialect.name == "postgresql" else
            f"SELECT id, id_fp, id_number_enc, name_enc FROM registry_person WHERE id_length = 18 "
            f"AND id IN ({','.join(map(str, wanted))})"
        ), {"ids": wanted} if engine.dialect.name == "postgresql" else {}).all()[:count]
        accounts = []
        for i, (person_id, id_fp, id_enc, name_enc) in enumerate(rows):
            number = pii.decrypt("registry_person.id_number", id_enc)
            phone = f"139{i:08d}"
            account = PersonAccount(
                registry_person_id=person_id, id_fp=id_fp,
                id_number_enc=pii.encrypt("person_account.id_number", number),
                name_enc=pii.encrypt("person_account.name", pii.decrypt("registry_person.name", name_enc)),
                phone_enc=pii.encrypt("person_account.phone", phone), phone_fp=pii.fingerprint("phone", phone),
                password_hash="$2b$12$" + "x" * 53, profile_completed_at=now,
            )
            db.add(account)
            accounts.append(account)
        db.commit()
        ids = [int(a.id) for a in accounts]
    rng.shuffle(ids)
    return ids


# -- measuring -------------------------------------------------------------------------------------------------------


def _queue_filters(today: dt.date):
    from jssi_app.services.review_queue import OPEN_STATUSES, QueueFilter

    return (
        ("待办（待审核、审核中）", QueueFilter(statuses=tuple(s.value for s in OPEN_STATUSES))),
        ("全部状态 + 近一年提交 + 单位名称含“有限公司”",
         QueueFilter(search="有限公司", submitted_from=today - dt.timedelta(days=365), submitted_to=today)),
    )


def _cursor_of_page(engine, filt, page: int, today: dt.date) -> str | None:
    """The cursor a reviewer holds on arriving at `page`: walked there with the service, page by page."""
    from sqlmodel import Session

    from jssi_app.services.review_queue import list_queue
    from jssi_app.state.staff import PAGE_SIZE

    cursor = None
    with Session(engine) as db:
        for _ in range(page - 1):
            cursor = list_queue(db, filt, after=cursor, limit=PAGE_SIZE, today=today).next_cursor
            if cursor is None:
                raise RuntimeError(f"the queue has fewer than {page} pages under this filter")
    return cursor


def _measure(engine, result: Result, accounts: list[int], samples: int, now: dt.datetime) -> list[tuple[str, Callable]]:
    """Fills result.timings; returns one representative call per measure, for the query plans.

    Every measure runs ROUNDS rounds of `samples` calls, the rounds taking turns with the other measures, and the
    round with the lowest p95 is kept: on a machine shared with other work a burst of it spoils a round, not the
    figure (the load average is recorded beside them)."""
    from sqlmodel import Session

    from jssi_app.adapters.clock import to_local
    from jssi_app.domain.contributions import default_range
    from jssi_app.services.contribution_records import contribution_page
    from jssi_app.services.review_queue import dashboard_counts, list_queue
    from jssi_app.state.staff import PAGE_SIZE

    from bench.measure import summarize, time_calls

    today = to_local(now).date()
    start, end = default_range(today)

    def contribution_call(account_id: int) -> Callable:
        return lambda db: contribution_page(db, account_id=account_id, from_month=start, to_month=end,
                                            insurance_codes=(), page=1, client_ip="10.0.0.1", now=now,
                                            record_query=True)

    calls = [contribution_call(a) for a in accounts[:samples]]
    time_calls(engine, calls[:5])  # connections opened, code paths warmed
    # The plan shown is that of a person with rows in the range (a retiree's history ends at retirement).
    with Session(engine) as db:
        shown = next(call for call in calls if call(db).rows)
    measures: list[tuple[str, list[Callable], float | None]] = [
        ("缴费查询 (contribution_page, 查询), random persons", calls, CONTRIBUTION_TARGET_MS)]
    representative = [("缴费查询", shown)]

    def dashboard(db):
        return dashboard_counts(db, today=today)

    measures.append(("审核工作台 counts (dashboard_counts)", [dashboard] * samples, None))
    representative.append(("审核工作台 counts", dashboard))
    for label, filt in _queue_filters(today):
        for page in (1, QUEUE_PAGE):
            cursor = _cursor_of_page(engine, filt, page, today) if page > 1 else None

            def queue_page(db, filt=filt, cursor=cursor):
                return list_queue(db, filt, after=cursor, limit=PAGE_SIZE, today=today)

            measures.append((f"审核列表 page {page}: {label}", [queue_page] * samples, QUEUE_TARGET_MS))
            representative.append((f"审核列表 page {page}: {label}", queue_page))
    load_before = os.getloadavg()[0]
    rounds: list[list] = [[] for _ in measures]
    for _ in range(ROUNDS):
        for i, (name, measure_calls, target) in enumerate(measures):
            rounds[i].append(summarize(name, time_calls(engine, measure_calls), target))
    result.timings = [min(found, key=lambda t: t.p95_ms) for found in rounds]
    result.load_average = (load_before, os.getloadavg()[0])
    return representative


def _plans(engine, result: Result, representative: list[tuple[str, Callable]]) -> None:
    from sqlmodel import Session

    from bench.measure import captured_selects, explain

    shown: set[str] = set()
    for label, call in representative:
        with captured_selects(engine) as statements:
            with Session(engine) as db:
                call(db)
        for statement in statements:
            sql, plan = explain(engine, statement)
            if sql not in shown:  # contribution_page reads the account twice (profile check, query)
                shown.add(sql)
                result.plans.append((label, sql, plan))


def _import_slice(engine, tmp: Path, scale: Scale, units: list, today: dt.date, result: Result) -> None:
    """The importer on new persons worth ~SLICE_ROWS contribution rows, against the same rows bulk-written."""
    from sqlmodel import Session

    from jssi_app.services.registry_import import import_registry

    from bench.generate import SLICE_PREFIX, write_extract

    extract = tmp / "slice"
    persons = max(1, SLICE_ROWS // scale.rows_per_person)
    summary = write_extract(extract, persons=persons, units=None, reference_units=units,
                            rows_per_person=scale.rows_per_person, seed=SEED, today=today,
                            prefixes=range(SLICE_PREFIX, SLICE_PREFIX + 1))
    rows = summary.persons + summary.contributions
    reference_seconds = _reference_write(engine, extract, today)
    with Session(engine) as db:
        report = import_registry(db, extract, actor="bench", today=today)
    assert report.persons_added == summary.persons and report.contributions_added == summary.contributions
    result.import_rows = rows
    result.import_rate = rows / report.seconds
    result.reference_rate = rows / reference_seconds
    result.reference_label = ("COPY of the same rows, encrypted beforehand" if engine.dialect.name == "postgresql"
                              else "the importer's bulk INSERT of the same rows, encrypted beforehand")


def _reference_write(engine, extract: Path, today: dt.date) -> float:
    """Seconds to write the extract's rows, already validated and encrypted, with the importer's own bulk path
    (COPY on PostgreSQL); rolled back, so the importer then finds them new."""
    from decimal import Decimal

    from sqlalchemy import select, text
    from sqlmodel import Session

    from jssi_app.adapters.pii import cipher
    from jssi_app.models.registry import RegistryUnit
    from jssi_app.services.registry_import import _check_person, _insert_contributions, stored_person

    from bench.store import bulk_insert

    pii = cipher()
    with Session(engine) as db:
        next_id = db.execute(text("SELECT coalesce(max(id), 0) + 1 FROM registry_person")).scalar_one()
        unit_ids = dict(db.execute(select(RegistryUnit.uscc, RegistryUnit.id)).all())
        db.rollback()
    person_rows, ids = [], {}
    with open(extract / "persons.csv", encoding="utf-8", newline="") as fh:
        for fields in list(csv.reader(fh))[1:]:
            checked, _ = _check_person(0, fields, today)
            ids[checked.id_number] = next_id + len(person_rows)
            person_rows.append({"id": ids[checked.id_number],
                                **stored_person(checked, pii.fingerprint("id_number", checked.id_number), pii)})
    with open(extract / "contributions.csv", encoding="utf-8", newline="") as fh:
        contribution_rows = [
            (ids[n], period, code, unit_ids[uscc] if uscc else None, Decimal(b), Decimal(p), Decimal(u), paid)
            for n, period, code, uscc, b, p, u, paid in list(csv.reader(fh))[1:]
        ]
    with Session(engine) as db:
        started = time.perf_counter()
        bulk_insert(db.connection(), "registry_person", person_rows)
        _insert_contributions(db, contribution_rows)
        db.flush()
        seconds = time.perf_counter() - started
        db.rollback()
    return seconds


# -- the two databases -----------------------------------------------------------------------------------------------


def run_postgres(admin_url: str, scale: Scale, tmp: Path, workers: int, keep: bool) -> Result:
    from sqlalchemy import text

    from jssi_app.adapters.clock import to_local, utcnow
    from jssi_app.db import engine_for

    from bench.generate import make_units
    from bench.store import PgDatabase, check_references, load_registry_pg, upgrade_schema

    result = Result("PostgreSQL")
    now = utcnow()
    today = to_local(now).date()
    with PgDatabase(admin_url, keep=keep) as database:
        upgrade_schema(database.url)
        engine = engine_for(database.url)
        report = result.load = LoadReport()
        units = make_units(scale.units, seed=SEED, today=today)
        started = time.perf_counter()
        with engine.connect() as conn:
            load_registry_pg(conn, units=units, persons=scale.persons, rows_per_person=scale.rows_per_person,
                             seed=SEED, today=today, workers=workers, report=report)
        report.seconds = time.perf_counter() - started
        _load_applications(engine, scale, now, result)
        checked = time.perf_counter()
        with engine.connect() as conn:
            check_references(conn)
        report.check_seconds = time.perf_counter() - checked
        vacuumed = time.perf_counter()
        # What autovacuum does on its own soon after a bulk load: statistics, and the visibility map that lets
        # the dashboard's counts read the queue index alone.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        report.vacuum_seconds = time.perf_counter() - vacuumed
        result.load_note = f"database {database.name}" + (" (kept: JSSI_BENCH_KEEP=1)" if keep else " (dropped after)")
        print(f"loaded {report.persons:,} persons, {report.contributions:,} contributions in {report.seconds:.0f} s",
              flush=True)
        accounts = _sample_accounts(engine, scale.samples, now)
        representative = _measure(engine, result, accounts, scale.samples, now)
        _plans(engine, result, representative)
        _import_slice(engine, tmp, scale, units, today, result)
        with engine.connect() as conn:
            result.sizes = [("database", database.size_bytes())] + [
                (name, int(conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": name}).scalar_one()))
                for name in ("contribution", "registry_person", "registry_unit", "unit_application")
            ]
            result.indexes = [
                (name, definition, int(size)) for name, definition, size in conn.execute(text(
                    "SELECT indexname, indexdef, pg_relation_size(quote_ident(indexname)) FROM pg_indexes "
                    "WHERE tablename IN ('contribution', 'registry_person', 'unit_application') ORDER BY indexname"))
            ]
    return result


def run_sqlite(scale: Scale, tmp: Path) -> Result:
    from sqlmodel import Session

    from jssi_app.adapters.clock import to_local, utcnow
    from jssi_app.db import engine_for
    from jssi_app.services.registry_import import import_registry

    from bench.generate import make_units, write_extract
    from bench.store import upgrade_schema

    result = Result("SQLite")
    now = utcnow()
    today = to_local(now).date()
    path = tmp / "data-scale.db"
    url = f"sqlite:///{path}"
    upgrade_schema(url)
    engine = engine_for(url)
    units = make_units(scale.units, seed=SEED, today=today)
    extract = tmp / "sqlite-extract"
    write_extract(extract, persons=scale.persons, units=units, reference_units=units,
                  rows_per_person=scale.rows_per_person, seed=SEED, today=today)
    report = result.load = LoadReport()
    with Session(engine) as db:
        imported = import_registry(db, extract, actor="bench", today=today)
    report.persons, report.units, report.contributions = (imported.persons_added, imported.units_added,
                                                          imported.contributions_added)
    report.seconds = imported.seconds
    _load_applications(engine, scale, now, result)
    result.load_note = "registry loaded through import_registry (the import path)"
    accounts = _sample_accounts(engine, scale.samples, now)
    _measure(engine, result, accounts, scale.samples, now)
    _import_slice(engine, tmp, scale, units, today, result)
    engine.dispose()
    result.sizes = [("database file", path.stat().st_size + sum(
        p.stat().st_size for p in path.parent.glob(path.name + "-wal")))]
    return result


# -- the report ------------------------------------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size < 10 * 2**30 else f"{size / 2**30:,.1f} GB"


def render(result: Result, scale: Scale) -> str:
    load = result.load
    rows = load.persons + load.units + load.contributions
    lines = [
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}, {result.label}: {load.persons:,} persons, {load.units:,} units, "
        f"{load.contributions:,} contribution rows, {load.applications:,} unit applications.",
        "",
        f"Load: the registry in {load.seconds:,.0f} s ({rows / load.seconds:,.0f} rows/s), {result.load_note}; "
        f"the unit applications in {load.applications_seconds:,.0f} s."
        + (f" Persons checked, encrypted and fingerprinted in {load.workers} worker processes at "
           f"{load.persons / load.encrypt_seconds * load.workers:,.0f} persons/s. Foreign keys checked after the "
           f"load in {load.check_seconds:.0f} s (no orphans); VACUUM ANALYZE {load.vacuum_seconds:.0f} s."
           if load.encrypt_seconds else ""),
        "Size: " + ", ".join(f"{name} {_mb(size)}" for name, size in result.sizes) + ".",
        "",
        f"Load average (1 min) of the machine while measuring: {result.load_average[0]:.1f} at the start, "
        f"{result.load_average[1]:.1f} at the end.",
        "",
        f"| measure ({scale.samples} calls, each in its own session; the best of {ROUNDS} rounds) "
        "| p50 ms | p95 ms | p99 ms | target p95 | met |",
        "|---|---|---|---|---|---|",
    ]
    for t in result.timings:
        target = f"≤ {t.target_ms:.0f} ms" if t.target_ms else "report only"
        met = "—" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(f"| {t.name} | {t.p50_ms:.1f} | {t.p95_ms:.1f} | {t.p99_ms:.1f} | {target} | {met} |")
    lines += [
        "",
        "| import (slice of new persons into the loaded registry) | rows/s | reference (same run) | ratio |",
        "|---|---|---|---|",
        f"| import_registry, {result.import_rows:,} rows | {result.import_rate:,.0f} | {result.reference_label}: "
        f"{result.reference_rate:,.0f} rows/s | {result.import_rate / result.reference_rate:.3f} |",
    ]
    if result.indexes:
        lines += ["", "Indexes of the queried tables:", "", "| index | definition | size |", "|---|---|---|"]
        lines += [f"| {name} | `{definition}` | {_mb(size)} |" for name, definition, size in result.indexes]
    if result.plans:
        lines += ["", "Query plans of one call of each measure (the service's SQL, literal values):"]
        for label, sql, plan in result.plans:
            lines += ["", f"{label}:", "```sql", sql.strip(), "```", "```", plan, "```"]
    return "\n".join(lines)


def main() -> int:
    scale_pg = Scale(
        persons=_env_int("JSSI_BENCH_PERSONS", 1_000_000),
        rows_per_person=_env_int("JSSI_BENCH_CONTRIBUTIONS_PER_PERSON", 50),
        applications=_env_int("JSSI_BENCH_APPLICATIONS", 100_000),
        samples=_env_int("JSSI_BENCH_SAMPLES", 200),
    )
    scale_sqlite = Scale(
        persons=_env_int("JSSI_BENCH_SQLITE_PERSONS", 10_000),
        rows_per_person=scale_pg.rows_per_person,
        applications=_env_int("JSSI_BENCH_SQLITE_APPLICATIONS", scale_pg.applications),
        samples=scale_pg.samples,
    )
    workers = _env_int("JSSI_BENCH_WORKERS", os.cpu_count() or 1)
    keep = os.environ.get("JSSI_BENCH_KEEP") == "1"
    pg_url = os.environ.get("JSSI_BENCH_PG_URL") or os.environ.get("JSSI_TEST_PG_URL")
    parts = os.environ.get("JSSI_BENCH_DATA_PARTS", "sqlite,pg").split(",")
    with tempfile.TemporaryDirectory(prefix="jssi-data-scale-") as tmp_name:
        tmp = Path(tmp_name)
        setup_env(tmp)
        if "sqlite" in parts:
            text = render(run_sqlite(scale_sqlite, tmp), scale_sqlite)
            print(text, flush=True)
            write_section(SQLITE_BEGIN, SQLITE_END, text)
        if "pg" in parts:
            if not pg_url:
                print("data-scale benchmark on PostgreSQL not run: set JSSI_BENCH_PG_URL (or JSSI_TEST_PG_URL) to a "
                      "server where the benchmark may create and drop a database; docs/performance.md keeps the "
                      "figures of the last run", flush=True)
            else:
                text = render(run_postgres(pg_url, scale_pg, tmp, workers, keep), scale_pg)
                print(text, flush=True)
                write_section(PG_BEGIN, PG_END, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
