"""The benchmarks' shared plumbing: a throwaway environment for the app's settings, and docs/performance.md,
where each benchmark rewrites only the section between its own markers."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"


def setup_env(tmp: Path) -> str:
    """Settings for a benchmark run in `tmp` (fresh keys unless given); returns an SQLite URL there."""
    os.environ.update(
        JSSI_ENV="test",
        JSSI_DATA_DIR=str(tmp),
        JSSI_PII_KEY=os.environ.get("JSSI_PII_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()),
        JSSI_SECRET_KEY=os.environ.get("JSSI_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()),
    )
    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["REFLEX_DB_URL"] = url
    return url


def write_section(begin: str, end: str, text: str) -> None:
    """Replace what lies between the markers `begin` and `end` in docs/performance.md (append when absent)."""
    doc = DOC.read_text("utf-8") if DOC.exists() else ""
    block = f"{begin}\n{text}\n{end}"
    if begin in doc:
        doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc = doc + "\n" + block + "\n"
    DOC.write_text(doc, "utf-8")
