"""待遇认证 → 人脸识别认证: the pensioner's online tries, the clerk's reference photos and 人工认证.

Face matching is slow CPU work (jssi_app/adapters/face_match.py), so every use case here has three steps:
read what is needed and end that transaction, compare the faces with no transaction open (SQLite holds its
write lock for the whole of a BEGIN IMMEDIATE transaction), then write in a short transaction that re-reads
what could have changed meanwhile (the day's failures, an open 人工认证 task).

Three failed tries in a China-local day end online tries for that day and hand the person to the counter:
a MANUAL_CERTIFICATION counter task is opened (once while one is open). When a clerk finishes that task,
`_complete_manual_certification` (registered with the counter queue below) records a 人工认证.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from jssi_app.adapters.clock import format_local
from jssi_app.adapters.pii import cipher
from jssi_app.config import settings
from jssi_app.domain import face_certification as rules
from jssi_app.domain.counter_person import validate_counter_id
from jssi_app.domain.counter_tasks import MANUAL_CERTIFICATION, OPEN
from jssi_app.domain.errors import DomainError, InvalidValue
from jssi_app.domain.identifiers import mask_id_number, upgrade_15_to_18
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.certification import FaceCertification, FaceCertificationAttempt, FaceReference
from jssi_app.models.counter import CounterTask
from jssi_app.models.registry import RegistryPerson
from jssi_app.models.staff import StaffAccount
from jssi_app.services import audit, counter_tasks

PHOTO_FIELD = "face_reference.photo"
ENCODING_FIELD = "face_reference.encoding"

NOT_SIGNED_IN = "登录已失效，请重新登录"
PERSON_NOT_FOUND = "未查询到该身份证号码的参保记录，请核对后重新输入"
ENROL_NEEDS_ONE_FACE = {
    rules.NO_FACE: "照片中未检测到人脸，请重新拍摄正面免冠照片",
    rules.SEVERAL_FACES: "照片中检测到多张人脸，参保登记照片只能有本人一人",
}


class CertificationRefused(DomainError):
    code = "certification_refused"


@dataclass(frozen=True)
class Overview:
    eligible: bool
    reason: str  # why nothing can be done online, or ""
    has_reference: bool
    certified: bool
    status_label: str
    due_text: str
    valid_until: str  # "2027年11月" or ""
    method_label: str
    tries_left: int
    blocked_today: bool
    manual_task_open: bool
    due_now: bool  # an online try is possible now (not certified, or in the month the certification runs out)


@dataclass(frozen=True)
class AttemptResult:
    outcome: str
    message: str
    certified: bool
    valid_until: str
    tries_left: int
    manual_required: bool


@dataclass(frozen=True)
class PersonCard:
    """What a clerk sees of a person: masked, plus whether a reference photo is on file."""

    person_id: int
    masked_name: str
    masked_id_number: str
    person_type: str
    insured_status: str
    has_reference: bool
    enrolled_at: str
    status_label: str
    due_text: str


def _mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name


def _subject(person: RegistryPerson) -> str:
    return mask_id_number(cipher().decrypt("registry_person.id_number", person.id_number_enc))


def _account_person(db: Session, account_id: int | None) -> tuple[PersonAccount, RegistryPerson]:
    account = db.get(PersonAccount, account_id) if account_id else None
    person = db.get(RegistryPerson, account.registry_person_id) if account else None
    if account is None or person is None:
        raise CertificationRefused(NOT_SIGNED_IN, code="not_signed_in")
    return account, person


def _failures_on(db: Session, person_id: int, day: dt.date) -> int:
    return db.exec(
        select(func.count()).select_from(FaceCertificationAttempt).where(
            FaceCertificationAttempt.person_id == person_id,
            FaceCertificationAttempt.local_day == day,
            FaceCertificationAttempt.outcome != rules.MATCHED,
        )
    ).one()


def _latest(db: Session, person_id: int) -> FaceCertification | None:
    return db.exec(
        select(FaceCertification).where(FaceCertification.person_id == person_id)
        .order_by(col(FaceCertification.valid_until).desc(), col(FaceCertification.id).desc()).limit(1)
    ).first()


def _open_manual_task(db: Session, person_id: int) -> CounterTask | None:
    return db.exec(
        select(CounterTask).where(CounterTask.person_id == person_id, CounterTask.kind == MANUAL_CERTIFICATION,
                                  CounterTask.status == OPEN).limit(1)
    ).first()


def _reference(db: Session, person_id: int) -> FaceReference | None:
    return db.exec(select(FaceReference).where(FaceReference.person_id == person_id)).first()


def _encoding_of(reference: FaceReference) -> tuple[float, ...]:
    return tuple(json.loads(cipher().decrypt(ENCODING_FIELD, reference.encoding_enc)))


def _standing(db: Session, person_id: int, today: dt.date) -> tuple[rules.Standing, FaceCertification | None]:
    latest = _latest(db, person_id)
    return rules.standing(latest.valid_until if latest else None, today), latest


# --- the person -----------------------------------------------------------------------------------------


def overview(db: Session, account_id: int | None, *, now: dt.datetime) -> Overview:
    try:
        _account, person = _account_person(db, account_id)
        today = rules.local_day(now)
        eligible = rules.needs_certification(person.person_type, person.insured_status)
        has_reference = _reference(db, person.id) is not None
        stand, latest = _standing(db, person.id, today)
        failures = _failures_on(db, person.id, today)
        manual_open = _open_manual_task(db, person.id) is not None
    finally:
        db.commit()
    reason = ""
    if not eligible:
        reason = rules.not_needed_reason(person.person_type, person.insured_status)
    elif not has_reference:
        reason = rules.NO_REFERENCE
    elif rules.blocked_today(failures):
        reason = rules.GO_TO_OFFICE.format(n=failures)
    return Overview(
        eligible=eligible,
        reason=reason,
        has_reference=has_reference,
        certified=stand.certified,
        status_label=stand.label if eligible else "无需认证",
        due_text=stand.due_text if eligible else "",
        valid_until=rules.month_text(latest.valid_until) if latest else "",
        method_label=rules.METHOD_LABELS.get(latest.method, "") if latest else "",
        tries_left=rules.tries_left(failures),
        blocked_today=rules.blocked_today(failures),
        manual_task_open=manual_open,
        due_now=stand.due_now,
    )


def attempt(
    db: Session,
    account_id: int | None,
    photo: bytes,
    *,
    channel: str,
    client_ip: str,
    now: dt.datetime,
    threshold: float | None = None,
) -> AttemptResult:
    """One online try with a camera frame or an uploaded photo."""
    from jssi_app.adapters import face_match

    if channel not in rules.CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    today = rules.local_day(now)
    # 1. Read, and end the transaction before the slow part.
    try:
        account, person = _account_person(db, account_id)
        person_id, account_pk = person.id, account.id
        if not rules.needs_certification(person.person_type, person.insured_status):
            raise CertificationRefused(rules.not_needed_reason(person.person_type, person.insured_status),
                                       code="not_needed")
        reference = _reference(db, person_id)
        if reference is None:
            raise CertificationRefused(rules.NO_REFERENCE, code="no_reference")
        stand, latest = _standing(db, person_id, today)
        if not stand.due_now:
            raise CertificationRefused(rules.ALREADY_CERTIFIED.format(until=rules.month_text(latest.valid_until)),
                                       code="already_certified")
        failures = _failures_on(db, person_id, today)
        if rules.blocked_today(failures):
            raise CertificationRefused(rules.GO_TO_OFFICE.format(n=failures), code="blocked_today")
        known = _encoding_of(reference)
        subject = _subject(person)
    finally:
        db.commit()
    # 2. Compare, no transaction open. A file that is no photo is refused without counting as a try.
    limit = threshold if threshold is not None else face_match.match_threshold()
    analysis = face_match.analyse(photo, max_bytes=settings().max_upload_bytes)
    distance = face_match.distance(known, analysis.encoding) if analysis.encoding is not None else None
    outcome = rules.outcome_of(analysis.faces, distance, limit)
    # 3. Write: re-count the day's failures (another tab may have tried meanwhile).
    try:
        failures = _failures_on(db, person_id, today)
        if rules.blocked_today(failures):
            raise CertificationRefused(rules.GO_TO_OFFICE.format(n=failures), code="blocked_today")
        row = FaceCertificationAttempt(person_id=person_id, account_id=account_pk, outcome=outcome,
                                       distance=round(distance, 4) if distance is not None else None,
                                       channel=channel, attempted_at=now, local_day=today)
        db.add(row)
        db.flush()
        actor = f"person:{account_pk}"
        audit.record(db, "face_certification_attempted", actor=actor, subject=subject, client_ip=client_ip,
                     outcome="success" if outcome == rules.MATCHED else "failure",
                     detail={"outcome": outcome, "channel": channel,
                             "distance": row.distance, "threshold": limit})
        valid = ""
        manual_required = False
        if outcome == rules.MATCHED:
            until = rules.valid_until(today)
            db.add(FaceCertification(person_id=person_id, method=rules.METHOD_FACE, certified_at=now,
                                     valid_until=until, attempt_id=row.id))
            audit.record(db, "face_certified", actor=actor, subject=subject, client_ip=client_ip,
                         detail={"method": rules.METHOD_FACE, "valid_until": until.isoformat()})
            valid = rules.month_text(until)
            failures_after = failures
        else:
            failures_after = failures + 1
            if rules.blocked_today(failures_after):
                manual_required = True
                if _open_manual_task(db, person_id) is None:
                    counter_tasks.open_task(
                        db, MANUAL_CERTIFICATION, summary=f"退休人员 {subject} 人脸识别认证当日失败{failures_after}次，需人工认证",
                        actor=actor, person_id=person_id, ref_id=row.id,
                        detail={"failed_tries": failures_after, "day": today.isoformat()}, now=now)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    message = rules.OUTCOME_MESSAGES[outcome]
    if outcome == rules.MATCHED:
        message = f"认证成功，本次认证有效期至{valid}。"
    elif manual_required:
        message = message + rules.GO_TO_OFFICE.format(n=failures_after)
    else:
        message = message + f"今日还可在线认证{rules.tries_left(failures_after)}次。"
    return AttemptResult(outcome=outcome, message=message, certified=outcome == rules.MATCHED, valid_until=valid,
                         tries_left=rules.tries_left(failures_after), manual_required=manual_required)


# --- the clerk ------------------------------------------------------------------------------------------


def _find_person(db: Session, id_number: str, today: dt.date) -> RegistryPerson:
    # The counter's own rule (18 digits or a legacy 15): a malformed number is told as such, and never reaches
    # the fingerprint or the 15→18 arithmetic (a lone surrogate or a 15-letter value crashed them).
    number = validate_counter_id(id_number, today)
    fps = cipher().fingerprints("id_number", number)  # every key of the ring: rows may await rotation
    person = db.exec(select(RegistryPerson).where(col(RegistryPerson.id_fp).in_(fps))).first()
    if person is None and len(number) == 18:
        person = db.exec(select(RegistryPerson).where(col(RegistryPerson.upgraded_id_fp).in_(fps))).first()
    if person is None and len(number) == 15:
        upgraded = cipher().fingerprints("id_number", upgrade_15_to_18(number))
        person = db.exec(select(RegistryPerson).where(col(RegistryPerson.id_fp).in_(upgraded))).first()
    if person is None:
        raise InvalidValue(PERSON_NOT_FOUND)
    return person


def _card(db: Session, person: RegistryPerson, today: dt.date) -> PersonCard:
    reference = _reference(db, person.id)
    stand, _ = _standing(db, person.id, today)
    eligible = rules.needs_certification(person.person_type, person.insured_status)
    return PersonCard(
        person_id=person.id,
        masked_name=_mask_name(cipher().decrypt("registry_person.name", person.name_enc)),
        masked_id_number=_subject(person),
        person_type=person.person_type,
        insured_status=person.insured_status,
        has_reference=reference is not None,
        enrolled_at=format_local(reference.enrolled_at) if reference else "",
        status_label=stand.label if eligible else "无需认证",
        due_text=stand.due_text if eligible else "",
    )


def find_person(db: Session, *, staff_id: int | None, id_number: str, now: dt.datetime) -> PersonCard:
    try:
        counter_tasks.require_clerk(db, staff_id)
        today = rules.local_day(now)
        return _card(db, _find_person(db, id_number, today), today)
    finally:
        db.commit()


def enrol_reference(
    db: Session, *, staff_id: int | None, person_id: int, photo: bytes, client_ip: str, now: dt.datetime
) -> PersonCard:
    """采集参保登记照片: exactly one face, stored encrypted; replaces an earlier photo."""
    from jssi_app.adapters import face_match

    try:
        counter_tasks.require_clerk(db, staff_id)
        if db.get(RegistryPerson, person_id) is None:
            raise InvalidValue(PERSON_NOT_FOUND)
    finally:
        db.commit()
    jpeg, analysis = face_match.reference_jpeg(photo, max_bytes=settings().max_upload_bytes)
    if analysis.faces != 1 or analysis.encoding is None:
        raise InvalidValue(ENROL_NEEDS_ONE_FACE[rules.NO_FACE if analysis.faces == 0 else rules.SEVERAL_FACES],
                           code="enrol_face_count")
    try:
        clerk = counter_tasks.require_clerk(db, staff_id)
        person = db.get(RegistryPerson, person_id)
        save_reference(db, person, jpeg, analysis.encoding, enrolled_by=clerk.id, actor=f"staff:{clerk.id}",
                       client_ip=client_ip, detail={"clerk": clerk.username, "clerk_name": clerk.display_name},
                       now=now)
        card = _card(db, person, rules.local_day(now))
        db.commit()
        return card
    except BaseException:
        db.rollback()
        raise


def save_reference(
    db: Session, person: RegistryPerson, jpeg: bytes, encoding: tuple[float, ...], *, enrolled_by: int | None,
    actor: str, client_ip: str, detail: dict, now: dt.datetime,
) -> FaceReference:
    """Store (or replace) a person's reference photo and encoding, encrypted, audited; the caller commits."""
    c = cipher()
    reference = _reference(db, person.id)
    replaced = reference is not None
    photo_enc = c.encrypt(PHOTO_FIELD, base64.b64encode(jpeg).decode("ascii"))
    encoding_enc = c.encrypt(ENCODING_FIELD, json.dumps(list(encoding)))
    if reference is None:
        reference = FaceReference(person_id=person.id, photo_enc=photo_enc, encoding_enc=encoding_enc)
    reference.photo_enc, reference.encoding_enc = photo_enc, encoding_enc
    reference.enrolled_by, reference.enrolled_at = enrolled_by, now
    db.add(reference)
    audit.record(db, "face_reference_enrolled", actor=actor, subject=_subject(person), client_ip=client_ip,
                 detail={**detail, "replaced": replaced})
    db.flush()
    return reference


