"""The review of a unit's registration (单位用户注册审核): states, who may do what, and why not.

The whole life of an application is the table TRANSITIONS, keyed by (status, action). `decide` only looks
things up: a (status, action) pair missing from the table is refused because of the state, a role outside the
row's roles because of the role, and a row that needs the review claim (领取) because of the claim. Every
refusal carries Chinese text saying what is wrong and what to do, so pages show it as it is.

Storing the claimant, the round number and the rejection reasons is the service's business; the row tells
it what to change (`claim`, `starts_round`, `needs_reasons`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from jssi_app.domain.errors import DomainError, FieldError, ValidationFailed


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


STATUS_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.DRAFT: "填写中",
    ApplicationStatus.SUBMITTED: "待审核",
    ApplicationStatus.IN_REVIEW: "审核中",
    ApplicationStatus.APPROVED: "已通过",
    ApplicationStatus.REJECTED: "未通过",
}


class Role(enum.StrEnum):
    HANDLER = "handler"  # the unit's own handler (单位经办人)
    REVIEWER = "reviewer"  # 审核员 of the social insurance agency
    CLERK = "clerk"  # 窗口经办人员: counter work only, no review rights
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.HANDLER: "单位经办人",
    Role.REVIEWER: "审核员",
    Role.CLERK: "窗口经办人员",
    Role.ADMIN: "管理员",
}


class Action(enum.StrEnum):
    SUBMIT = "submit"
    CLAIM = "claim"
    RELEASE = "release"
    APPROVE = "approve"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    EDIT = "edit"


ACTION_LABELS: dict[Action, str] = {
    Action.SUBMIT: "提交审核",
    Action.CLAIM: "领取",
    Action.RELEASE: "释放",
    Action.APPROVE: "通过",
    Action.REJECT: "退回",
    Action.RESUBMIT: "重新提交",
    Action.EDIT: "修改",
}


class ClaimEffect(enum.StrEnum):
    """What a transition does to the review claim (who is reviewing the application)."""

    KEEP = "keep"
    TAKE = "take"  # the actor becomes the claimant
    CLEAR = "clear"  # nobody holds the claim afterwards


@dataclass(frozen=True)
class Transition:
    target: ApplicationStatus
    roles: frozenset[Role]
    needs_claim: bool = False
    starts_round: bool = False
    # Roles that may act without holding the claim: an admin frees a claim left by a reviewer who is away.
    claim_waived_for: frozenset[Role] = frozenset()
    claim: ClaimEffect = ClaimEffect.KEEP
    needs_reasons: bool = False  # the service must pass validate_rejection's result along


_S = ApplicationStatus
_HANDLER = frozenset({Role.HANDLER})
_REVIEWERS = frozenset({Role.REVIEWER, Role.ADMIN})

TRANSITIONS: dict[tuple[ApplicationStatus, Action], Transition] = {
    # Submitting starts round 1; each resubmission after 退回 starts the next, so every round keeps its
    # own reasons and the SLA clock restarts from the latest submission.
    (_S.DRAFT, Action.SUBMIT): Transition(_S.SUBMITTED, _HANDLER, starts_round=True),
    (_S.DRAFT, Action.EDIT): Transition(_S.DRAFT, _HANDLER),
    (_S.SUBMITTED, Action.CLAIM): Transition(_S.IN_REVIEW, _REVIEWERS, claim=ClaimEffect.TAKE),
    (_S.IN_REVIEW, Action.RELEASE): Transition(
        _S.SUBMITTED, _REVIEWERS, needs_claim=True, claim_waived_for=frozenset({Role.ADMIN}),
        claim=ClaimEffect.CLEAR,
    ),
    (_S.IN_REVIEW, Action.APPROVE): Transition(_S.APPROVED, _REVIEWERS, needs_claim=True, claim=ClaimEffect.CLEAR),
    (_S.IN_REVIEW, Action.REJECT): Transition(
        _S.REJECTED, _REVIEWERS, needs_claim=True, claim=ClaimEffect.CLEAR, needs_reasons=True
    ),
    (_S.REJECTED, Action.RESUBMIT): Transition(_S.SUBMITTED, _HANDLER, starts_round=True),
    (_S.REJECTED, Action.EDIT): Transition(_S.REJECTED, _HANDLER),
}

# Who may ever do an action, whatever the state: a role outside it is told about its role, not the state,
# since waiting for another state would not help it.
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    action: frozenset().union(*(t.roles for (_, a), t in TRANSITIONS.items() if a == action)) for action in Action
}

_HANDLER_ACTION_OBJECTS: dict[Action, str] = {
    Action.SUBMIT: "提交申请",
    Action.RESUBMIT: "重新提交申请",
    Action.EDIT: "修改申请信息或材料",
}

_ROLE_REFUSALS: dict[tuple[Action, Role], str] = {
    **{
        (action, role): f"{ROLE_LABELS[role]}不能代替单位{obj}，请由单位经办人登录后办理"
        for action, obj in _HANDLER_ACTION_OBJECTS.items()
        for role in (Role.REVIEWER, Role.CLERK, Role.ADMIN)
    },
    **{
        (action, Role.HANDLER): "单位经办人没有审核权限，申请由社保经办机构审核员审核，请耐心等待审核结果"
        for action in (Action.CLAIM, Action.RELEASE, Action.APPROVE, Action.REJECT)
    },
    **{
        (action, Role.CLERK): "窗口经办人员没有审核权限，请转交审核员领取后审核"
        for action in (Action.CLAIM, Action.RELEASE, Action.APPROVE, Action.REJECT)
    },
}

_NOT_SUBMITTED_YET = "该申请尚未提交，暂不能审核，请等待单位经办人提交"
_APPROVED_REVIEW_OVER = "该申请已审核通过，审核已结束"
_RETURNED_TO_UNIT = "该申请已退回单位修改，请等待单位经办人重新提交后再审核"

# (status, action) pairs that are not in TRANSITIONS, with the reason. Every missing pair must be here
# (checked at import), so no refusal ever falls back to a vague message.
_STATE_REFUSALS: dict[tuple[ApplicationStatus, Action], str] = {
    (_S.DRAFT, Action.CLAIM): _NOT_SUBMITTED_YET,
    (_S.DRAFT, Action.RELEASE): _NOT_SUBMITTED_YET,
    (_S.DRAFT, Action.APPROVE): _NOT_SUBMITTED_YET,
    (_S.DRAFT, Action.REJECT): _NOT_SUBMITTED_YET,
    (_S.DRAFT, Action.RESUBMIT): "该申请尚未提交过，请点击“提交审核”",
    (_S.SUBMITTED, Action.SUBMIT): "该申请已提交，正在等待审核，请勿重复提交",
    (_S.SUBMITTED, Action.RESUBMIT): "该申请已提交，正在等待审核，请勿重复提交",
    (_S.SUBMITTED, Action.EDIT): "该申请已提交，等待审核期间不能修改；如审核未通过，可按审核意见修改后重新提交",
    (_S.SUBMITTED, Action.RELEASE): "该申请尚未被领取，无需释放",
    (_S.SUBMITTED, Action.APPROVE): "请先领取该申请再作出审核决定",
    (_S.SUBMITTED, Action.REJECT): "请先领取该申请再作出审核决定",
    (_S.IN_REVIEW, Action.SUBMIT): "该申请正在审核中，请勿重复提交",
    (_S.IN_REVIEW, Action.RESUBMIT): "该申请正在审核中，请勿重复提交",
    (_S.IN_REVIEW, Action.EDIT): "该申请正在审核中，不能修改，请等待审核结果",
    (_S.IN_REVIEW, Action.CLAIM): "该申请已被其他审核员领取，请选择其他待审核的申请",
    (_S.APPROVED, Action.SUBMIT): "该申请已审核通过，无需再次提交",
    (_S.APPROVED, Action.RESUBMIT): "该申请已审核通过，无需再次提交",
    (_S.APPROVED, Action.EDIT): "该申请已审核通过，不能再修改；单位信息如有变更，请到社保经办机构办理",
    (_S.APPROVED, Action.CLAIM): _APPROVED_REVIEW_OVER,
    (_S.APPROVED, Action.RELEASE): _APPROVED_REVIEW_OVER,
    (_S.APPROVED, Action.APPROVE): _APPROVED_REVIEW_OVER,
    (_S.APPROVED, Action.REJECT): _APPROVED_REVIEW_OVER,
    (_S.REJECTED, Action.SUBMIT): "该申请已被退回，请按审核意见修改后点击“重新提交”",
    (_S.REJECTED, Action.CLAIM): _RETURNED_TO_UNIT,
    (_S.REJECTED, Action.RELEASE): _RETURNED_TO_UNIT,
    (_S.REJECTED, Action.APPROVE): _RETURNED_TO_UNIT,
    (_S.REJECTED, Action.REJECT): _RETURNED_TO_UNIT,
}

# Where the actor's own claim changes the reason for a state refusal.
_STATE_REFUSALS_WHEN_HOLDING: dict[tuple[ApplicationStatus, Action], str] = {
    (_S.IN_REVIEW, Action.CLAIM): "您已领取该申请，无需重复领取",
}

_CLAIM_REFUSALS: dict[Action, str] = {
    Action.RELEASE: "该申请已被其他审核员领取，只有领取人或管理员可以释放",
    Action.APPROVE: "该申请已被其他审核员领取，只有领取人才能作出审核决定；请先领取该申请再作出审核决定",
    Action.REJECT: "该申请已被其他审核员领取，只有领取人才能作出审核决定；请先领取该申请再作出审核决定",
}


def _check_tables() -> None:
    """Fail at import if a (status, action) pair has neither a transition nor a reason to refuse it."""
    for status in ApplicationStatus:
        for action in Action:
            key = (status, action)
            if (key in TRANSITIONS) == (key in _STATE_REFUSALS):
                raise AssertionError(f"review table: {key} needs exactly one of a transition or a refusal")
    for key, transition in TRANSITIONS.items():
        for role in Role:
            if role not in transition.roles and (key[1], role) not in _ROLE_REFUSALS:
                raise AssertionError(f"review table: no refusal text for {role} doing {key[1]}")
        if transition.needs_claim and key[1] not in _CLAIM_REFUSALS:
            raise AssertionError(f"review table: no claim refusal text for {key[1]}")


_check_tables()


class TransitionRefused(DomainError):
    code = "transition_refused"


def decide(
    status: ApplicationStatus, action: Action, role: Role, *, actor_holds_claim: bool
) -> Transition:
    """The transition `role` may make, or TransitionRefused with the Chinese reason.

    `actor_holds_claim` is whether the acting person is the application's current claimant; it only
    matters while the application is in review.
    """
    if role not in ACTION_ROLES[action]:
        raise TransitionRefused(_ROLE_REFUSALS[(action, role)])
    key = (status, action)
    transition = TRANSITIONS.get(key)
    if transition is None:
        if actor_holds_claim and key in _STATE_REFUSALS_WHEN_HOLDING:
            raise TransitionRefused(_STATE_REFUSALS_WHEN_HOLDING[key])
        raise TransitionRefused(_STATE_REFUSALS[key])
    if role not in transition.roles:
        raise TransitionRefused(_ROLE_REFUSALS[(action, role)])
    if transition.needs_claim and not actor_holds_claim and role not in transition.claim_waived_for:
        raise TransitionRefused(_CLAIM_REFUSALS[action])
    return transition


def allowed_actions(status: ApplicationStatus, role: Role, *, actor_holds_claim: bool) -> tuple[Action, ...]:
    """The actions `role` may take now, in Action order: the buttons a page shows."""
    allowed = []
    for action in Action:
        try:
            decide(status, action, role, actor_holds_claim=actor_holds_claim)
        except TransitionRefused:
            continue
        allowed.append(action)
    return tuple(allowed)


def handler_may_edit(status: ApplicationStatus) -> bool:
    """Whether the unit's handler may change fields and materials: only before submission and after 退回."""
    return (status, Action.EDIT) in TRANSITIONS


