"""What a staff member sees of one unit registration (申请详情): the unit, masked personal data, the registry
pre-checks, the current materials, every review round, and which buttons this staff member may press.

Plain dataclasses only (pages copy them into state). Personal numbers are masked here; the full value comes
only from review.reveal_pii, which audits the request. Staff only: a missing or disabled staff account is
refused with review.ReviewRefused, as the actions themselves are.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import format_local, local_today
from jssi_app.adapters.pii import cipher
from jssi_app.domain.contact import mask_email, mask_phone
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.domain.review import (
    ACTION_LABELS,
    MATERIAL_LABELS,
    STATUS_LABELS,
    ApplicationStatus,
    MaterialKind,
    Role,
    allowed_actions,
)
from jssi_app.domain.staff import ROLE_LABELS as STAFF_ROLE_LABELS
from jssi_app.domain.working_days import working_days_between
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import Material, MaterialRejection, ReviewRound, UnitApplication
from jssi_app.services.review import NOT_FOUND, STAFF_ROLES, STAFF_UNAVAILABLE, ReviewRefused

# Deadlines run while an application waits for or is in review (as in services/review_queue.py).
OPEN_STATUSES: tuple[ApplicationStatus, ...] = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)

# The registry pre-checks made at registration (services/unit_registration._prechecks), in display order.
PRECHECK_LABELS: tuple[tuple[str, str], ...] = (
    ("code_exists", "单位库中存在该统一社会信用代码"),
    ("name_matches", "单位名称与单位库一致"),
    ("legal_rep_matches", "法定代表人身份证号与单位库一致"),
)


@dataclass(frozen=True)
class StaffIdentity:
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    must_change_password: bool

    @property
    def name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class Precheck:
    label: str
    ok: bool | None  # None: not checked (an application from before the pre-checks existed)


@dataclass(frozen=True)
class MaterialInfo:
    id: int
    kind: str
    kind_label: str
    display_name: str
    media_type: str
    pages: int
    size: int
    size_text: str  # "118 KB", "2.3 MB"


@dataclass(frozen=True)
class RejectionInfo:
    material_kind: str
    material_label: str
    reason: str
    note: str


@dataclass(frozen=True)
class RoundInfo:
    number: int
    submitted_at: str  # China-local "YYYY-MM-DD HH:MM"
    decision: str  # "" while undecided, else "approved" / "rejected"
    decision_label: str  # 待审核 / 审核中 (the current undecided round), 已通过, 未通过
    decided_by: str
    decided_at: str
    opinion: str
    rejections: list[RejectionInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ApplicationDetail:
    id: int
    reference_no: str
    unit_name: str
    uscc: str
    status: str
    status_label: str
    version: int
    round_number: int
    masked_legal_rep_id: str
    masked_handler_name: str
    masked_handler_id: str
    masked_handler_phone: str
    masked_handler_email: str  # "" when none was given
    submitted_at: str
    due_date: str  # ISO date, "" before submission
    due_estimated: bool
    due_in_working_days: int | None  # None once decided; negative = overdue by that many working days
    overdue: bool
    due_text: str  # 剩2个工作日 / 今日到期 / 已超期1个工作日 / 已办结
    claimed_by: str  # the claimant's name, "" when nobody holds the claim
    claimed_by_me: bool
    claimed_at: str
    prechecks: list[Precheck]
    materials: list[MaterialInfo]
    rounds: list[RoundInfo]
    actions: list[str]  # Action values this staff member may take now, in Action order
    action_labels: dict[str, str]


def mask_name(name: str) -> str:
    """张** for 张三丰: the surname only."""
    name = (name or "").strip()
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def due_text(due_in_working_days: int | None, overdue: bool) -> str:
    """How the queue and the detail page say the deadline: in words, never by colour alone."""
    if due_in_working_days is None:
        return "已办结"
    if overdue or due_in_working_days < 0:
        late = -due_in_working_days
        return f"已超期{late}个工作日" if late > 0 else "已超期"
    if due_in_working_days == 0:
        return "今日到期"
    return f"剩{due_in_working_days}个工作日"


def _staff_name(account: StaffAccount | None) -> str:
    if account is None:
        return ""
    return (account.display_name or "").strip() or account.username


def staff_identity(db: Session, staff_id: int) -> StaffIdentity:
    """The signed-in staff member as pages show them; ReviewRefused when missing, disabled or not staff."""
    account = db.get(StaffAccount, staff_id, populate_existing=True)
    db.commit()  # end the read (on SQLite it holds the write lock)
    if account is None or account.disabled_at is not None:
        raise ReviewRefused(STAFF_UNAVAILABLE, code="staff_unavailable")
    try:
        role = Role(account.role)
    except ValueError:
        role = None
    if role not in STAFF_ROLES:
        raise ReviewRefused(STAFF_UNAVAILABLE, code="staff_unavailable")
    return StaffIdentity(
        id=int(account.id), username=account.username, display_name=(account.display_name or "").strip(),
        role=account.role, role_label=STAFF_ROLE_LABELS.get(account.role, "工作人员"),
        must_change_password=bool(account.must_change_password),
    )


def _prechecks(raw: str) -> list[Precheck]:
    try:
        checks = json.loads(raw or "{}")
    except ValueError:
        checks = {}
    if not isinstance(checks, dict):
        checks = {}
    out = []
    for key, label in PRECHECK_LABELS:
        value = checks.get(key)
        out.append(Precheck(label, value if isinstance(value, bool) else None))
    return out


def _kind_label(kind: str) -> str:
    try:
        return MATERIAL_LABELS[MaterialKind(kind)]
    except ValueError:
        return kind


def _kind_order(kind: str) -> int:
    kinds = [k.value for k in MaterialKind]
    return kinds.index(kind) if kind in kinds else len(kinds)


def _decrypt(field_name: str, value: str | None) -> str:
    return cipher().decrypt(field_name, value) if value else ""


def application_detail(
    db: Session, application_id: int, *, staff_id: int, today: dt.date | None = None
) -> ApplicationDetail:
    """One application as the staff member `staff_id` sees it (`today` is the China-local date)."""
    today = today or local_today()
    try:
        viewer = staff_identity(db, staff_id)
        app = db.exec(
            select(UnitApplication).where(UnitApplication.id == application_id)
            .execution_options(populate_existing=True)
        ).first()
        if app is None:
            raise ReviewRefused(NOT_FOUND, code="not_found")
        status = ApplicationStatus(app.status)

        rounds = db.exec(
            select(ReviewRound).where(ReviewRound.application_id == app.id).order_by(col(ReviewRound.number))
        ).all()
        round_ids = [r.id for r in rounds]
        rejection_rows = db.exec(
            select(MaterialRejection).where(col(MaterialRejection.round_id).in_(round_ids))
            .order_by(col(MaterialRejection.id))
        ).all() if round_ids else []
        materials = db.exec(
            select(Material)
            .where(Material.application_id == app.id, col(Material.superseded_at).is_(None))
            .order_by(col(Material.id))
        ).all()
        staff_ids = {r.decided_by for r in rounds if r.decided_by is not None}
        if app.claimed_by is not None:
            staff_ids.add(app.claimed_by)
        names = {
            int(s.id): _staff_name(s)
            for s in db.exec(select(StaffAccount).where(col(StaffAccount.id).in_(staff_ids))).all()
        } if staff_ids else {}
        c = cipher()
        legal_rep_id = c.decrypt("unit_application.legal_rep_id", app.legal_rep_id_enc)
        handler_name = c.decrypt("unit_application.handler_name", app.handler_name_enc)
        handler_id = c.decrypt("unit_application.handler_id", app.handler_id_enc)
        handler_phone = c.decrypt("unit_application.handler_phone", app.handler_phone_enc)
        handler_email = _decrypt("unit_application.handler_email", app.handler_email_enc)
        db.commit()  # end the read (on SQLite it holds the write lock)
    except BaseException:
        db.rollback()
        raise

    by_round: dict[int, list[RejectionInfo]] = {}
    for x in rejection_rows:
        by_round.setdefault(x.round_id, []).append(
            RejectionInfo(material_kind=x.material_kind, material_label=_kind_label(x.material_kind),
                          reason=x.reason, note=x.note or "")
        )
    round_infos = []
    for r in rounds:
        if r.decision:
            try:
                label = STATUS_LABELS[ApplicationStatus(r.decision)]
            except ValueError:
                label = r.decision
        elif r.number == app.round_number and status in OPEN_STATUSES:
            label = STATUS_LABELS[status]
        else:
            label = "未审核"
        rejections = sorted(by_round.get(r.id, []), key=lambda x: _kind_order(x.material_kind))
        round_infos.append(RoundInfo(
            number=r.number, submitted_at=format_local(r.submitted_at), decision=r.decision or "",
            decision_label=label, decided_by=names.get(r.decided_by, "") if r.decided_by else "",
            decided_at=format_local(r.decided_at), opinion=r.opinion or "", rejections=rejections,
        ))

    is_open = status in OPEN_STATUSES and app.due_date is not None
    due_in = working_days_between(today, app.due_date) if is_open else None
    overdue = bool(is_open and app.due_date < today)
    holds = app.claimed_by is not None and app.claimed_by == staff_id
    allowed = allowed_actions(status, Role(viewer.role), actor_holds_claim=holds)
    actions = [a.value for a in allowed]

    return ApplicationDetail(
        id=int(app.id), reference_no=app.reference_no, unit_name=app.unit_name, uscc=app.uscc,
        status=status.value, status_label=STATUS_LABELS[status], version=int(app.version),
        round_number=int(app.round_number),
        masked_legal_rep_id=mask_id_number(legal_rep_id),
        masked_handler_name=mask_name(handler_name),
        masked_handler_id=mask_id_number(handler_id),
        masked_handler_phone=mask_phone(handler_phone),
        masked_handler_email=mask_email(handler_email) if handler_email else "",
        submitted_at=format_local(app.submitted_at),
        due_date=app.due_date.isoformat() if app.due_date else "",
        due_estimated=bool(app.due_estimated),
        due_in_working_days=due_in,
        overdue=overdue,
        due_text=due_text(due_in, overdue) if app.due_date else "",
        claimed_by=names.get(app.claimed_by, "") if app.claimed_by is not None else "",
        claimed_by_me=holds,
        claimed_at=format_local(app.claimed_at),
        prechecks=_prechecks(app.prechecks),
        materials=[
            MaterialInfo(id=int(m.id), kind=m.kind, kind_label=_kind_label(m.kind), display_name=m.display_name,
                         media_type=m.media_type, pages=int(m.pages), size=int(m.size), size_text=size_text(m.size))
            for m in materials
        ],
        rounds=round_infos,
        actions=actions,
        action_labels={a.value: ACTION_LABELS[a] for a in allowed},
    )