def reference_photo(db: Session, *, staff_id: int | None, person_id: int, client_ip: str = "") -> bytes:
    """The JPEG on file, for clerks and admins only (CounterRefused for anyone else); each view is audited."""
    try:
        clerk = counter_tasks.require_clerk(db, staff_id)
        reference = _reference(db, person_id)
        if reference is None:
            raise CertificationRefused("该人员尚未采集参保登记照片", code="no_reference")
        photo = base64.b64decode(cipher().decrypt(PHOTO_FIELD, reference.photo_enc))
        audit.record(db, "pii_revealed", actor=f"staff:{clerk.id}", subject=_subject(db.get(RegistryPerson, person_id)),
                     client_ip=client_ip, detail={"field": "face_reference_photo", "clerk": clerk.username})
        db.commit()
        return photo
    except BaseException:
        db.rollback()
        raise


# --- 人工认证 at the counter ------------------------------------------------------------------------------


def _complete_manual_certification(
    db: Session, task: CounterTask, clerk: StaffAccount, approved: bool, note: str, now: dt.datetime
) -> None:
    """Runs inside the clerk's transaction when a MANUAL_CERTIFICATION task is finished."""
    if not approved:
        return
    person = db.get(RegistryPerson, task.person_id) if task.person_id else None
    if person is None:
        raise CertificationRefused(PERSON_NOT_FOUND, code="no_person")
    until = rules.valid_until(rules.local_day(now))
    db.add(FaceCertification(person_id=person.id, method=rules.METHOD_MANUAL, certified_at=now, valid_until=until,
                             certified_by=clerk.id, counter_task_id=task.id))
    audit.record(db, "face_certified", actor=f"staff:{clerk.id}", subject=_subject(person),
                 detail={"method": rules.METHOD_MANUAL, "valid_until": until.isoformat(), "clerk": clerk.username,
                         "counter_task": task.id})


counter_tasks.register_completion(MANUAL_CERTIFICATION, _complete_manual_certification)
