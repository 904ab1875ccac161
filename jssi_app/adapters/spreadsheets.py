"""Excel (.xlsx) files for 批量增员 and 缴费基数申报: templates, reading an upload, the error report.

openpyxl reads only what the workbook stores: formulas are not evaluated (a cell holding a formula reads
as its cached value, or empty) and macros cannot exist in .xlsx. Every cell is turned into text here,
so the domain's rules see what a person would see in the cell.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from jssi_app.domain.employment import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, RowError

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")


class SpreadsheetRefused(Exception):
    """The file is not a usable workbook; `message` is for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, cells by header), blank rows left out
    problems: list[RowError]  # data outside the header's columns


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # A number typed into a cell formatted as 常规: 8000.0 → 8000; an ID number stored as a number has
        # already lost digits (Excel keeps 15), which the ID rules then report.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def template(columns: Sequence[str], examples: Sequence[Sequence[str]], instructions: Sequence[str],
             sheet_title: str) -> bytes:
    """A workbook whose first sheet has the header and text-formatted columns, and a 填写说明 sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append(list(columns))
    for i, _ in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        letter = cell.column_letter
        ws.column_dimensions[letter].width = 22
        # Text format for every data cell, so 18-digit ID numbers and leading zeros survive Excel.
        for row in range(2, 502):
            ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 100
    for line in instructions:
        notes.append([line])
    notes.append([])
    notes.append(["示例（请勿填写在本页）："])
    notes.append(list(columns))
    for example in examples:
        notes.append(list(example))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_sheet(content: bytes, filename: str) -> Sheet:
    """The first worksheet's header and data rows; SpreadsheetRefused for anything but a sane .xlsx."""
    if not filename.lower().endswith(".xlsx"):
        raise SpreadsheetRefused("请上传 .xlsx 格式的 Excel 文件（可先下载模板填写；.xls、.csv 等格式请另存为 .xlsx）")
    if len(content) > MAX_IMPORT_BYTES:
        raise SpreadsheetRefused(f"文件超过 {MAX_IMPORT_BYTES // (1024 * 1024)}MB，请删除多余内容或分多个文件上传")
    if not content.startswith(b"PK\x03\x04"):
        raise SpreadsheetRefused("文件内容不是 Excel（.xlsx）工作簿，请使用下载的模板填写后上传")
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SpreadsheetRefused("文件已损坏或不是 Excel（.xlsx）工作簿，请使用下载的模板填写后上传") from None
    try:
        ws = wb.worksheets[0]
        header: list[str] = []
        rows: list[tuple[int, dict[str, str]]] = []
        problems: list[RowError] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if number == 1:
                header = cells
                continue
            if not any(cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise SpreadsheetRefused(f"每个文件最多 {MAX_IMPORT_ROWS} 行人员数据，请分多个文件上传")
            rows.append((number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}))
            # Cells beyond the header's columns are data in columns the template does not have.
            if any(c and (i >= len(header) or not header[i]) for i, c in enumerate(cells)):
                problems.append(RowError(number, "", "表头以外的列中有数据，请只在模板的列中填写"))
        if not header:
            raise SpreadsheetRefused("文件是空的：第1行应为表头，请使用下载的模板")
        return Sheet(header=header, rows=rows, problems=problems)
    finally:
        wb.close()


def error_report(errors: Sequence[RowError]) -> bytes:
    """错误报告.xlsx: 行号, 列, 错误说明 — the same list the page shows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "错误报告"
    ws.append(["行号", "列", "错误说明"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for e in errors:
        ws.append([e.row, e.column, e.message])
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
