"""工作人员管理: only an enabled admin may list, disable, enable, reset and create staff; what each does."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.staff import StaffAccount
from jssi_app.services import sessions
from jssi_app.services.authentication import AccountLocked, SignInRefused
from jssi_app.services.staff_accounts import (
    change_staff_password,
    create_staff,
    staff_sign_in,
)
from jssi_app.services.staff_admin import (
    ADMIN_ONLY,
    AdminRefused,
    PasswordChangeRequired,
    StaffAdminRefused,
    create_staff_from_admin,
    disable_staff,
    enable_staff,
    list_staff,
    require_admin,
    reset_staff_password,
)
from tests.services.helpers import audit_rows, fetch_all

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # 09:00 in Nanjing
IP = "198.51.100.4"
ADMIN_PW = "Admin2026pw"
STAFF_PW = "Review2026ok"


@pytest.fixture
def staff(db):
    """An admin, a reviewer and a clerk with known passwords (no forced change)."""
    admin = create_staff(db, username="admin1", role="admin", display_name="王管理", password=ADMIN_PW, now=T0)
    reviewer = create_staff(db, username="rev1", role="reviewer", display_name="李审核", password=STAFF_PW, now=T0)
    clerk = create_staff(db, username="clerk1", role="clerk", password=STAFF_PW, now=T0)
    return {"admin": admin.account_id, "reviewer": reviewer.account_id, "clerk": clerk.account_id}


def _account(db, account_id: int) -> StaffAccount:
    return fetch_all(db, select(StaffAccount).where(StaffAccount.id == account_id))[0]


def _every_admin_function(db, caller: int | None, target: int):
    """Each staff_admin and audit_log entry point, called as `caller`."""
    from jssi_app.services import audit_log

    yield lambda: require_admin(db, caller)
    yield lambda: list_staff(db, admin_id=caller)
    yield lambda: disable_staff(db, target, admin_id=caller, now=T0, client_ip=IP)
    yield lambda: enable_staff(db, target, admin_id=caller, now=T0, client_ip=IP)
    yield lambda: reset_staff_password(db, target, admin_id=caller, now=T0, client_ip=IP)
    yield lambda: create_staff_from_admin(db, admin_id=caller, username="newbie", role="clerk", now=T0)
    yield lambda: audit_log.search_audit(db, audit_log.AuditFilter(), admin_id=caller)
    yield lambda: audit_log.export_audit_csv(db, audit_log.AuditFilter(), admin_id=caller, now=T0, client_ip=IP)
    yield lambda: audit_log.verify_log(db, admin_id=caller)


def test_everyone_but_an_enabled_admin_is_refused_everything(db, staff):
    second_admin = create_staff(db, username="admin2", role="admin", password=ADMIN_PW, now=T0).account_id
    disable_staff(db, second_admin, admin_id=staff["admin"], now=T0, client_ip=IP)
    before = len(audit_rows(db))
    for caller in (staff["reviewer"], staff["clerk"], second_admin, 999_999, None, 0):
        for call in _every_admin_function(db, caller, staff["clerk"]):
            with pytest.raises(AdminRefused) as refused:
                call()
            assert refused.value.message == ADMIN_ONLY
            db.rollback()
    # Nothing changed: the clerk is still enabled, with the same password, no staff "newbie", no new events.
    clerk = _account(db, staff["clerk"])
    assert clerk.disabled_at is None and not clerk.must_change_password
    assert staff_sign_in(db, username="clerk1", password=STAFF_PW, client_ip=IP, now=T0).token
    assert not fetch_all(db, select(StaffAccount).where(StaffAccount.username == "newbie"))
    assert [r.event for r in audit_rows(db)[before:]] == ["sign_in"]


def test_an_admin_with_a_generated_password_must_change_it_first(db, staff):
    created = create_staff_from_admin(db, admin_id=staff["admin"], username="admin3", role="admin", now=T0)
    for call in _every_admin_function(db, created.account_id, staff["clerk"]):
        with pytest.raises(PasswordChangeRequired):
            call()
        db.rollback()
    change_staff_password(db, created.account_id, current=created.generated_password, new="Admin3new2026",
                          confirm="Admin3new2026", client_ip=IP, now=T0)
    assert require_admin(db, created.account_id).username == "admin3"


def test_list_staff_shows_role_status_and_last_sign_in(db, staff):
    staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=T0 + dt.timedelta(hours=2))
    staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=T0 + dt.timedelta(hours=3))
    disable_staff(db, staff["clerk"], admin_id=staff["admin"], now=T0, client_ip=IP)
    rows = {r.username: r for r in list_staff(db, admin_id=staff["admin"], now=T0 + dt.timedelta(hours=4))}
    assert list(rows) == ["admin1", "clerk1", "rev1"]
    rev = rows["rev1"]
    assert (rev.display_name, rev.role_label, rev.status, rev.disabled) == ("李审核", "审核员", "正常", False)
    assert rev.created == "2026-11-30 09:00" and rev.last_sign_in == "2026-11-30 12:00"
    assert rows["clerk1"].status == "已停用" and rows["clerk1"].disabled and rows["clerk1"].last_sign_in == ""
    assert rows["admin1"].role_label == "系统管理员"


def test_disable_ends_every_session_and_blocks_sign_in_until_enabled(db, staff):
    first = staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=T0)
    second = staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip="10.0.0.2", now=T0)
    later = T0 + dt.timedelta(minutes=5)
    disable_staff(db, staff["reviewer"], admin_id=staff["admin"], now=later, client_ip=IP)
    assert sessions.resume_session(db, first.token, later) is None
    assert sessions.resume_session(db, second.token, later) is None
    with pytest.raises(SignInRefused) as refused:
        staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=later)
    assert "停用" in refused.value.message
    event = audit_rows(db, "staff_disabled")[-1]
    assert (event.actor, event.subject, event.client_ip) == (f"staff:{staff['admin']}", "staff:rev1", IP)
    assert json.loads(event.detail) == {"sessions_ended": 2}
    # Disabling again changes nothing and records nothing.
    disable_staff(db, staff["reviewer"], admin_id=staff["admin"], now=later, client_ip=IP)
    assert len(audit_rows(db, "staff_disabled")) == 1

    enable_staff(db, staff["reviewer"], admin_id=staff["admin"], now=later, client_ip=IP)
    assert _account(db, staff["reviewer"]).disabled_at is None
    assert staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=later).token
    enabled = audit_rows(db, "staff_enabled")
    assert len(enabled) == 1 and enabled[0].subject == "staff:rev1"


def test_an_admin_cannot_disable_or_reset_themselves(db, staff):
    with pytest.raises(StaffAdminRefused, match="不能停用自己"):
        disable_staff(db, staff["admin"], admin_id=staff["admin"], now=T0, client_ip=IP)
    db.rollback()
    with pytest.raises(StaffAdminRefused, match="修改密码"):
        reset_staff_password(db, staff["admin"], admin_id=staff["admin"], now=T0, client_ip=IP)
    db.rollback()
    with pytest.raises(StaffAdminRefused, match="不存在"):
        disable_staff(db, 987_654, admin_id=staff["admin"], now=T0, client_ip=IP)
    db.rollback()
    assert _account(db, staff["admin"]).disabled_at is None


def test_reset_forces_a_change_lifts_the_lock_and_ends_sessions(db, staff):
    signed = staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=T0)
    for i in range(5):  # the fifth wrong password locks the account for 30 minutes
        with pytest.raises(SignInRefused):
            staff_sign_in(db, username="rev1", password="wrong-one", client_ip=IP, now=T0 + i * dt.timedelta(seconds=1))
    with pytest.raises(AccountLocked):
        staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=T0 + dt.timedelta(minutes=1))
    assert next(r for r in list_staff(db, admin_id=staff["admin"], now=T0 + dt.timedelta(minutes=1))
                if r.username == "rev1").locked

    at = T0 + dt.timedelta(minutes=2)
    new_password = reset_staff_password(db, staff["reviewer"], admin_id=staff["admin"], now=at, client_ip=IP)
    assert len(new_password) >= 12 and new_password != STAFF_PW
    assert sessions.resume_session(db, signed.token, at) is None
    account = _account(db, staff["reviewer"])
    assert account.must_change_password and account.failed_sign_ins == 0 and account.locked_until is None
    assert new_password not in account.password_hash
    # The old password no longer works; the new one does (no lock) and must be changed.
    with pytest.raises(SignInRefused):
        staff_sign_in(db, username="rev1", password=STAFF_PW, client_ip=IP, now=at)
    again = staff_sign_in(db, username="rev1", password=new_password, client_ip=IP, now=at)
    assert again.must_change_password
    event = audit_rows(db, "staff_password_reset")[-1]
    assert (event.actor, event.subject) == (f"staff:{staff['admin']}", "staff:rev1")
    assert new_password not in event.detail
    change_staff_password(db, staff["reviewer"], current=new_password, new="Fresh2026pw", confirm="Fresh2026pw",
                          client_ip=IP, now=at, keep_session_id=None)
    assert not staff_sign_in(db, username="rev1", password="Fresh2026pw", client_ip=IP, now=at).must_change_password


def test_admin_creates_staff_with_a_generated_password(db, staff):
    created = create_staff_from_admin(db, admin_id=staff["admin"], username="Window.Zhao", role="clerk",
                                      display_name="赵窗口", now=T0)
    assert created.username == "window.zhao" and created.generated_password
    signed = staff_sign_in(db, username="window.zhao", password=created.generated_password, client_ip=IP, now=T0)
    assert signed.must_change_password and signed.role == "clerk"
    event = audit_rows(db, "staff_created")[-1]
    assert event.actor == f"staff:{staff['admin']}"
    assert created.generated_password not in event.detail
    with pytest.raises(ValidationFailed) as bad:
        create_staff_from_admin(db, admin_id=staff["admin"], username="window.zhao", role="boss", now=T0)
    assert set(bad.value.by_field()) == {"role"}
    db.rollback()
    with pytest.raises(ValidationFailed) as dup:
        create_staff_from_admin(db, admin_id=staff["admin"], username="WINDOW.ZHAO", role="clerk", now=T0)
    assert "已存在" in dup.value.by_field()["username"]
