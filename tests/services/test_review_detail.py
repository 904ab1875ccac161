"""申请详情 for staff: masked personal data, registry pre-checks, materials, review rounds, allowed buttons."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import col

from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import Material
from jssi_app.services import review
from jssi_app.services.review import Notifier, ReviewRefused
from jssi_app.services.review_detail import application_detail, due_text, mask_name, staff_identity
from tests.services.helpers import MIN, NOW, outbox_mail, outbox_sms
from tests.services.review_fixtures import (
    HANDLER_EMAIL,
    HANDLER_ID,
    HANDLER_NAME,
    HANDLER_PHONE,
    LEGAL_REP_ID,
    add_application,
    add_staff,
)

MONDAY = dt.date(2026, 3, 2)  # NOW's local date; the fixtures' due date is Thursday 2026-03-05


@pytest.fixture
def people(db):
    return {
        "zhang": add_staff(db, "zhangsan", display_name="张三"),
        "wang": add_staff(db, "wangwu", display_name="王五"),
        "clerk": add_staff(db, "chuangkou1", role="clerk", display_name="赵六"),
        "admin": add_staff(db, "admin1", role="admin"),
        "gone": add_staff(db, "lizi", display_name="李子", disabled=True),
    }


def notifier(db) -> Notifier:
    return Notifier(sms=outbox_sms(db), mail=outbox_mail(db))


def test_submitted_application_as_a_reviewer_sees_it(db, people):
    app = add_application(db, unit_name="南京详情测试有限公司")
    d = application_detail(db, app.id, staff_id=people["zhang"], today=MONDAY)

    assert (d.id, d.reference_no, d.unit_name, d.uscc) == (app.id, app.reference_no, "南京详情测试有限公司", app.uscc)
    assert (d.status, d.status_label, d.version, d.round_number) == ("submitted", "待审核", 1, 1)
    assert d.masked_legal_rep_id == LEGAL_REP_ID[:6] + "********" + LEGAL_REP_ID[-4:]
    assert d.masked_handler_id == HANDLER_ID[:6] + "********" + HANDLER_ID[-4:]
    assert d.masked_handler_name == HANDLER_NAME[0] + "*"
    assert d.masked_handler_phone == "139****4567"
    assert d.masked_handler_email == "j*****n@example.com"
    assert d.submitted_at == "2026-03-02 09:00"
    assert (d.due_date, d.due_in_working_days, d.overdue, d.due_text) == ("2026-03-05", 3, False, "剩3个工作日")
    assert (d.claimed_by, d.claimed_by_me) == ("", False)
    assert [(p.label, p.ok) for p in d.prechecks] == [
        ("单位库中存在该统一社会信用代码", True),
        ("单位名称与单位库一致", True),
        ("法定代表人身份证号与单位库一致", True),
    ]
    assert [(m.kind, m.kind_label, m.pages, m.size_text, m.media_type) for m in d.materials] == [
        ("business_licence", "营业执照或事业单位法人登记证", 1, "117 KB", "application/pdf"),
        ("legal_rep_id", "法定代表人身份证复印件", 1, "117 KB", "application/pdf"),
        ("handler_id", "经办人身份证复印件", 1, "117 KB", "application/pdf"),
        ("authorization_letter", "单位授权委托书", 1, "117 KB", "application/pdf"),
    ]
    (round1,) = d.rounds
    assert (round1.number, round1.submitted_at, round1.decision, round1.decision_label) == (
        1, "2026-03-02 09:00", "", "待审核")
    assert d.actions == ["claim"]
    assert d.action_labels == {"claim": "领取"}


def test_no_full_personal_number_leaves_the_service(db, people):
    app = add_application(db)
    d = application_detail(db, app.id, staff_id=people["zhang"], today=MONDAY)
    text = repr(dataclasses.asdict(d))
    for secret in (LEGAL_REP_ID, HANDLER_ID, HANDLER_PHONE, HANDLER_EMAIL, HANDLER_NAME):
        assert secret not in text


def test_buttons_follow_the_claim(db, people):
    app = add_application(db)
    review.claim(db, app.id, staff_id=people["zhang"], now=NOW + 5 * MIN)

    mine = application_detail(db, app.id, staff_id=people["zhang"], today=MONDAY)
    assert (mine.status_label, mine.claimed_by, mine.claimed_by_me, mine.version) == ("审核中", "张三", True, 2)
    assert mine.claimed_at == "2026-03-02 09:05"
    assert mine.actions == ["release", "approve", "reject"]
    assert mine.rounds[0].decision_label == "审核中"

    other = application_detail(db, app.id, staff_id=people["wang"], today=MONDAY)
    assert (other.claimed_by, other.claimed_by_me, other.actions) == ("张三", False, [])
    # An admin may free a claim left behind, but not decide on someone else's.
    assert application_detail(db, app.id, staff_id=people["admin"], today=MONDAY).actions == ["release"]
    assert application_detail(db, app.id, staff_id=people["clerk"], today=MONDAY).actions == []


def test_clerk_sees_the_application_without_buttons(db, people):
    app = add_application(db)
    d = application_detail(db, app.id, staff_id=people["clerk"], today=MONDAY)
    assert d.status == "submitted" and d.actions == [] and d.action_labels == {}


def test_rounds_keep_the_history_of_a_rejection(db, people):
    app = add_application(db)
    zhang = people["zhang"]
    review.claim(db, app.id, staff_id=zhang, now=NOW + MIN)
    review.reject(db, app.id, staff_id=zhang, now=NOW + 20 * MIN, notifier=notifier(db), opinion="请重新上传。",
                  reasons={"authorization_letter": ("其他", "缺少法定代表人签字"), "business_licence": ("材料不清晰", "")})

    d = application_detail(db, app.id, staff_id=people["wang"], today=MONDAY)
    assert (d.status, d.status_label, d.claimed_by, d.actions) == ("rejected", "未通过", "", [])
    assert (d.due_in_working_days, d.overdue, d.due_text) == (None, False, "已办结")
    (round1,) = d.rounds
    assert (round1.decision, round1.decision_label, round1.decided_by, round1.decided_at, round1.opinion) == (
        "rejected", "未通过", "张三", "2026-03-02 09:20", "请重新上传。")
    assert [(x.material_label, x.reason, x.note) for x in round1.rejections] == [
        ("营业执照或事业单位法人登记证", "材料不清晰", ""),
        ("单位授权委托书", "其他", "缺少法定代表人签字"),
    ]


def test_approved_round_names_the_reviewer_by_username_without_display_name(db, people):
    app = add_application(db)
    admin = people["admin"]
    review.claim(db, app.id, staff_id=admin, now=NOW + MIN)
    review.approve(db, app.id, staff_id=admin, opinion="准予注册", now=NOW + 2 * MIN, notifier=notifier(db))
    (round1,) = application_detail(db, app.id, staff_id=people["zhang"], today=MONDAY).rounds
    assert (round1.decision_label, round1.decided_by, round1.opinion) == ("已通过", "admin1", "准予注册")


def test_overdue_in_working_days(db, people):
    app = add_application(db)
    # Thursday was the due day; Friday 6 March is one working day late, Monday 9 March two.
    friday = application_detail(db, app.id, staff_id=people["zhang"], today=dt.date(2026, 3, 6))
    assert (friday.due_in_working_days, friday.overdue, friday.due_text) == (-1, True, "已超期1个工作日")
    monday = application_detail(db, app.id, staff_id=people["zhang"], today=dt.date(2026, 3, 9))
    assert monday.due_text == "已超期2个工作日"
    due_day = application_detail(db, app.id, staff_id=people["zhang"], today=dt.date(2026, 3, 5))
    assert (due_day.overdue, due_day.due_text) == (False, "今日到期")


def test_failed_and_missing_prechecks(db, people):
    failing = add_application(db, 1, prechecks={"code_exists": True, "name_matches": False,
                                                "legal_rep_matches": False})
    unknown = add_application(db, 2, prechecks={})
    assert [p.ok for p in application_detail(db, failing.id, staff_id=people["zhang"], today=MONDAY).prechecks] == [
        True, False, False]
    assert [p.ok for p in application_detail(db, unknown.id, staff_id=people["zhang"], today=MONDAY).prechecks] == [
        None, None, None]


def test_superseded_materials_are_not_current(db, people):
    app = add_application(db)
    db.exec(update(Material).where(col(Material.application_id) == app.id, col(Material.kind) == "handler_id")
            .values(superseded_at=NOW))
    db.commit()
    d = application_detail(db, app.id, staff_id=people["zhang"], today=MONDAY)
    assert [m.kind for m in d.materials] == ["business_licence", "legal_rep_id", "authorization_letter"]


def test_only_active_staff_see_details(db, people):
    app = add_application(db)
    with pytest.raises(ReviewRefused) as info:
        application_detail(db, app.id, staff_id=people["gone"], today=MONDAY)
    assert info.value.code == "staff_unavailable"
    with pytest.raises(ReviewRefused):
        application_detail(db, app.id, staff_id=999_999, today=MONDAY)
    with pytest.raises(ReviewRefused) as info:
        application_detail(db, 999_999, staff_id=people["zhang"], today=MONDAY)
    assert info.value.code == "not_found"


def test_staff_identity(db, people):
    me = staff_identity(db, people["zhang"])
    assert (me.username, me.name, me.role, me.role_label, me.must_change_password) == (
        "zhangsan", "张三", "reviewer", "审核员", False)
    assert staff_identity(db, people["admin"]).name == "admin1"
    db.exec(update(StaffAccount).where(col(StaffAccount.id) == people["wang"]).values(must_change_password=True))
    db.commit()
    assert staff_identity(db, people["wang"]).must_change_password is True
    with pytest.raises(ReviewRefused):
        staff_identity(db, people["gone"])


def test_due_text_and_name_mask():
    assert due_text(2, False) == "剩2个工作日"
    assert due_text(0, False) == "今日到期"
    assert due_text(0, True) == "已超期"  # a weekend right after the due day
    assert due_text(-3, True) == "已超期3个工作日"
    assert due_text(None, False) == "已办结"
    assert (mask_name("张三丰"), mask_name("李"), mask_name("")) == ("张**", "李", "")
