"""Counter services on a person's registry record (窗口经办 → 人员信息变更): look the person up by the ID number on
the card in front of the clerk, then change the registered phone, upgrade a 15-digit number to 18 digits, or
correct the name. Each change needs the clerk's confirmation that the ID card was checked in person, is made in
the registry and on the person's online account (if one exists) in one transaction, and is audited with the
clerk's username and masked values only.

Every function checks `require_clerk` itself: a reviewer (审核员) or a signed-out caller is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain.contact import mask_phone
from jssi_app.domain.counter_person import (
    ID_FIELD,
    mask_name,
    validate_counter_id,
    validate_name_correction,
    validate_phone_change,
    validate_upgrade,
)
from jssi_app.domain.errors import DomainError, FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import mask_id_number, upgrade_15_to_18
from jssi_app.models.accounts import PasswordResetToken, PersonAccount
from jssi_app.models.registry import RegistryPerson
from jssi_app.models.staff import StaffAccount
from jssi_app.services import audit, sessions
from jssi_app.services.counter_tasks import require_clerk

log = logging.getLogger(__name__)

NOT_FOUND = "参保库中未找到该身份证号码的参保记录，请核对号码；确无参保记录的，请按参保登记业务办理"
RECORD_GONE = "该参保记录已不存在，请重新查询"
DUPLICATE_18 = (
    "参保库中已有该18位身份证号码的另一条参保记录，不能升位。请核实两条记录是否为同一人，按重复参保记录处理"
)
# Sent to the old number(s) after a phone change: if someone else changed it, the person learns of it.
# No name, ID or phone number in an SMS (jssi_app/adapters/sms.py).
PHONE_CHANGED_NOTICE = (
    "【江苏人社】您在社保系统登记的手机号码已在社保经办机构窗口变更，此号码不再用于登录验证和通知。"
    "如非本人办理，请立即携带本人身份证原件到参保地社保经办机构处理。"
)


class CounterPersonRefused(DomainError):
    code = "counter_person_refused"


@dataclass(frozen=True)
class PersonRecord:
    """What the clerk sees of a registry record: masked, plus what the counter services need to know."""

    person_id: int
    masked_id: str
    id_length: int
    masked_upgrade: str  # the 18-digit form of a 15-digit record, masked; "" for an 18-digit record
    masked_name: str
    gender: str
    masked_phone: str  # "" when the registry holds no phone
    person_type: str
    insured_status: str
    first_insured: str
    has_account: bool
    account_masked_phone: str  # "" without an online account


@dataclass(frozen=True)
class PhoneChanged:
    masked_old: str  # the registry's number before, "" when there was none
    masked_new: str
    account_updated: bool
    sessions_ended: int
    notified: tuple[str, ...]  # masked old numbers the notice went to
    not_notified: tuple[str, ...]  # masked old numbers whose notice failed (audited)
    record: PersonRecord  # the record as it is now


@dataclass(frozen=True)
class IdUpgraded:
    masked_old: str
    masked_new: str
    record: PersonRecord


@dataclass(frozen=True)
class NameCorrected:
    masked_old: str
    masked_new: str
    account_updated: bool
    record: PersonRecord


def _clerk_actor(clerk: StaffAccount) -> str:
    return f"staff:{clerk.id}"


def _person(db: Session, person_id: int) -> RegistryPerson:
    person = db.get(RegistryPerson, person_id, populate_existing=True) if person_id else None
    if person is None:
        raise CounterPersonRefused(RECORD_GONE, code="not_found")
    return person


def _account(db: Session, person_id: int) -> PersonAccount | None:
    return db.exec(
        select(PersonAccount).where(PersonAccount.registry_person_id == person_id)
        .execution_options(populate_existing=True)
    ).first()


def _record(db: Session, person: RegistryPerson) -> PersonRecord:
    c = cipher()
    number = c.decrypt("registry_person.id_number", person.id_number_enc)
    phone = c.decrypt("registry_person.phone", person.phone_enc) if person.phone_enc else ""
    account = _account(db, int(person.id))
    return PersonRecord(
        person_id=int(person.id),
        masked_id=mask_id_number(number),
        id_length=len(number),
        masked_upgrade=mask_id_number(upgrade_15_to_18(number)) if len(number) == 15 else "",
        masked_name=mask_name(c.decrypt("registry_person.name", person.name_enc)),
        gender=person.gender,
        masked_phone=mask_phone(phone) if phone else "",
        person_type=person.person_type,
        insured_status=person.insured_status,
        first_insured=person.first_insured,
        has_account=account is not None,
        account_masked_phone=mask_phone(c.decrypt("person_account.phone", account.phone_enc)) if account else "",
    )


def check_clerk(db: Session, *, staff_id: int) -> None:
    """For drawing a counter page: CounterRefused unless `staff_id` may use the counter services."""
    try:
        require_clerk(db, staff_id)
    finally:
        db.commit()


def find_person(db: Session, id_number: str, *, staff_id: int, now: dt.datetime) -> PersonRecord:
    """The registry record for the number on the card: as held, or held in its other (15/18-digit) form."""
    try:
        require_clerk(db, staff_id)
        try:
            number = validate_counter_id(id_number, to_local(now).date())
        except InvalidValue as exc:
            raise ValidationFailed([FieldError(ID_FIELD, exc.message)]) from None
        fp = cipher().fingerprints  # every key of the ring: rows may await rotation
        person = db.exec(select(RegistryPerson).where(col(RegistryPerson.id_fp).in_(fp("id_number", number)))).first()
        if person is None and len(number) == 18:
            # Typed from a new card while the registry still holds the 15-digit form.
            person = db.exec(
                select(RegistryPerson).where(col(RegistryPerson.upgraded_id_fp).in_(fp("id_number", number)))
            ).first()
        if person is None and len(number) == 15:
            # An old card, while the registry already holds the 18-digit form.
            person = db.exec(
                select(RegistryPerson).where(col(RegistryPerson.id_fp).in_(fp("id_number", upgrade_15_to_18(number))))
            ).first()
        if person is None:
            raise ValidationFailed([FieldError(ID_FIELD, NOT_FOUND)])
        return _record(db, person)
    finally:
        db.commit()


def get_person(db: Session, person_id: int, *, staff_id: int) -> PersonRecord:
    """The record again (after a change), by the id the lookup returned."""
    try:
        require_clerk(db, staff_id)
        return _record(db, _person(db, person_id))
    finally:
        db.commit()


# --- 变更手机号码 ----------------------------------------------------------------------------------


def change_phone(
    db: Session,
    person_id: int,
    *,
    new_phone: str,
    id_card_checked: bool,
    staff_id: int,
    now: dt.datetime,
    client_ip: str = "",
    sms: Any = None,
) -> PhoneChanged:
    """The registry's phone and the online account's phone become `new_phone`; the account's sessions and
    unused password-reset permissions end (they may have been obtained through the old number). After the
    commit, a notice goes to each old number; a failed notice is audited and never undoes the change."""
    c = cipher()
    try:
        clerk = require_clerk(db, staff_id)
        person = _person(db, person_id)
        old_registry = c.decrypt("registry_person.phone", person.phone_enc) if person.phone_enc else ""
        account = _account(db, int(person.id))
        old_account = c.decrypt("person_account.phone", account.phone_enc) if account else ""
        change = validate_phone_change(new_phone, id_card_checked=id_card_checked,
                                       current=tuple(p for p in (old_registry, old_account) if p))
        phone = change.new_phone
        person.phone_enc = c.encrypt("registry_person.phone", phone)
        person.phone_fp = c.fingerprint("phone", phone)
        db.add(person)
        ended = 0
        account_updated = account is not None and old_account != phone
        if account is not None and account_updated:
            account.phone_enc = c.encrypt("person_account.phone", phone)
            account.phone_fp = c.fingerprint("phone", phone)
            db.add(account)
            ended = sessions.end_all_sessions(db, account_kind="person", account_id=int(account.id), now=now,
                                              reason="phone_changed")
            db.exec(
                update(PasswordResetToken)
                .where(col(PasswordResetToken.account_id) == account.id, col(PasswordResetToken.used_at).is_(None))
                .values(used_at=now)
            )
        number = c.decrypt("registry_person.id_number", person.id_number_enc)
        audit.record(db, "registry_phone_changed", actor=_clerk_actor(clerk), subject=mask_id_number(number),
                     client_ip=client_ip, detail={
                         "clerk": clerk.username, "person": int(person.id),
                         "from": mask_phone(old_registry) if old_registry else "",
                         "to": mask_phone(phone), "account_updated": account_updated, "sessions_ended": ended,
                         "id_card_checked": True,
                     })
        record = _record(db, person)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    old_numbers = [p for p in dict.fromkeys((old_registry, old_account)) if p and p != phone]
    sent, failed = _notify_old_numbers(db, old_numbers, clerk_actor=f"staff:{staff_id}",
                                       subject=mask_id_number(number), sms=sms)
    return PhoneChanged(
        masked_old=mask_phone(old_registry) if old_registry else "",
        masked_new=mask_phone(phone),
        account_updated=account_updated,
        sessions_ended=ended,
        notified=sent,
        not_notified=failed,
        record=record,
    )


def _notify_old_numbers(db: Session, numbers: list[str], *, clerk_actor: str, subject: str,
                        sms: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Send the notice (no transaction open: the outbox adapter writes in its own) and audit each outcome."""
    events: list[tuple[str, str, str]] = []
    sent: list[str] = []
    failed: list[str] = []
    for phone in numbers:
        masked = mask_phone(phone)
        try:
            if sms is None:
                # Built here, inside the try: a misconfigured backend is a failed notice, not a failed change.
                from jssi_app.adapters.sms import sms_sender

                sms = sms_sender()
            sms.send_notice(phone, PHONE_CHANGED_NOTICE)
        except Exception as exc:  # noqa: BLE001 — the change stands whatever the channel does
            reason = getattr(exc, "reason", "") or type(exc).__name__
            log.warning("phone change notice not sent: to=%s reason=%s", masked, reason)
            failed.append(masked)
            events.append(("notification_failed", masked, reason))
            continue
        sent.append(masked)
        events.append(("notification_sent", masked, ""))
    if events:
        try:
            for event, masked, reason in events:
                detail = {"kind": "registry_phone_changed", "channel": "sms", "to": masked}
                if reason:
                    detail["reason"] = reason[:120]
                audit.record(db, event, actor=clerk_actor, subject=subject,
                             outcome="failure" if reason else "success", detail=detail)
            db.commit()
        except BaseException:
            db.rollback()
            raise
    return tuple(sent), tuple(failed)


