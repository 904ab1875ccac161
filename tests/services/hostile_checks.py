"""What every hostile-input service test asserts: a refusal is a DomainError in Chinese and leaves the tables
exactly as they were (every column of every row, not only the counts: a half-applied change is caught too);
and the .xlsx a hostile unit can make (any cell value, control characters and lone surrogates included)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import sqlalchemy as sa
from openpyxl import Workbook

from jssi_app.domain.errors import DomainError, ValidationFailed

CJK = re.compile(r"[\u4e00-\u9fff]")
# XML 1.0 cannot hold these at all; OOXML writes them as _xHHHH_, and openpyxl reads that back as the character.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def refused_in_chinese(exc: DomainError) -> None:
    assert CJK.search(exc.message), exc.message
    if isinstance(exc, ValidationFailed):
        assert all(CJK.search(e.message) for e in exc.errors)
    for row_error in getattr(exc, "errors", ()):  # ImportRejected: one message per row and column
        assert CJK.search(row_error.message), row_error.message


def snapshot(db, *models) -> dict[str, list[tuple]]:
    """Every row of each table, ordered by primary key, read with Core (no identity map to hide a change)."""
    out = {}
    for model in models:
        table = model.__table__
        out[table.name] = [tuple(r) for r in db.execute(sa.select(table).order_by(*table.primary_key.columns))]
    db.commit()
    return out


def xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    """A workbook whose cells read back (openpyxl, as the app reads it) as exactly the given strings."""
    wb = Workbook()
    ws = wb.active
    for values in [header, *rows]:
        ws.append([_NOT_IN_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", v) for v in values])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()



@dataclass(frozen=True)
class Refused:
    error: DomainError


class Outcomes:
    """One property's examples against `tables`: `attempt` runs a call and, when it is refused, checks the refusal
    (Chinese, every row of the tables unchanged). A property whose accepted branch never ran proves nothing about
    storing exactly, so the test ends with `assert_both_seen`."""

    def __init__(self, db, *tables) -> None:
        self.db, self.tables = db, tables
        self.counts = {"refused": 0, "accepted": 0}

    def attempt(self, call):  # noqa: ANN001, ANN201 — call()'s result, or Refused
        before = snapshot(self.db, *self.tables)
        try:
            result = call()
        except DomainError as exc:
            refused_in_chinese(exc)
            assert snapshot(self.db, *self.tables) == before
            self.counts["refused"] += 1
            return Refused(exc)
        self.counts["accepted"] += 1
        return result

    def assert_both_seen(self) -> None:
        assert self.counts["refused"] and self.counts["accepted"], self.counts
