from __future__ import annotations

import itertools
import re

import pytest

from jssi_app.domain.errors import DomainError, ValidationFailed
from jssi_app.domain.review import (
    MATERIAL_LABELS,
    REJECTION_REASONS,
    REQUIRED_MATERIALS,
    STATUS_LABELS,
    TRANSITIONS,
    Action,
    ApplicationStatus,
    ClaimEffect,
    MaterialKind,
    MaterialRejection,
    Role,
    Transition,
    TransitionRefused,
    allowed_actions,
    decide,
    handler_may_edit,
    missing_materials,
    validate_rejection,
)

S = ApplicationStatus
A = Action
R = Role

# --- the expected table, written out by hand from the issue, not derived from TRANSITIONS -------------------
# (status, action, role, holds_claim) → (target, starts_round, claim effect, needs reasons). Anything absent
# must be refused.
_ANY = (True, False)
EXPECTED_ALLOWED: dict[tuple[S, A, R, bool], tuple[S, bool, ClaimEffect, bool]] = {}


def _allow(status, action, roles, holds, target, *, starts_round=False, claim=ClaimEffect.KEEP, reasons=False):
    for role in roles:
        for h in holds:
            EXPECTED_ALLOWED[(status, action, role, h)] = (target, starts_round, claim, reasons)


_allow(S.DRAFT, A.SUBMIT, [R.HANDLER], _ANY, S.SUBMITTED, starts_round=True)
_allow(S.DRAFT, A.EDIT, [R.HANDLER], _ANY, S.DRAFT)
_allow(S.SUBMITTED, A.CLAIM, [R.REVIEWER, R.ADMIN], _ANY, S.IN_REVIEW, claim=ClaimEffect.TAKE)
_allow(S.IN_REVIEW, A.RELEASE, [R.REVIEWER], [True], S.SUBMITTED, claim=ClaimEffect.CLEAR)
_allow(S.IN_REVIEW, A.RELEASE, [R.ADMIN], _ANY, S.SUBMITTED, claim=ClaimEffect.CLEAR)  # admin frees stuck claims
_allow(S.IN_REVIEW, A.APPROVE, [R.REVIEWER, R.ADMIN], [True], S.APPROVED, claim=ClaimEffect.CLEAR)
_allow(S.IN_REVIEW, A.REJECT, [R.REVIEWER, R.ADMIN], [True], S.REJECTED, claim=ClaimEffect.CLEAR, reasons=True)
_allow(S.REJECTED, A.RESUBMIT, [R.HANDLER], _ANY, S.SUBMITTED, starts_round=True)
_allow(S.REJECTED, A.EDIT, [R.HANDLER], _ANY, S.REJECTED)

ALL_COMBINATIONS = list(itertools.product(S, A, R, (True, False)))
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_WORD = re.compile(r"[A-Za-z_]{3,}")


def test_the_combinations_cover_every_state_action_role_and_claim() -> None:
    assert len(ALL_COMBINATIONS) == 5 * 7 * 4 * 2
    assert len(EXPECTED_ALLOWED) == 2 + 2 + 4 + 1 + 2 + 2 + 2 + 2 + 2


@pytest.mark.parametrize(("status", "action", "role", "holds"), ALL_COMBINATIONS)
def test_every_combination_matches_the_expected_table(status, action, role, holds) -> None:
    expected = EXPECTED_ALLOWED.get((status, action, role, holds))
    if expected is None:
        with pytest.raises(TransitionRefused) as refused:
            decide(status, action, role, actor_holds_claim=holds)
        message = refused.value.message
        assert message and _CJK.search(message), message
        assert not _ENGLISH_WORD.search(message), f"English leaked into a user message: {message}"
        assert isinstance(refused.value, DomainError)
        assert refused.value.code == "transition_refused"
    else:
        transition = decide(status, action, role, actor_holds_claim=holds)
        target, starts_round, claim, reasons = expected
        assert transition.target is target
        assert transition.starts_round is starts_round
        assert transition.claim is claim
        assert transition.needs_reasons is reasons
        assert role in transition.roles


