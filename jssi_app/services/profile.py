"""首次登录完善信息 (户籍地址, 联系地址) and what the personal home shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from jssi_app.adapters.clock import format_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain.contact import mask_email, mask_phone
from jssi_app.domain.errors import FieldError, InvalidValue, ValidationFailed
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.domain.profile import validate_address
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.registry import RegistryPerson
from jssi_app.services import audit
from jssi_app.services.registration import _mask_name


@dataclass(frozen=True)
class ProfileForm:
    hukou_address: str
    contact_address: str


@dataclass(frozen=True)
class PersonOverview:
    masked_name: str
    masked_id_number: str
    masked_phone: str
    masked_email: str
    person_type: str
    insured_status: str
    profile_complete: bool
    registered_at: str


def _account(db: Session, account_id: int) -> PersonAccount:
    account = db.get(PersonAccount, account_id)
    if account is None:
        raise LookupError("account not found")
    return account


def load_profile_form(db: Session, account_id: int) -> ProfileForm:
    """Current values, with 户籍地址 pre-filled from the registry until the person has saved their own."""
    c = cipher()
    account = _account(db, account_id)
    if account.hukou_address_enc:
        hukou = c.decrypt("person_account.hukou_address", account.hukou_address_enc)
    else:
        person = db.get(RegistryPerson, account.registry_person_id)
        hukou = c.decrypt("registry_person.hukou_address", person.hukou_address_enc) if person and person.hukou_address_enc else ""
    contact = c.decrypt("person_account.contact_address", account.contact_address_enc) if account.contact_address_enc else ""
    return ProfileForm(hukou_address=hukou, contact_address=contact)


def complete_profile(db: Session, account_id: int, form: ProfileForm, *, client_ip: str, now: dt.datetime) -> None:
    errors: list[FieldError] = []
    values = {}
    for field, label in (("hukou_address", "户籍地址"), ("contact_address", "联系地址")):
        try:
            values[field] = validate_address(getattr(form, field), label)
        except InvalidValue as exc:
            errors.append(FieldError(field, exc.message))
    if errors:
        raise ValidationFailed(errors)
    c = cipher()
    account = _account(db, account_id)
    first_time = account.profile_completed_at is None
    account.hukou_address_enc = c.encrypt("person_account.hukou_address", values["hukou_address"])
    account.contact_address_enc = c.encrypt("person_account.contact_address", values["contact_address"])
    account.profile_completed_at = account.profile_completed_at or now
    db.add(account)
    audit.record(db, "profile_completed", actor=f"person:{account_id}",
                 subject=mask_id_number(c.decrypt("person_account.id_number", account.id_number_enc)),
                 client_ip=client_ip, detail={"first_time": first_time})
    db.commit()


def person_overview(db: Session, account_id: int) -> PersonOverview:
    c = cipher()
    account = _account(db, account_id)
    person = db.get(RegistryPerson, account.registry_person_id)
    email = c.decrypt("person_account.email", account.email_enc) if account.email_enc else ""
    return PersonOverview(
        masked_name=_mask_name(c.decrypt("person_account.name", account.name_enc)),
        masked_id_number=mask_id_number(c.decrypt("person_account.id_number", account.id_number_enc)),
        masked_phone=mask_phone(c.decrypt("person_account.phone", account.phone_enc)),
        masked_email=mask_email(email) if email else "",
        person_type=person.person_type if person else "",
        insured_status=person.insured_status if person else "",
        profile_complete=account.profile_completed_at is not None,
        registered_at=format_local(account.created_at),
    )
