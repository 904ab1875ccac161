"""Staff accounts: creation (CLI), the staff login, forced password change, and admin actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from jssi_app.adapters.hashing import hash_password, verify_password
from jssi_app.adapters.pii import cipher
from jssi_app.domain.errors import DomainError, FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.registration import check_new_password
from jssi_app.domain.staff import generate_password, validate_display_name, validate_role, validate_username
from jssi_app.models.staff import StaffAccount
from jssi_app.services import audit, sessions
from jssi_app.services.authentication import authenticate

DISABLED = "该工作人员账号已停用，请联系系统管理员。"


class StaffRefused(DomainError):
    code = "staff_refused"


@dataclass(frozen=True)
class CreatedStaff:
    account_id: int
    username: str
    role: str
    generated_password: str | None


@dataclass(frozen=True)
class StaffSignedIn:
    token: str
    account_id: int
    role: str
    must_change_password: bool


def create_staff(
    db: Session, *, username: str, role: str, display_name: str = "", password: str | None = None,
    actor: str = "cli", now: dt.datetime,
) -> CreatedStaff:
    """With `password` None a strong one is generated and must be changed at first login."""
    errors: list[FieldError] = []
    try:
        username = validate_username(username)
    except InvalidValue as exc:
        errors.append(FieldError("username", exc.message))
    try:
        role = validate_role(role)
    except InvalidValue as exc:
        errors.append(FieldError("role", exc.message))
    try:
        display_name = validate_display_name(display_name)
    except InvalidValue as exc:
        errors.append(FieldError("display_name", exc.message))
    generated = None
    if password is None:
        generated = password = generate_password()
    else:
        check_new_password(password, password, errors=errors)
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)  # before any query: bcrypt must not hold the database
    if db.exec(select(StaffAccount.id).where(StaffAccount.username == username)).first() is not None:
        raise ValidationFailed([FieldError("username", f"用户名 {username} 已存在")])
    account = StaffAccount(
        username=username, display_name=display_name, role=role, password_hash=password_hash,
        must_change_password=generated is not None, created_at=now, password_changed_at=now,
    )
    db.add(account)
    db.flush()
    audit.record(db, "staff_created", actor=actor, subject=f"staff:{account.id}", detail={"role": role, "username": username})
    db.commit()
    return CreatedStaff(account_id=int(account.id), username=username, role=role, generated_password=generated)


def staff_sign_in(
    db: Session, *, username: str, password: str, client_ip: str, now: dt.datetime, previous_token: str = ""
) -> StaffSignedIn:
    if not username.strip() or not password:
        raise InvalidValue("请输入用户名和密码")
    # No account's name holds an invisible character, a NUL or a lone surrogate: such a name is looked up and
    # audited with "?" in their place (storable text) and answered like any unknown name.
    name = "".join(ch if ch.isprintable() else "?" for ch in username.strip().lower()[:64])
    account, token = authenticate(
        db, model=StaffAccount, account_kind="staff", lookup=StaffAccount.username == name,
        key_fp=cipher().fingerprint("staff_username", name), subject=f"staff:{name}", password=password,
        client_ip=client_ip, now=now, previous_token=previous_token,
        refuse_after_password=lambda a: DISABLED if a.disabled_at is not None else None,
    )
    return StaffSignedIn(token=token, account_id=int(account.id), role=account.role,
                         must_change_password=account.must_change_password)


def change_staff_password(
    db: Session, account_id: int, *, current: str, new: str, confirm: str, client_ip: str, now: dt.datetime,
    keep_session_id: int | None = None,
) -> None:
    account = db.get(StaffAccount, account_id)
    if account is None or account.disabled_at is not None:
        raise StaffRefused(DISABLED)
    current_hash = account.password_hash
    db.commit()  # end the read: the bcrypt work below must not hold the database
    errors: list[FieldError] = []
    if not verify_password(current, current_hash):
        errors.append(FieldError("current_password", "当前密码不正确"))
    check_new_password(new, confirm, errors=errors)
    if not errors and new == current:
        errors.append(FieldError("password", "新密码不能与当前密码相同"))
    if errors:
        raise ValidationFailed(errors)
    new_hash = hash_password(new)
    account = db.get(StaffAccount, account_id, populate_existing=True)
    if account is None or account.disabled_at is not None or account.password_hash != current_hash:
        db.rollback()
        raise StaffRefused("密码已在其他地方被修改或账号已停用，请重新登录")
    account.password_hash = new_hash
    account.must_change_password = False
    account.password_changed_at = now
    db.add(account)
    # Other sessions end; the one that made the change may stay (it just proved the password).
    for row in sessions.live_sessions(db, account_kind="staff", account_id=account_id):
        if row.id != keep_session_id:
            sessions.end_session_by_id(db, row.id, now, reason="password_changed")
    audit.record(db, "password_changed", actor=f"staff:{account_id}", subject=f"staff:{account.username}",
                 client_ip=client_ip)
    db.commit()
