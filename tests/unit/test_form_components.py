"""The error summary's links and the card tables' labels, without a browser (the browser checks are
tests/e2e/test_keyboard.py and test_table_cards.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import reflex as rx

import jssi_app.jssi_app  # noqa: F401  (imports every page and state module)
from jssi_app.components.tables import card_table, cell, labelled_cells
from jssi_app.state.login import LoginState


def _links(errors: dict[str, str], summary: list[str]) -> list[dict[str, str]]:
    return LoginState.computed_vars["summary_links"]._fget(SimpleNamespace(errors=errors, summary=summary))


def test_summary_messages_link_to_their_fields_in_order():
    links = _links({"password": "请输入登录密码", "id_number": "身份证号码校验位不正确"},
                   ["身份证号码校验位不正确", "请输入登录密码"])
    assert links == [{"message": "身份证号码校验位不正确", "field": "id_number"},
                     {"message": "请输入登录密码", "field": "password"}]


def test_a_message_about_the_whole_form_is_not_a_link():
    assert _links({}, ["登录失败次数过多，请15分钟后再试"]) == [{"message": "登录失败次数过多，请15分钟后再试", "field": ""}]


def test_only_plain_field_names_reach_the_focus_script():
    links = _links({"note.licence": "请填写补充说明", "x');alert(1);//": "坏", 'a"]': "也坏"},
                   ["请填写补充说明", "坏", "也坏"])
    assert [link["field"] for link in links] == ["note.licence", "", ""]


def test_every_cell_carries_its_column_name():
    headers = ("姓名", "缴费基数")
    row = rx.table.row(*labelled_cells(headers, "张三", cell("8000.00", text_align="right")))
    rendered = str(card_table(headers, row, caption="名单"))
    for label in headers:  # the compiled page escapes non-ASCII as JSON does
        assert f'"data-label":{json.dumps(label)}' in rendered
    assert "card-table" in rendered and json.dumps("名单").strip('"') in rendered


def test_cells_and_headers_must_match():
    with pytest.raises(ValueError):
        labelled_cells(("姓名", "缴费基数"), "张三")
