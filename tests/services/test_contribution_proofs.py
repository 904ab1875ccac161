"""参保缴费证明 against a real database: issuing, the owner-only PDF, and public verification."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from jssi_app.adapters.pii import cipher
from jssi_app.domain import proof_codes, throttles
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.proofs import ContributionProof
from jssi_app.models.registry import Contribution, RegistryUnit
from jssi_app.services import throttling
from jssi_app.services.contribution_proofs import (
    NOT_FOUND,
    ProofForbidden,
    ProofNotFound,
    issue_proof,
    open_proof_file,
    verify_proof,
)
from jssi_app.services.contribution_records import PAGE_SIZE, contribution_page
from jssi_app.services.sessions import Principal
from tests.services.helpers import IP, NOW, audit_rows, add_registry_person, make_id

PUBLIC = "https://hall.example.cn"
UNIT_NAME = "南京紫金山软件科技有限公司"


def _months(n: int, end: tuple[int, int] = (2026, 3)) -> list[str]:
    last = end[0] * 12 + end[1] - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - n + 1, last + 1)]


def _account(db: Session, person_id: int, id_number: str, name: str, tag: str) -> int:
    c = cipher()
    account = PersonAccount(registry_person_id=person_id, id_fp=c.fingerprint("id_number", id_number),
                            id_number_enc=c.encrypt("person_account.id_number", id_number),
                            name_enc=c.encrypt("person_account.name", name),
                            phone_enc=c.encrypt("person_account.phone", "13800000000"), phone_fp=f"ph-{tag}",
                            password_hash="x", profile_completed_at=NOW)
    db.add(account)
    db.commit()
    return int(account.id)


@pytest.fixture
def world(db: Session) -> dict:
    unit = RegistryUnit(uscc="91320100000000002B", name=UNIT_NAME, unit_type="企业", legal_rep_name_enc="x",
                        legal_rep_id_enc="x", legal_rep_id_fp="x", region_code="320102", address="南京市",
                        insured_since="1996-01", status="正常")
    db.add(unit)
    db.commit()
    me_id, other_id = make_id(21), make_id(22)
    me = add_registry_person(db, me_id, "张三丰")
    other = add_registry_person(db, other_id, "李四")
    rows = []
    for period in _months(360):
        for code, personal, unit_amount in (("110", "480.00", "960.00"), ("210", "30.00", "30.00"),
                                            ("310", "120.00", "540.00"), ("410", "0.00", "24.00")):
            rows.append({"person_id": me.id, "period": period, "insurance_code": code, "unit_id": unit.id,
                         "base": Decimal("6000.00"), "personal_amount": Decimal(personal),
                         "unit_amount": Decimal(unit_amount),
                         "paid_status": "欠缴" if code == "110" and period in ("2026-02", "2026-03") else "已实缴"})
    db.execute(insert(Contribution.__table__), rows)
    db.commit()
    return {
        "me": _account(db, me.id, me_id, "张三丰", "me"),
        "other": _account(db, other.id, other_id, "李四", "other"),
        "me_id": me_id,
    }


def _issue(db: Session, account: int, **kw):
    args = dict(account_id=account, from_month="2025-04", to_month="2026-03", insurance_codes=("110", "210"),
                client_ip=IP, now=NOW, public_url=PUBLIC)
    args.update(kw)
    return issue_proof(db, **args)


def test_issuing_stores_the_record_and_audits(db, world):
    issued = _issue(db, world["me"])
    assert proof_codes.normalize(issued.code) == issued.code
    assert issued.verify_url == f"{PUBLIC}/verify?code={issued.code}"
    proof = db.exec(select(ContributionProof)).one()
    db.commit()
    assert proof.account_id == world["me"]
    assert (proof.from_month, proof.to_month, proof.insurance_codes) == ("2025-04", "2026-03", "110,210")
    assert proof.row_count == 24
    # 12 × 480 + 12 × 30 personal; 12 × 960 + 12 × 30 unit.
    assert (proof.personal_total, proof.unit_total, proof.total) == (Decimal("6120.00"), Decimal("11880.00"),
                                                                     Decimal("18000.00"))
    assert proof.arrears_count == 2
    assert proof.cumulative_pension_months == 358
    assert proof.masked_name == "张**"
    assert proof.masked_id_number == world["me_id"][:6] + "********" + world["me_id"][-4:]
    assert len(proof.content_hash) == 64
    # Only the code's keyed fingerprint is stored, never the code.
    assert issued.code not in proof.code_fp and issued.code.replace("-", "") not in proof.code_fp
    events = audit_rows(db, "proof_issued")
    assert len(events) == 1 and events[0].actor == f"person:{world['me']}"
    assert issued.code not in events[0].detail


def test_the_pdf_says_what_it_proves_in_an_embedded_chinese_font(db, world):
    issued = _issue(db, world["me"])
    pdf = open_proof_file(db, issued.code, principal=Principal("person", world["me"], 1), client_ip=IP, now=NOW)
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    masked = world["me_id"][:6] + "********" + world["me_id"][-4:]
    for expected in ("参保缴费证明", "张**", masked, "2025-04 至 2026-03", "养老、失业", "6,120.00", "11,880.00",
                     "18,000.00", "358 个月", issued.code, "欠缴", UNIT_NAME, "2026-03-02 09:00",
                     f"{PUBLIC}/verify?code={issued.code}"):
        assert expected in text, expected
    assert world["me_id"] not in text
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    cjk = [f for f in fonts if "WenQuanYi" in str(f["/BaseFont"])]
    assert cjk, fonts
    for font in cjk:
        assert "/FontFile2" in font["/FontDescriptor"].get_object()  # the glyphs are in the file


def test_a_long_record_spans_pages_with_the_header_repeated(db, world):
    issued = _issue(db, world["me"], from_month="1996-04", insurance_codes=())
    pdf = open_proof_file(db, issued.code, principal=Principal("person", world["me"], 1), client_ip=IP, now=NOW)
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) > 10
    for page in reader.pages[:-1]:
        text = page.extract_text()
        assert "费款所属期" in text and "缴费状态" in text and issued.code in text


def test_a_genuine_code_verifies_with_the_summary(db, world):
    issued = _issue(db, world["me"])
    typed = issued.code.replace("-", "").lower()  # as someone might type it from paper
    summary = verify_proof(db, code=typed, client_ip="198.51.100.9", now=NOW)
    assert summary.masked_name == "张**"
    assert summary.masked_id_number.endswith(world["me_id"][-4:]) and "********" in summary.masked_id_number
    assert (summary.from_month, summary.to_month, summary.types_text) == ("2025-04", "2026-03", "养老、失业")
    assert summary.total == Decimal("18000.00") and summary.row_count == 24
    assert summary.issued_at_local == "2026-03-02 09:00"
    assert len(audit_rows(db, "proof_verified")) == 1


def _tampered(code: str) -> str:
    compact = code.replace("-", "")
    swap = "A" if compact[3] != "A" else "B"
    return compact[:3] + swap + compact[4:]


def test_forged_altered_and_unknown_codes_do_not_verify_and_say_the_same(db, world):
    issued = _issue(db, world["me"])
    unknown = proof_codes.make_code(bytes(range(12)))  # well formed, never issued
    for code in (_tampered(issued.code), unknown, "hello", ""):
        with pytest.raises(ProofNotFound) as exc:
            verify_proof(db, code=code, client_ip="198.51.100.9", now=NOW)
        assert exc.value.message == NOT_FOUND
    reasons = [e.detail for e in audit_rows(db, "proof_verify_failed")]
    assert len(reasons) == 4 and '"malformed"' in reasons[0] and '"unknown"' in reasons[1]
    assert not audit_rows(db, "proof_verified")


def test_verification_is_rate_limited_per_address(db, world):
    issued = _issue(db, world["me"])
    for i in range(throttles.PROOF_VERIFY_PER_IP.limit):
        with pytest.raises(ProofNotFound):
            verify_proof(db, code="x", client_ip="198.51.100.10", now=NOW + dt.timedelta(seconds=i))
    with pytest.raises(throttling.Throttled) as exc:
        verify_proof(db, code=issued.code, client_ip="198.51.100.10", now=NOW + dt.timedelta(minutes=1))
    assert "核验次数过多" in exc.value.message
    # Another address is not affected.
    assert verify_proof(db, code=issued.code, client_ip="198.51.100.11", now=NOW).row_count == 24


def test_issuing_is_rate_limited_per_account(db, world):
    for i in range(throttles.PROOF_ISSUE_PER_ACCOUNT.limit):
        _issue(db, world["me"], insurance_codes=("410",), now=NOW + dt.timedelta(seconds=i))
    with pytest.raises(throttling.Throttled):
        _issue(db, world["me"], now=NOW + dt.timedelta(minutes=5))
    assert len(db.exec(select(ContributionProof)).all()) == throttles.PROOF_ISSUE_PER_ACCOUNT.limit
    db.commit()


@pytest.mark.parametrize("who", ["other", "anonymous", "staff"])
def test_someone_else_cannot_fetch_the_pdf(db, world, who):
    issued = _issue(db, world["me"])
    principal = {"other": Principal("person", world["other"], 2), "anonymous": None,
                 "staff": Principal("staff", world["me"], 3)}[who]
    with pytest.raises(ProofForbidden):
        open_proof_file(db, issued.code, principal=principal, client_ip=IP, now=NOW)
    denied = audit_rows(db, "proof_access_denied")
    assert len(denied) == 1 and denied[0].outcome == "failure"


def test_a_bad_range_issues_nothing(db, world):
    from jssi_app.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        _issue(db, world["me"], from_month="2026-03", to_month="2025-04")
    assert db.exec(select(ContributionProof)).all() == []
    db.commit()


def test_the_query_page_pages_thirty_years_and_audits_only_a_query(db, world):
    page = contribution_page(db, account_id=world["me"], from_month="1996-04", to_month="2026-03",
                             insurance_codes=(), page=1, client_ip=IP, now=NOW, record_query=True)
    assert page.totals.row_count == 1440 and len(page.rows) == PAGE_SIZE
    assert page.page_count == 1440 // PAGE_SIZE
    assert page.rows[0].period == "2026-03"
    last = contribution_page(db, account_id=world["me"], from_month="1996-04", to_month="2026-03",
                             insurance_codes=(), page=999, client_ip=IP, now=NOW, record_query=False)
    assert last.page == last.page_count and last.rows[-1].period == "1996-04"
    assert len(audit_rows(db, "contributions_queried")) == 1


def test_query_and_print_wait_for_the_first_login_profile(db, world):
    from jssi_app.services.contribution_records import ProfileIncomplete, open_query

    account = db.get(PersonAccount, world["me"])
    account.profile_completed_at = None
    db.add(account)
    db.commit()
    with pytest.raises(ProfileIncomplete):
        open_query(db, account_id=world["me"], now=NOW)
    with pytest.raises(ProfileIncomplete):
        contribution_page(db, account_id=world["me"], from_month="2025-04", to_month="2026-03", insurance_codes=(),
                          page=1, client_ip=IP, now=NOW, record_query=True)
    with pytest.raises(ProfileIncomplete):
        _issue(db, world["me"])
    assert db.exec(select(ContributionProof)).all() == []
    db.commit()


def test_the_page_opens_on_the_last_twelve_months_in_shanghai(db, world):
    from jssi_app.services.contribution_records import open_query

    # 16:30 UTC on 2026-03-31 is 00:30 on April 1st in Nanjing.
    defaults = open_query(db, account_id=world["me"], now=dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC))
    assert (defaults.from_month, defaults.to_month) == ("2025-05", "2026-04")