# --- materials and rejection --------------------------------------------------------------------------


class MaterialKind(enum.StrEnum):
    BUSINESS_LICENCE = "business_licence"
    LEGAL_REP_ID = "legal_rep_id"
    HANDLER_ID = "handler_id"
    AUTHORIZATION_LETTER = "authorization_letter"
    OTHER = "other"


# Labels as the registration guide names the materials.
MATERIAL_LABELS: dict[MaterialKind, str] = {
    MaterialKind.BUSINESS_LICENCE: "营业执照或事业单位法人登记证",
    MaterialKind.LEGAL_REP_ID: "法定代表人身份证复印件",
    MaterialKind.HANDLER_ID: "经办人身份证复印件",
    MaterialKind.AUTHORIZATION_LETTER: "单位授权委托书",
    MaterialKind.OTHER: "其他材料",
}

# What the guide asks for on each, shown next to the upload control.
MATERIAL_HINTS: dict[MaterialKind, str] = {
    MaterialKind.BUSINESS_LICENCE: "加盖公章",
    MaterialKind.LEGAL_REP_ID: "加盖公章",
    MaterialKind.HANDLER_ID: "加盖公章",
    MaterialKind.AUTHORIZATION_LETTER: "需法定代表人签字并加盖公章",
    MaterialKind.OTHER: "选填",
}

