"""Shared fixtures. The environment is fixed before any jssi_app module reads its settings."""

from __future__ import annotations

import base64
import os
import tempfile

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="jssi-test-")
os.environ["JSSI_ENV"] = "test"
os.environ["JSSI_DATA_DIR"] = _DATA_DIR
os.environ.setdefault("JSSI_PII_KEY", base64.urlsafe_b64encode(b"p" * 32).decode())
os.environ.setdefault("JSSI_SECRET_KEY", base64.urlsafe_b64encode(b"s" * 32).decode())
os.environ.pop("REFLEX_DB_URL", None)

from tests.backing import adopt_local_services  # noqa: E402 -- after the environment above

ADOPTED_SERVICES = adopt_local_services()


def pytest_report_header(config):
    found = ", ".join(f"{k}={v}" for k, v in ADOPTED_SERVICES.items())
    return f"local services adopted: {found}" if found else None


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end tests in a real Chromium against the running app")
    config.addinivalue_line("markers", "rendering: checks of the built pages alone (axe, widths), run once, in `make test`")


# `make test` runs the embedded default (SQLite, on-disk state, one worker; the PostgreSQL/Redis variants too when
# their URLs are set); `make test-prod` (JSSI_TEST_MODE=prod) runs the suite again as production runs: the app on
# PostgreSQL + Redis with two workers. There the SQLite variants add nothing the first pass did not check.
TEST_MODE = os.environ.get("JSSI_TEST_MODE", "embedded")


def pytest_sessionstart(session):
    if TEST_MODE == "prod" and not (os.environ.get("JSSI_TEST_PG_URL") and os.environ.get("JSSI_TEST_REDIS_URL")):
        raise pytest.UsageError("JSSI_TEST_MODE=prod needs JSSI_TEST_PG_URL and JSSI_TEST_REDIS_URL")


def pytest_collection_modifyitems(config, items):
    if TEST_MODE != "prod":
        return
    # The page tour's axe and width checks judge the HTML and CSS of the build, which is the same whatever backs it.
    once = [item for item in items if "sqlite" in item.name or item.get_closest_marker("rendering")]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if item not in once]
