"""`make bench`: the embedded default's speed, as ratios against references measured in the same run.

1. Sign-in throughput vs. the bcrypt bound: how many cost-12 hashes per second this machine does on all
   cores (the reference), and how many complete sign-ins per second the service does with as many threads
   (target ≥ 0.9: everything around bcrypt must be cheap, and bcrypt must not be serialised by the GIL).
2. Registry import rate vs. a bare insert: rows/s of `import_registry` (validation, encryption,
   fingerprints, audit) against a plain executemany of the same contribution rows into SQLite (reference).
Results go to docs/performance.md (the section between the markers) and to stdout.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _setup_env(tmp: Path) -> str:
    os.environ.update(
        JSSI_ENV="test",
        JSSI_DATA_DIR=str(tmp),
        JSSI_PII_KEY=os.environ.get("JSSI_PII_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()),
        JSSI_SECRET_KEY=os.environ.get("JSSI_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()),
    )
    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["REFLEX_DB_URL"] = url
    return url


def bcrypt_bound(workers: int, per_worker: int) -> float:
    import bcrypt

    salt = bcrypt.gensalt(12)
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: bcrypt.hashpw(b"reference-password", salt), range(workers * per_worker)))
    return workers * per_worker / (time.perf_counter() - started)


def _seed_accounts(url: str, count: int) -> list[str]:
    """Accounts created directly (registration is measured by the load benchmark of a later issue)."""
    from sqlmodel import Session, SQLModel

    import jssi_app.models  # noqa: F401
    from jssi_app.adapters.hashing import hash_password
    from jssi_app.adapters.pii import cipher
    from jssi_app.db import engine_for
    from jssi_app.domain.identifiers import check_digit
    from jssi_app.models.accounts import PersonAccount
    from jssi_app.models.registry import RegistryPerson

    eng = engine_for(url)
    SQLModel.metadata.create_all(eng)
    c = cipher()
    password_hash = hash_password("Bench2026pw")
    numbers = []
    with Session(eng) as db:
        for i in range(count):
            first17 = f"3201021990{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
            number = first17 + check_digit(first17)
            numbers.append(number)
            person = RegistryPerson(
                id_fp=c.fingerprint("id_number", number), id_number_enc=c.encrypt("registry_person.id_number", number),
                name_enc=c.encrypt("registry_person.name", "测试"), gender="男", birth_date=dt.date(1990, 1, 1),
                insured_region="320102", person_type="职工", insured_status="正常参保", first_insured="2010-01",
            )
            db.add(person)
            db.flush()
            db.add(PersonAccount(
                registry_person_id=person.id, id_fp=person.id_fp, id_number_enc=c.encrypt("person_account.id_number", number),
                name_enc=c.encrypt("person_account.name", "测试"), phone_enc=c.encrypt("person_account.phone", "13800000000"),
                phone_fp=c.fingerprint("phone", "13800000000"), password_hash=password_hash,
                profile_completed_at=dt.datetime.now(dt.UTC),
            ))
        db.commit()
    return numbers


def sign_in_rate(url: str, numbers: list[str], workers: int) -> float:
    from sqlmodel import Session

    from jssi_app.db import engine_for
    from jssi_app.services.authentication import sign_in

    eng = engine_for(url)

    def one(i: int) -> None:
        with Session(eng) as db:
            # Distinct client addresses: the per-address sign-in throttle is not what is measured.
            sign_in(db, id_number=numbers[i], password="Bench2026pw", client_ip=f"10.0.{i // 250}.{i % 250}",
                    now=dt.datetime.now(dt.UTC))

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(len(numbers))))
    return len(numbers) / (time.perf_counter() - started)


def import_rates(tmp: Path, url: str) -> tuple[int, float, float]:
    import csv

    from sqlmodel import Session

    from jssi_app.db import engine_for
    from jssi_app.services.demo_registry import write_demo_extract
    from jssi_app.services.registry_import import import_registry

    extract = tmp / "extract"
    write_demo_extract(extract, persons=1000, units=40)
    with Session(engine_for(url)) as db:
        report = import_registry(db, extract, actor="bench")
    rows = report.persons_added + report.units_added + report.contributions_added
    import_rate = rows / report.seconds

    with open(extract / "contributions.csv", encoding="utf-8") as fh:
        contribution_rows = [tuple(r.values()) for r in csv.DictReader(fh)]
    conn = sqlite3.connect(tmp / "reference.db")
    conn.execute("CREATE TABLE c (id_number TEXT, period TEXT, code TEXT, uscc TEXT, base TEXT, p TEXT, u TEXT, s TEXT)")
    started = time.perf_counter()
    conn.executemany("INSERT INTO c VALUES (?,?,?,?,?,?,?,?)", contribution_rows)
    conn.commit()
    reference_rate = len(contribution_rows) / (time.perf_counter() - started)
    conn.close()
    return rows, import_rate, reference_rate


def main() -> int:
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="jssi-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = _setup_env(tmp)
        bound = bcrypt_bound(workers, per_worker=6)
        numbers = _seed_accounts(url, 12 * workers)
        sign_ins = sign_in_rate(url, numbers, workers)
        rows, import_rate, reference_rate = import_rates(tmp, url)
    lines = [
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {workers} cores, Python {sys.version.split()[0]}, SQLite.",
        "",
        "| measure | value | reference (same run) | ratio | target |",
        "|---|---|---|---|---|",
        f"| sign-ins per second, {workers} threads | {sign_ins:.2f} | bcrypt bound {bound:.2f} hashes/s | "
        f"{sign_ins / bound:.2f} | ≥ 0.9 |",
        f"| registry import, rows/s ({rows:,} rows) | {import_rate:,.0f} | bare SQLite executemany {reference_rate:,.0f} rows/s | "
        f"{import_rate / reference_rate:.3f} | report only |",
    ]
    text = "\n".join(lines)
    print(text)
    doc = DOC.read_text("utf-8") if DOC.exists() else ""
    block = f"{BEGIN}\n{text}\n{END}"
    doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), block, doc, flags=re.S) if BEGIN in doc else doc + "\n" + block + "\n"
    DOC.write_text(doc, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
