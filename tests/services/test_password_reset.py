"""忘记密码 against a real database: SMS and e-mail routes, generic answers, single-use links, policy."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from jssi_app.adapters.hashing import verify_password
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.accounts import PasswordResetToken, PersonAccount, VerificationCode
from jssi_app.services import authentication, password_reset, sessions
from jssi_app.services.authentication import SignInRefused
from jssi_app.services.password_reset import (
    EMAIL_SENT,
    LINK_INVALID,
    SMS_SENT,
    ResetRefused,
)
from jssi_app.services.sms_codes import CodeRejected
from jssi_app.services.throttling import Throttled
from tests.services.helpers import (
    HOUR,
    IP,
    MIN,
    NEW_PASSWORD,
    NOW,
    PASSWORD,
    SEC,
    add_registry_person,
    audit_rows,
    code_from_body,
    count,
    fetch_all,
    make_id,
    outbox_mail,
    outbox_rows,
    outbox_sms,
    register,
)

PHONE = "13905170051"
EMAIL = "he.meiling@example.com"
T0 = NOW + HOUR  # well after the registration's SMS


@pytest.fixture
def person(db):
    person = add_registry_person(db, make_id(51), "何美玲", phone=PHONE)
    register(db, person, email=EMAIL)
    return person


def sign_in(db, person, password, now):
    return authentication.sign_in(db, id_number=person.id_number, password=password, client_ip=IP, now=now)


def ask_sms(db, id_number, phone, now=T0, ip=IP):
    return password_reset.request_reset_code(db, id_number=id_number, phone=phone, client_ip=ip, now=now,
                                             sender=outbox_sms(db))


def ask_link(db, id_number, email, now=T0):
    return password_reset.request_reset_link(db, id_number=id_number, email=email, client_ip=IP, now=now,
                                             mailer=outbox_mail(db))


def password_hash(db) -> str:
    (account,) = fetch_all(db, select(PersonAccount))
    return account.password_hash


def link_token(db) -> str:
    mails = outbox_rows(db, "email")
    assert mails, "no mail in the outbox"
    found = re.search(r"/reset-password\?token=([A-Za-z0-9_-]+)", mails[-1].body)
    assert found, mails[-1].body
    return found.group(1)


def reset(db, token, password=NEW_PASSWORD, confirm=None, *, now):
    password_reset.reset_password(db, token=token, password=password, confirm=password if confirm is None else confirm,
                                  client_ip=IP, now=now)


def test_sms_route_end_to_end(db, person):
    old_session = sign_in(db, person, PASSWORD, T0 - MIN).token

    assert ask_sms(db, person.id_number, PHONE) == SMS_SENT
    sms = outbox_rows(db, "sms")[-1]
    assert sms.subject == "找回密码验证码" and sms.recipient_masked == "139****0051"
    code = code_from_body(sms.body)

    started = password_reset.confirm_reset_code(db, id_number=person.id_number, phone=PHONE, code=code,
                                                client_ip=IP, now=T0 + MIN)
    assert started.masked_id_number == person.id_number[:6] + "********" + person.id_number[-4:]
    assert password_reset.check_reset_token(db, started.token, T0 + MIN) == started.masked_id_number
    reset(db, started.token, now=T0 + 2 * MIN)

    assert sign_in(db, person, NEW_PASSWORD, T0 + 3 * MIN).token
    with pytest.raises(SignInRefused):
        sign_in(db, person, PASSWORD, T0 + 4 * MIN)
    assert sessions.resume_session(db, old_session, T0 + 3 * MIN) is None

    (requested,) = audit_rows(db, "password_reset_requested")
    assert requested.outcome == "success" and json.loads(requested.detail) == {"channel": "sms"}
    (done,) = audit_rows(db, "password_reset")
    assert done.outcome == "success" and json.loads(done.detail)["channel"] == "sms"
    assert done.subject == started.masked_id_number

    # The SMS code and the reset token were each good for one use.
    with pytest.raises(CodeRejected):
        password_reset.confirm_reset_code(db, id_number=person.id_number, phone=PHONE, code=code,
                                          client_ip=IP, now=T0 + 5 * MIN)
    with pytest.raises(ResetRefused):
        reset(db, started.token, "Moon4Kt#v8q", now=T0 + 5 * MIN)


def test_sms_reset_permission_lasts_10_minutes(db, person):
    ask_sms(db, person.id_number, PHONE)
    code = code_from_body(outbox_rows(db, "sms")[-1].body)
    started = password_reset.confirm_reset_code(db, id_number=person.id_number, phone=PHONE, code=code,
                                                client_ip=IP, now=T0 + MIN)
    with pytest.raises(ResetRefused) as excinfo:
        reset(db, started.token, now=T0 + 11 * MIN)
    assert excinfo.value.message == LINK_INVALID


@pytest.mark.parametrize("case", ["unregistered_id", "other_phone"])
def test_sms_request_answers_the_same_when_nothing_matches(db, person, case):
    id_number, phone = {
        "unregistered_id": (make_id(59, birth="19700202"), PHONE),
        "other_phone": (person.id_number, "13905170059"),
    }[case]
    sms_before = len(outbox_rows(db, "sms"))
    codes_before = count(db, VerificationCode)

    assert ask_sms(db, id_number, phone) == SMS_SENT

    assert len(outbox_rows(db, "sms")) == sms_before
    assert count(db, VerificationCode) == codes_before
    (requested,) = audit_rows(db, "password_reset_requested")
    assert requested.outcome == "failure"
    # Confirming with a guessed code gets the generic refusal, not "no such account".
    with pytest.raises(CodeRejected) as excinfo:
        password_reset.confirm_reset_code(db, id_number=id_number, phone=phone, code="123456", client_ip=IP,
                                          now=T0 + MIN)
    assert "请确认身份证号码和注册手机号码" in excinfo.value.message
    assert not fetch_all(db, select(PasswordResetToken))


def test_repeated_sms_requests_answer_the_same_whether_or_not_they_match(db, person):
    """Asking twice within a minute must not reveal which ID/phone pairs belong to an account."""

    def answers(id_number, phone, ip):
        seen = []
        for at in (T0, T0 + 10 * SEC):
            try:
                seen.append(ask_sms(db, id_number, phone, now=at, ip=ip))
            except Throttled as exc:
                seen.append(exc.message)
        return seen

    matching = answers(person.id_number, PHONE, "198.51.100.1")
    not_matching = answers(make_id(58, birth="19700202"), "13905170058", "198.51.100.2")
    assert matching == not_matching


def test_email_route_link_is_single_use(db, person):
    old_session = sign_in(db, person, PASSWORD, T0 - MIN).token
    assert ask_link(db, person.id_number, EMAIL) == EMAIL_SENT

    (mail,) = outbox_rows(db, "email")
    assert mail.recipient_masked == "h********g@example.com"
    assert EMAIL not in mail.body
    token = link_token(db)
    (stored,) = fetch_all(db, select(PasswordResetToken))
    assert token not in stored.token_hash and stored.channel == "email"

    reset(db, token, now=T0 + 10 * MIN)
    assert sign_in(db, person, NEW_PASSWORD, T0 + 11 * MIN).token
    hash_after_reset = password_hash(db)
    assert sessions.resume_session(db, old_session, T0 + 11 * MIN) is None

    with pytest.raises(ResetRefused) as second:
        reset(db, token, "Moon4Kt#v8q", now=T0 + 12 * MIN)
    assert second.value.message == LINK_INVALID
    with pytest.raises(ResetRefused):
        password_reset.check_reset_token(db, token, T0 + 12 * MIN)
    assert password_hash(db) == hash_after_reset  # the refused second use changed nothing

    assert [e.outcome for e in audit_rows(db, "password_reset_requested")] == ["success"]
    (done,) = audit_rows(db, "password_reset")
    assert json.loads(done.detail) == {"channel": "email", "sessions_ended": 1}
    (failed,) = audit_rows(db, "password_reset_failed")
    assert failed.outcome == "failure"
    assert len(audit_rows(db, "email_sent")) == 1


def test_email_link_expires_after_30_minutes(db, person):
    ask_link(db, person.id_number, EMAIL)
    token = link_token(db)

    assert password_reset.check_reset_token(db, token, T0 + 29 * MIN)
    with pytest.raises(ResetRefused):
        password_reset.check_reset_token(db, token, T0 + 30 * MIN)
    before = password_hash(db)
    with pytest.raises(ResetRefused):
        reset(db, token, now=T0 + 30 * MIN)
    assert password_hash(db) == before


def test_a_new_link_replaces_the_previous_one(db, person):
    ask_link(db, person.id_number, EMAIL)
    first = link_token(db)
    ask_link(db, person.id_number, EMAIL, now=T0 + 2 * MIN)
    second = link_token(db)
    assert first != second

    with pytest.raises(ResetRefused):
        password_reset.check_reset_token(db, first, T0 + 3 * MIN)
    assert password_reset.check_reset_token(db, second, T0 + 3 * MIN)


@pytest.mark.parametrize("case", ["unregistered_id", "other_email"])
def test_email_request_answers_the_same_when_nothing_matches(db, person, case):
    id_number, email = {
        "unregistered_id": (make_id(57, birth="19700202"), EMAIL),
        "other_email": (person.id_number, "someone.else@example.com"),
    }[case]
    assert ask_link(db, id_number, email) == EMAIL_SENT
    assert not outbox_rows(db, "email")
    assert not fetch_all(db, select(PasswordResetToken))
    (requested,) = audit_rows(db, "password_reset_requested")
    assert requested.outcome == "failure"


def test_new_password_equal_to_the_current_one_is_refused(db, person):
    ask_link(db, person.id_number, EMAIL)
    token = link_token(db)

    with pytest.raises(ValidationFailed) as excinfo:
        reset(db, token, PASSWORD, now=T0 + MIN)
    assert "不能与当前密码相同" in excinfo.value.by_field()["password"]
    db.rollback()

    # The link was not used up by the refusal.
    reset(db, token, now=T0 + 2 * MIN)
    assert verify_password(NEW_PASSWORD, password_hash(db))


def test_password_policy_is_enforced(db, person):
    ask_link(db, person.id_number, EMAIL)
    token = link_token(db)
    before = password_hash(db)

    for password, confirm, field, text in (
        ("12345678", "12345678", "password", "字母和数字"),
        ("Pa" + PHONE, "Pa" + PHONE, "password", "手机号码"),
        ("short1A", "short1A", "password", "长度"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "password_confirm", "不一致"),
    ):
        with pytest.raises(ValidationFailed) as excinfo:
            reset(db, token, password, confirm, now=T0 + MIN)
        assert text in excinfo.value.by_field()[field]
        db.rollback()

    (row,) = fetch_all(db, select(PasswordResetToken))
    assert row.used_at is None
    assert not audit_rows(db, "password_reset")
    assert password_reset.check_reset_token(db, token, T0 + 2 * MIN)  # still usable
    assert password_hash(db) == before
