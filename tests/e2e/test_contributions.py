"""个人业务 → 缴费查询 → 选择时间段 → 查询并打印, then the printed proof checked on /verify, in a real browser."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal

import pypdf
import pytest
from playwright.sync_api import expect

from jssi_app.adapters.clock import SHANGHAI
from jssi_app.domain.identifiers import mask_id_number
from tests.e2e.conftest import VIEWPORTS, shot
from tests.e2e.table_cards import assert_cards, assert_table
from tests.e2e.test_personal_account import PASSWORD, _submit_registration

pytestmark = pytest.mark.e2e

# Phones no other e2e test registers.
PHONES = {"desktop": "13705170001", "phone": "13705170002"}


def _month_shift(month: str, delta: int) -> str:
    y, m = map(int, month.split("-"))
    i = y * 12 + m - 1 + delta
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def _pick_person(app, label: str) -> tuple[dict, dict[str, list[dict]]]:
    """An employee of the demo registry with two years of unit contributions, one per viewport, taken from the
    end of the list (other tests register people from its start)."""
    by_person: dict[str, list[dict]] = defaultdict(list)
    with open(app.registry_dir / "contributions.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_person[row["id_number"]].append(row)
    today = dt.datetime.now(SHANGHAI).date()
    this_month = f"{today.year:04d}-{today.month:02d}"
    start = _month_shift(this_month, -23)
    candidates = [p for p in reversed(app.persons())
                  if sum(1 for r in by_person[p["id_number"]] if r["period"] >= start and r["uscc"]) >= 88]
    person = candidates[{"desktop": 1, "phone": 3}[label]]
    return person, by_person


def _sign_in_new_person(page, code_page, app, person: dict, phone: str) -> None:
    _submit_registration(page, code_page, app, name=person["name"], id_number=person["id_number"], phone=phone)
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()
    page.get_by_role("button", name="去登录").click()
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill(person["id_number"])
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="完善个人信息")).to_be_visible()
    # The form remounts when the registry's 户籍地址 arrives: fill only after that.
    expect(page.get_by_label("户籍地址")).not_to_have_value("")
    page.get_by_label("联系地址").fill("南京市建邺区江东中路369号")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()


@pytest.mark.parametrize("label", list(VIEWPORTS))
def test_query_print_and_verify(app_server, new_page, label):
    app = app_server
    size = VIEWPORTS[label]
    person, by_person = _pick_person(app, label)
    page = new_page(size, accept_downloads=True)
    code_page = new_page(size)
    _sign_in_new_person(page, code_page, app, person, PHONES[label])

    # 个人业务 → 缴费查询
    page.get_by_role("link", name="缴费查询").click()
    expect(page.get_by_role("heading", name="缴费查询", exact=True)).to_be_visible()
    expect(page.get_by_text("个人业务").first).to_be_visible()
    # The defaults arrive with the page's on_load.
    expect(page.get_by_label("截止月份")).to_have_value(re.compile(r"^\d{4}-\d{2}$"))
    to_month = page.get_by_label("截止月份").input_value()
    assert page.get_by_label("起始月份").input_value() == _month_shift(to_month, -11)  # default: last 12 months

    # 选择时间段: two years.
    from_month = _month_shift(to_month, -23)
    page.get_by_label("起始月份").fill(from_month)
    shot(page, f"contrib-{label}-01-filters")
    page.get_by_role("button", name="查询", exact=True).click()

    expected = [r for r in by_person[person["id_number"]] if from_month <= r["period"] <= to_month]
    personal = sum(Decimal(r["personal_amount"]) for r in expected)
    unit = sum(Decimal(r["unit_amount"]) for r in expected)
    totals = page.locator("#contribution-totals")
    expect(totals).to_contain_text(f"{len(expected)}")
    expect(totals).to_contain_text(f"{personal:,.2f}")
    expect(totals).to_contain_text(f"{unit:,.2f}")
    expect(totals).to_contain_text(f"{personal + unit:,.2f}")
    expect(totals).to_contain_text("个月")
    newest = max(r["period"] for r in expected)
    expect(page.get_by_text(newest, exact=True).locator("visible=true").first).to_be_visible()
    expect(page.get_by_text("企业职工基本养老保险").locator("visible=true").first).to_be_visible()
    expect(page.get_by_text("第 1 / 2 页")).to_be_visible()
    # On a phone the rows are cards: nothing scrolls sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, overflow
    if label == "phone":
        assert_cards(page, "缴费基数")
    else:
        assert_table(page, "缴费基数")
    shot(page, f"contrib-{label}-02-results")
    page.get_by_role("button", name="下一页").click()
    expect(page.get_by_text("第 2 / 2 页")).to_be_visible()
    oldest = min(r["period"] for r in expected)
    expect(page.get_by_text(oldest, exact=True).locator("visible=true").first).to_be_visible()

    # 打印: the PDF downloads.
    with page.expect_download() as info:
        page.get_by_role("button", name="打印缴费证明").click()
    download = info.value
    data = open(download.path(), "rb").read()
    code = page.locator("#issued-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code), code
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    masked_id = mask_id_number(person["id_number"])
    for needle in ("参保缴费证明", masked_id, person["name"][0] + "*", f"{from_month} 至 {to_month}",
                   f"{personal + unit:,.2f}", code, "累计缴费月数"):
        assert needle in text, needle
    assert person["id_number"] not in text
    shot(page, f"contrib-{label}-03-printed")

    # The public check, as an employer would do it (a fresh browser, not signed in).
    checker = new_page(size)
    checker.goto(f"{app.url}/verify?code={code}")
    expect(checker.get_by_role("heading", name="缴费证明核验")).to_be_visible()
    expect(checker.get_by_text("核验通过")).to_be_visible()
    expect(checker.get_by_text(masked_id)).to_be_visible()
    expect(checker.get_by_text(f"{from_month} 至 {to_month}")).to_be_visible()
    expect(checker.get_by_text(f"{personal + unit:,.2f}")).to_be_visible()
    shot(checker, f"contrib-{label}-04-verified")

    # One changed character: refused, and nothing about the proof is shown.
    compact = code.replace("-", "")
    tampered = compact[:5] + ("B" if compact[5] != "B" else "C") + compact[6:]
    checker.get_by_label("验证码").fill(tampered)
    checker.get_by_role("button", name="核验").click()
    expect(checker.get_by_text("未能核验").first).to_be_visible()
    expect(checker.get_by_text("核验通过")).to_be_hidden()
    expect(checker.get_by_text(masked_id)).to_be_hidden()
    shot(checker, f"contrib-{label}-05-refused")

    # The PDF is the issuer's only: the not-signed-in checker gets nothing.
    resp = checker.request.get(f"{app.url}/files/proofs/{code}")
    assert resp.status == 404

    # 缴费查询 is behind login: a signed-out visitor is sent to login and back after it.
    checker.goto(f"{app.url}/person/contributions")
    expect(checker.get_by_role("heading", name="个人用户登录")).to_be_visible()
    assert "next=" in checker.url

    # 险种: without 工伤 the rows and totals leave it out.
    page.get_by_role("checkbox", name="工伤").click()
    page.get_by_role("button", name="查询", exact=True).click()
    without_injury = [r for r in expected if r["insurance_code"] != "410"]
    expect(totals).to_contain_text(f"{sum(Decimal(r['unit_amount']) for r in without_injury):,.2f}")
    expect(page.get_by_text("工伤保险").locator("visible=true")).to_have_count(0)
    expect(page.get_by_text("失业保险").locator("visible=true").first).to_be_visible()
