"""Staff review of unit registrations: 领取, 释放, 通过, 退回, the races between reviewers, and notices."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.pii import cipher
from jssi_app.domain.errors import ValidationFailed
from jssi_app.domain.review import ApplicationStatus, TransitionRefused
from jssi_app.models.units import UnitApplication
from jssi_app.services import review
from jssi_app.services.review import ConcurrentDecision, Notifier, ReviewRefused
from tests.services.helpers import (
    MIN,
    NOW,
    audit_rows,
    outbox_mail,
    outbox_rows,
    outbox_sms,
)
from tests.services.review_fixtures import (
    HANDLER_EMAIL,
    HANDLER_ID,
    HANDLER_PHONE,
    LEGAL_REP_ID,
    add_application,
    add_staff,
    application,
    audit_details,
    rejections,
    rounds,
    unit_account,
)

S = ApplicationStatus


def notifier(db: Session) -> Notifier:
    return Notifier(sms=outbox_sms(db), mail=outbox_mail(db))


@pytest.fixture
def people(db):
    return {
        "zhang": add_staff(db, "zhangsan", display_name="张三"),
        "wang": add_staff(db, "wangwu", display_name="王五"),
        "clerk": add_staff(db, "chuangkou1", role="clerk", display_name="赵六"),
        "admin": add_staff(db, "admin1", role="admin"),
    }


def test_claim_then_approve(db, people):
    app = add_application(db)
    zhang = people["zhang"]

    claimed = review.claim(db, app.id, staff_id=zhang, now=NOW + 10 * MIN)
    assert (claimed.status, claimed.claimed_by, claimed.version) == (S.IN_REVIEW, zhang, 2)
    row = application(db, app.id)
    assert (row.status, row.claimed_by, row.claimed_at, row.version) == ("in_review", zhang, NOW + 10 * MIN, 2)

    done = review.approve(db, app.id, staff_id=zhang, opinion="  材料齐全，准予注册。\r\n", now=NOW + 30 * MIN,
                          notifier=notifier(db))
    assert (done.status, done.status_label, done.version, done.claimed_by) == (S.APPROVED, "已通过", 3, None)
    assert done.notified == ("sms", "email") and done.not_notified == ()
    row = application(db, app.id)
    assert (row.status, row.claimed_by, row.claimed_at, row.decided_at) == ("approved", None, None, NOW + 30 * MIN)
    assert unit_account(db, app.account_id).approved_at == NOW + 30 * MIN
    (round1,) = rounds(db, app.id)
    assert (round1.decision, round1.decided_by, round1.decided_at, round1.opinion) == (
        "approved", zhang, NOW + 30 * MIN, "材料齐全，准予注册。")

    (sms,) = outbox_rows(db, "sms")
    assert sms.body == (f"【江苏人社】您单位（统一社会信用代码末4位为{app.uscc[-4:]}）的网上服务大厅注册申请已审核通过，"
                        "可使用统一社会信用代码和密码登录。")
    assert cipher().decrypt("outbox.recipient", sms.recipient_enc) == HANDLER_PHONE
    (mail,) = outbox_rows(db, "email")
    assert cipher().decrypt("outbox.recipient", mail.recipient_enc) == HANDLER_EMAIL
    assert "已审核通过" in mail.body and app.reference_no in mail.body and "材料齐全，准予注册。" in mail.body

    events = [r.event for r in audit_rows(db)]
    assert events == ["application_claimed", "application_approved", "notification_sent", "notification_sent"]
    (approved,) = audit_details(db, "application_approved")
    assert approved == {"application": app.reference_no, "round": 1, "from": "in_review", "to": "approved",
                        "version": 3}
    assert [(d["channel"], d["kind"]) for d in audit_details(db, "notification_sent")] == [
        ("sms", "review_approved"), ("email", "review_approved")]
    assert all(r.actor == f"staff:{zhang}" and r.subject == app.uscc for r in audit_rows(db))


def test_claim_then_reject_with_reasons_per_material(db, people):
    app = add_application(db)
    zhang = people["zhang"]
    review.claim(db, app.id, staff_id=zhang, now=NOW + MIN)

    done = review.reject(
        db, app.id, staff_id=zhang,
        reasons={"authorization_letter": ("其他", "授权委托书缺少法定代表人签字"), "business_licence": ("材料不清晰", "")},
        opinion="请按要求重新上传后提交。", now=NOW + 20 * MIN, notifier=notifier(db),
    )
    assert (done.status, done.claimed_by, done.notified) == (S.REJECTED, None, ("sms", "email"))
    row = application(db, app.id)
    assert (row.status, row.decided_at, row.round_number) == ("rejected", NOW + 20 * MIN, 1)
    assert unit_account(db, app.account_id).approved_at is None
    (round1,) = rounds(db, app.id)
    assert (round1.decision, round1.decided_by, round1.opinion) == ("rejected", zhang, "请按要求重新上传后提交。")
    # In the guide's order, whatever order the reviewer ticked them in.
    assert [(r.material_kind, r.reason, r.note) for r in rejections(db, round1.id)] == [
        ("business_licence", "材料不清晰", ""),
        ("authorization_letter", "其他", "授权委托书缺少法定代表人签字"),
    ]

    (sms,) = outbox_rows(db, "sms")
    assert sms.body == (f"【江苏人社】您单位（统一社会信用代码末4位为{app.uscc[-4:]}）的网上服务大厅注册申请未通过审核，"
                        "请登录或通过“审核进度查询”查看原因，修改后重新提交。")
    (mail,) = outbox_rows(db, "email")
    assert "1. 营业执照或事业单位法人登记证：材料不清晰" in mail.body
    assert "2. 单位授权委托书：其他（授权委托书缺少法定代表人签字）" in mail.body
    assert "审核意见：请按要求重新上传后提交。" in mail.body
    (rejected,) = audit_details(db, "application_rejected")
    assert rejected["reasons"] == {"business_licence": "材料不清晰", "authorization_letter": "其他"}


def test_reject_without_reasons_changes_nothing(db, people):
    app = add_application(db)
    review.claim(db, app.id, staff_id=people["zhang"], now=NOW)
    with pytest.raises(ValidationFailed) as info:
        review.reject(db, app.id, staff_id=people["zhang"], reasons={}, opinion="", now=NOW + MIN,
                      notifier=notifier(db))
    assert "reasons" in info.value.by_field()
    with pytest.raises(ValidationFailed) as info:
        review.reject(db, app.id, staff_id=people["zhang"], reasons={"handler_id": ("其他", "  ")}, opinion="",
                      now=NOW + MIN, notifier=notifier(db))
    assert "note.handler_id" in info.value.by_field()
    row = application(db, app.id)
    assert (row.status, row.version, row.claimed_by) == ("in_review", 2, people["zhang"])
    assert rounds(db, app.id)[0].decision is None
    assert outbox_rows(db) == [] and audit_details(db, "application_rejected") == []


def test_no_email_given_means_sms_only(db, people):
    app = add_application(db, email=None)
    review.claim(db, app.id, staff_id=people["zhang"], now=NOW)
    done = review.approve(db, app.id, staff_id=people["zhang"], now=NOW + MIN, notifier=notifier(db))
    assert done.notified == ("sms",)
    assert len(outbox_rows(db, "sms")) == 1 and outbox_rows(db, "email") == []


class _BrokenSms:
    def send_notice(self, phone: str, text: str) -> None:
        raise DeliveryFailed("SMS gateway answered HTTP 500")


def test_failed_notice_is_audited_and_the_decision_stands(db, people):
    app = add_application(db)
    review.claim(db, app.id, staff_id=people["zhang"], now=NOW)
    done = review.approve(db, app.id, staff_id=people["zhang"], now=NOW + MIN,
                          notifier=Notifier(sms=_BrokenSms(), mail=outbox_mail(db)))
    assert (done.status, done.notified, done.not_notified) == (S.APPROVED, ("email",), ("sms",))
    assert application(db, app.id).status == "approved"
    (failed,) = audit_rows(db, "notification_failed")
    assert failed.outcome == "failure"
    assert failed.detail.count("HTTP 500") == 1 and HANDLER_PHONE not in failed.detail
    assert len(outbox_rows(db, "email")) == 1


# --- refusals -----------------------------------------------------------------------------------------


def test_clerk_cannot_claim(db, people):
    app = add_application(db)
    with pytest.raises(TransitionRefused) as info:
        review.claim(db, app.id, staff_id=people["clerk"], now=NOW)
    assert info.value.message == "窗口经办人员没有审核权限，请转交审核员领取后审核"
    row = application(db, app.id)
    assert (row.status, row.version) == ("submitted", 1)
    assert audit_rows(db) == []


def test_approve_needs_the_claim(db, people):
    app = add_application(db)
    with pytest.raises(TransitionRefused) as info:
        review.approve(db, app.id, staff_id=people["zhang"], now=NOW, notifier=notifier(db))
    assert info.value.message == "请先领取该申请再作出审核决定"

    review.claim(db, app.id, staff_id=people["zhang"], now=NOW + MIN)
    with pytest.raises(TransitionRefused) as info:
        review.approve(db, app.id, staff_id=people["wang"], now=NOW + 2 * MIN, notifier=notifier(db))
    # The refusal says who holds it.
    assert info.value.message.startswith("该申请已被其他审核员领取，只有领取人才能作出审核决定")
    assert info.value.message.endswith("（审核员 张三（zhangsan）于 03-02 09:01 领取）")
    # An admin may free a claim but not decide on someone else's.
    with pytest.raises(TransitionRefused):
        review.reject(db, app.id, staff_id=people["admin"], reasons={"handler_id": ("材料不清晰", "")}, opinion="",
                      now=NOW + 2 * MIN, notifier=notifier(db))
    assert application(db, app.id).status == "in_review" and outbox_rows(db) == []


def test_approving_an_approved_application_is_refused_naming_who_approved(db, people):
    app = add_application(db)
    review.claim(db, app.id, staff_id=people["zhang"], now=NOW)
    review.approve(db, app.id, staff_id=people["zhang"], now=NOW + 5 * MIN, notifier=notifier(db))
    for staff in (people["zhang"], people["wang"]):
        with pytest.raises(TransitionRefused) as info:
            review.approve(db, app.id, staff_id=staff, now=NOW + 6 * MIN, notifier=notifier(db))
        assert info.value.message.startswith("该申请已审核通过，审核已结束")
    assert info.value.message.endswith("（审核员 张三（zhangsan）于 03-02 09:05 审核通过）")
    with pytest.raises(TransitionRefused):
        review.claim(db, app.id, staff_id=people["wang"], now=NOW + 6 * MIN)
    assert application(db, app.id).version == 3
    assert len(outbox_rows(db, "sms")) == 1


def test_claiming_twice_is_refused(db, people):
    app = add_application(db)
    review.claim(db, app.id, staff_id=people["zhang"], now=NOW)
    with pytest.raises(TransitionRefused) as info:
        review.claim(db, app.id, staff_id=people["zhang"], now=NOW + MIN)
    assert info.value.message == "您已领取该申请，无需重复领取"
    with pytest.raises(TransitionRefused) as info:
        review.claim(db, app.id, staff_id=people["wang"], now=NOW + MIN)
    assert info.value.message == "该申请已被其他审核员领取，请选择其他待审核的申请（审核员 张三（zhangsan）于 03-02 09:00 领取）"


@pytest.mark.parametrize("case", ["missing", "disabled", "not_staff_role"])
def test_only_active_staff_may_act(db, people, case):
    app = add_application(db)
    staff_id = {
        "missing": 9999,
        "disabled": add_staff(db, "tingyong", disabled=True),
        # Handlers are unit users with no staff account; a staff row claiming that role is refused too.
        "not_staff_role": add_staff(db, "jingban", role="handler"),
    }[case]
    with pytest.raises(ReviewRefused):
        review.claim(db, app.id, staff_id=staff_id, now=NOW)
    with pytest.raises(ReviewRefused):
        review.reveal_pii(db, app.id, staff_id=staff_id, field="handler_id", now=NOW)
    assert application(db, app.id).status == "submitted"
    assert audit_rows(db) == []


def test_unknown_application_is_refused(db, people):
    with pytest.raises(ReviewRefused) as info:
        review.claim(db, 424242, staff_id=people["zhang"], now=NOW)
    assert info.value.code == "not_found"


# --- release ------------------------------------------------------------------------------------------


def test_release_by_claimant_and_by_admin(db, people):
    app = add_application(db)
    zhang, wang, admin = people["zhang"], people["wang"], people["admin"]
    review.claim(db, app.id, staff_id=zhang, now=NOW)

    with pytest.raises(TransitionRefused) as info:
        review.release(db, app.id, staff_id=wang, now=NOW + MIN)
    assert info.value.message.startswith("该申请已被其他审核员领取，只有领取人或管理员可以释放")

    released = review.release(db, app.id, staff_id=zhang, now=NOW + MIN)
    assert (released.status, released.claimed_by) == (S.SUBMITTED, None)
    row = application(db, app.id)
    assert (row.status, row.claimed_by, row.claimed_at, row.version) == ("submitted", None, None, 3)

    review.claim(db, app.id, staff_id=wang, now=NOW + 2 * MIN)
    freed = review.release(db, app.id, staff_id=admin, now=NOW + 3 * MIN)
    assert (freed.status, freed.claimed_by) == (S.SUBMITTED, None)
    assert [d.get("released_claim_of") for d in audit_details(db, "application_released")] == [None, wang]
    assert rounds(db, app.id)[0].decision is None and outbox_rows(db) == []


# --- races ----------------------------------------------------------------------------------------------


def test_a_stale_page_is_told_who_decided(db, people):
    """A and B both open the application (version v); A claims and approves; B's actions with v are refused."""
    app = add_application(db)
    zhang, wang = people["zhang"], people["wang"]
    seen_by_b = application(db, app.id).version

    review.claim(db, app.id, staff_id=zhang, now=NOW + MIN, expected_version=seen_by_b)
    with pytest.raises(ConcurrentDecision) as info:
        review.claim(db, app.id, staff_id=wang, now=NOW + 2 * MIN, expected_version=seen_by_b)
    assert info.value.message == "该申请已由审核员 张三（zhangsan）于 03-02 09:01 领取，无需重复操作"
    assert info.value.actor_id == zhang

    seen_by_b = application(db, app.id).version
    review.approve(db, app.id, staff_id=zhang, now=NOW + 4 * MIN, notifier=notifier(db), expected_version=seen_by_b)
    with pytest.raises(ConcurrentDecision) as info:
        review.release(db, app.id, staff_id=people["admin"], now=NOW + 5 * MIN, expected_version=seen_by_b)
    assert info.value.message == "该申请已由审核员 张三（zhangsan）于 03-02 09:04 审核通过，无需重复操作"
    assert (info.value.actor_id, info.value.verb) == (zhang, "审核通过")
    assert [r.decision for r in rounds(db, app.id)] == ["approved"]


