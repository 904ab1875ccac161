"""登录 with 身份证号码 + 登录密码, lockout after repeated failures, and 退出."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.hashing import verify_password
from jssi_app.adapters.pii import cipher
from jssi_app.domain import throttles
from jssi_app.domain.accounts import LOCK_DURATION, MAX_FAILED_SIGN_INS, is_locked, register_failure
from jssi_app.domain.errors import DomainError, InvalidValue
from jssi_app.domain.identifiers import mask_id_number, validate_id_number
from jssi_app.models.accounts import PersonAccount
from jssi_app.services import audit, sessions
from jssi_app.services.throttling import clear, enforce, hit, peek

BAD_CREDENTIALS = "身份证号码或登录密码错误，请重新输入。连续错误5次，账号将被锁定30分钟。"


class SignInRefused(DomainError):
    code = "sign_in_refused"


class AccountLocked(SignInRefused):
    code = "account_locked"

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(
            f"密码连续错误次数过多，账号已锁定，请于 {to_local(until).strftime('%H:%M')} 后再试，或点击“忘记密码”重置密码。"
        )
        self.until = until


@dataclass(frozen=True)
class SignedIn:
    token: str
    account_id: int
    profile_complete: bool


def _lock_message_for_unknown(db: Session, key: str, now: dt.datetime) -> None:
    """An ID without an account locks exactly like one with: the lock message must not reveal which is which."""
    decision = peek(db, throttles.SIGN_IN_UNKNOWN_ID_LOCKED, key, now)
    if not decision.allowed:
        db.commit()  # keep the per-address count, and end the transaction, as for a locked account
        raise AccountLocked(now + decision.retry_after)


def sign_in(
    db: Session, *, id_number: str, password: str, client_ip: str, now: dt.datetime, previous_token: str = ""
) -> SignedIn:
    """Start a new session; a session the browser still held is ended (the token rotates at every login)."""
    today = to_local(now).date()
    if not id_number.strip() or not password:
        raise InvalidValue("请输入身份证号码和登录密码")
    number = validate_id_number(id_number, today)
    fp = cipher().fingerprint("id_number", number)
    account, token = authenticate(
        db, model=PersonAccount, account_kind="person", lookup=col(PersonAccount.id_fp).in_(cipher().fingerprints("id_number", number)), key_fp=fp,
        subject=mask_id_number(number), password=password, client_ip=client_ip, now=now, previous_token=previous_token,
    )
    return SignedIn(token=token, account_id=int(account.id), profile_complete=account.profile_completed_at is not None)


def authenticate(
    db: Session,
    *,
    model: type,
    account_kind: str,
    lookup,  # noqa: ANN001 — a SQLAlchemy condition finding the account
    key_fp: str,
    subject: str,
    password: str,
    client_ip: str,
    now: dt.datetime,
    previous_token: str = "",
    refuse_after_password: Callable[[object], str | None] | None = None,
):
    """Password check with lockout and session start, shared by persons, units and staff.

    `model` has password_hash, failed_sign_ins and locked_until. `refuse_after_password` may refuse a
    correct password (a disabled staff account, a unit not yet approved); it runs only after the password
    matched, so an account's state is never told to someone who does not know its password.
    """
    enforce(db, [(throttles.SIGN_IN_PER_IP, client_ip)], now)
    account = db.exec(select(model).where(lookup)).first()
    if account is None:
        _lock_message_for_unknown(db, key_fp, now)
    elif is_locked(account.locked_until, now):
        db.commit()
        raise AccountLocked(account.locked_until)
    # Read what the check needs before ending the transaction: touching an expired attribute afterwards
    # would open a new one (on SQLite: the write lock) and hold it through bcrypt.
    stored_hash = account.password_hash if account else None
    account_id = account.id if account else None
    db.commit()
    # Hash comparison outside any transaction; an unknown account costs the same bcrypt time.
    ok = verify_password(password, stored_hash)
    if not ok:
        if account is None:
            decision = hit(db, throttles.SIGN_IN_UNKNOWN_ID, key_fp, now)
            audit.record(db, "sign_in_failed", actor="anonymous", subject=subject, client_ip=client_ip,
                         outcome="failure", detail={"reason": "bad_credentials", "kind": account_kind})
            locked = not decision.allowed or not peek(db, throttles.SIGN_IN_UNKNOWN_ID, key_fp, now).allowed
            if locked:
                hit(db, throttles.SIGN_IN_UNKNOWN_ID_LOCKED, key_fp, now)
                clear(db, throttles.SIGN_IN_UNKNOWN_ID, key_fp)
            db.commit()
            if locked:
                raise AccountLocked(now + LOCK_DURATION)
            raise SignInRefused(BAD_CREDENTIALS)
        account = db.get(model, account_id)
        count, locked_until = register_failure(account.failed_sign_ins, now)
        account.failed_sign_ins = count
        account.locked_until = locked_until
        db.add(account)
        actor = f"{account_kind}:{account.id}"
        audit.record(db, "sign_in_failed", actor=actor, subject=subject, client_ip=client_ip,
                     outcome="failure", detail={"reason": "bad_credentials"})
        if locked_until:
            audit.record(db, "account_locked", actor="system", subject=subject, client_ip=client_ip,
                         outcome="failure", detail={"until": locked_until.isoformat(), "after": MAX_FAILED_SIGN_INS})
        db.commit()
        if locked_until:
            raise AccountLocked(locked_until)
        raise SignInRefused(BAD_CREDENTIALS)
    account = db.get(model, account_id)
    actor = f"{account_kind}:{account.id}"
    refusal = refuse_after_password(account) if refuse_after_password else None
    if refusal:
        audit.record(db, "sign_in_failed", actor=actor, subject=subject, client_ip=client_ip, outcome="failure",
                     detail={"reason": "refused"})
        db.commit()
        raise SignInRefused(refusal)
    account.failed_sign_ins = 0
    account.locked_until = None
    db.add(account)
    if previous_token:
        sessions.end_session(db, previous_token, now, reason="rotated")
    token = sessions.start_session(db, account_kind=account_kind, account_id=int(account.id), client_ip=client_ip, now=now)
    audit.record(db, "sign_in", actor=actor, subject=subject, client_ip=client_ip)
    db.commit()
    return account, token


def sign_out(db: Session, *, token: str, client_ip: str, now: dt.datetime) -> None:
    principal = sessions.end_session(db, token, now)
    if principal is not None:
        audit.record(db, "sign_out", actor=f"{principal.account_kind}:{principal.account_id}", client_ip=client_ip)
    db.commit()
