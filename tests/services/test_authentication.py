"""登录 / 退出 against a real database: credentials, lockout, no account enumeration, sessions."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from jssi_app.domain.errors import InvalidValue
from jssi_app.models.accounts import LoginSession, PersonAccount
from jssi_app.services import authentication, sessions
from jssi_app.services.authentication import (
    BAD_CREDENTIALS,
    AccountLocked,
    SignInRefused,
)
from tests.services.helpers import (
    IP,
    MIN,
    NOW,
    PASSWORD,
    add_registry_person,
    audit_rows,
    fetch_all,
    make_id,
    register,
)

WRONG = "Wrong7pass#x"
T0 = NOW + 10 * MIN  # after the registration


@pytest.fixture
def account(db):
    """A registered person: (person, account id)."""
    person = add_registry_person(db, make_id(31), "周丽华", phone="13905170031")
    done = register(db, person)
    return person, done.account_id


def sign_in(db, id_number, password, now, ip=IP):
    return authentication.sign_in(db, id_number=id_number, password=password, client_ip=ip, now=now)


def outcome(db, id_number, password, now):
    """What the person sees: ("ok", None) or (error class, message).

    Every outcome also ends the service's transaction: on SQLite an open one holds the write lock,
    and what it counted (the per-address sign-in throttle) must be stored either way.
    """
    try:
        sign_in(db, id_number, password, now)
    except SignInRefused as exc:
        assert not db.in_transaction(), f"{type(exc).__name__} left a transaction open"
        return type(exc).__name__, exc.message
    assert not db.in_transaction()
    return "ok", None


def stored_account(db, account_id) -> PersonAccount:
    (row,) = fetch_all(db, select(PersonAccount).where(PersonAccount.id == account_id))
    return row


def test_sign_in_returns_a_token_and_stores_only_its_hash(db, account):
    person, account_id = account
    signed = sign_in(db, person.id_number, PASSWORD, T0)

    assert signed.account_id == account_id
    assert signed.profile_complete is False
    assert len(signed.token) >= 40
    (row,) = fetch_all(db, select(LoginSession))
    assert row.token_hash == hashlib.sha256(signed.token.encode()).hexdigest()
    assert all(signed.token not in str(value) for value in row.model_dump().values())
    assert (row.account_kind, row.account_id) == ("person", account_id)
    assert row.created_at == row.last_seen_at == T0
    assert row.absolute_expires_at == T0 + 12 * 60 * MIN
    assert row.ended_at is None
    (event,) = audit_rows(db, "sign_in")
    assert event.actor == f"person:{account_id}" and event.outcome == "success"
    assert signed.token not in event.detail


def test_id_number_typed_with_spaces_and_lower_x_signs_in(db):
    with_x = next(n for n in (make_id(seq) for seq in range(40, 200)) if n.endswith("X"))
    person = add_registry_person(db, with_x, "吴晓燕", phone="13905170032")
    register(db, person)
    spaced = f"{person.id_number[:6]} {person.id_number[6:14]} {person.id_number[14:].lower()}"
    assert sign_in(db, spaced, PASSWORD, T0).token


def test_wrong_password_and_unknown_id_get_the_same_generic_message(db, account):
    person, account_id = account
    with pytest.raises(SignInRefused) as wrong_password:
        sign_in(db, person.id_number, WRONG, T0)
    with pytest.raises(SignInRefused) as unknown_id:
        sign_in(db, make_id(77, birth="19750601"), PASSWORD, T0)

    assert type(wrong_password.value) is type(unknown_id.value) is SignInRefused
    assert wrong_password.value.message == unknown_id.value.message == BAD_CREDENTIALS
    assert stored_account(db, account_id).failed_sign_ins == 1
    failed = audit_rows(db, "sign_in_failed")
    assert len(failed) == 2 and all(e.outcome == "failure" for e in failed)
    assert not fetch_all(db, select(LoginSession))


def test_malformed_input_is_a_field_message_not_a_failed_attempt(db, account):
    person, account_id = account
    with pytest.raises(InvalidValue):
        sign_in(db, "", PASSWORD, T0)
    with pytest.raises(InvalidValue):
        sign_in(db, person.id_number[:17], PASSWORD, T0)
    assert stored_account(db, account_id).failed_sign_ins == 0


def test_five_failures_lock_for_30_minutes(db, account):
    person, account_id = account
    for i in range(4):
        with pytest.raises(SignInRefused) as excinfo:
            sign_in(db, person.id_number, WRONG, T0 + i * MIN)
        assert type(excinfo.value) is SignInRefused
    fifth = T0 + 4 * MIN
    with pytest.raises(AccountLocked) as locked:
        sign_in(db, person.id_number, WRONG, fifth)
    assert locked.value.until == fifth + 30 * MIN
    assert "账号已锁定" in locked.value.message
    assert "09:44" in locked.value.message  # 01:44 UTC shown in Beijing time
    assert stored_account(db, account_id).locked_until == fifth + 30 * MIN
    (event,) = audit_rows(db, "account_locked")
    assert event.outcome == "failure"

    # The right password does not open a locked account.
    with pytest.raises(AccountLocked) as still:
        sign_in(db, person.id_number, PASSWORD, fifth + 29 * MIN)
    assert still.value.until == fifth + 30 * MIN
    assert not fetch_all(db, select(LoginSession))

    signed = sign_in(db, person.id_number, PASSWORD, fifth + 31 * MIN)
    assert signed.account_id == account_id
    after = stored_account(db, account_id)
    assert after.failed_sign_ins == 0 and after.locked_until is None


def test_success_resets_the_failure_count(db, account):
    person, account_id = account
    for i in range(4):
        with pytest.raises(SignInRefused):
            sign_in(db, person.id_number, WRONG, T0 + i * MIN)
    assert stored_account(db, account_id).failed_sign_ins == 4

    sign_in(db, person.id_number, PASSWORD, T0 + 5 * MIN)
    assert stored_account(db, account_id).failed_sign_ins == 0

    with pytest.raises(SignInRefused) as excinfo:
        sign_in(db, person.id_number, WRONG, T0 + 6 * MIN)
    assert type(excinfo.value) is SignInRefused  # the fifth failure overall, but only the first in a row
    assert stored_account(db, account_id).failed_sign_ins == 1


def test_unknown_id_locks_exactly_like_a_registered_one(db, account):
    """Same attempts at the same times: what a registered and an unregistered ID see must be identical."""
    person, _ = account
    unknown = make_id(78, birth="19750601")
    attempts = [(T0 + i * MIN, WRONG) for i in range(5)]  # five failures in a row: locked until T0+34
    attempts += [
        (T0 + 5 * MIN, WRONG),  # during the lock
        (T0 + 31 * MIN, PASSWORD),  # still during the lock (30 minutes from the fifth failure)
        (T0 + 35 * MIN, WRONG),  # lock over: an ordinary failure again, the first of a new series
    ]
    seen = {"registered": [], "unknown": []}
    for at, password in attempts:
        seen["registered"].append(outcome(db, person.id_number, password, at))
        seen["unknown"].append(outcome(db, unknown, WRONG, at))

    assert seen["registered"][:4] == [("SignInRefused", BAD_CREDENTIALS)] * 4
    assert seen["registered"][4][0] == seen["registered"][5][0] == seen["registered"][6][0] == "AccountLocked"
    assert seen["registered"][7] == ("SignInRefused", BAD_CREDENTIALS)
    for step, (registered, unregistered) in enumerate(zip(seen["registered"], seen["unknown"], strict=True)):
        assert unregistered == registered, f"attempt {step} at {attempts[step][0]:%H:%M} UTC"


def test_every_sign_in_gets_a_new_token(db, account):
    person, account_id = account
    first = sign_in(db, person.id_number, PASSWORD, T0)
    second = sign_in(db, person.id_number, PASSWORD, T0 + MIN)

    assert first.token != second.token
    rows = fetch_all(db, select(LoginSession))
    assert len({r.token_hash for r in rows}) == 2
    for token in (first.token, second.token):
        principal = sessions.resume_session(db, token, T0 + 2 * MIN)
        assert principal is not None and principal.account_id == account_id


def test_sign_out_ends_the_session(db, account):
    person, account_id = account
    signed = sign_in(db, person.id_number, PASSWORD, T0)

    authentication.sign_out(db, token=signed.token, client_ip=IP, now=T0 + 5 * MIN)

    assert sessions.resume_session(db, signed.token, T0 + 6 * MIN) is None
    (row,) = fetch_all(db, select(LoginSession))
    assert row.ended_at == T0 + 5 * MIN and row.ended_reason == "sign_out"
    (event,) = audit_rows(db, "sign_out")
    assert event.actor == f"person:{account_id}"

    # Signing out twice, or with a token that is not a session, changes nothing.
    authentication.sign_out(db, token=signed.token, client_ip=IP, now=T0 + 7 * MIN)
    authentication.sign_out(db, token="not-a-token", client_ip=IP, now=T0 + 7 * MIN)
    assert len(audit_rows(db, "sign_out")) == 1
    (row,) = fetch_all(db, select(LoginSession))
    assert row.ended_at == T0 + 5 * MIN
