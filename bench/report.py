"""Writing a benchmark's table into its marked section of docs/performance.md."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def write_section(begin: str, end: str, text: str, doc_path: Path = DOC) -> None:
    """Replace what stands between the markers (or append the marked section)."""
    doc = doc_path.read_text("utf-8") if doc_path.exists() else ""
    block = f"{begin}\n{text}\n{end}"
    if begin in doc:
        doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc = doc + "\n" + block + "\n"
    doc_path.write_text(doc, "utf-8")
