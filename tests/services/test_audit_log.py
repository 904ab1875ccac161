"""审计日志 viewer: keyset paging, filters, the CSV export (and its own audit record), chain verification,
and the /files/audit.csv route that only an admin's session may use."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json

import httpx
import pytest
from sqlmodel import col, select

from jssi_app.adapters.clock import local_today
from jssi_app.domain.errors import ValidationFailed
from jssi_app.models.operations import AuditEvent
from jssi_app.services import audit, audit_log
from jssi_app.services.audit_log import (
    CSV_HEADER,
    AuditFilter,
    export_audit_csv,
    filter_from_params,
    filter_params,
    search_audit,
    verify_log,
)
from jssi_app.services.staff_accounts import create_staff, staff_sign_in
from tests.services.helpers import audit_rows, fetch_all

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
IP = "198.51.100.9"
ADMIN_PW = "Admin2026pw"
TRICKY = 'a, "b" and, c'  # a comma and quotes: must survive the CSV round trip


@pytest.fixture
def admin_id(db) -> int:
    return create_staff(db, username="admin1", role="admin", password=ADMIN_PW, now=T0).account_id


def _fill(db, n: int) -> None:
    """n events of three kinds, by two actors, some failed."""
    for i in range(n):
        kind = ("sign_in", "sign_in_failed", "material_viewed")[i % 3]
        audit.record(db, kind, actor=f"person:{i % 2 + 1}" if kind != "material_viewed" else "staff:7",
                     subject=f"3201**********{i:04d}", client_ip=f"10.0.0.{i}",
                     outcome="failure" if kind == "sign_in_failed" else "success", detail={"n": i})
    db.commit()


def _walk(db, filt: AuditFilter, admin_id: int, limit: int) -> list[int]:
    ids, before, pages = [], None, 0
    while True:
        page = search_audit(db, filt, admin_id=admin_id, before_id=before, limit=limit)
        ids += [r.id for r in page.rows]
        pages += 1
        assert pages < 100
        if page.next_before_id is None:
            return ids
        before = page.next_before_id


def test_keyset_paging_walks_every_row_once_newest_first(db, admin_id):
    _fill(db, 23)
    every = [r.id for r in audit_rows(db)]
    assert len(every) == 24  # staff_created + 23
    ids = _walk(db, AuditFilter(), admin_id, limit=5)
    assert ids == sorted(every, reverse=True)
    # An exact multiple of the page size ends without an empty page.
    first = search_audit(db, AuditFilter(), admin_id=admin_id, limit=24)
    assert len(first.rows) == 24 and first.next_before_id is None


def test_rows_appended_while_paging_neither_repeat_nor_shift_rows(db, admin_id):
    _fill(db, 10)
    original = sorted((r.id for r in audit_rows(db)), reverse=True)
    page = search_audit(db, AuditFilter(), admin_id=admin_id, limit=4)
    seen = [r.id for r in page.rows]
    _fill(db, 6)  # newer events arrive above page 1
    before = page.next_before_id
    while before is not None:
        page = search_audit(db, AuditFilter(), admin_id=admin_id, before_id=before, limit=4)
        seen += [r.id for r in page.rows]
        before = page.next_before_id
    assert seen == original


def test_rows_show_local_time_labels_and_stored_values(db, admin_id):
    audit.record(db, "sign_in_failed", actor="person:3", subject="3201**********1234", client_ip="203.0.113.5",
                 outcome="failure", detail={"reason": "bad_credentials"})
    db.commit()
    stored = audit_rows(db)[-1]
    row = search_audit(db, AuditFilter(), admin_id=admin_id, limit=1).rows[0]
    assert row.id == stored.id
    at = stored.at if stored.at.tzinfo else stored.at.replace(tzinfo=dt.UTC)
    assert row.at == at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    assert (row.event, row.event_label) == ("sign_in_failed", "登录失败（sign_in_failed）")
    assert (row.actor, row.subject, row.client_ip) == ("person:3", "3201**********1234", "203.0.113.5")
    assert (row.outcome, row.outcome_label) == ("failure", "失败")
    assert json.loads(row.detail) == {"reason": "bad_credentials"} and row.hash == stored.hash


def test_filters(db, admin_id):
    _fill(db, 12)
    rows = audit_rows(db)

    def ids(**kw) -> list[int]:
        return _walk(db, AuditFilter(**kw), admin_id, limit=50)

    def expect(pred) -> list[int]:
        return sorted((r.id for r in rows if pred(r)), reverse=True)

    assert ids(event="sign_in_failed") == expect(lambda r: r.event == "sign_in_failed")
    assert ids(actor="person:1") == expect(lambda r: r.actor == "person:1")
    assert ids(actor="person:*") == expect(lambda r: r.actor.startswith("person:"))
    assert ids(actor="person") == []  # exact unless it ends with *
    assert ids(subject="3201**********0004") == expect(lambda r: r.subject == "3201**********0004")
    # The * inside a masked subject is a character, not a wildcard; only a trailing * means "prefix".
    assert ids(subject="3201**********001*") == expect(lambda r: r.subject.startswith("3201**********001"))
    assert ids(outcome="failure") == expect(lambda r: r.outcome == "failure")
    assert ids(event="sign_in", actor="person:2", outcome="success") == expect(
        lambda r: r.event == "sign_in" and r.actor == "person:2")
    today = local_today()
    assert ids(since=today, until=today) == expect(lambda r: True)
    assert ids(until=today - dt.timedelta(days=1)) == []
    assert ids(since=today + dt.timedelta(days=1)) == []
    for bad, field in ((AuditFilter(event="no_such_event"), "event"), (AuditFilter(outcome="maybe"), "outcome"),
                       (AuditFilter(since=today, until=today - dt.timedelta(days=1)), "until")):
        with pytest.raises(ValidationFailed) as refused:
            search_audit(db, bad, admin_id=admin_id)
        assert field in refused.value.by_field()
        db.rollback()


def test_filter_query_parameters_round_trip():
    filt = AuditFilter(event="sign_in", actor="staff:*", outcome="failure", since=dt.date(2026, 11, 1),
                       until=dt.date(2026, 11, 30))
    params = filter_params(filt)
    assert params == {"event": "sign_in", "actor": "staff:*", "outcome": "failure", "since": "2026-11-01",
                      "until": "2026-11-30"}
    assert filter_from_params(params) == filt
    assert filter_from_params({}) == AuditFilter()
    with pytest.raises(ValidationFailed) as bad:
        filter_from_params({"since": "30/11/2026"})
    assert "since" in bad.value.by_field()


def _parse(data: bytes) -> list[list[str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_header_escaped_fields_and_is_audited(db, admin_id):
    audit.record(db, "material_viewed", actor="staff:5", subject=TRICKY, client_ip="=1+2", detail={"note": TRICKY})
    audit.record(db, "sign_in", actor="person:1", subject="3201**********0001", client_ip=IP)
    db.commit()
    stored = {r.id: r for r in audit_rows(db)}
    data = export_audit_csv(db, AuditFilter(), admin_id=admin_id, now=T0, client_ip=IP)
    assert data.startswith(codecs.BOM_UTF8 + "时间,事件,操作者,对象,客户端地址,结果,详情,哈希\r\n".encode())
    # The comma-and-quote value is quoted with its quotes doubled.
    assert b'"a, ""b"" and, c"' in data
    table = _parse(data)
    assert tuple(table[0]) == CSV_HEADER
    body = table[1:]
    assert len(body) == 3  # newest first: sign_in, material_viewed, staff_created
    assert [r[1] for r in body] == ["sign_in", "material_viewed", "staff_created"]
    tricky = body[1]
    original = next(r for r in stored.values() if r.event == "material_viewed")
    assert tricky[3] == TRICKY
    assert tricky[6] == original.detail and json.loads(tricky[6]) == {"note": TRICKY}
    assert tricky[4] == "'=1+2"  # a spreadsheet would run a cell starting with "=": neutralised
    assert tricky[5] == "成功" and tricky[7] == original.hash
    # The export left its own record, with the filter, and the chain still holds.
    exported = audit_rows(db, "audit_exported")
    assert len(exported) == 1
    assert (exported[0].actor, exported[0].client_ip) == (f"staff:{admin_id}", IP)
    assert json.loads(exported[0].detail) == {"filter": {}, "rows": 3, "truncated": False}
    assert verify_log(db, admin_id=admin_id).ok


def test_csv_export_follows_the_filter_walks_batches_and_stops_at_the_cap(db, admin_id, monkeypatch):
    _fill(db, 30)
    monkeypatch.setattr(audit_log, "EXPORT_BATCH", 7)  # several keyset batches
    filt = AuditFilter(event="sign_in_failed", outcome="failure")
    body = _parse(export_audit_csv(db, filt, admin_id=admin_id, now=T0, client_ip=IP))[1:]
    expected = [r for r in reversed(audit_rows(db)) if r.event == "sign_in_failed"]
    assert [row[7] for row in body] == [r.hash for r in expected] and len(body) == 10
    capped = _parse(export_audit_csv(db, AuditFilter(), admin_id=admin_id, now=T0, client_ip=IP, max_rows=8))[1:]
    assert len(capped) == 8
    details = [json.loads(r.detail) for r in audit_rows(db, "audit_exported")]
    assert details == [
        {"filter": {"event": "sign_in_failed", "outcome": "failure"}, "rows": 10, "truncated": False},
        {"filter": {}, "rows": 8, "truncated": True},
    ]


def test_verify_reports_the_first_bad_row(db, admin_id):
    _fill(db, 5)
    result = verify_log(db, admin_id=admin_id)
    assert result.ok and result.checked == 6 and result.first_bad_id is None
    victim = fetch_all(db, select(AuditEvent).order_by(col(AuditEvent.id)))[3]
    victim.detail = '{"n": 999}'
    db.add(victim)
    db.commit()
    broken = verify_log(db, admin_id=admin_id)
    assert not broken.ok and broken.first_bad_id == victim.id and broken.checked == 4


@pytest.fixture
def client(db_engine, monkeypatch):
    """GET on the Starlette app in front of Reflex, with the session cookie of `token` when given."""
    import jssi_app.api as api_module

    monkeypatch.setattr(api_module, "engine", lambda: db_engine)

    from starlette.testclient import TestClient

    # TestClient runs the app on a loop of its own in a worker thread: the session-wide Playwright fixture
    # keeps an event loop running in this thread, so asyncio.run() is not available here.
    def fetch(path: str, token: str = "") -> httpx.Response:
        with TestClient(api_module.api, base_url="https://testserver") as c:
            if token:
                c.cookies.set("jssi_session", token)
            return c.get(path)

    return fetch


def test_csv_route_serves_admins_only(db, admin_id, client):
    create_staff(db, username="rev1", role="reviewer", password=ADMIN_PW, now=T0)
    assert client("/files/audit.csv").status_code == 404
    reviewer = staff_sign_in(db, username="rev1", password=ADMIN_PW, client_ip=IP, now=dt.datetime.now(dt.UTC))
    refused = client("/files/audit.csv?event=sign_in", reviewer.token)
    assert refused.status_code == 404 and "无权" in refused.text
    assert "sign_in" not in refused.text and not audit_rows(db, "audit_exported")

    admin = staff_sign_in(db, username="admin1", password=ADMIN_PW, client_ip=IP, now=dt.datetime.now(dt.UTC))
    ok = client("/files/audit.csv?event=sign_in&actor=staff:*", admin.token)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "text/csv; charset=utf-8"
    assert ok.headers["cache-control"] == "no-store"
    assert ok.headers["content-disposition"] == f'attachment; filename="audit-{local_today():%Y%m%d}.csv"'
    table = _parse(ok.content)
    assert tuple(table[0]) == CSV_HEADER and {r[1] for r in table[1:]} == {"sign_in"} and len(table) == 3
    exported = audit_rows(db, "audit_exported")
    assert len(exported) == 1
    assert json.loads(exported[0].detail)["filter"] == {"event": "sign_in", "actor": "staff:*"}

    bad = client("/files/audit.csv?since=yesterday", admin.token)
    assert bad.status_code == 400 and "日期" in bad.text