# --- 15位升18位 ------------------------------------------------------------------------------------


def upgrade_id(
    db: Session,
    person_id: int,
    *,
    id_card_checked: bool,
    staff_id: int,
    now: dt.datetime,
    client_ip: str = "",
) -> IdUpgraded:
    """The record's 15-digit number becomes its 18-digit form (same record, so its contributions stay with it);
    refused when the registry already holds that 18-digit number in another record."""
    del now  # the upgrade has no time of its own; the audit row carries the time
    c = cipher()
    try:
        clerk = require_clerk(db, staff_id)
        person = _person(db, person_id)
        old = c.decrypt("registry_person.id_number", person.id_number_enc)
        try:
            new = validate_upgrade(old, id_card_checked=id_card_checked)
        except InvalidValue as exc:
            raise CounterPersonRefused(exc.message, code="already_18") from None
        new_fp = c.fingerprint("id_number", new)
        clash = db.exec(
            select(RegistryPerson.id).where(col(RegistryPerson.id_fp).in_(c.fingerprints("id_number", new)),
                                        RegistryPerson.id != person.id)
        ).first()
        if clash is not None:
            raise CounterPersonRefused(DUPLICATE_18, code="duplicate_18")
        person.id_fp = new_fp
        person.id_number_enc = c.encrypt("registry_person.id_number", new)
        person.id_length = 18
        # Only a 15-digit record carries the fingerprint of its upgrade; the record now is that number.
        person.upgraded_id_fp = None
        db.add(person)
        audit.record(db, "registry_id_upgraded", actor=_clerk_actor(clerk), subject=mask_id_number(new),
                     client_ip=client_ip, detail={
                         "clerk": clerk.username, "person": int(person.id), "from": mask_id_number(old),
                         "to": mask_id_number(new), "id_card_checked": True,
                     })
        record = _record(db, person)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return IdUpgraded(masked_old=mask_id_number(old), masked_new=mask_id_number(new), record=record)