def test_transitions_is_a_table_keyed_by_status_and_action() -> None:
    assert all(isinstance(k, tuple) and isinstance(v, Transition) for k, v in TRANSITIONS.items())
    allowed_pairs = {(s, a) for (s, a, _, _) in EXPECTED_ALLOWED}
    assert set(TRANSITIONS) == allowed_pairs
    assert TRANSITIONS[(S.IN_REVIEW, A.APPROVE)].needs_claim
    assert not TRANSITIONS[(S.SUBMITTED, A.CLAIM)].needs_claim
    assert TRANSITIONS[(S.REJECTED, A.RESUBMIT)].starts_round


def test_edit_is_not_a_state_change() -> None:
    for status in (S.DRAFT, S.REJECTED):
        assert decide(status, A.EDIT, R.HANDLER, actor_holds_claim=False).target is status
    assert [s for s in S if handler_may_edit(s)] == [S.DRAFT, S.REJECTED]


# --- specific messages --------------------------------------------------------------------------------------


def _refusal(status, action, role, holds=False) -> str:
    with pytest.raises(TransitionRefused) as refused:
        decide(status, action, role, actor_holds_claim=holds)
    return refused.value.message


def test_handler_cannot_edit_after_approval() -> None:
    assert _refusal(S.APPROVED, A.EDIT, R.HANDLER).startswith("该申请已审核通过，不能再修改")


def test_handler_can_do_nothing_after_approval() -> None:
    for action in A:
        for holds in (True, False):
            with pytest.raises(TransitionRefused):
                decide(S.APPROVED, action, R.HANDLER, actor_holds_claim=holds)
    assert allowed_actions(S.APPROVED, R.HANDLER, actor_holds_claim=False) == ()


def test_nobody_can_act_on_an_approved_application() -> None:
    for role in R:
        assert allowed_actions(S.APPROVED, role, actor_holds_claim=True) == ()
        assert allowed_actions(S.APPROVED, role, actor_holds_claim=False) == ()


def test_claim_taken_by_another_reviewer() -> None:
    assert _refusal(S.IN_REVIEW, A.CLAIM, R.REVIEWER).startswith("该申请已被其他审核员领取")


def test_claiming_twice_says_you_already_hold_it() -> None:
    assert _refusal(S.IN_REVIEW, A.CLAIM, R.REVIEWER, holds=True) == "您已领取该申请，无需重复领取"


def test_reviewer_cannot_submit_for_the_unit() -> None:
    assert _refusal(S.DRAFT, A.SUBMIT, R.REVIEWER).startswith("审核员不能代替单位提交申请")
    assert _refusal(S.REJECTED, A.RESUBMIT, R.REVIEWER).startswith("审核员不能代替单位重新提交申请")
    assert _refusal(S.DRAFT, A.EDIT, R.ADMIN).startswith("管理员不能代替单位修改")


def test_clerk_has_no_review_rights_in_any_state() -> None:
    for status in S:
        for action in (A.CLAIM, A.RELEASE, A.APPROVE, A.REJECT):
            for holds in (True, False):
                assert _refusal(status, action, R.CLERK, holds).startswith("窗口经办人员没有审核权限")
    for status in S:
        assert allowed_actions(status, R.CLERK, actor_holds_claim=False) == ()


def test_handler_has_no_review_rights() -> None:
    assert _refusal(S.SUBMITTED, A.CLAIM, R.HANDLER).startswith("单位经办人没有审核权限")
    assert _refusal(S.IN_REVIEW, A.APPROVE, R.HANDLER, holds=True).startswith("单位经办人没有审核权限")


