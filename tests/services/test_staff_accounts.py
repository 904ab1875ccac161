"""Staff accounts: creation with a given or generated password, the staff login, forced change."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlmodel import select

from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.accounts import LoginSession
from jssi_app.models.staff import StaffAccount
from jssi_app.services import sessions
from jssi_app.services.authentication import AccountLocked, SignInRefused
from jssi_app.services.staff_accounts import change_staff_password, create_staff, staff_sign_in
from tests.services.conftest import ROOT

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


def test_generated_password_must_be_changed_at_first_login(db):
    created = create_staff(db, username="Reviewer.Li", role="reviewer", now=T0)
    assert created.username == "reviewer.li" and created.generated_password
    signed = staff_sign_in(db, username="reviewer.li", password=created.generated_password, client_ip="1.2.3.4", now=T0)
    assert signed.must_change_password and signed.role == "reviewer"
    change_staff_password(db, created.account_id, current=created.generated_password, new="Review2026ok",
                          confirm="Review2026ok", client_ip="1.2.3.4", now=T0, keep_session_id=None)
    again = staff_sign_in(db, username="reviewer.li", password="Review2026ok", client_ip="1.2.3.4", now=T0)
    assert not again.must_change_password
    # The password change ended the earlier session.
    assert sessions.resume_session(db, signed.token, T0) is None
    assert sessions.resume_session(db, again.token, T0) is not None


def test_given_password_follows_the_policy_and_usernames_are_unique(db):
    with pytest.raises(ValidationFailed) as bad:
        create_staff(db, username="clerk1", role="clerk", password="12345678", now=T0)
    assert "password" in bad.value.by_field()
    create_staff(db, username="clerk1", role="clerk", password="Counter2026a", now=T0)
    with pytest.raises(ValidationFailed) as dup:
        create_staff(db, username="CLERK1", role="clerk", password="Counter2026a", now=T0)
    assert "已存在" in dup.value.by_field()["username"]
    with pytest.raises(ValidationFailed):
        create_staff(db, username="x", role="boss", now=T0)


def test_staff_lockout_and_disabled_account(db):
    create_staff(db, username="admin1", role="admin", password="Admin2026pw", now=T0)
    for i in range(4):
        with pytest.raises(SignInRefused):
            staff_sign_in(db, username="admin1", password="wrong", client_ip="9.9.9.9", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(AccountLocked):
        staff_sign_in(db, username="admin1", password="wrong", client_ip="9.9.9.9", now=T0 + dt.timedelta(seconds=5))
    with pytest.raises(AccountLocked):
        staff_sign_in(db, username="admin1", password="Admin2026pw", client_ip="9.9.9.9", now=T0 + dt.timedelta(minutes=1))
    later = T0 + dt.timedelta(minutes=31)
    assert staff_sign_in(db, username="admin1", password="Admin2026pw", client_ip="9.9.9.9", now=later).token
    account = db.exec(select(StaffAccount).where(StaffAccount.username == "admin1")).one()
    account.disabled_at = later
    db.add(account)
    db.commit()
    with pytest.raises(SignInRefused) as refused:
        staff_sign_in(db, username="admin1", password="Admin2026pw", client_ip="9.9.9.9", now=later)
    assert "停用" in refused.value.message
    # A wrong password on a disabled account says nothing about it being disabled.
    with pytest.raises(SignInRefused) as wrong:
        staff_sign_in(db, username="admin1", password="nope", client_ip="9.9.9.9", now=later)
    assert "停用" not in wrong.value.message
    staff_sessions = db.exec(select(LoginSession).where(LoginSession.account_kind == "staff")).all()
    assert len(staff_sessions) == 1


def test_cli_creates_staff_with_password_from_stdin_or_generated(tmp_path):
    env = dict(os.environ, REFLEX_DB_URL=f"sqlite:///{tmp_path / 'cli.db'}", JSSI_DATA_DIR=str(tmp_path))
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    piped = subprocess.run([sys.executable, "-m", "jssi_app", "staff", "create", "--username", "rev1", "--role", "reviewer"],
                           cwd=ROOT, env=env, input="Piped2026pw\n", capture_output=True, text=True)
    assert piped.returncode == 0, piped.stderr
    assert "初始密码" not in piped.stdout
    weak = subprocess.run([sys.executable, "-m", "jssi_app", "staff", "create", "--username", "rev2", "--role", "reviewer"],
                          cwd=ROOT, env=env, input="123\n", capture_output=True, text=True)
    assert weak.returncode == 1 and "密码" in weak.stderr
    empty = subprocess.run([sys.executable, "-m", "jssi_app", "staff", "create", "--username", "rev3", "--role", "clerk"],
                           cwd=ROOT, env=env, input="", capture_output=True, text=True)
    assert empty.returncode == 0 and "初始密码" in empty.stdout
