"""The app's routes per environment: the development outbox must not exist in production."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import jssi_app.jssi_app as m; print(sorted(m.app._unevaluated_pages))"


def _routes(env_name: str, tmp_path: Path) -> list[str]:
    env = dict(os.environ)
    env.update(
        JSSI_ENV=env_name,
        JSSI_DATA_DIR=str(tmp_path),
        REFLEX_DB_URL=f"sqlite:///{tmp_path / 'x.db'}",
        JSSI_PII_KEY=base64.urlsafe_b64encode(b"k" * 32).decode(),
        JSSI_SECRET_KEY=base64.urlsafe_b64encode(b"s" * 32).decode(),
    )
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return eval(out.stdout.strip().splitlines()[-1])  # noqa: S307 — our own printed list


def test_outbox_page_exists_outside_production(tmp_path):
    routes = _routes("dev", tmp_path)
    assert "dev/outbox" in routes
    assert {"login", "register/person", "forgot-password", "home", "profile/complete"} <= set(routes)


def test_outbox_page_does_not_exist_in_production(tmp_path):
    routes = _routes("prod", tmp_path)
    assert "dev/outbox" not in routes
    assert "register/person" in routes


def test_production_refuses_to_start_without_keys(tmp_path):
    env = dict(os.environ, JSSI_ENV="prod", JSSI_DATA_DIR=str(tmp_path))
    env.pop("JSSI_PII_KEY", None)
    env.pop("JSSI_SECRET_KEY", None)
    out = subprocess.run([sys.executable, "-c", "from jssi_app.config import settings; settings()"], cwd=ROOT,
                         env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "JSSI_SECRET_KEY is required" in out.stderr or "JSSI_PII_KEY is required" in out.stderr