def test_decision_without_the_claim() -> None:
    assert _refusal(S.SUBMITTED, A.APPROVE, R.REVIEWER) == "请先领取该申请再作出审核决定"
    assert _refusal(S.SUBMITTED, A.REJECT, R.ADMIN) == "请先领取该申请再作出审核决定"
    assert "请先领取该申请再作出审核决定" in _refusal(S.IN_REVIEW, A.APPROVE, R.REVIEWER)
    assert "请先领取该申请再作出审核决定" in _refusal(S.IN_REVIEW, A.REJECT, R.ADMIN)


def test_only_the_claimant_or_an_admin_releases() -> None:
    assert "只有领取人或管理员可以释放" in _refusal(S.IN_REVIEW, A.RELEASE, R.REVIEWER)
    assert decide(S.IN_REVIEW, A.RELEASE, R.ADMIN, actor_holds_claim=False).target is S.SUBMITTED


def test_no_edit_while_waiting_or_in_review() -> None:
    assert "等待审核期间不能修改" in _refusal(S.SUBMITTED, A.EDIT, R.HANDLER)
    assert "正在审核中" in _refusal(S.IN_REVIEW, A.EDIT, R.HANDLER)


def test_rejected_application_is_not_reviewed_until_resubmitted() -> None:
    assert "重新提交" in _refusal(S.REJECTED, A.CLAIM, R.REVIEWER)
    assert "重新提交" in _refusal(S.REJECTED, A.SUBMIT, R.HANDLER)


def test_allowed_actions_are_the_buttons() -> None:
    assert allowed_actions(S.DRAFT, R.HANDLER, actor_holds_claim=False) == (A.SUBMIT, A.EDIT)
    assert allowed_actions(S.REJECTED, R.HANDLER, actor_holds_claim=False) == (A.RESUBMIT, A.EDIT)
    assert allowed_actions(S.SUBMITTED, R.REVIEWER, actor_holds_claim=False) == (A.CLAIM,)
    assert allowed_actions(S.IN_REVIEW, R.REVIEWER, actor_holds_claim=True) == (A.RELEASE, A.APPROVE, A.REJECT)
    assert allowed_actions(S.IN_REVIEW, R.REVIEWER, actor_holds_claim=False) == ()
    assert allowed_actions(S.IN_REVIEW, R.ADMIN, actor_holds_claim=False) == (A.RELEASE,)


def test_a_full_round_trip() -> None:
    status, rounds = S.DRAFT, 0
    steps = [
        (A.SUBMIT, R.HANDLER, False), (A.CLAIM, R.REVIEWER, False), (A.REJECT, R.REVIEWER, True),
        (A.EDIT, R.HANDLER, False), (A.RESUBMIT, R.HANDLER, False), (A.CLAIM, R.REVIEWER, False),
        (A.RELEASE, R.REVIEWER, True), (A.CLAIM, R.ADMIN, False), (A.APPROVE, R.ADMIN, True),
    ]
    for action, role, holds in steps:
        transition = decide(status, action, role, actor_holds_claim=holds)
        status = transition.target
        rounds += transition.starts_round
    assert status is S.APPROVED
    assert rounds == 2


# --- labels, materials ------------------------------------------------------------------------------------


def test_labels() -> None:
    assert {s.value: STATUS_LABELS[s] for s in S} == {
        "draft": "填写中", "submitted": "待审核", "in_review": "审核中", "approved": "已通过", "rejected": "未通过",
    }
    assert {r.value for r in R} == {"handler", "reviewer", "clerk", "admin"}
    assert {a.value for a in A} == {"submit", "claim", "release", "approve", "reject", "resubmit", "edit"}


def test_materials_as_the_guide_names_them() -> None:
    assert {k.value: MATERIAL_LABELS[k] for k in MaterialKind} == {
        "business_licence": "营业执照或事业单位法人登记证",
        "legal_rep_id": "法定代表人身份证复印件",
        "handler_id": "经办人身份证复印件",
        "authorization_letter": "单位授权委托书",
        "other": "其他材料",
    }
    assert REQUIRED_MATERIALS == (
        MaterialKind.BUSINESS_LICENCE, MaterialKind.LEGAL_REP_ID, MaterialKind.HANDLER_ID,
        MaterialKind.AUTHORIZATION_LETTER,
    )
    assert MaterialKind.OTHER not in REQUIRED_MATERIALS
    assert missing_materials({MaterialKind.HANDLER_ID, MaterialKind.OTHER}) == (
        MaterialKind.BUSINESS_LICENCE, MaterialKind.LEGAL_REP_ID, MaterialKind.AUTHORIZATION_LETTER,
    )
    assert missing_materials(set(REQUIRED_MATERIALS)) == ()


