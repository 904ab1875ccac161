"""`python -m jssi_app` as an operator runs it: a real subprocess against a temporary SQLite database."""

from __future__ import annotations

import csv
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jssi_app.config import PROJECT_ROOT
from jssi_app.services.demo_registry import DEMO_IDENTITIES


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REFLEX_DB_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        JSSI_ENV="test",
        JSSI_DATA_DIR=str(tmp_path / "data"),
        JSSI_PII_KEY=os.environ["JSSI_PII_KEY"],  # as set by tests/conftest.py
        PYTHONIOENCODING="utf-8",
    )
    # The commands assume the schema exists (make applies the migrations); create it directly here.
    create = (
        "from sqlmodel import SQLModel; import jssi_app.models; from jssi_app.db import engine; "
        "SQLModel.metadata.create_all(engine())"
    )
    subprocess.run([sys.executable, "-c", create], env=env, cwd=PROJECT_ROOT, check=True)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jssi_app", *args],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )


def test_demo_data_then_import_then_reimport(cli_env, tmp_path):
    extract = tmp_path / "extract"
    result = run(cli_env, "demo-data", str(extract), "--persons", "60", "--units", "8", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "参保人员 60" in result.stdout and "参保单位 8" in result.stdout
    assert {p.name for p in extract.iterdir()} == {"persons.csv", "units.csv", "contributions.csv"}

    result = run(cli_env, "import-registry", str(extract))
    assert result.returncode == 0, result.stderr
    assert "参保人员：新增 60，更新 0，未变 0" in result.stdout
    assert "参保单位：新增 8，更新 0，未变 0" in result.stdout

    result = run(cli_env, "import-registry", str(extract))
    assert result.returncode == 0, result.stderr
    assert "参保人员：新增 0，更新 0，未变 60" in result.stdout
    assert "缴费记录：新增 0，更新 0" in result.stdout

    # seed-demo leaves a registry that already has data alone (it still adds the demo staff and applications).
    result = run(cli_env, "seed-demo")
    assert result.returncode == 0, result.stderr
    assert "已有数据" in result.stdout
    assert "演示工作人员账号和单位注册申请已创建" in result.stdout

    # Two imports plus every event of the demo review seeding, all on one intact chain.
    result = run(cli_env, "verify-audit")
    assert result.returncode == 0, result.stderr
    checked = int(re.search(r"已校验 (\d+) 条", result.stdout).group(1))
    assert checked > 2


def test_rejected_extract_exits_1_with_file_and_line(cli_env, tmp_path):
    extract = tmp_path / "extract"
    assert run(cli_env, "demo-data", str(extract), "--persons", "40", "--units", "6").returncode == 0
    path = extract / "persons.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[4][2] = "女" if rows[4][2] == "男" else "男"  # line 5
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)

    result = run(cli_env, "import-registry", str(extract))

    assert result.returncode == 1
    assert "导入被拒绝：共 1 处错误" in result.stderr
    assert "persons.csv:5: 性别与身份证号码不符" in result.stderr


def test_usage_errors_exit_2(cli_env, tmp_path):
    assert run(cli_env, "no-such-command").returncode == 2
    assert run(cli_env, "import-registry").returncode == 2
    assert run(cli_env, "import-registry", str(tmp_path / "missing")).returncode == 2


def test_print_demo_identities(cli_env):
    result = run(cli_env, "print-demo-identities")
    assert result.returncode == 0, result.stderr
    for identity in DEMO_IDENTITIES:
        for value in (identity.label, identity.id_number, identity.name, identity.phone, identity.note):
            assert value in result.stdout


def test_encrypt_stored_files_encrypts_what_earlier_versions_left_in_plaintext(cli_env):
    from jssi_app.adapters.file_store import FileStore

    root = Path(cli_env["JSSI_DATA_DIR"]) / "uploads"
    key = "0123456789abcdef0123456789abcdef"
    store = FileStore(root, read_legacy_plaintext=False)
    legacy = store.path_for(key)
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"\x89PNG\r\n\x1a\n legacy scan")

    result = run(cli_env, "encrypt-stored-files")

    assert result.returncode == 0, result.stderr
    assert "已加密 1 个旧版明文文件" in result.stdout
    assert b"PNG" not in legacy.read_bytes() and store.get(key) == b"\x89PNG\r\n\x1a\n legacy scan"
    assert "已加密 0 个" in run(cli_env, "encrypt-stored-files").stdout
