"""The remaining form handlers against hostile text (tests/hostile_text.py), on a real database: the staff area
(管理员 新增工作人员, the reviewer's 通过 / 退回 with reasons, notes and opinion, the queue search, the audit-log
filter, 修改密码), the three sign-in forms (个人, 单位, 工作人员), 审核进度查询, a handler's 修改申请信息 and 缴费查询.

Each call is refused with a Chinese message and leaves every row of the tables it could write as it was (a failed
sign-in may count the failure on the account: that is the lockout), or stores exactly what the validator cleaned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from jssi_app.adapters.hashing import hash_password, verify_password
from jssi_app.adapters.pii import cipher
from jssi_app.domain.contributions import validate_range
from jssi_app.domain.identifiers import validate_id_number
from jssi_app.domain.names import validate_name
from jssi_app.domain.review import MaterialKind, clean_text
from jssi_app.domain.staff import validate_display_name, validate_role, validate_username
from jssi_app.domain.unit_registration import ApplicationFieldsForm, validate_unit_name
from jssi_app.models.accounts import LoginSession
from jssi_app.models.operations import AuditEvent
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import MaterialRejection, ReviewRound, UnitAccount, UnitApplication
from jssi_app.services import audit_log, authentication, contribution_query, review, review_queue, staff_accounts
from jssi_app.services import staff_admin
from jssi_app.services import unit_progress, unit_registration
from jssi_app.services.review import Notifier
from jssi_app.services.staff_accounts import create_staff
from tests.hostile_text import hostile
from tests.services.helpers import (
    NOW,
    PASSWORD,
    add_registry_person,
    fetch_all,
    make_id,
    outbox_mail,
    outbox_sms,
    register,
    send_code,
)
from tests.services.hostile_checks import Outcomes, Refused
from tests.services.review_fixtures import HANDLER_PHONE, add_application

PW = "Counter2026ok"
NEW_PW = "Lake9Rw#t5p"
_ips = (f"10.6.{n // 250}.{n % 250 + 1}" for n in itertools.count())
# Every example 31 minutes after the last: a lockout (5 failures, 30 minutes) never outlives its example.
_moments = (NOW + dt.timedelta(minutes=31 * n) for n in itertools.count())
# Every example of the sign-in and password-change properties costs one or two bcrypt hashes (~0.3 s each at
# cost 12, which stays: it is what is under test): a quarter of the profile's examples.
BCRYPT_BOUND = settings(max_examples=max(10, settings.default.max_examples // 4))
APPLICATION_TABLES = (UnitAccount, UnitApplication, ReviewRound, MaterialRejection)


def _admin(db) -> int:
    admin = create_staff(db, username="admin1", role="admin", password=PW, now=NOW).account_id
    db.commit()
    return admin


def test_admin_creates_staff_only_from_clean_input(db):
    admin = _admin(db)
    names = (f"staff{n}" for n in itertools.count())
    seen = Outcomes(db, StaffAccount)

    @given(field=st.sampled_from(["username", "role", "display_name"]), value=hostile)
    @example(field="display_name", value="<img src=x onerror=alert(1)>")
    # Regression: the display name was stored unchecked, so a NUL (PostgreSQL) or a lone surrogate crashed it.
    @example(field="display_name", value="王审核\x00")
    @example(field="display_name", value="王审核\ud800")
    @example(field="username", value="admin1' OR '1'='1")
    def run(field, value):
        values = {"username": next(names), "role": "reviewer", "display_name": "王审核", field: value}
        created = seen.attempt(lambda: staff_admin.create_staff_from_admin(db, admin_id=admin, now=NOW, **values))
        if isinstance(created, Refused):
            return
        (row,) = fetch_all(db, select(StaffAccount).where(StaffAccount.id == created.account_id))
        assert (row.username, row.role, row.display_name) == (
            validate_username(values["username"]), validate_role(values["role"]),
            validate_display_name(values["display_name"]))

    run()
    seen.assert_both_seen()


def test_review_decisions_refuse_hostile_reasons_or_store_them_exactly(db):
    reviewer = create_staff(db, username="shenhe1", role="reviewer", password=PW, display_name="王审核",
                            now=NOW).account_id
    db.commit()
    seqs = itertools.count(200)
    seen = Outcomes(db, *APPLICATION_TABLES)
    kinds = [k.value for k in MaterialKind]

    @given(decision=st.sampled_from(["reject", "approve"]),
           reasons=st.dictionaries(st.one_of(st.sampled_from(kinds), hostile),
                                   st.tuples(st.one_of(st.sampled_from(["材料不清晰", "公章缺失", "其他"]), hostile),
                                             st.one_of(hostile, st.just(""))), max_size=3),
           opinion=st.one_of(hostile, st.just("")))
    @example(decision="reject", reasons={"authorization_letter": ("其他", "<script>alert(1)</script>")},
             opinion="<img src=x onerror=alert(1)>{{7*7}}")
    # Regression: a lone surrogate in a note passed the cleaning and crashed storing it.
    @example(decision="reject", reasons={"business_licence": ("其他", "公章\ud800缺失")}, opinion="\x00")
    @example(decision="approve", reasons={}, opinion="材料齐全\u202e\ud800")
    def run(decision, reasons, opinion):
        app = add_application(db, next(seqs))
        review.claim(db, app.id, staff_id=reviewer, now=NOW)
        notifier = Notifier(sms=outbox_sms(db), mail=outbox_mail(db))
        if decision == "approve":
            call = lambda: review.approve(db, app.id, staff_id=reviewer, opinion=opinion, now=NOW,  # noqa: E731
                                          notifier=notifier)
        else:
            call = lambda: review.reject(db, app.id, staff_id=reviewer, reasons=reasons,  # noqa: E731
                                         opinion=opinion, now=NOW, notifier=notifier)
        if isinstance(seen.attempt(call), Refused):
            return
        (round1,) = fetch_all(db, select(ReviewRound).where(ReviewRound.application_id == app.id))
        assert round1.opinion == clean_text(opinion)
        stored = {r.material_kind: (r.reason, r.note)
                  for r in fetch_all(db, select(MaterialRejection).where(MaterialRejection.round_id == round1.id))}
        expected = {k: (r.strip(), clean_text(n)) for k, (r, n) in reasons.items()} if decision == "reject" else {}
        assert stored == expected

    run()
    seen.assert_both_seen()


def test_queue_search_and_audit_filters_take_any_text_without_a_crash(db):
    admin = _admin(db)
    add_application(db, 300, unit_name="南京队列模糊测试有限公司")
    seen = Outcomes(db, UnitApplication, AuditEvent)

    @given(search=hostile, params=st.dictionaries(st.sampled_from(audit_log.FILTER_PARAMS), hostile))
    @example(search="南京' OR '1'='1", params={"actor": "staff:*' --", "since": "2026-03-01\x00"})
    @example(search="\ud800", params={"subject": "\ud800*", "event": "<script>"})
    @example(search="", params={"actor": "\ud800"})  # found by a CI run: reached the database unencodable
    def run(search, params):
        page = seen.attempt(lambda: review_queue.list_queue(db, review_queue.QueueFilter(search=search),
                                                            today=NOW.date()))
        assert not isinstance(page, Refused)
        if isinstance(filt := seen.attempt(lambda: audit_log.filter_from_params(params)), Refused):
            return
        seen.attempt(lambda: audit_log.search_audit(db, filt, admin_id=admin))

    run()


def _signed_in_accounts(db) -> dict[str, tuple[str, int]]:
    """One account of each kind with PASSWORD: the login it signs in with, and its id."""
    person = add_registry_person(db, make_id(81), "张伟明", phone="13800008181")
    person_account = register(db, person).account_id
    app = add_application(db, 301)
    unit = db.get(UnitAccount, app.account_id)
    unit.password_hash = hash_password(PASSWORD)
    db.add(unit)
    db.commit()
    staff = create_staff(db, username="shenhe2", role="reviewer", password=PASSWORD, now=NOW).account_id
    db.commit()
    return {"person": (person.id_number, person_account), "unit": (app.uscc, app.account_id),
            "staff": ("shenhe2", staff)}


def _sign_in(db, kind: str, login: str, password: str, now: dt.datetime):  # noqa: ANN202
    ip = next(_ips)
    if kind == "person":
        return authentication.sign_in(db, id_number=login, password=password, client_ip=ip, now=now).account_id
    if kind == "unit":
        return unit_progress.sign_in_unit(db, credit_code=login, password=password, client_ip=ip, now=now)[0]
    return staff_accounts.staff_sign_in(db, username=login, password=password, client_ip=ip, now=now).account_id


def test_sign_in_forms_refuse_hostile_logins_and_passwords_or_sign_in_the_right_account(db):
    accounts = _signed_in_accounts(db)
    seen = Outcomes(db, LoginSession)

    @BCRYPT_BOUND
    @given(kind=st.sampled_from(sorted(accounts)), login=st.one_of(hostile, st.just("")),
           password=st.one_of(hostile, st.just(PASSWORD)), real_login=st.booleans())
    # Regression: bcrypt 5 raises on a password over 72 bytes, and a lone surrogate failed to encode: both
    # crashed the sign-in instead of being a wrong password.
    @example(kind="person", login="", password="密" * 30, real_login=True)
    @example(kind="staff", login="", password="Abc\ud800", real_login=True)
    @example(kind="staff", login="shenhe2\ud800", password=PASSWORD, real_login=False)
    @example(kind="unit", login="", password=PASSWORD, real_login=True)
    def run(kind, login, password, real_login):
        login_as, account_id = accounts[kind]
        typed = login_as if real_login else login
        signed = seen.attempt(lambda: _sign_in(db, kind, typed, password, next(_moments)))
        if isinstance(signed, Refused):
            return
        assert (signed, password) == (account_id, PASSWORD)

    run()
    seen.assert_both_seen()


def test_staff_password_change_refuses_hostile_input_or_sets_exactly_the_new_password(db):
    staff = create_staff(db, username="shenhe3", role="reviewer", password=PW, now=NOW).account_id
    db.commit()
    seen = Outcomes(db, StaffAccount)

    @BCRYPT_BOUND
    @given(current=st.one_of(hostile, st.just(PW)), new=st.one_of(hostile, st.just(NEW_PW)),
           confirm=st.one_of(hostile, st.none()))
    @example(current=PW, new=NEW_PW + "\ud800", confirm=None)
    @example(current="密" * 30, new=NEW_PW, confirm=None)
    @example(current=PW, new=NEW_PW, confirm=None)
    def run(current, new, confirm):
        changed = seen.attempt(lambda: staff_accounts.change_staff_password(
            db, staff, current=current, new=new, confirm=new if confirm is None else confirm, client_ip=next(_ips),
            now=next(_moments)))
        if isinstance(changed, Refused):
            return
        (row,) = fetch_all(db, select(StaffAccount).where(StaffAccount.id == staff))
        assert verify_password(new, row.password_hash)
        row.password_hash = hash_password(PW)  # back to the first password for the next example
        db.add(row)
        db.commit()

    run()
    seen.assert_both_seen()


def test_progress_query_refuses_hostile_input_or_shows_the_right_application(db):
    app = add_application(db, 302)
    seen = Outcomes(db, *APPLICATION_TABLES)
    # The per-phone SMS limits (5 an hour, 10 a day) must not answer instead: one code every 2.5 hours.
    moments = (NOW + dt.timedelta(hours=2.5 * n) for n in itertools.count())

    @given(credit_code=st.one_of(hostile, st.just(app.uscc), st.just(app.uscc.lower() + " ")),
           phone=st.one_of(hostile, st.just(HANDLER_PHONE)), sms_code=st.one_of(hostile, st.none()))
    @example(credit_code=app.uscc + "\ud800", phone=HANDLER_PHONE, sms_code=None)
    @example(credit_code=app.uscc, phone=HANDLER_PHONE, sms_code=None)
    def run(credit_code, phone, sms_code):
        now = next(moments)
        code = send_code(db, HANDLER_PHONE, purpose="progress", now=now, ip=next(_ips)) if sms_code is None \
            else sms_code
        view = seen.attempt(lambda: unit_progress.query_progress(db, credit_code=credit_code, phone=phone,
                                                                 sms_code=code, client_ip=next(_ips), now=now))
        if not isinstance(view, Refused):
            assert view.reference_no == app.reference_no

    run()
    seen.assert_both_seen()


def test_application_corrections_refuse_hostile_fields_or_store_them_exactly(db):
    app = add_application(db, 303, status="rejected")
    fields = [f.name for f in dataclasses.fields(ApplicationFieldsForm)]
    good = ApplicationFieldsForm(unit_name="南京修改测试有限公司", legal_rep_id=make_id(11, "19700101"),
                                 handler_name="李四", handler_id=make_id(12, "19900612"),
                                 handler_email="jingban@example.com")
    seen = Outcomes(db, *APPLICATION_TABLES)
    c = cipher()

    @given(field=st.sampled_from(fields), value=hostile)
    @example(field="unit_name", value="南京<script>alert(1)</script>有限公司")
    @example(field="handler_name", value="李\u200b四")
    @example(field="handler_email", value="a@b.cn\x00")
    def run(field, value):
        form = dataclasses.replace(good, **{field: value})
        done = seen.attempt(lambda: unit_registration.update_application_fields(
            db, app.id, form, account_id=app.account_id, client_ip=next(_ips), now=NOW))
        if isinstance(done, Refused):
            return
        (row,) = fetch_all(db, select(UnitApplication).where(col(UnitApplication.id) == app.id))
        assert row.unit_name == validate_unit_name(form.unit_name)
        assert c.decrypt("unit_application.handler_name", row.handler_name_enc) == validate_name(form.handler_name)
        assert c.decrypt("unit_application.handler_id", row.handler_id_enc) == validate_id_number(form.handler_id,
                                                                                                  NOW.date())

    run()
    seen.assert_both_seen()


def test_contribution_query_refuses_hostile_filters_or_answers_for_the_months_asked(db):
    person = add_registry_person(db, make_id(82), "钱缴费", phone="13800008282")
    account_id = register(db, person).account_id
    seen = Outcomes(db, LoginSession)

    @given(from_month=st.one_of(hostile, st.just("2025-01")), to_month=st.one_of(hostile, st.just("2026-02")),
           codes=st.lists(st.one_of(hostile, st.sampled_from(["110", "310"])), max_size=3))
    @example(from_month="2025-01\x00", to_month="2026-02", codes=["110' OR '1'='1"])
    @example(from_month="2025-01", to_month="2026-02", codes=["110"])
    def run(from_month, to_month, codes):
        result = seen.attempt(lambda: contribution_query.query_contributions(
            db, account_id=account_id, from_month=from_month, to_month=to_month, insurance_codes=tuple(codes),
            today=NOW.date()))
        if not isinstance(result, Refused):
            assert (result.from_month, result.to_month) == validate_range(from_month, to_month, NOW.date())

    run()
    seen.assert_both_seen()