# In the guide's order, which is also the order pages list them in.
REQUIRED_MATERIALS: tuple[MaterialKind, ...] = (
    MaterialKind.BUSINESS_LICENCE,
    MaterialKind.LEGAL_REP_ID,
    MaterialKind.HANDLER_ID,
    MaterialKind.AUTHORIZATION_LETTER,
)

OTHER_REASON = "其他"
REJECTION_REASONS: tuple[str, ...] = ("材料不清晰", "信息填写错误", "材料不完整", "公章缺失", OTHER_REASON)

MAX_OPINION_LENGTH = 500
MAX_NOTE_LENGTH = 200


def missing_materials(present: frozenset[MaterialKind] | set[MaterialKind]) -> tuple[MaterialKind, ...]:
    """Required materials not yet uploaded, in display order; submission waits until this is empty."""
    return tuple(kind for kind in REQUIRED_MATERIALS if kind not in present)


@dataclass(frozen=True)
class MaterialRejection:
    material: MaterialKind
    reason: str
    note: str  # "" when the reviewer added nothing


@dataclass(frozen=True)
class Rejection:
    materials: tuple[MaterialRejection, ...]  # in MaterialKind order, so the handler reads them as listed
    opinion: str  # "" when the reviewer wrote no overall opinion


# Control characters other than the line break, and bidi/zero-width format characters: pasted text carries
# them invisibly, and a bidi override would make the handler read the opinion in a different order. Lone
# surrogates can arrive in an event's JSON and cannot be stored as UTF-8.
_INVISIBLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def clean_text(raw: str) -> str:
    # Reviewers paste from Word and chat: unify line endings and drop trailing blanks; the text is shown
    # to the handler as written otherwise.
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    lines = _INVISIBLE.sub("", text).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def validate_rejection(reasons: Mapping[MaterialKind, tuple[str, str]], opinion: str) -> Rejection:
    """Check a 退回 decision: at least one material flagged, each with a standard reason; "其他" needs a note.

    `reasons` maps each flagged material to (reason, note). Raises ValidationFailed with one FieldError per
    problem (fields "reasons", "reason.<kind>", "note.<kind>", "opinion").
    """
    errors: list[FieldError] = []
    flagged: list[MaterialRejection] = []
    if not reasons:
        errors.append(FieldError("reasons", "请至少选择一项需要修改的材料，并选择退回原因"))
    for raw_kind, value in reasons.items():
        try:
            kind = MaterialKind(raw_kind)
        except ValueError:
            errors.append(FieldError("reasons", f"材料类型“{raw_kind}”不存在，请刷新页面后重新选择"))
            continue
        label = MATERIAL_LABELS[kind]
        reason_raw, note_raw = value
        reason = (reason_raw or "").strip()
        note = clean_text(note_raw)
        if not reason:
            errors.append(FieldError(f"reason.{kind}", f"请为“{label}”选择退回原因"))
        elif reason not in REJECTION_REASONS:
            errors.append(FieldError(
                f"reason.{kind}", f"“{label}”的退回原因请从列表中选择：{'、'.join(REJECTION_REASONS)}"
            ))
        if reason == OTHER_REASON and not note:
            errors.append(FieldError(f"note.{kind}", f"“{label}”的退回原因为“其他”，请填写具体说明"))
        if len(note) > MAX_NOTE_LENGTH:
            errors.append(FieldError(
                f"note.{kind}", f"“{label}”的说明不能超过{MAX_NOTE_LENGTH}个字，当前{len(note)}个字，请精简"
            ))
        flagged.append(MaterialRejection(kind, reason, note))
    clean_opinion = clean_text(opinion)
    if len(clean_opinion) > MAX_OPINION_LENGTH:
        errors.append(FieldError(
            "opinion", f"审核意见不能超过{MAX_OPINION_LENGTH}个字，当前{len(clean_opinion)}个字，请精简"
        ))
    if errors:
        raise ValidationFailed(errors)
    order = list(MaterialKind)
    flagged.sort(key=lambda item: order.index(item.material))
    return Rejection(tuple(flagged), clean_opinion)
