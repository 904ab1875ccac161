"""Server-side login sessions against a real database: idle and absolute timeouts, ending sessions."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from jssi_app.domain.codes import hash_token
from jssi_app.models.accounts import LoginSession
from jssi_app.services import password_reset, sessions
from tests.services.helpers import (
    HOUR,
    IP,
    MIN,
    NEW_PASSWORD,
    NOW,
    SEC,
    add_registry_person,
    audit_rows,
    fetch_all,
    make_id,
    outbox_mail,
    outbox_rows,
    register,
)

ACCOUNT_ID = 41


def start(db, account_id=ACCOUNT_ID, at=NOW) -> str:
    token = sessions.start_session(db, account_kind="person", account_id=account_id, client_ip=IP, now=at)
    db.commit()
    return token


def row_of(db, token) -> LoginSession:
    (row,) = fetch_all(db, select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    return row


def test_resume_returns_the_principal(db):
    token = start(db)
    principal = sessions.resume_session(db, token, NOW + MIN)
    assert principal is not None
    assert (principal.account_kind, principal.account_id) == ("person", ACCOUNT_ID)
    assert principal.session_id == row_of(db, token).id


def test_idle_timeout_is_30_minutes_from_the_last_activity(db):
    token = start(db)

    assert sessions.resume_session(db, token, NOW + 29 * MIN) is not None
    assert row_of(db, token).last_seen_at == NOW + 29 * MIN  # activity refreshes the idle clock
    # 58 minutes after sign-in, but only 29 after the last activity: still alive.
    assert sessions.resume_session(db, token, NOW + 58 * MIN) is not None

    assert sessions.resume_session(db, token, NOW + 58 * MIN + 31 * MIN) is None
    row = row_of(db, token)
    assert row.ended_at == NOW + 89 * MIN and row.ended_reason == "expired"
    # Once expired it stays expired, however soon the next request comes.
    assert sessions.resume_session(db, token, NOW + 89 * MIN + SEC) is None


def test_idle_session_expires_at_31_minutes(db):
    token = start(db)
    assert sessions.resume_session(db, token, NOW + 31 * MIN) is None
    assert row_of(db, token).ended_reason == "expired"


def test_activity_within_a_minute_is_not_written(db):
    token = start(db)
    assert sessions.resume_session(db, token, NOW + 30 * SEC) is not None
    assert row_of(db, token).last_seen_at == NOW
    assert sessions.resume_session(db, token, NOW + 61 * SEC) is not None
    assert row_of(db, token).last_seen_at == NOW + 61 * SEC


def test_absolute_timeout_of_12_hours_despite_activity(db):
    token = start(db)
    at = NOW
    while at + 20 * MIN < NOW + 12 * HOUR:
        at += 20 * MIN
        assert sessions.resume_session(db, token, at) is not None, f"alive at {at - NOW}"
    assert at == NOW + 11 * HOUR + 40 * MIN

    # Active 20 minutes ago, but 12 hours after sign-in.
    assert sessions.resume_session(db, token, NOW + 12 * HOUR) is None
    row = row_of(db, token)
    assert row.absolute_expires_at == NOW + 12 * HOUR
    assert row.ended_reason == "expired"


def test_ended_session_is_invalid_and_others_are_not(db):
    token, other = start(db), start(db)

    principal = sessions.end_session(db, token, NOW + MIN)
    db.commit()
    assert principal is not None and principal.account_id == ACCOUNT_ID

    assert sessions.resume_session(db, token, NOW + 2 * MIN) is None
    assert sessions.end_session(db, token, NOW + 3 * MIN) is None  # ending twice does nothing
    db.commit()
    assert row_of(db, token).ended_at == NOW + MIN
    assert sessions.resume_session(db, other, NOW + 2 * MIN) is not None


def test_unknown_and_empty_tokens_resume_nothing(db):
    start(db)
    assert sessions.resume_session(db, "", NOW) is None
    assert sessions.resume_session(db, "forged-token-value", NOW) is None


def test_password_reset_ends_every_session_of_the_account(db):
    person = add_registry_person(db, make_id(42), "孙海燕", phone="13905170042")
    account_id = register(db, person, email="sun.haiyan@example.com").account_id
    phone_token, desktop_token = start(db, account_id, NOW + HOUR), start(db, account_id, NOW + HOUR)
    bystander = start(db, account_id + 1000, NOW + HOUR)

    at = NOW + HOUR + 5 * MIN
    password_reset.request_reset_link(db, id_number=person.id_number, email="sun.haiyan@example.com",
                                      client_ip=IP, now=at, mailer=outbox_mail(db))
    (mail,) = outbox_rows(db, "email")
    token = re.search(r"token=([A-Za-z0-9_-]+)", mail.body).group(1)
    password_reset.reset_password(db, token=token, password=NEW_PASSWORD, confirm=NEW_PASSWORD, client_ip=IP,
                                  now=at + 2 * MIN)

    for t in (phone_token, desktop_token):
        assert sessions.resume_session(db, t, at + 3 * MIN) is None
        row = row_of(db, t)
        assert row.ended_reason == "password_reset" and row.ended_at == at + 2 * MIN
    assert sessions.resume_session(db, bystander, at + 3 * MIN) is not None
    (event,) = audit_rows(db, "password_reset")
    assert json.loads(event.detail)["sessions_ended"] == 2


def test_end_all_sessions_leaves_ended_sessions_alone(db):
    first, second = start(db), start(db)
    sessions.end_session(db, first, NOW + MIN)
    db.commit()

    ended = sessions.end_all_sessions(db, account_kind="person", account_id=ACCOUNT_ID, now=NOW + 2 * MIN,
                                      reason="password_reset")
    db.commit()

    assert ended == 1
    assert row_of(db, first).ended_reason == "sign_out"
    assert row_of(db, second).ended_reason == "password_reset"
    assert sessions.resume_session(db, second, NOW + 3 * MIN) is None
