"""The hash-chained audit log against a real database: appends verify, tampering is found."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import text

from jssi_app.adapters.pii import cipher
from jssi_app.domain.audit_chain import GENESIS_HASH, event_hash
from jssi_app.services import audit
from tests.services.helpers import IP, NOW, audit_rows, send_code

EVENTS = [
    ("sms_sent", "anonymous", "success", {"purpose": "register"}),
    ("account_created", "person:1", "success", {"real_name": "passed"}),
    ("sign_in_failed", "person:1", "failure", {"reason": "bad_credentials"}),
    ("sign_in", "person:1", "success", {}),
    ("profile_completed", "person:1", "success", {"first_time": True}),
    ("sign_out", "person:1", "success", {}),
]


@pytest.fixture
def logged(db):
    """Six events appended by the service in the caller's transactions, one more in its own."""
    for event, actor, outcome, detail in EVENTS:
        audit.record(db, event, actor=actor, subject="320102********0117", client_ip=IP, outcome=outcome,
                     detail=detail)
        db.commit()
    audit.record_alone(db, "real_name_failed", actor="anonymous", client_ip=IP, outcome="failure",
                       detail={"reason": "no_record"})
    return [r.id for r in audit_rows(db)]


def tamper(db, sql: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with db.get_bind().begin() as conn:
        conn.execute(text(sql), params)


def test_chain_verifies_after_several_events(db, logged):
    send_code(db, "13905170071", now=NOW)  # and one written by a real service call

    result = audit.verify_audit_log(db)
    assert result.ok is True
    assert result.checked == len(EVENTS) + 2
    assert result.first_bad_id is None

    rows = audit_rows(db)
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert len({r.hash for r in rows}) == len(rows)


def test_empty_log_verifies(db):
    result = audit.verify_audit_log(db)
    assert (result.ok, result.checked, result.first_bad_id) == (True, 0, None)


def test_verification_reads_in_batches(db, logged):
    result = audit.verify_audit_log(db, batch=2)
    assert (result.ok, result.checked) == (True, len(logged))


def test_edited_detail_is_detected(db, logged):
    target = logged[2]  # sign_in_failed
    held = audit_rows(db)  # rows this session holds in memory must not hide the edit from the check
    tamper(db, "UPDATE audit_event SET detail = :d WHERE id = :id",
           d=json.dumps({"reason": "typo"}), id=target)

    result = audit.verify_audit_log(db)
    assert result.ok is False
    assert result.first_bad_id == target
    assert result.checked == 3
    assert held[2].id == target


def test_edited_outcome_is_detected(db, logged):
    target = logged[2]
    tamper(db, "UPDATE audit_event SET outcome = 'success' WHERE id = :id", id=target)

    result = audit.verify_audit_log(db)
    assert (result.ok, result.first_bad_id) == (False, target)


def test_recomputed_hash_of_an_edited_row_breaks_the_next_row(db, logged):
    """Fixing up the edited row's own hash does not help: the next row chains onto the old one."""
    target = logged[3]
    (row,) = [r for r in audit_rows(db) if r.id == target]
    forged = row.model_dump() | {"actor": "person:2"}
    tamper(db, "UPDATE audit_event SET actor = :a, hash = :h WHERE id = :id",
           a="person:2", h=event_hash(row.prev_hash, forged, cipher().chain_key()), id=target)

    result = audit.verify_audit_log(db)
    assert (result.ok, result.first_bad_id) == (False, logged[4])


def test_deleted_middle_row_is_detected(db, logged):
    tamper(db, "DELETE FROM audit_event WHERE id = :id", id=logged[3])

    result = audit.verify_audit_log(db)
    assert result.ok is False
    assert result.first_bad_id == logged[4]


def test_unknown_event_names_are_refused(db):
    with pytest.raises(ValueError):
        audit.record(db, "password_stolen", actor="anonymous")
    db.rollback()
    assert not audit_rows(db)


def test_a_chain_recomputed_without_the_key_fails_at_its_first_row(db, logged):
    """With database access but not the key, an edit cannot be hidden by re-chaining every row (as it could be
    with an unkeyed hash): each row's HMAC needs the chain key."""
    rows = audit_rows(db)
    db.commit()
    prev, guessed_key = GENESIS_HASH, b"g" * 32
    for row in rows:
        fields = row.model_dump() | ({"actor": "person:9"} if row.id == logged[1] else {})
        forged = event_hash(prev, fields, guessed_key)
        tamper(db, "UPDATE audit_event SET actor = :a, prev_hash = :p, hash = :h WHERE id = :id",
               a=fields["actor"], p=prev, h=forged, id=row.id)
        prev = forged

    result = audit.verify_audit_log(db)
    assert (result.ok, result.first_bad_id) == (False, logged[0])
