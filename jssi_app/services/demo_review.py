"""Demo staff and unit applications for the embedded default, so a person trying `make run` finds a
reviewer account and applications in every state of the review (填写中, 待审核, 审核中, 已通过, 未通过).

Everything goes through the real services (registration, upload with real image processing, review),
with fixed demo passwords printed by `make run`. Never run in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from PIL import Image, ImageDraw
from sqlmodel import Session, delete, select

from jssi_app.adapters.mail import OutboxMail
from jssi_app.adapters.sms import OutboxSms
from jssi_app.domain.credit_codes import credit_code_check_char, org_code_check_char
from jssi_app.domain.identifiers import check_digit
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.models.accounts import VerificationCode
from jssi_app.models.operations import OutboxMessage
from jssi_app.models.staff import StaffAccount
from jssi_app.services import review, sms_codes, unit_registration
from jssi_app.services.staff_accounts import create_staff

DEMO_STAFF = (
    ("shenhe01", "reviewer", "审核员 李审", "Review2026demo"),
    ("shenhe02", "reviewer", "审核员 周核", "Review2026demo"),
    ("chuangkou01", "clerk", "窗口 陈经办", "Counter2026demo"),
    ("admin", "admin", "管理员", "Admin2026demo"),
)
DEMO_UNIT_PASSWORD = "Unit2026demo"


@dataclasses.dataclass(frozen=True)
class DemoApplication:
    status: str
    unit_name: str
    credit_code: str
    handler_phone: str


def _credit_code(seq: int) -> str:
    org8 = f"MD{seq:06d}"
    first17 = "91320106" + org8 + org_code_check_char(org8)
    return first17 + credit_code_check_char(first17)


def _id(seq: int, birth: str) -> str:
    first17 = f"320106{birth}{seq:03d}"
    return first17 + check_digit(first17)


DEMO_APPLICATIONS = tuple(
    DemoApplication(status, name, _credit_code(i + 1), f"1390000{i + 1:04d}")
    for i, (status, name) in enumerate([
        ("draft", "南京示例餐饮管理有限公司"),
        ("submitted", "南京示例物流有限公司"),
        ("submitted", "南京示例建筑工程有限公司"),
        ("in_review", "南京示例电子科技有限公司"),
        ("approved", "南京示例文化传媒有限公司"),
        ("rejected", "南京示例医疗器械有限公司"),
    ])
)


def _scan(title: str, kind: str) -> bytes:
    image = Image.new("RGB", (1240, 1754), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 1180, 1694), outline=(30, 60, 140), width=6)
    draw.text((120, 140), f"DEMO {kind}", fill=(30, 30, 30))
    draw.text((120, 200), title.encode("ascii", "ignore").decode() or "demo unit", fill=(30, 30, 30))
    draw.ellipse((900, 1300, 1100, 1500), outline=(200, 20, 20), width=10)  # the 公章
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def seed_demo_review(db: Session, *, now: dt.datetime) -> bool:
    """Create the demo staff and applications once; False when staff already exist."""
    if db.exec(select(StaffAccount.id).limit(1)).first() is not None:
        return False
    db.rollback()
    staff_ids = {}
    for username, role, display, password in DEMO_STAFF:
        staff_ids[username] = create_staff(db, username=username, role=role, display_name=display,
                                           password=password, actor="seed-demo", now=now).account_id
    engine = db.get_bind()
    notifier = review.Notifier(sms=OutboxSms(engine), mail=OutboxMail(engine))
    sender = OutboxSms(engine)
    reviewer = staff_ids["shenhe01"]
    for i, demo in enumerate(DEMO_APPLICATIONS):
        at = now - dt.timedelta(days=6 - i, hours=3)
        sms_codes.send_code(db, phone=demo.handler_phone, purpose="register", client_ip="127.0.0.1", now=at,
                            sender=sender)
        # The demo reads its own code the way a person reads the outbox: from the newest message.
        body = db.exec(select(OutboxMessage.body).order_by(OutboxMessage.id.desc()).limit(1)).one()
        code = "".join(ch for ch in body.split("验证码")[1][:8] if ch.isdigit())[:6]
        db.rollback()
        form = UnitRegistrationForm(
            unit_name=demo.unit_name, credit_code=demo.credit_code, legal_rep_id=_id(100 + i, "19700101"),
            handler_name="张经办", handler_id=_id(200 + i, "19900101"), handler_phone=demo.handler_phone,
            handler_email=f"hr{i + 1}@example.com", password=DEMO_UNIT_PASSWORD, password_confirm=DEMO_UNIT_PASSWORD,
            sms_code=code, agreed=True,
        )
        reg = unit_registration.register_unit(db, form, client_ip="127.0.0.1", now=at)
        if demo.status == "draft":
            unit_registration.add_material(db, reg.application_id, account_id=reg.account_id, kind="business_licence",
                                           filename="营业执照.jpg", content=_scan(demo.unit_name, "licence"),
                                           client_ip="127.0.0.1", now=at)
            continue
        for kind, name in (("business_licence", "营业执照.jpg"), ("legal_rep_id", "法定代表人身份证.jpg"),
                           ("handler_id", "经办人身份证.jpg"), ("authorization_letter", "授权委托书.jpg")):
            unit_registration.add_material(db, reg.application_id, account_id=reg.account_id, kind=kind, filename=name,
                                           content=_scan(demo.unit_name, kind), client_ip="127.0.0.1", now=at)
        unit_registration.submit_application(db, reg.application_id, account_id=reg.account_id, client_ip="127.0.0.1",
                                             now=at + dt.timedelta(minutes=20))
        decided_at = at + dt.timedelta(hours=2)
        if demo.status in ("in_review", "approved", "rejected"):
            review.claim(db, reg.application_id, staff_id=reviewer, now=decided_at)
        if demo.status == "approved":
            review.approve(db, reg.application_id, staff_id=reviewer, opinion="材料齐全，予以通过。",
                           now=decided_at + dt.timedelta(minutes=10), notifier=notifier)
        elif demo.status == "rejected":
            review.reject(db, reg.application_id, staff_id=reviewer,
                          reasons={"authorization_letter": ("公章缺失", "授权委托书未加盖单位公章")},
                          opinion="请补充加盖公章的授权委托书后重新提交。", now=decided_at + dt.timedelta(minutes=10),
                          notifier=notifier)
    db.exec(delete(VerificationCode))  # the demo's own codes are of no use to anyone
    db.commit()
    return True
