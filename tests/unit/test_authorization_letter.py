from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from jssi_app.adapters.authorization_letter import ASSET_PATH, build_authorization_letter_pdf


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def letter() -> bytes:
    return build_authorization_letter_pdf()


def test_letter_is_one_a4_page(letter: bytes) -> None:
    reader = PdfReader(io.BytesIO(letter))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.5)
    assert reader.metadata.title == "单位授权委托书"


def test_letter_has_the_fields_and_signature_lines(letter: bytes) -> None:
    text = _text(letter)
    for expected in (
        "单位授权委托书",
        "委托单位名称",
        "统一社会信用代码",
        "法定代表人姓名",
        "身份证号码",
        "受托人（经办人）姓名",
        "受托人（经办人）手机号码",
        "委托事项",
        "单位用户注册、参保登记、人员增减、",
        "缴费基数申报等社会保险业务",
        "委托期限",
        "法定代表人（签字）",
        "单位（公章）",
        "日期",
        "需法定代表人签字并加盖公章",
    ):
        assert expected in text, expected
    assert text.count("年") >= 3 and text.count("月") >= 3 and text.count("日") >= 3


def test_build_is_deterministic(letter: bytes) -> None:
    assert build_authorization_letter_pdf() == letter


def test_shipped_asset_matches_a_fresh_build(letter: bytes) -> None:
    assert ASSET_PATH.is_file(), "run: .venv/bin/python -m jssi_app.adapters.authorization_letter"
    assert ASSET_PATH.relative_to(ASSET_PATH.parents[2]).as_posix() == "assets/templates/authorization-letter.pdf"
    assert _text(ASSET_PATH.read_bytes()) == _text(letter), (
        "assets/templates/authorization-letter.pdf is stale: "
        "run .venv/bin/python -m jssi_app.adapters.authorization_letter"
    )
