"""工作人员管理 for the system administrator: list staff, 停用/启用, 重置密码, 新增工作人员.

Every function checks `admin_id` itself (`require_admin`): the account must exist, be an admin, be enabled,
and have changed its generated password. Pages only decide what is drawn; these checks decide what happens.

Targets are named in the audit log as ``staff:<username>`` (as the staff login names them) and the
acting administrator as ``staff:<id>``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import format_local, utcnow
from jssi_app.adapters.hashing import hash_password
from jssi_app.domain.errors import DomainError
from jssi_app.domain.staff import ROLE_LABELS, generate_password
from jssi_app.models.accounts import LoginSession
from jssi_app.models.staff import StaffAccount
from jssi_app.services import audit, sessions
from jssi_app.services.staff_accounts import CreatedStaff, create_staff

ADMIN_ROLE = "admin"
ADMIN_ONLY = "仅系统管理员可以使用此功能"
CHANGE_PASSWORD_FIRST = "请先修改初始密码，再使用管理功能"
NOT_FOUND = "该工作人员账号不存在"
NOT_YOURSELF = "不能停用自己的账号"
OWN_PASSWORD = "请通过“修改密码”修改您自己的密码"
STATUS_ACTIVE = "正常"
STATUS_DISABLED = "已停用"


class AdminRefused(DomainError):
    """The caller may not use the administration functions (not signed in as an enabled admin)."""

    code = "admin_refused"


class PasswordChangeRequired(AdminRefused):
    """An admin who still has a generated (or reset) password: it was shown to someone else."""

    code = "password_change_required"


class StaffAdminRefused(DomainError):
    """An admin action that cannot be done (unknown target, acting on oneself)."""

    code = "staff_admin_refused"


@dataclass(frozen=True)
class StaffRow:
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    status: str  # 正常 / 已停用
    disabled: bool
    must_change_password: bool
    locked: bool  # locked after repeated wrong passwords (重置密码 lifts it)
    created: str  # China-local "YYYY-MM-DD HH:MM"
    last_sign_in: str  # "" when never signed in


def require_admin(db: Session, staff_id: int | None) -> StaffAccount:
    """The enabled admin account `staff_id`; AdminRefused for anyone else (also for None)."""
    account = db.get(StaffAccount, staff_id, populate_existing=True) if staff_id else None
    if account is None or account.disabled_at is not None or account.role != ADMIN_ROLE:
        raise AdminRefused(ADMIN_ONLY)
    if account.must_change_password:
        raise PasswordChangeRequired(CHANGE_PASSWORD_FIRST)
    return account


def _target(db: Session, target_id: int) -> StaffAccount:
    account = db.get(StaffAccount, target_id, populate_existing=True)
    if account is None:
        raise StaffAdminRefused(NOT_FOUND, code="not_found")
    return account


def _as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite hands back naive UTC
        return moment.replace(tzinfo=dt.UTC)
    return moment


def list_staff(db: Session, *, admin_id: int | None, now: dt.datetime | None = None) -> list[StaffRow]:
    """Every staff account by username, with its last sign-in (one grouped query over the staff sessions)."""
    require_admin(db, admin_id)
    now = now or utcnow()
    last_seen = dict(
        db.exec(
            select(LoginSession.account_id, func.max(LoginSession.created_at))
            .where(LoginSession.account_kind == "staff")
            .group_by(LoginSession.account_id)
        ).all()
    )
    accounts = db.exec(select(StaffAccount).order_by(col(StaffAccount.username))).all()
    rows = [
        StaffRow(
            id=int(a.id),
            username=a.username,
            display_name=(a.display_name or "").strip(),
            role=a.role,
            role_label=ROLE_LABELS.get(a.role, a.role),
            status=STATUS_DISABLED if a.disabled_at is not None else STATUS_ACTIVE,
            disabled=a.disabled_at is not None,
            must_change_password=bool(a.must_change_password),
            locked=a.locked_until is not None and _as_utc(a.locked_until) > now,
            created=format_local(a.created_at),
            last_sign_in=format_local(last_seen.get(a.id)),
        )
        for a in accounts
    ]
    db.commit()  # end the read (on SQLite it holds the write lock)
    return rows


def disable_staff(db: Session, target_id: int, *, admin_id: int | None, now: dt.datetime, client_ip: str) -> None:
    """停用: the account can no longer sign in and every session it has ends now. Not one's own account
    (which also means the last enabled admin can never be disabled). Disabling a disabled account is a no-op."""
    require_admin(db, admin_id)
    target = _target(db, target_id)
    if target.id == admin_id:
        raise StaffAdminRefused(NOT_YOURSELF, code="not_yourself")
    if target.disabled_at is not None:
        db.commit()
        return
    target.disabled_at = now
    db.add(target)
    ended = sessions.end_all_sessions(db, account_kind="staff", account_id=int(target.id), now=now,
                                      reason="staff_disabled")
    audit.record(db, "staff_disabled", actor=f"staff:{admin_id}", subject=f"staff:{target.username}",
                 client_ip=client_ip, detail={"sessions_ended": ended})
    db.commit()


def enable_staff(db: Session, target_id: int, *, admin_id: int | None, now: dt.datetime, client_ip: str) -> None:
    """启用 a disabled account again (its password is unchanged). Enabling an enabled account is a no-op."""
    require_admin(db, admin_id)
    target = _target(db, target_id)
    if target.disabled_at is None:
        db.commit()
        return
    disabled_since = _as_utc(target.disabled_at)
    target.disabled_at = None
    db.add(target)
    audit.record(db, "staff_enabled", actor=f"staff:{admin_id}", subject=f"staff:{target.username}",
                 client_ip=client_ip, detail={"disabled_since": disabled_since.isoformat()})
    db.commit()


def reset_staff_password(db: Session, target_id: int, *, admin_id: int | None, now: dt.datetime, client_ip: str) -> str:
    """重置密码: a new generated password, to be changed at the next sign-in; the lockout is lifted and every
    session of the target ends. Returns the password, which is stored only as a hash: show it once."""
    require_admin(db, admin_id)
    target = _target(db, target_id)
    if target.id == admin_id:
        raise StaffAdminRefused(OWN_PASSWORD, code="not_yourself")
    db.commit()  # no transaction (on SQLite: no write lock) while bcrypt runs
    password = generate_password()
    password_hash = hash_password(password)
    # Checked again after the hash: the admin or the target may have changed meanwhile.
    require_admin(db, admin_id)
    target = _target(db, target_id)
    target.password_hash = password_hash
    target.must_change_password = True
    target.password_changed_at = now
    target.failed_sign_ins = 0
    target.locked_until = None
    db.add(target)
    ended = sessions.end_all_sessions(db, account_kind="staff", account_id=int(target.id), now=now,
                                      reason="password_reset")
    audit.record(db, "staff_password_reset", actor=f"staff:{admin_id}", subject=f"staff:{target.username}",
                 client_ip=client_ip, detail={"sessions_ended": ended})
    db.commit()
    return password


def create_staff_from_admin(
    db: Session, *, admin_id: int | None, username: str, role: str, display_name: str = "", now: dt.datetime,
) -> CreatedStaff:
    """新增工作人员 with a generated password (to be changed at first sign-in), audited as the admin's act."""
    require_admin(db, admin_id)
    db.commit()
    return create_staff(db, username=username, role=role, display_name=display_name, password=None,
                        actor=f"staff:{admin_id}", now=now)
