"""参保数据导入 at the counter on a real database: upload (CSVs or a zip), 试导入 writes nothing and reports counts or
file/line errors, 正式导入 only after a passed dry run; audited with the clerk's name; staged files removed;
reviewers refused. Also the CLI's `import-registry --dry-run`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jssi_app.adapters.extract_staging import MAX_AGE, ExtractStaging
from jssi_app.config import PROJECT_ROOT
from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.registry_extract import size_text
from jssi_app.models.operations import AuditEvent
from jssi_app.models.registry import Contribution, RegistryPerson, RegistryUnit
from jssi_app.services import counter_import
from jssi_app.services.counter_import import ImportRefused
from jssi_app.services.counter_tasks import CounterRefused
from jssi_app.services.demo_registry import write_demo_extract
from jssi_app.services.staff_accounts import create_staff
from tests.services.helpers import audit_rows

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
PW = "Counter2026ok"


@pytest.fixture
def staff(db):
    ids = {role: create_staff(db, username=f"{role}1", role=role, password=PW, now=NOW).account_id
           for role in ("reviewer", "clerk", "admin")}
    db.commit()
    return ids


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("extract")
    write_demo_extract(directory, persons=80, units=6, today=NOW.date())
    return directory


@pytest.fixture
def staging(tmp_path) -> ExtractStaging:
    return ExtractStaging(tmp_path / "staging")


def _uploads(directory: Path, names=("persons.csv", "units.csv", "contributions.csv")) -> list[tuple[str, bytes]]:
    return [(name, (directory / name).read_bytes()) for name in names]


def _zip(directory: Path, folder: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("persons.csv", "units.csv", "contributions.csv"):
            zf.write(directory / name, f"{folder}{name}")
    return buf.getvalue()


def _counts(db) -> dict[str, int]:
    out = {t.__tablename__: db.execute(select(func.count()).select_from(t)).scalar_one()
           for t in (RegistryPerson, RegistryUnit, Contribution)}
    db.commit()
    return out


def _break_line_5(content: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    rows[4][2] = "女" if rows[4][2] == "男" else "男"  # 性别 no longer matches the ID number
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_dry_run_writes_nothing_then_the_import_writes_everything(db, staff, extract, staging):
    staged = counter_import.stage_extract(db, _uploads(extract), staff_id=staff["clerk"], now=NOW, staging=staging)
    assert [name for name, _size in staged.files] == ["contributions.csv", "persons.csv", "units.csv"]
    with pytest.raises(ImportRefused) as early:
        counter_import.run_import(db, staged.token, staff_id=staff["clerk"], now=NOW, staging=staging)
    assert early.value.code == "dry_run_first"

    outcome = counter_import.dry_run(db, staged.token, staff_id=staff["clerk"], now=NOW, client_ip="10.0.0.5",
                                     staging=staging)

    assert outcome.ok and outcome.dry_run and outcome.errors == []
    report = outcome.report
    assert (report.persons, report.persons_new, report.units, report.units_new) == (80, 80, 6, 6)
    with open(extract / "contributions.csv", encoding="utf-8") as fh:
        assert report.contributions == sum(1 for _ in fh) - 1
    assert _counts(db) == {"registry_person": 0, "registry_unit": 0, "contribution": 0}
    (event,) = audit_rows(db, "registry_import_dry_run")
    detail = json.loads(event.detail)
    assert event.actor == f"staff:{staff['clerk']}" and event.client_ip == "10.0.0.5"
    assert event.outcome == "success" and detail["clerk"] == "clerk1" and detail["persons"] == 80
    assert not audit_rows(db, "registry_imported")

    done = counter_import.run_import(db, staged.token, staff_id=staff["clerk"], now=NOW, staging=staging)

    assert done.ok and not done.dry_run and done.report.persons_added == 80 and done.report.units_added == 6
    assert _counts(db) == {"registry_person": 80, "registry_unit": 6, "contribution": report.contributions}
    (imported,) = audit_rows(db, "registry_imported")
    assert json.loads(imported.detail)["clerk"] == "clerk1" and imported.actor == f"staff:{staff['clerk']}"
    # The staged files are gone once imported.
    assert not staging.path(staged.token).exists()
    with pytest.raises(InvalidValue):
        counter_import.run_import(db, staged.token, staff_id=staff["clerk"], now=NOW, staging=staging)

    # A second dry run of the same extract: nothing new.
    again = counter_import.stage_extract(db, [("extract.zip", _zip(extract, "导出/"))], staff_id=staff["admin"],
                                         now=NOW, staging=staging)
    second = counter_import.dry_run(db, again.token, staff_id=staff["admin"], now=NOW, staging=staging)
    assert second.ok and (second.report.persons_new, second.report.units_new) == (0, 0)


def test_dry_run_reports_file_and_line_errors_and_removes_the_files(db, staff, extract, staging):
    uploads = dict(_uploads(extract))
    uploads["persons.csv"] = _break_line_5(uploads["persons.csv"])
    staged = counter_import.stage_extract(db, list(uploads.items()), staff_id=staff["clerk"], now=NOW,
                                          staging=staging)

    outcome = counter_import.dry_run(db, staged.token, staff_id=staff["clerk"], now=NOW, staging=staging)

    assert not outcome.ok and outcome.total_errors == 1
    assert outcome.errors == ["persons.csv 第5行：性别与身份证号码不符"]
    assert _counts(db) == {"registry_person": 0, "registry_unit": 0, "contribution": 0}
    (event,) = audit_rows(db, "registry_import_dry_run")
    assert event.outcome == "failure" and json.loads(event.detail)["clerk"] == "clerk1"
    assert not audit_rows(db, "registry_import_failed")
    # Files with errors are removed at once: there is nothing left to import.
    assert not staging.path(staged.token).exists()
    with pytest.raises(InvalidValue):
        counter_import.run_import(db, staged.token, staff_id=staff["clerk"], now=NOW, staging=staging)
    assert _counts(db)["registry_person"] == 0


def test_a_reviewer_is_refused_and_a_clerk_cannot_use_another_clerks_upload(db, staff, extract, staging):
    for who in (staff["reviewer"], None):
        with pytest.raises(CounterRefused):
            counter_import.stage_extract(db, _uploads(extract), staff_id=who, now=NOW, staging=staging)
    staged = counter_import.stage_extract(db, _uploads(extract), staff_id=staff["clerk"], now=NOW, staging=staging)
    with pytest.raises(CounterRefused):
        counter_import.dry_run(db, staged.token, staff_id=staff["reviewer"], now=NOW, staging=staging)
    with pytest.raises(CounterRefused):
        counter_import.run_import(db, staged.token, staff_id=staff["reviewer"], now=NOW, staging=staging)
    with pytest.raises(ImportRefused):
        counter_import.dry_run(db, staged.token, staff_id=staff["admin"], now=NOW, staging=staging)
    with pytest.raises(InvalidValue):
        counter_import.dry_run(db, "../../etc", staff_id=staff["clerk"], now=NOW, staging=staging)
    assert not audit_rows(db, "registry_import_dry_run")
    replacement = counter_import.stage_extract(db, _uploads(extract), staff_id=staff["clerk"], now=NOW,
                                               replaces=staged.token, staging=staging)
    assert not staging.path(staged.token).exists()
    counter_import.discard(db, replacement.token, staff_id=staff["clerk"], staging=staging)
    assert not staging.path(replacement.token).exists()


def test_bad_uploads_are_refused_with_a_clear_message(db, staff, extract, staging, monkeypatch):
    def refused(uploads) -> str:
        with pytest.raises(InvalidValue) as exc:
            counter_import.stage_extract(db, uploads, staff_id=staff["clerk"], now=NOW, staging=staging)
        return exc.value.message

    assert "缺少文件：units.csv" in refused(_uploads(extract, ("persons.csv",)))
    assert "不能识别的文件：notes.txt" in refused([*_uploads(extract), ("notes.txt", b"x")])
    assert "无法读取该 zip" in refused([("extract.zip", b"not a zip")])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../persons.csv", "x")
        zf.writestr("evil.sh", "x")
    assert "不能识别的文件：evil.sh" in refused([("extract.zip", buf.getvalue())])
    monkeypatch.setattr("jssi_app.domain.registry_extract.MAX_UPLOAD_BYTES", 1000)
    assert "超过 64MB" in refused(_uploads(extract))
    # A zip that unpacks to more than the limit (declared or not) is refused.
    monkeypatch.setattr("jssi_app.adapters.extract_staging.MAX_UNPACKED_BYTES", 2000)
    monkeypatch.setattr("jssi_app.domain.registry_extract.MAX_UPLOAD_BYTES", 10**9)
    assert "解压后超过" in refused([("extract.zip", _zip(extract))])
    assert not staging.root.exists() or not any(staging.root.iterdir())


def test_a_zip_entry_cannot_escape_the_staging_folder(db, staff, staging):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../persons.csv", "id_number\n")
        zf.writestr("/abs/units.csv", "uscc\n")
    staged = counter_import.stage_extract(db, [("x.zip", buf.getvalue())], staff_id=staff["clerk"], now=NOW,
                                          staging=staging)
    folder = staging.path(staged.token)
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "persons.csv", "units.csv"]
    assert not (staging.root.parent / "persons.csv").exists()


def test_old_staged_uploads_are_swept(db, staff, extract, staging):
    old = counter_import.stage_extract(db, _uploads(extract), staff_id=staff["clerk"], now=NOW, staging=staging)
    counter_import.stage_extract(db, _uploads(extract), staff_id=staff["clerk"], now=NOW + MAX_AGE + dt.timedelta(
        minutes=1), staging=staging)
    assert not staging.path(old.token).exists()


def test_cli_dry_run_reports_and_writes_nothing(tmp_path, extract):
    env = dict(os.environ)
    env.update(REFLEX_DB_URL=f"sqlite:///{tmp_path / 'cli.db'}", JSSI_ENV="test",
               JSSI_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    create = ("from sqlmodel import SQLModel; import jssi_app.models; from jssi_app.db import engine; "
              "SQLModel.metadata.create_all(engine())")
    subprocess.run([sys.executable, "-c", create], env=env, cwd=PROJECT_ROOT, check=True)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "jssi_app", *args], env=env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, encoding="utf-8", timeout=300)

    result = run("import-registry", "--dry-run", str(extract))
    assert result.returncode == 0, result.stderr
    assert "试导入通过（未写入任何数据）" in result.stdout and "参保人员：80（其中新增 80）" in result.stdout

    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("persons.csv", "units.csv"):
        (broken / name).write_bytes((extract / name).read_bytes())
    (broken / "persons.csv").write_bytes(_break_line_5((extract / "persons.csv").read_bytes()))
    result = run("import-registry", "--dry-run", str(broken))
    assert result.returncode == 1
    assert "试导入发现 1 处错误" in result.stderr and "persons.csv:5: 性别与身份证号码不符" in result.stderr

    from sqlmodel import Session

    from jssi_app.db import engine_for

    eng = engine_for(env["REFLEX_DB_URL"])
    with Session(eng) as db:
        assert db.execute(select(func.count()).select_from(RegistryPerson)).scalar_one() == 0
        events = [e for e, in db.execute(select(AuditEvent.event)).all()]
    eng.dispose()
    assert events == ["registry_import_dry_run", "registry_import_dry_run"]


def test_staged_files_are_encrypted_and_a_changed_one_is_refused_and_removed(db, staff, extract, staging):
    staged = counter_import.stage_extract(db, _uploads(extract), staff_id=staff["clerk"], now=NOW, staging=staging)
    folder = staging.path(staged.token)
    persons = (extract / "persons.csv").read_bytes()
    raw = bytearray((folder / "persons.csv").read_bytes())
    assert persons.splitlines()[1] not in raw and b"id_number,name" not in raw
    assert dict(staged.files)["persons.csv"] == size_text(len(persons))  # the size uploaded, not the ciphertext's

    raw[-5] ^= 0x01
    (folder / "persons.csv").write_bytes(bytes(raw))
    with pytest.raises(InvalidValue, match="损坏"):
        counter_import.dry_run(db, staged.token, staff_id=staff["clerk"], now=NOW, staging=staging)
    assert not folder.exists()
    assert _counts(db)["registry_person"] == 0