def test_the_conditional_update_loses_to_a_decision_committed_after_the_read(db, people, monkeypatch):
    """B has read version v; before B writes, A's claim is committed: B's UPDATE … WHERE version = v matches
    nothing and B is told that A claimed it."""
    app = add_application(db)
    zhang, wang = people["zhang"], people["wang"]
    real_decide = review.decide

    def a_commits_first(*args, **kwargs):
        # B's read is done; A's change lands (committed) before B's write.
        db.exec(update(UnitApplication).where(col(UnitApplication.id) == app.id).values(
            status="in_review", claimed_by=zhang, claimed_at=NOW + MIN, version=UnitApplication.version + 1))
        db.commit()
        return real_decide(*args, **kwargs)

    monkeypatch.setattr(review, "decide", a_commits_first)
    with pytest.raises(ConcurrentDecision) as info:
        review.claim(db, app.id, staff_id=wang, now=NOW + 2 * MIN)
    assert info.value.message == "该申请已由审核员 张三（zhangsan）于 03-02 09:01 领取，无需重复操作"
    row = application(db, app.id)
    assert (row.claimed_by, row.version) == (zhang, 2)
    assert audit_rows(db, "application_claimed") == []


def _run_both(engine, work_a, work_b):
    """Run the two reviewers' work in two threads, each with its own Session, released together."""
    barrier = threading.Barrier(2, timeout=20)
    outcomes: dict[str, object] = {}

    def run(name, work):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                outcomes[name] = work(session)
            except Exception as exc:  # noqa: BLE001  (collected for the assertions)
                outcomes[name] = exc

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in (("a", work_a), ("b", work_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_two_reviewers_claim_and_decide_at_once(db, db_engine, people):
    app = add_application(db)
    zhang, wang = people["zhang"], people["wang"]
    names = {zhang: "张三（zhangsan）", wang: "王五（wangwu）"}

    def approve_as(staff):
        def work(session):
            review.claim(session, app.id, staff_id=staff, now=NOW + MIN)
            return review.approve(session, app.id, staff_id=staff, now=NOW + 2 * MIN,
                                  notifier=Notifier(outbox_sms(session), outbox_mail(session)))
        return work

    def reject_as(staff):
        def work(session):
            review.claim(session, app.id, staff_id=staff, now=NOW + MIN)
            return review.reject(session, app.id, staff_id=staff, reasons={"handler_id": ("材料不清晰", "")},
                                 opinion="", now=NOW + 2 * MIN,
                                 notifier=Notifier(outbox_sms(session), outbox_mail(session)))
        return work

    outcomes = _run_both(db_engine, approve_as(zhang), reject_as(wang))
    won = [k for k, v in outcomes.items() if isinstance(v, review.ReviewResult)]
    lost = [v for v in outcomes.values() if isinstance(v, ConcurrentDecision | TransitionRefused)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner = zhang if won == ["a"] else wang
    # The loser is told who took it, whichever way the race went (on SQLite transactions are serialised, so
    # the loser reads the claim and decide() refuses; on PostgreSQL its conditional update may match nothing).
    assert names[winner] in lost[0].message

    (round1,) = rounds(db, app.id)
    assert round1.decided_by == winner and round1.decision in ("approved", "rejected")
    assert len(audit_rows(db, "application_claimed")) == 1
    assert len(audit_rows(db, "application_approved")) + len(audit_rows(db, "application_rejected")) == 1
    assert len(outbox_rows(db, "sms")) == 1
    assert application(db, app.id).version == 3


# PostgreSQL only: SQLite serialises whole transactions (BEGIN IMMEDIATE), so two reads cannot interleave there.
@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_two_reads_before_either_write_exactly_one_claim_wins(db, db_engine, people, monkeypatch):
    """Both transactions read version v before either writes; the row lock and WHERE version = v let one win."""
    app = add_application(db)
    zhang, wang = people["zhang"], people["wang"]
    both_read = threading.Barrier(2, timeout=20)
    real_decide = review.decide

    def decide_after_both_read(*args, **kwargs):
        both_read.wait()
        return real_decide(*args, **kwargs)

    monkeypatch.setattr(review, "decide", decide_after_both_read)
    outcomes = _run_both(
        db_engine,
        lambda s: review.claim(s, app.id, staff_id=zhang, now=NOW + MIN),
        lambda s: review.claim(s, app.id, staff_id=wang, now=NOW + MIN),
    )
    won = [k for k, v in outcomes.items() if isinstance(v, review.ReviewResult)]
    lost = [v for v in outcomes.values() if isinstance(v, ConcurrentDecision)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner, who = (zhang, "张三（zhangsan）") if won == ["a"] else (wang, "王五（wangwu）")
    assert lost[0].message == f"该申请已由审核员 {who}于 03-02 09:01 领取，无需重复操作"
    row = application(db, app.id)
    assert (row.claimed_by, row.version) == (winner, 2)
    assert len(audit_rows(db, "application_claimed")) == 1


# --- personal data -------------------------------------------------------------------------------------


def test_reveal_pii_is_staff_only_and_audited(db, people):
    app = add_application(db)
    assert review.reveal_pii(db, app.id, staff_id=people["zhang"], field="legal_rep_id", now=NOW) == LEGAL_REP_ID
    assert review.reveal_pii(db, app.id, staff_id=people["clerk"], field="handler_id", now=NOW) == HANDLER_ID
    assert review.reveal_pii(db, app.id, staff_id=people["admin"], field="handler_phone", now=NOW) == HANDLER_PHONE
    with pytest.raises(ValueError):
        review.reveal_pii(db, app.id, staff_id=people["zhang"], field="handler_email_enc", now=NOW)

    revealed = audit_rows(db, "pii_revealed")
    assert [r.actor for r in revealed] == [f"staff:{people[k]}" for k in ("zhang", "clerk", "admin")]
    details = audit_details(db, "pii_revealed")
    assert [d["field"] for d in details] == ["legal_rep_id", "handler_id", "handler_phone"]
    assert details[2]["masked"] == "139****4567"
    assert details[0]["masked"] == LEGAL_REP_ID[:6] + "********" + LEGAL_REP_ID[-4:]
    for row in revealed:  # the full numbers never reach the log
        assert LEGAL_REP_ID not in row.detail and HANDLER_ID not in row.detail and HANDLER_PHONE not in row.detail
