"""SMS verification codes against a real database: send limits, storage, replacement."""

from __future__ import annotations

import pytest

from jssi_app.domain import throttles
from jssi_app.models.operations import OutboxMessage
from jssi_app.services import sms_codes
from jssi_app.services.sms_codes import CodeRejected
from jssi_app.services.throttling import Throttled
from tests.services.helpers import (
    HOUR,
    IP,
    MIN,
    NOW,
    SEC,
    audit_rows,
    codes,
    count,
    outbox_sms,
    send_code,
)

PHONE = "13905170011"


def refused_send(db, phone=PHONE, *, now, ip=IP, purpose="register") -> Throttled:
    """A send that must be refused: nothing stored, nothing delivered."""
    codes_before, sms_before = len(codes(db)), count(db, OutboxMessage)
    with pytest.raises(Throttled) as excinfo:
        sms_codes.send_code(db, phone=phone, purpose=purpose, client_ip=ip, now=now, sender=outbox_sms(db))
    db.rollback()
    assert len(codes(db)) == codes_before
    assert count(db, OutboxMessage) == sms_before
    return excinfo.value


def test_resend_is_blocked_for_60_seconds_then_allowed(db):
    send_code(db, PHONE, now=NOW)

    refused = refused_send(db, now=NOW + 59 * SEC)
    assert refused.throttle is throttles.SMS_RESEND_INTERVAL
    assert refused.message == "验证码已发送，请1秒后再重新获取"

    send_code(db, PHONE, now=NOW + 60 * SEC)
    assert len(codes(db)) == 2


def test_resend_result_tells_the_page_when_to_allow_the_next(db):
    sent = sms_codes.send_code(db, phone=PHONE, purpose="register", client_ip=IP, now=NOW, sender=outbox_sms(db))
    assert sent.resend_after_seconds == 60
    assert sent.masked_phone == "139****0011"


def test_five_codes_per_phone_per_hour(db):
    for i in range(5):
        send_code(db, PHONE, now=NOW + i * 61 * SEC)

    at = NOW + 5 * 61 * SEC
    refused = refused_send(db, now=at)
    assert refused.throttle is throttles.SMS_PER_PHONE_HOUR
    assert refused.message == throttles.SMS_PER_PHONE_HOUR.refusal_message(NOW + HOUR - at)
    assert "1小时内获取验证码次数已达上限" in refused.message and "55分钟" in refused.message

    # The limit counts across purposes: a reset code for the same phone is refused as well.
    assert refused_send(db, now=at, purpose="reset").throttle is throttles.SMS_PER_PHONE_HOUR
    # Another phone is not affected.
    send_code(db, "13905170012", now=at)
    # Once the first send has left the hour window, the phone may have a code again.
    send_code(db, PHONE, now=NOW + HOUR)


def test_ten_codes_per_phone_per_day(db):
    for start in (NOW, NOW + 2 * HOUR):
        for i in range(5):
            send_code(db, PHONE, now=start + i * 61 * SEC)

    at = NOW + 4 * HOUR
    refused = refused_send(db, now=at)
    assert refused.throttle is throttles.SMS_PER_PHONE_DAY
    assert "24小时内获取验证码次数已达上限" in refused.message
    assert refused.message == throttles.SMS_PER_PHONE_DAY.refusal_message(NOW + 24 * HOUR - at)

    send_code(db, PHONE, now=NOW + 24 * HOUR)


def test_per_ip_limit_across_many_phones(db):
    phones = [f"1390517{n:04d}" for n in range(100, 121)]
    for i, phone in enumerate(phones[:20]):
        send_code(db, phone, now=NOW + i * SEC)

    refused = refused_send(db, phones[20], now=NOW + 30 * SEC)
    assert refused.throttle is throttles.SMS_PER_IP_HOUR
    assert refused.message.startswith("当前网络获取验证码过于频繁")
    # The refusal is about the address, not the phone: from elsewhere the same phone gets its code.
    send_code(db, phones[20], now=NOW + 31 * SEC, ip="198.51.100.23")


def test_stored_code_is_a_keyed_hash(db):
    code = send_code(db, PHONE)

    (row,) = codes(db)
    stored = " ".join(str(v) for v in row.model_dump().values())
    assert code not in stored
    assert len(row.code_hash) == 64 and all(ch in "0123456789abcdef" for ch in row.code_hash)
    assert PHONE not in stored  # the phone is kept as a fingerprint only
    (sent,) = audit_rows(db, "sms_sent")
    assert code not in sent.detail and PHONE not in sent.subject and sent.subject == "139****0011"

    # The hash is what the check uses, and it is bound to the purpose.
    assert sms_codes.check_code(db, phone=PHONE, purpose="register", code=code, now=NOW + MIN) == row.id
    with pytest.raises(CodeRejected):
        sms_codes.check_code(db, phone=PHONE, purpose="reset", code=code, now=NOW + MIN)


def test_a_new_code_kills_the_previous_one(db, monkeypatch):
    issued = iter(["305118", "772604"])  # two distinct codes, so the old one is surely not the new one
    monkeypatch.setattr(sms_codes, "new_code", lambda: next(issued))
    first = send_code(db, PHONE, now=NOW)
    second = send_code(db, PHONE, now=NOW + 61 * SEC)
    assert (first, second) == ("305118", "772604")

    old, new = codes(db)
    assert old.dead_at == NOW + 61 * SEC
    assert new.dead_at is None and new.used_at is None

    at = NOW + 90 * SEC
    with pytest.raises(CodeRejected):
        sms_codes.check_code(db, phone=PHONE, purpose="register", code=first, now=at)
    assert sms_codes.check_code(db, phone=PHONE, purpose="register", code=second, now=at) == new.id


def test_killed_code_cannot_be_consumed(db):
    send_code(db, PHONE, now=NOW)
    send_code(db, PHONE, now=NOW + 61 * SEC)
    old, _new = codes(db)
    with pytest.raises(CodeRejected):
        sms_codes.consume_code(db, int(old.id), NOW + 90 * SEC)
    db.rollback()
    old, _new = codes(db)
    assert old.used_at is None
