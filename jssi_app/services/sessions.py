"""Server-side login sessions. The browser holds a random token; the table holds its SHA-256."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.domain.accounts import SESSION_ABSOLUTE_TIMEOUT, session_alive
from jssi_app.domain.codes import hash_token, new_token
from jssi_app.models.accounts import LoginSession

# Writing last_seen on every event would make each click a database write; a minute is precise
# enough for a 30-minute idle timeout.
_TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who a valid session belongs to."""

    account_kind: str
    account_id: int
    session_id: int


def start_session(db: Session, *, account_kind: str, account_id: int, client_ip: str, now: dt.datetime) -> str:
    token = new_token()
    db.add(
        LoginSession(
            token_hash=hash_token(token),
            account_kind=account_kind,
            account_id=account_id,
            created_at=now,
            last_seen_at=now,
            absolute_expires_at=now + SESSION_ABSOLUTE_TIMEOUT,
            client_ip=client_ip[:64],
        )
    )
    db.flush()
    return token


def resume_session(db: Session, token: str, now: dt.datetime) -> Principal | None:
    """The session's principal if alive (and its idle clock is advanced), else None."""
    if not token:
        return None
    row = db.exec(select(LoginSession).where(LoginSession.token_hash == hash_token(token))).first()
    if row is None:
        return None
    if not session_alive(
        last_seen_at=row.last_seen_at, absolute_expires_at=row.absolute_expires_at, ended_at=row.ended_at, now=now
    ):
        if row.ended_at is None:
            row.ended_at = now
            row.ended_reason = "expired"
            db.add(row)
            db.commit()
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
        db.add(row)
        db.commit()
    return Principal(account_kind=row.account_kind, account_id=row.account_id, session_id=int(row.id))


def end_session(db: Session, token: str, now: dt.datetime, reason: str = "sign_out") -> Principal | None:
    row = db.exec(select(LoginSession).where(LoginSession.token_hash == hash_token(token))).first() if token else None
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = now
    row.ended_reason = reason
    db.add(row)
    return Principal(account_kind=row.account_kind, account_id=row.account_id, session_id=int(row.id))


def end_all_sessions(db: Session, *, account_kind: str, account_id: int, now: dt.datetime, reason: str) -> int:
    result = db.exec(
        update(LoginSession)
        .where(
            col(LoginSession.account_kind) == account_kind,
            col(LoginSession.account_id) == account_id,
            col(LoginSession.ended_at).is_(None),
        )
        .values(ended_at=now, ended_reason=reason)
    )
    return int(result.rowcount or 0)


def live_sessions(db: Session, *, account_kind: str, account_id: int) -> list[LoginSession]:
    return list(
        db.exec(
            select(LoginSession).where(
                LoginSession.account_kind == account_kind,
                LoginSession.account_id == account_id,
                col(LoginSession.ended_at).is_(None),
            )
        ).all()
    )


def end_session_by_id(db: Session, session_id: int, now: dt.datetime, reason: str) -> None:
    db.exec(
        update(LoginSession)
        .where(col(LoginSession.id) == session_id, col(LoginSession.ended_at).is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