# --- 姓名更正 --------------------------------------------------------------------------------------


def correct_name(
    db: Session,
    person_id: int,
    *,
    new_name: str,
    id_card_checked: bool,
    staff_id: int,
    now: dt.datetime,
    client_ip: str = "",
) -> NameCorrected:
    """The registry's name (and the online account's) becomes the name on the ID card."""
    del now
    c = cipher()
    try:
        clerk = require_clerk(db, staff_id)
        person = _person(db, person_id)
        old = c.decrypt("registry_person.name", person.name_enc)
        name = validate_name_correction(new_name, id_card_checked=id_card_checked, current=old).new_name
        person.name_enc = c.encrypt("registry_person.name", name)
        db.add(person)
        account = _account(db, int(person.id))
        if account is not None:
            account.name_enc = c.encrypt("person_account.name", name)
            db.add(account)
        number = c.decrypt("registry_person.id_number", person.id_number_enc)
        audit.record(db, "registry_name_corrected", actor=_clerk_actor(clerk), subject=mask_id_number(number),
                     client_ip=client_ip, detail={
                         "clerk": clerk.username, "person": int(person.id), "from": mask_name(old),
                         "to": mask_name(name), "account_updated": account is not None, "id_card_checked": True,
                     })
        record = _record(db, person)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return NameCorrected(masked_old=mask_name(old), masked_new=mask_name(name), account_updated=account is not None,
                         record=record)
