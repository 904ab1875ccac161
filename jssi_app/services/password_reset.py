"""忘记密码: by the registered phone's SMS code, or by a single-use link to the registered email.

Every request gets the same answer whether or not the ID number is registered and the phone or
email matches, so the page cannot be used to find out who has an account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.hashing import hash_password, verify_password
from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.domain import throttles
from jssi_app.domain.accounts import RESET_TOKEN_TTL, SMS_RESET_TTL
from jssi_app.domain.codes import hash_token, new_token, validate_code_format
from jssi_app.domain.contact import mask_email, validate_email, validate_phone
from jssi_app.domain.errors import DomainError, FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import mask_id_number, validate_id_number
from jssi_app.domain.registration import check_new_password
from jssi_app.models.accounts import PasswordResetToken, PersonAccount
from jssi_app.services import audit, sessions, sms_codes
from jssi_app.services.throttling import enforce

SMS_SENT = "如果身份证号码与注册时的手机号码一致，验证码已发送至该手机，5分钟内有效。"
EMAIL_SENT = "如果身份证号码与注册时填写的电子邮箱一致，重置密码的链接已发送至该邮箱，30分钟内有效，只能使用一次。"
LINK_INVALID = "该链接无效或已过期（有效期30分钟，只能使用一次）。请重新申请找回密码。"


class ResetRefused(DomainError):
    code = "reset_refused"


@dataclass(frozen=True)
class ResetStarted:
    token: str
    masked_id_number: str


def _collect(fields: list[tuple[str, object]]) -> list:
    errors: list[FieldError] = []
    values = []
    for name, fn in fields:
        try:
            values.append(fn())
        except InvalidValue as exc:
            errors.append(FieldError(name, exc.message))
            values.append(None)
    if errors:
        raise ValidationFailed(errors)
    return values


def _required_email(raw: str) -> str:
    value = validate_email(raw)
    if value is None:
        raise InvalidValue("请输入注册时填写的电子邮箱")
    return value


def _account_by_id(db: Session, id_number: str) -> PersonAccount | None:
    fps = cipher().fingerprints("id_number", id_number)  # every key of the ring: rows may await rotation
    return db.exec(select(PersonAccount).where(col(PersonAccount.id_fp).in_(fps))).first()


def request_reset_code(db: Session, *, id_number: str, phone: str, client_ip: str, now: dt.datetime, sender=None) -> str:
    today = to_local(now).date()
    number, phone_clean = _collect([
        ("id_number", lambda: validate_id_number(id_number, today)),
        ("phone", lambda: validate_phone(phone)),
    ])
    enforce(db, [(throttles.RESET_PER_IP, client_ip)], now)
    account = _account_by_id(db, number)
    matches = account is not None and account.phone_fp in cipher().fingerprints("phone", phone_clean)
    audit.record(db, "password_reset_requested", actor="anonymous", subject=mask_id_number(number),
                 client_ip=client_ip, outcome="success" if matches else "failure", detail={"channel": "sms"})
    db.commit()
    if matches:
        sms_codes.send_code(db, phone=phone_clean, purpose="reset", client_ip=client_ip, now=now,
                            actor=f"person:{account.id}", sender=sender)
    else:
        # The same SMS limits as a real send: otherwise "请稍后再获取" on a repeat would reveal a match.
        sms_codes.count_send(db, phone=phone_clean, purpose="reset", client_ip=client_ip, now=now)
        db.commit()
    return SMS_SENT


def confirm_reset_code(db: Session, *, id_number: str, phone: str, code: str, client_ip: str, now: dt.datetime) -> ResetStarted:
    today = to_local(now).date()
    number, phone_clean, code_clean = _collect([
        ("id_number", lambda: validate_id_number(id_number, today)),
        ("phone", lambda: validate_phone(phone)),
        ("sms_code", lambda: validate_code_format(code)),
    ])
    account = _account_by_id(db, number)
    if account is None or account.phone_fp not in cipher().fingerprints("phone", phone_clean):
        db.rollback()
        audit.record_alone(db, "password_reset_failed", actor="anonymous", subject=mask_id_number(number),
                           client_ip=client_ip, outcome="failure", detail={"channel": "sms", "reason": "no_match"})
        raise sms_codes.CodeRejected("验证码不正确或已失效，请确认身份证号码和注册手机号码后重新获取")
    code_id = sms_codes.check_code(db, phone=phone_clean, purpose="reset", code=code_clean, now=now)
    sms_codes.consume_code(db, code_id, now)
    token = _issue_token(db, int(account.id), "sms", now + SMS_RESET_TTL, now)
    db.commit()
    return ResetStarted(token=token, masked_id_number=mask_id_number(number))


def _issue_token(db: Session, account_id: int, channel: str, expires_at: dt.datetime, now: dt.datetime) -> str:
    db.exec(
        update(PasswordResetToken)
        .where(col(PasswordResetToken.account_id) == account_id, col(PasswordResetToken.used_at).is_(None))
        .values(used_at=now)
    )
    token = new_token()
    db.add(PasswordResetToken(account_id=account_id, token_hash=hash_token(token), channel=channel,
                              created_at=now, expires_at=expires_at))
    db.flush()
    return token


def request_reset_link(db: Session, *, id_number: str, email: str, client_ip: str, now: dt.datetime, mailer=None) -> str:
    today = to_local(now).date()
    number, email_clean = _collect([
        ("id_number", lambda: validate_id_number(id_number, today)),
        ("email", lambda: _required_email(email)),
    ])
    enforce(db, [(throttles.RESET_PER_IP, client_ip)], now)
    account = _account_by_id(db, number)
    matches = account is not None and account.email_fp in cipher().fingerprints("email", email_clean)
    token = _issue_token(db, int(account.id), "email", now + RESET_TOKEN_TTL, now) if matches else None
    audit.record(db, "password_reset_requested", actor="anonymous", subject=mask_id_number(number),
                 client_ip=client_ip, outcome="success" if matches else "failure", detail={"channel": "email"})
    db.commit()
    if token:
        if mailer is None:
            from jssi_app.adapters.mail import mailer as default_mailer

            mailer = default_mailer()
        link = f"{settings().public_url.rstrip('/')}/reset-password?token={token}"
        mailer.send(
            email_clean,
            "【江苏人社】重置网上服务大厅登录密码",
            f"您好：\n\n您正在找回江苏社保网上服务大厅账号（{mask_id_number(number)}）的登录密码。"
            f"请在30分钟内打开以下链接设置新密码，链接只能使用一次：\n\n{link}\n\n"
            "如非本人操作，请忽略本邮件，您的密码不会被修改。\n\n江苏省人力资源和社会保障厅网上服务大厅",
        )
        audit.record(db, "email_sent", actor=f"person:{account.id}", subject=mask_email(email_clean),
                     client_ip=client_ip, detail={"purpose": "reset"})
        db.commit()
    return EMAIL_SENT


def _live_token(db: Session, token: str, now: dt.datetime) -> PasswordResetToken | None:
    if not token:
        return None
    row = db.exec(select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        return None
    return row


def check_reset_token(db: Session, token: str, now: dt.datetime) -> str:
    """The masked ID number the link resets, or ResetRefused."""
    row = _live_token(db, token, now)
    if row is None:
        raise ResetRefused(LINK_INVALID)
    account = db.get(PersonAccount, row.account_id)
    return mask_id_number(cipher().decrypt("person_account.id_number", account.id_number_enc))


def reset_password(db: Session, *, token: str, password: str, confirm: str, client_ip: str, now: dt.datetime) -> None:
    row = _live_token(db, token, now)
    if row is None:
        db.rollback()
        audit.record_alone(db, "password_reset_failed", actor="anonymous", client_ip=client_ip, outcome="failure",
                           detail={"reason": "token_invalid"})
        raise ResetRefused(LINK_INVALID)
    account = db.get(PersonAccount, row.account_id)
    c = cipher()
    id_number = c.decrypt("person_account.id_number", account.id_number_enc)
    phone = c.decrypt("person_account.phone", account.phone_enc)
    current_hash, token_id, account_id, channel = account.password_hash, row.id, row.account_id, row.channel
    # End the read before bcrypt (two hashes, ~0.6 s): on SQLite an open transaction holds the write lock.
    db.commit()
    errors: list[FieldError] = []
    check_new_password(password, confirm, id_number=id_number, phone=phone, errors=errors)
    if not errors and verify_password(password, current_hash):
        errors.append(FieldError("password", "新密码不能与当前密码相同，请设置一个新密码"))
    if errors:
        raise ValidationFailed(errors)
    new_hash = hash_password(password)
    # The token is consumed only if it is still unused and unexpired: a second tab cannot reuse it meanwhile.
    result = db.exec(
        update(PasswordResetToken)
        .where(col(PasswordResetToken.id) == token_id, col(PasswordResetToken.used_at).is_(None),
               col(PasswordResetToken.expires_at) > now)
        .values(used_at=now)
    )
    if result.rowcount != 1:
        db.rollback()
        raise ResetRefused(LINK_INVALID)
    account = db.get(PersonAccount, account_id)
    account.password_hash = new_hash
    account.password_changed_at = now
    account.failed_sign_ins = 0
    account.locked_until = None
    db.add(account)
    ended = sessions.end_all_sessions(db, account_kind="person", account_id=int(account.id), now=now,
                                      reason="password_reset")
    audit.record(db, "password_reset", actor=f"person:{account.id}", subject=mask_id_number(id_number),
                 client_ip=client_ip, detail={"channel": channel, "sessions_ended": ended})
    db.commit()
