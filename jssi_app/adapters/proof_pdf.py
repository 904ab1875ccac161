"""The 参保缴费证明 PDF: Chinese text in an embedded font, the contribution table, totals and a QR code.

reportlab (already used for the authorization letter) embeds a subset of a TrueType font; the font is
WenQuanYi Micro Hei shipped in assets/fonts (see its README for why). The table is a LongTable whose
header row repeats on every page, and every page's footer carries the verification code and page
number, so a single page of a long proof can be checked on its own.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jssi_app.config import PROJECT_ROOT

FONT = "WenQuanYiMicroHei"
FONT_PATH = PROJECT_ROOT / "assets" / "fonts" / "wqy-microhei.ttc"
TITLE = "参保缴费证明"
ISSUER = "江苏省社会保险网上服务大厅"
HEADER = ("费款所属期", "险种", "缴费基数", "个人缴纳", "单位缴纳", "缴费单位", "缴费状态")

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 16 * mm
_BODY_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_COLUMNS = [20 * mm, 34 * mm, 20 * mm, 20 * mm, 20 * mm, None, 16 * mm]


@dataclass(frozen=True)
class ProofRow:
    period: str
    insurance_name: str
    base: str
    personal_amount: str
    unit_amount: str
    unit_name: str
    paid_status: str


@dataclass(frozen=True)
class ProofDocument:
    masked_name: str
    masked_id_number: str
    period_text: str  # e.g. "2025-04 至 2026-03"
    types_text: str  # e.g. "养老、失业" or "全部险种"
    rows: list[ProofRow]
    personal_total: str
    unit_total: str
    total: str
    arrears_count: int
    arrears_total: str
    cumulative_pension_months: int
    issued_at_local: str  # "2026-03-02 09:00"（北京时间）
    code: str
    verify_url: str


@functools.cache
def _register_font() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#333333")),
    }


class _Qr(Flowable):
    """A QR code drawn as vector squares (segno gives the matrix), so it stays sharp when printed."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.qr = segno.make(data, error="m", micro=False)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        matrix = [list(row) for row in self.qr.matrix_iter(border=2)]
        cell = self.size / len(matrix)
        c = self.canv
        c.setFillColor(colors.black)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    c.rect(x * cell, self.size - (y + 1) * cell, cell, cell, stroke=0, fill=1)


def _summary_table(doc: ProofDocument, st: dict[str, ParagraphStyle]) -> Table:
    label_value = [
        ("姓名", doc.masked_name),
        ("公民身份号码", doc.masked_id_number),
        ("缴费期间", doc.period_text),
        ("险种", doc.types_text),
        ("出具时间", f"{doc.issued_at_local}（北京时间）"),
        ("验证码", doc.code),
    ]
    info = Table([[Paragraph(k, st["body"]), Paragraph(v, st["body"])] for k, v in label_value],
                 colWidths=[26 * mm, 100 * mm])
    info.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                              ("TOPPADDING", (0, 0), (-1, -1), 2)]))
    qr_size = 34 * mm
    qr_block = Table([[_Qr(doc.verify_url, qr_size)], [Paragraph("扫码核验本证明", ParagraphStyle(
        "qrcap", parent=st["note"], alignment=TA_CENTER))]], colWidths=[qr_size + 4 * mm])
    outer = Table([[info, qr_block]], colWidths=[_BODY_WIDTH - qr_size - 6 * mm, qr_size + 6 * mm])
    outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


def _rows_table(doc: ProofDocument, st: dict[str, ParagraphStyle]) -> LongTable:
    fixed = sum(w for w in _COLUMNS if w is not None)
    widths = [w if w is not None else _BODY_WIDTH - fixed for w in _COLUMNS]
    data: list[list] = [list(HEADER)]
    arrears_rows: list[int] = []
    for i, r in enumerate(doc.rows, start=1):
        data.append([r.period, r.insurance_name, r.base, r.personal_amount, r.unit_amount,
                     Paragraph(r.unit_name, st["cell"]), r.paid_status])
        if r.paid_status == "欠缴":
            arrears_rows.append(i)
    if not doc.rows:
        data.append(["所选期间内无缴费记录", "", "", "", "", "", ""])
    table = LongTable(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (2, 1), (4, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if not doc.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    for i in arrears_rows:
        # Printed proofs are often black and white: 欠缴 is the word itself, the shade only helps.
        style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f2f2f2")))
    table.setStyle(TableStyle(style))
    return table


def _totals_table(doc: ProofDocument, st: dict[str, ParagraphStyle]) -> Table:
    rows = [
        ("记录条数", str(len(doc.rows))),
        ("个人缴纳合计（元）", doc.personal_total),
        ("单位缴纳合计（元）", doc.unit_total),
        ("缴费合计（元）", doc.total),
        ("其中欠缴", f"{doc.arrears_count} 条，{doc.arrears_total} 元"),
        ("累计缴费月数（养老保险）", f"{doc.cumulative_pension_months} 个月"),
    ]
    table = Table([[Paragraph(k, st["body"]), Paragraph(v, st["body"])] for k, v in rows],
                  colWidths=[50 * mm, 60 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                               ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


def render(doc: ProofDocument) -> bytes:
    _register_font()
    st = _styles()
    buf = io.BytesIO()

    def footer(canvas, template) -> None:  # noqa: ANN001
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(_MARGIN, 9 * mm, f"{TITLE} · 验证码 {doc.code} · 核验：{doc.verify_url}")
        canvas.drawRightString(_PAGE_WIDTH - _MARGIN, 9 * mm, f"第 {template.page} 页")
        canvas.restoreState()

    pdf = SimpleDocTemplate(buf, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN,
                            bottomMargin=18 * mm, title=TITLE, author=ISSUER, subject=f"{TITLE} {doc.code}",
                            creator=ISSUER, invariant=True)
    story = [
        Paragraph(TITLE, st["title"]),
        Spacer(1, 4 * mm),
        _summary_table(doc, st),
        Spacer(1, 4 * mm),
        Paragraph("兹证明该参保人在所选期间的社会保险缴费记录如下：", st["body"]),
        Spacer(1, 2 * mm),
        _rows_table(doc, st),
        Spacer(1, 4 * mm),
        _totals_table(doc, st),
        Spacer(1, 4 * mm),
        Paragraph(
            f"说明：缴费状态为“欠缴”的月份尚未足额缴纳。累计缴费月数为历年已实缴养老保险的月数（同一月份只计一次）。"
            f"本证明由{ISSUER}出具，可通过扫描二维码或访问 {doc.verify_url} 输入验证码核验真伪；"
            f"核验页面显示的信息与本证明不一致的，本证明无效。",
            st["note"],
        ),
    ]
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
