"""帮助中心 content: every link leads to a page or file the app serves, every FAQ answers, the search finds."""

from __future__ import annotations

from pathlib import Path

import pytest

import jssi_app.jssi_app as app_module
from jssi_app import routes
from jssi_app.domain import help_content as hc

ROOT = Path(__file__).resolve().parents[2]
ROUTE_CONSTANTS = {v for k, v in vars(routes).items() if k.isupper() and isinstance(v, str)}
PAGES = {"/" + (r if r != "index" else "") for r in app_module.app._unevaluated_pages}


def _all_links() -> list[hc.Link]:
    links = [link for g in hc.GUIDES for s in g.steps for link in s.links]
    links += [link for f in hc.FAQS for link in f.links]
    links += [link for n in hc.NOTES.values() for link in n.links]
    return links


@pytest.mark.parametrize("link", _all_links(), ids=lambda link: f"{link.label}->{link.href}")
def test_every_link_is_a_route_constant_the_app_serves(link):
    assert link.href in ROUTE_CONSTANTS
    if link.is_file:
        assert (ROOT / "assets" / link.href.lstrip("/")).is_file()
    else:
        assert link.href in PAGES


def test_every_guide_step_links_somewhere_and_the_guides_are_the_seeds():
    assert [g.route for g in hc.GUIDES] == [routes.HELP_GUIDE_PERSON, routes.HELP_GUIDE_UNIT]
    assert [s.title for s in hc.PERSON_GUIDE.steps] == ["访问官网", "选择注册类型", "填写基本信息", "实名认证", "登录与完善信息"]
    assert len(hc.UNIT_GUIDE.steps) == 5
    for guide in hc.GUIDES:
        for step in guide.steps:
            assert step.links and step.text, step.title
    # The materials step lists the four required materials with what each must show.
    materials = hc.UNIT_GUIDE.steps[2].items
    assert len(materials) == 4 and "需法定代表人签字并加盖公章" in materials[-1]


def test_operation_paths_are_the_seeds_table_and_each_targets_a_page():
    assert [(p.user_type, p.function) for p in hc.OPERATION_PATHS] == [
        ("个人用户", "社保缴费记录查询"), ("个人用户", "养老待遇资格认证"),
        ("单位用户", "员工参保登记"), ("单位用户", "社保缴费申报"),
    ]
    for p in hc.OPERATION_PATHS:
        assert p.target in PAGES and p.target in ROUTE_CONSTANTS


def test_operation_path_links_go_to_the_function_only_for_the_matching_signed_in_account():
    signed_out = {r["function"]: r["href"] for r in hc.operation_path_links(None)}
    assert signed_out["社保缴费记录查询"] == "/login?next=/person/contributions"
    assert signed_out["员工参保登记"] == "/login/unit?next=/unit/employees/add"
    person = {r["function"]: r["href"] for r in hc.operation_path_links("person")}
    assert person["社保缴费记录查询"] == routes.CONTRIBUTIONS
    assert person["社保缴费申报"] == routes.unit_login_with_next(routes.UNIT_BASE_DECLARATION)
    unit = {r["function"]: r["href"] for r in hc.operation_path_links("unit")}
    assert unit["社保缴费申报"] == routes.UNIT_BASE_DECLARATION
    assert unit["养老待遇资格认证"] == routes.login_with_next(routes.FACE_CERTIFICATION)
    staff = hc.operation_path_links("staff")
    assert all("?next=" in r["href"] and r["action"] == "登录后办理" for r in staff)


def test_the_unit_login_returns_only_to_unit_pages():
    assert routes.unit_next("/unit/employees/add") == "/unit/employees/add"
    for raw in (None, "", "/home", "//evil.example/unit", "https://evil.example/unit", "/unitx", "/unit\\x"):
        assert routes.unit_next(raw) == routes.UNIT_HOME


def test_every_faq_has_a_question_an_answer_and_a_link():
    keys = [f.key for f in hc.FAQS]
    assert len(keys) == len(set(keys))
    for faq in hc.FAQS:
        assert faq.question.endswith("？") and len(faq.answer) > 20 and faq.links, faq.key
    # The seed's two FAQs come first, word for word; the review one points to 审核进度查询 and 联系我们.
    assert hc.FAQS[0].question == "注册时提示“身份证号与社保系统信息不一致”怎么办？"
    review = hc.FAQS[1]
    assert "电话可通过官网“联系我们”栏目查询" in review.answer
    assert {routes.PROGRESS_QUERY, routes.HELP_CONTACT} <= {link.href for link in review.links}


def test_search_finds_by_question_or_answer_and_every_word_must_match():
    assert [f.key for f in hc.search_faqs("审核意见")] == ["review-time"]  # only in the answer
    assert "forgot-password" in [f.key for f in hc.search_faqs("忘记密码")]
    assert [f.key for f in hc.search_faqs("１５位")] == ["id-mismatch"]  # full-width digits as typed on phones
    assert [f.key for f in hc.search_faqs("ca")] == [f.key for f in hc.search_faqs("CA")] != []
    assert [f.key for f in hc.search_faqs("  手机号   停用 ")] == ["phone-lost"]
    assert hc.search_faqs("手机号 火星") == []
    assert hc.search_faqs("养老金计算器") == []


def test_an_empty_search_lists_every_faq():
    assert hc.search_faqs("") == list(hc.FAQS) == hc.search_faqs("   ")


def test_every_form_has_notes_and_the_seeds_notes_are_all_used():
    used = {k for keys in hc.FORM_NOTES.values() for k in keys}
    assert used == set(hc.NOTES)
    titles = {n.title for n in hc.NOTES.values()}
    assert {"浏览器兼容性", "信息准确性", "密码安全", "特殊情况处理", "业务办理范围", "资质材料要求"} <= titles
    registration = [n.key for n in hc.notes_for("register_person")]
    assert {"own-phone", "password-rule", "browser"} <= set(registration)
    assert "unit-materials" in [n.key for n in hc.notes_for("unit_materials")]
    for key in ("login_person", "login_unit", "forgot_password", "reset_password", "profile", "employee_add",
                "base_declaration", "register_unit", "progress_query"):
        assert hc.notes_for(key), key
