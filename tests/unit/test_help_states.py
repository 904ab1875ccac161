"""帮助中心 handlers, driven in-process: the FAQ search maps to the page, a broken offices file gives the page's
'unavailable' message rather than an error."""

from __future__ import annotations

import json

import jssi_app.jssi_app  # noqa: F401  (registers every state)
from jssi_app.domain.offices import FORMAT
from jssi_app.state.help import ContactState, FaqState
from tests.security.harness import drive, run_coroutine

OFFICE = {"city": "苏州市", "name": "苏州市社会保险基金管理中心", "address": "苏州市姑苏区三香路1199号",
          "phone": "0512-12333、0512-68661234", "hours": "周一至周五 9:00-17:00"}


def test_faq_search_keeps_the_query_and_the_matching_questions():
    out = run_coroutine(drive(FaqState, "search", {"form_data": {"q": " 忘记密码 "}}, "", "/help/faq"))
    assert out.crashed is None
    assert out.state.query == "忘记密码"
    assert out.state.matches == ["forgot-password"]
    out = run_coroutine(drive(FaqState, "search", {"form_data": {"q": "x" * 500}}, "", "/help/faq"))
    assert len(out.state.query) == 50 and out.state.matches == []


def test_contact_lists_the_configured_offices_grouped_by_city(tmp_path, monkeypatch):
    path = tmp_path / "offices.json"
    path.write_text(json.dumps({"format": FORMAT, "offices": [OFFICE, dict(OFFICE, name="苏州工业园区社保服务中心")]}),
                    "utf-8")
    monkeypatch.setenv("JSSI_OFFICES_FILE", str(path))
    out = run_coroutine(drive(ContactState, "load", {}, "", "/help/contact"))
    state = out.state
    assert out.crashed is None and not state.unavailable and state.loaded
    assert state.cities == [{"city": "苏州市", "anchor": "city-1"}]
    assert [r["first"] for r in state.offices] == ["1", ""]
    assert state.offices[0]["tel"] == "tel:0512-12333"


def test_a_broken_offices_file_makes_the_list_unavailable_not_an_error(tmp_path, monkeypatch):
    path = tmp_path / "offices.json"
    path.write_text(json.dumps({"format": FORMAT, "offices": [dict(OFFICE, city="火星")]}), "utf-8")
    monkeypatch.setenv("JSSI_OFFICES_FILE", str(path))
    out = run_coroutine(drive(ContactState, "load", {}, "", "/help/contact"))
    assert out.crashed is None
    assert out.state.unavailable and out.state.offices == [] and out.state.loaded
