"""Sending and checking the 6-digit SMS codes (注册, 找回密码)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.adapters.delivery import DeliveryFailed
from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.domain import throttles
from jssi_app.domain.codes import CODE_TTL, MAX_WRONG_ENTRIES, RESEND_AFTER, code_matches, hash_code, new_code
from jssi_app.domain.contact import mask_phone
from jssi_app.domain.errors import DomainError
from jssi_app.models.accounts import VerificationCode
from jssi_app.services import audit
from jssi_app.services.throttling import enforce


class CodeRejected(DomainError):
    code = "code_rejected"


class DeliveryUnavailable(DomainError):
    code = "delivery_unavailable"


@dataclass(frozen=True)
class CodeSent:
    masked_phone: str
    resend_after_seconds: int


def _context(purpose: str, phone_fp: str) -> str:
    return f"{purpose}:{phone_fp}"


def count_send(db: Session, *, phone: str, purpose: str, client_ip: str, now: dt.datetime) -> None:
    """Count one send against the SMS limits, or raise Throttled; sends nothing.

    Also for requests that must look exactly as if a code had gone out (找回密码 with an ID number and
    phone that do not match): their limits and refusals are then the same as for a real send.
    """
    enforce(
        db,
        [
            (throttles.SMS_RESEND_INTERVAL, f"{purpose}:{phone}"),
            (throttles.SMS_PER_PHONE_HOUR, phone),
            (throttles.SMS_PER_PHONE_DAY, phone),
            (throttles.SMS_PER_IP_HOUR, client_ip),
            (throttles.SMS_PER_IP_DAY, client_ip),
        ],
        now,
    )


def send_code(
    db: Session, *, phone: str, purpose: str, client_ip: str, now: dt.datetime, actor: str = "anonymous", sender=None
) -> CodeSent:
    """Issue a new code for (phone, purpose), replacing any live one, and deliver it.

    The throttles are counted and the code stored before delivery, so a failing gateway cannot be
    used to bypass the limits; a delivery failure kills the code.
    """
    phone_fp = cipher().fingerprint("phone", phone)
    count_send(db, phone=phone, purpose=purpose, client_ip=client_ip, now=now)
    db.exec(
        update(VerificationCode)
        .where(
            col(VerificationCode.phone_fp) == phone_fp,
            col(VerificationCode.purpose) == purpose,
            col(VerificationCode.dead_at).is_(None),
            col(VerificationCode.used_at).is_(None),
        )
        .values(dead_at=now)
    )
    code = new_code()
    row = VerificationCode(
        purpose=purpose,
        phone_fp=phone_fp,
        code_hash=hash_code(code, settings().secret_key, context=_context(purpose, phone_fp)),
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    db.add(row)
    audit.record(db, "sms_sent", actor=actor, subject=mask_phone(phone), client_ip=client_ip, detail={"purpose": purpose})
    db.commit()
    if sender is None:
        from jssi_app.adapters.sms import sms_sender

        sender = sms_sender()
    try:
        sender.send(phone, purpose, code)
    except DeliveryFailed:
        row.dead_at = now
        db.add(row)
        audit.record(
            db, "sms_send_refused", actor=actor, subject=mask_phone(phone), client_ip=client_ip, outcome="failure",
            detail={"purpose": purpose, "reason": "delivery_failed"},
        )
        db.commit()
        raise DeliveryUnavailable("短信发送失败，请稍后重试；如多次失败，请联系社保经办机构") from None
    return CodeSent(masked_phone=mask_phone(phone), resend_after_seconds=int(RESEND_AFTER.total_seconds()))


def check_code(db: Session, *, phone: str, purpose: str, code: str, now: dt.datetime) -> int:
    """Return the id of the live code matching `code`; count and commit a wrong entry, then refuse.

    The caller consumes the code with `consume_code` inside the transaction that uses it.
    """
    phone_fps = cipher().fingerprints("phone", phone)  # a code sent just before a key switch still counts
    row = db.exec(
        select(VerificationCode)
        .where(
            col(VerificationCode.phone_fp).in_(phone_fps),
            VerificationCode.purpose == purpose,
            col(VerificationCode.used_at).is_(None),
        )
        .order_by(col(VerificationCode.id).desc())
        .limit(1)
    ).first()
    if row is None:
        raise CodeRejected("请先点击“获取手机验证码”，并输入收到的6位验证码")
    if row.dead_at is not None:
        if row.failed_attempts >= MAX_WRONG_ENTRIES:
            raise CodeRejected("验证码输入错误次数过多，已失效，请重新获取")
        raise CodeRejected("验证码已失效，请重新获取")
    if now >= row.expires_at:
        raise CodeRejected("验证码已过期（有效期5分钟），请重新获取")
    if code_matches(code, row.code_hash, settings().secret_key, context=_context(purpose, row.phone_fp)):
        return int(row.id)
    row.failed_attempts += 1
    left = MAX_WRONG_ENTRIES - row.failed_attempts
    if left <= 0:
        row.dead_at = now
    db.add(row)
    audit.record(db, "sms_code_failed", actor="anonymous", subject=mask_phone(phone), outcome="failure",
                 detail={"purpose": purpose, "attempts": row.failed_attempts})
    db.commit()
    if left <= 0:
        raise CodeRejected("验证码输入错误次数过多，已失效，请重新获取")
    raise CodeRejected(f"验证码不正确，还可尝试{left}次")


def consume_code(db: Session, code_id: int, now: dt.datetime) -> None:
    """Mark the code used; a code can be used once even when two requests race."""
    result = db.exec(
        update(VerificationCode)
        .where(col(VerificationCode.id) == code_id, col(VerificationCode.used_at).is_(None),
               col(VerificationCode.dead_at).is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        raise CodeRejected("验证码已使用，请重新获取")
