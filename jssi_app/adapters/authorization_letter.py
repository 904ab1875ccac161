"""The 单位授权委托书 template people download, fill in by hand, sign, stamp and upload as a scan.

Built with reportlab and its built-in CID font STSong-Light (Adobe's Chinese font, which every PDF reader
supplies), so no font file is shipped or embedded. The build is deterministic (reportlab's invariant mode:
no timestamp or random document ID), so regenerating the shipped copy changes it only when the text or
layout does:

    .venv/bin/python -m jssi_app.adapters.authorization_letter

writes assets/templates/authorization-letter.pdf, which Reflex serves at /templates/authorization-letter.pdf.
tests/unit/test_authorization_letter.py fails when the shipped copy and a fresh build disagree.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jssi_app.config import PROJECT_ROOT

FONT = "STSong-Light"
TITLE = "单位授权委托书"
ASSET_PATH = PROJECT_ROOT / "assets" / "templates" / "authorization-letter.pdf"
PUBLIC_URL_PATH = "/templates/authorization-letter.pdf"

ENTRUSTED_MATTERS = "办理江苏社保网上服务大厅单位用户注册、参保登记、人员增减、缴费基数申报等社会保险业务。"
SIGN_NOTE = "本委托书需法定代表人签字并加盖公章，否则无效。"

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 22 * mm
_BODY_WIDTH = _PAGE_WIDTH - 2 * _MARGIN


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=11.5, leading=19, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER),
        "body": base,
        "indented": ParagraphStyle("indented", parent=base, firstLineIndent=23),
        "cell": ParagraphStyle("cell", parent=base, fontSize=11, leading=17),
        "label": ParagraphStyle("label", parent=base, fontSize=11, leading=17, alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", parent=base, fontSize=12, leading=18),
        "note": ParagraphStyle("note", parent=base, fontSize=9.5, leading=15, textColor=colors.HexColor("#333333")),
    }


def _date(style: ParagraphStyle, prefix: str = "") -> Table:
    """"[prefix]　　　　年　　月　　日" with fixed blanks for handwriting (spaces would collapse)."""
    parts = ([prefix] if prefix else []) + ["", "年", "", "月", "", "日"]
    blank = 9 * mm
    widths = ([len(prefix) * style.fontSize + 4] if prefix else []) + [blank * 1.6, 14, blank, 14, blank, 14]
    table = Table([[Paragraph(text, style) if text else "" for text in parts]], colWidths=widths)
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    table.hAlign = "LEFT"
    return table


def _period(style: ParagraphStyle) -> Table:
    table = Table([[_date(style, "自"), _date(style, "至")]])
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    table.hAlign = "LEFT"
    return table


def _signatures(styles: dict[str, ParagraphStyle]) -> Table:
    sign = styles["sign"]
    rows = [
        [Paragraph("法定代表人（签字）：", sign)],
        [Paragraph("单位（公章）：", sign)],
        [_date(sign, "日期：")],
    ]
    table = Table(rows, colWidths=[_BODY_WIDTH * 0.5], rowHeights=[16 * mm, 26 * mm, 12 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    table.hAlign = "RIGHT"
    return table


def _fields_table(styles: dict[str, ParagraphStyle]) -> Table:
    def label(text: str) -> Paragraph:
        return Paragraph(text, styles["label"])

    def cell(text: str = "") -> Paragraph:
        return Paragraph(text, styles["cell"])

    rows = [
        [label("委托单位名称"), cell(), "", ""],
        [label("统一社会信用代码"), cell(), "", ""],
        [label("法定代表人姓名"), cell(), label("身份证号码"), cell()],
        [label("受托人（经办人）姓名"), cell(), label("身份证号码"), cell()],
        [label("受托人（经办人）手机号码"), cell(), "", ""],
        [label("委托事项"), cell(ENTRUSTED_MATTERS), "", ""],
        [label("委托期限"), _period(styles["cell"]), "", ""],
    ]
    widths = [_BODY_WIDTH * share for share in (0.31, 0.21, 0.16, 0.32)]
    heights = [12 * mm, 12 * mm, 12 * mm, 12 * mm, 12 * mm, 20 * mm, 12 * mm]
    table = Table(rows, colWidths=widths, rowHeights=heights)
    spans = [("SPAN", (1, row), (3, row)) for row in (0, 1, 4, 5, 6)]
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                *spans,
            ]
        )
    )
    return table


def build_authorization_letter_pdf() -> bytes:
    """The blank template: one A4 page, the same bytes on every build."""
    _register_font()
    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=TITLE,
        author="江苏社保网上服务大厅",
        subject="单位用户注册材料：单位授权委托书（空白模板）",
        creator="jssi",
        invariant=1,
        lang="zh-CN",
    )
    story = [
        Paragraph(TITLE, styles["title"]),
        Spacer(1, 8 * mm),
        Paragraph("江苏省社会保险经办机构：", styles["body"]),
        Paragraph(
            "我单位现委托下列受托人（经办人）代表我单位办理下列社会保险业务。受托人在委托事项和委托期限内"
            "办理业务所签署的文件、提交的材料，我单位均予以承认，并承担相应的法律责任。",
            styles["indented"],
        ),
        Spacer(1, 5 * mm),
        _fields_table(styles),
        Spacer(1, 12 * mm),
        _signatures(styles),
        Spacer(1, 8 * mm),
        Paragraph("填写说明：", styles["note"]),
        Paragraph("1. " + SIGN_NOTE + "请用黑色签字笔或钢笔填写，字迹清楚，涂改无效。", styles["note"]),
        Paragraph("2. 身份证号码请填写18位居民身份证号码；手机号码用于接收办理进度通知。", styles["note"]),
        Paragraph(
            "3. 填写、签字并盖章后，请将本委托书扫描或拍照（JPG、PNG 或 PDF 格式，单个文件不超过10MB），"
            "在单位用户注册时与受托人身份证复印件一并上传；原件请妥善保管，以备核验。",
            styles["note"],
        ),
    ]
    doc.build(story)
    return out.getvalue()


def write_authorization_letter(path: Path = ASSET_PATH) -> Path:
    """Regenerate the shipped template (run after changing the text or layout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(build_authorization_letter_pdf())
    tmp.replace(path)
    return path


if __name__ == "__main__":
    print(write_authorization_letter())
