"""联系我们: the offices file is checked whole, every problem named; the shipped file covers the 13 cities."""

from __future__ import annotations

import json
import logging

import pytest

from jssi_app.adapters import offices_file
from jssi_app.config import PROJECT_ROOT
from jssi_app.domain.offices import CITIES, FORMAT, OfficesFileInvalid, parse_offices

GOOD = {"city": "南京市", "name": "南京市社会保险管理中心", "address": "南京市建邺区江东中路265号", "phone": "025-12333",
        "hours": "周一至周五 9:00-12:00"}


def _doc(*offices, **top):
    return {"format": FORMAT, "offices": list(offices), **top}


def test_the_shipped_file_is_valid_and_lists_every_city():
    directory = offices_file.read_offices(PROJECT_ROOT / "assets" / "offices.json")
    assert directory.cities() == list(CITIES)  # 省本级 and the 13 设区市, in the province's order
    assert len([c for c in directory.cities() if c.endswith("市")]) == 13
    assert "示例数据" in directory.notice


def test_offices_are_ordered_by_city_and_keep_the_files_order_within_one():
    suzhou = dict(GOOD, city="苏州市", name="苏州市社会保险基金管理中心", phone="0512-12333")
    second = dict(GOOD, name="南京市江北新区社保服务站")
    directory = parse_offices(_doc(suzhou, GOOD, second))
    assert [o.name for o in directory.offices] == [GOOD["name"], second["name"], suzhou["name"]]


@pytest.mark.parametrize(("doc", "problem"), [
    ([], "JSON 对象"),
    (_doc(GOOD, format="other/1"), "format"),
    (_doc(), "offices 应为非空列表"),
    (_doc(dict(GOOD, city="上海市")), "第1条（上海市）：city 应为以下之一"),
    (_doc(GOOD, {k: v for k, v in GOOD.items() if k != "phone"}), "第2条（南京市）：缺少 phone"),
    (_doc(dict(GOOD, phone="call us")), "phone 格式"),
    (_doc(dict(GOOD, name="  ")), "name 应为非空文字"),
    (_doc(dict(GOOD, hours=9)), "hours 应为非空文字"),
    (_doc(dict(GOOD, address="路" * 121)), "address 超过120个字符"),
    (_doc(dict(GOOD, fax="025-1")), "未知字段 fax"),
    (_doc(GOOD, extra=1), "未知字段 extra"),
    (_doc("南京市"), "第1条：应为对象"),
])
def test_a_bad_file_is_refused_with_the_entry_and_field_named(doc, problem):
    with pytest.raises(OfficesFileInvalid) as caught:
        parse_offices(doc)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_every_problem_is_listed_not_only_the_first():
    with pytest.raises(OfficesFileInvalid) as caught:
        parse_offices(_doc(dict(GOOD, phone="x"), dict(GOOD, city="火星")))
    assert len(caught.value.problems) == 2


def test_several_phones_and_control_characters():
    office = parse_offices(_doc(dict(GOOD, phone="025-12333、025-83456789", name="南京市\u202e社保中心"))).offices[0]
    assert office.phones() == ("025-12333", "025-83456789")
    assert office.name == "南京市社保中心"  # a bidi override cannot reorder what the page shows


def test_the_configured_file_is_reread_when_replaced_and_a_broken_one_is_logged(tmp_path, monkeypatch, caplog):
    path = tmp_path / "offices.json"
    monkeypatch.setenv("JSSI_OFFICES_FILE", str(path))
    path.write_text(json.dumps(_doc(GOOD)), "utf-8")
    assert [o.city for o in offices_file.office_directory().offices] == ["南京市"]

    path.write_text("{\"format\": \"jssi-offices/1\", \"offices\": [", "utf-8")
    with caplog.at_level(logging.ERROR, logger="jssi"), pytest.raises(OfficesFileInvalid) as caught:
        offices_file.office_directory()
    assert "不是有效的 JSON" in caught.value.problems[0]
    assert str(path) in caplog.text and "不是有效的 JSON" in caplog.text

    path.write_text("\ufeff" + json.dumps(_doc(dict(GOOD, city="宿迁市", phone="0527-12333"))), "utf-8")
    assert [o.city for o in offices_file.office_directory().offices] == ["宿迁市"]  # a BOM is fine


def test_a_missing_or_non_utf8_file_is_invalid_not_a_crash(tmp_path):
    with pytest.raises(OfficesFileInvalid, match="无法读取"):
        offices_file.read_offices(tmp_path / "absent.json")
    gbk = tmp_path / "gbk.json"
    gbk.write_bytes(json.dumps(_doc(GOOD), ensure_ascii=False).encode("gbk"))
    with pytest.raises(OfficesFileInvalid, match="UTF-8"):
        offices_file.read_offices(gbk)


def test_check_offices_command_reports_the_file_before_it_is_put_in_place(tmp_path, capsys):
    from jssi_app.cli import main

    assert main(["check-offices", str(PROJECT_ROOT / "assets" / "offices.json")]) == 0
    assert "14 个经办机构" in capsys.readouterr().out
    bad = tmp_path / "offices.json"
    bad.write_text(json.dumps(_doc(dict(GOOD, phone="x"))), "utf-8")
    assert main(["check-offices", str(bad)]) == 1
    assert "第1条（南京市）：phone 格式" in capsys.readouterr().err
