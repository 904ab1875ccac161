"""backup, restore and rotate-keys as an operator runs them: real subprocesses, development key files."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

from jssi_app.adapters import proof_pdf
from jssi_app.config import PROJECT_ROOT
from jssi_app.domain import proof_codes
from jssi_app.services.key_rotation import _proof_code

_SEED = """
import base64
from sqlmodel import SQLModel, Session
import jssi_app.models
from jssi_app.db import engine
from jssi_app.adapters.file_store import default_store
from jssi_app.adapters.pii import cipher
from jssi_app.models.accounts import VerificationCode
from jssi_app.services import audit
SQLModel.metadata.create_all(engine())
with Session(engine()) as s:
    key = default_store().put(b"%PDF-1.4 a scan")
    audit.record(s, "material_uploaded", actor="cli-test", subject=key)
    from jssi_app.models.registry import RegistryPerson
    import datetime as dt
    c = cipher()
    s.add(RegistryPerson(id_fp=c.fingerprint("id_number", "320102198803150011"), id_length=18,
        id_number_enc=c.encrypt("registry_person.id_number", "320102198803150011"),
        name_enc=c.encrypt("registry_person.name", "张三"), gender="1", birth_date=dt.date(1988, 3, 15),
        insured_region="320102", person_type="企业职工", insured_status="参保缴费", first_insured="2010-07"))
    s.commit()
print(key)
"""


def _env(tmp_path: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSSI_PII")}  # development key files
    env.update(REFLEX_DB_URL=f"sqlite:///{tmp_path / name / 'jssi.db'}", JSSI_ENV="test",
               JSSI_DATA_DIR=str(tmp_path / name), PYTHONIOENCODING="utf-8")
    (tmp_path / name).mkdir(exist_ok=True)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jssi_app", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_rotate_keys_with_development_key_files_then_backup_and_restore(tmp_path):
    live = _env(tmp_path, "live")
    key = subprocess.run([sys.executable, "-c", _SEED], env=live, cwd=PROJECT_ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    keys = tmp_path / "live" / "keys"

    done = run(live, "rotate-keys", "--new-key")
    assert done.returncode == 0, done.stderr
    assert "密钥 2" in done.stdout and "现在可以停用" in done.stdout
    assert (keys / "pii.key.id").read_text() == "2" and (keys / "pii.key").exists()
    done = run(live, "rotate-keys", "--check", "--retire")
    assert done.returncode == 0, done.stderr
    assert not (keys / "pii.key").exists()  # key 1 retired
    assert run(live, "verify-audit").returncode == 0

    done = run(live, "backup", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    assert "不含密钥" in done.stdout
    assert not any("keys" in p.parts for p in (tmp_path / "bk").rglob("*"))

    fresh = _env(tmp_path, "fresh")
    (tmp_path / "fresh" / "keys").mkdir()
    for path in keys.rglob("*"):  # the keys travel separately, as docs/operations.md says
        target = tmp_path / "fresh" / "keys" / path.relative_to(keys)
        target.mkdir() if path.is_dir() else target.write_bytes(path.read_bytes())
    subprocess.run([sys.executable, "-c", "from sqlmodel import SQLModel; import jssi_app.models; "
                    "from jssi_app.db import engine; SQLModel.metadata.create_all(engine())"],
                   env=fresh, cwd=PROJECT_ROOT, check=True)
    done = run(fresh, "restore", str(tmp_path / "bk"))
    assert done.returncode == 0, done.stderr
    assert run(fresh, "verify-audit").returncode == 0
    read = subprocess.run([sys.executable, "-c", f"from jssi_app.adapters.file_store import default_store; "
                           f"print(default_store().get('{key}'))"], env=fresh, cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    assert "a scan" in read.stdout, read.stderr
    again = run(fresh, "restore", str(tmp_path / "bk"))
    assert again.returncode == 1 and "不是空的" in again.stderr


def test_the_proof_code_is_read_back_from_the_proof_pdf():
    code = proof_codes.make_code(secrets.token_bytes(proof_codes.RANDOM_BYTES))
    pdf = proof_pdf.render(proof_pdf.ProofDocument(
        masked_name="张*", masked_id_number="3201**********0011", period_text="2025-01 至 2025-12",
        types_text="全部险种", rows=[], personal_total="0.00", unit_total="0.00", total="0.00", arrears_count=0,
        arrears_total="0.00", cumulative_pension_months=0, issued_at_local="2026-03-02 09:00", code=code,
        verify_url="http://localhost/verify"))
    assert _proof_code(base64.b64encode(pdf).decode()) == code