def test_rejection_reasons_in_order() -> None:
    assert REJECTION_REASONS == ("材料不清晰", "信息填写错误", "材料不完整", "公章缺失", "其他")


# --- validate_rejection ---------------------------------------------------------------------------------


def _errors(reasons, opinion="") -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        validate_rejection(reasons, opinion)
    return failed.value.by_field()


def test_rejection_needs_at_least_one_material() -> None:
    assert _errors({}) == {"reasons": "请至少选择一项需要修改的材料，并选择退回原因"}


def test_rejection_normalises_and_orders_by_material() -> None:
    result = validate_rejection(
        {
            MaterialKind.AUTHORIZATION_LETTER: ("公章缺失", "  "),
            MaterialKind.BUSINESS_LICENCE: (" 材料不清晰 ", " 请重新扫描，\r\n分辨率不低于300dpi  "),
        },
        "  请按意见修改后重新提交。 ",
    )
    assert result.materials == (
        MaterialRejection(MaterialKind.BUSINESS_LICENCE, "材料不清晰", "请重新扫描，\n分辨率不低于300dpi"),
        MaterialRejection(MaterialKind.AUTHORIZATION_LETTER, "公章缺失", ""),
    )
    assert result.opinion == "请按意见修改后重新提交。"


def test_rejection_accepts_string_material_keys_from_forms() -> None:
    result = validate_rejection({"handler_id": ("信息填写错误", "")}, "")
    assert result.materials[0].material is MaterialKind.HANDLER_ID


def test_rejection_reason_must_come_from_the_list() -> None:
    errors = _errors({MaterialKind.LEGAL_REP_ID: ("看不清", "")})
    assert "从列表中选择" in errors["reason.legal_rep_id"]
    assert "法定代表人身份证复印件" in errors["reason.legal_rep_id"]
    assert "请为“经办人身份证复印件”选择退回原因" == _errors({MaterialKind.HANDLER_ID: ("", "")})["reason.handler_id"]


def test_other_reason_needs_a_note() -> None:
    errors = _errors({MaterialKind.OTHER: ("其他", "   ")})
    assert errors == {"note.other": "“其他材料”的退回原因为“其他”，请填写具体说明"}
    result = validate_rejection({MaterialKind.OTHER: ("其他", "授权委托书日期早于营业执照成立日期")}, "")
    assert result.materials[0].note == "授权委托书日期早于营业执照成立日期"


def test_opinion_length_limit() -> None:
    ok = validate_rejection({MaterialKind.HANDLER_ID: ("材料不清晰", "")}, "意" * 500)
    assert len(ok.opinion) == 500
    errors = _errors({MaterialKind.HANDLER_ID: ("材料不清晰", "")}, "意" * 501)
    assert errors == {"opinion": "审核意见不能超过500个字，当前501个字，请精简"}


def test_unknown_material_and_every_problem_reported_at_once() -> None:
    errors = _errors({"tax_form": ("材料不清晰", ""), MaterialKind.OTHER: ("其他", "")}, "意" * 600)
    assert set(errors) == {"reasons", "note.other", "opinion"}
    assert "tax_form" in errors["reasons"]


def test_invisible_characters_are_removed_from_the_text() -> None:
    result = validate_rejection({MaterialKind.HANDLER_ID: ("其他", "\u202e复印件\u200b不清\x07")}, "请\t重新上传\u2066")
    assert result.materials[0].note == "复印件不清"
    assert result.opinion == "请 重新上传"
