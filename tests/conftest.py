"""Shared fixtures. The environment is fixed before any jssi_app module reads its settings."""

from __future__ import annotations

import base64
import os
import tempfile

_DATA_DIR = tempfile.mkdtemp(prefix="jssi-test-")
os.environ["JSSI_ENV"] = "test"
os.environ["JSSI_DATA_DIR"] = _DATA_DIR
os.environ.setdefault("JSSI_PII_KEY", base64.urlsafe_b64encode(b"p" * 32).decode())
os.environ.setdefault("JSSI_SECRET_KEY", base64.urlsafe_b64encode(b"s" * 32).decode())
os.environ.pop("REFLEX_DB_URL", None)


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end tests in a real Chromium against the running app")
