"""Outbox senders and the outbox listing against a real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from sqlmodel import Session, select

from jssi_app.adapters.mail import OutboxMail
from jssi_app.adapters.pii import cipher
from jssi_app.adapters.sms import SMS_TEXTS, OutboxSms
from jssi_app.models.operations import OutboxMessage
from jssi_app.services.outbox import OutboxEntry, list_outbox

PHONE = "13812341234"
EMAIL = "zhang.san@example.com"


def test_outbox_senders_store_encrypted_and_list_newest_first(db_engine):
    OutboxSms(db_engine).send(PHONE, "register", "482913")
    OutboxMail(db_engine).send(EMAIL, "重置密码", "请打开链接重置密码。")
    OutboxSms(db_engine).send(PHONE, "reset", "105577")

    with Session(db_engine) as session:
        entries = list_outbox(session)
        rows = {row.id: row for row in session.exec(select(OutboxMessage)).all()}

    assert all(isinstance(e, OutboxEntry) for e in entries)
    assert [e.id for e in entries] == sorted((e.id for e in entries), reverse=True)
    assert [(e.channel, e.subject) for e in entries] == [
        ("sms", "找回密码验证码"),
        ("email", "重置密码"),
        ("sms", "注册验证码"),
    ]
    reset, mail, register = entries
    assert register.body == SMS_TEXTS["register"].format(code="482913")
    assert "482913" in register.body and "105577" in reset.body
    assert mail.body == "请打开链接重置密码。"
    assert register.created_at.tzinfo is not None  # stored and read back as aware UTC

    assert register.recipient_masked == "138****1234"
    assert mail.recipient_masked == "z*******n@example.com"

    for entry, plain in ((register, PHONE), (reset, PHONE), (mail, EMAIL)):
        stored = rows[entry.id].recipient_enc
        assert plain not in stored
        assert cipher().decrypt("outbox.recipient", stored) == plain
        assert plain not in repr(entry)


def test_list_outbox_limit(db_engine):
    sms = OutboxSms(db_engine)
    for code in ("111111", "222222", "333333"):
        sms.send(PHONE, "progress", code)
    with Session(db_engine) as session:
        entries = list_outbox(session, limit=2)
    assert [e.body for e in entries] == [
        SMS_TEXTS["progress"].format(code="333333"),
        SMS_TEXTS["progress"].format(code="222222"),
    ]


def test_list_outbox_empty(db_engine):
    with Session(db_engine) as session:
        assert list_outbox(session) == []
