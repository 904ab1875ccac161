"""参保缴费证明: issuing a proof (PDF + record), giving its PDF back to its owner, and public verification.

Issuing renders the PDF outside any transaction (rendering 1,440 rows takes about a second, and on
SQLite an open transaction holds the write lock), then stores the record, counts the throttle and
audits in one short transaction. The PDF is stored encrypted, exactly as issued: downloading it again
gives the same document even if the registry was corrected since.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from jssi_app import routes
from jssi_app.adapters import proof_pdf
from jssi_app.adapters.clock import format_local, to_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain import proof_codes, throttles
from jssi_app.domain.contributions import FILTER_TYPES, insurance_name, money
from jssi_app.domain.errors import DomainError, InvalidValue
from jssi_app.domain.identifiers import mask_id_number
from jssi_app.models.accounts import PersonAccount
from jssi_app.models.proofs import ContributionProof
from jssi_app.services import audit, throttling
from jssi_app.services.contribution_query import query_contributions
from jssi_app.services.contribution_records import require_profile
from jssi_app.services.registration import _mask_name
from jssi_app.services.sessions import Principal

_PDF_FIELD = "contribution_proof.pdf"
NOT_FOUND = ("未能核验：验证码不存在、输入有误或已被改动。请核对证明上印的20位验证码"
             "（格式如 XXXXX-XXXXX-XXXXX-XXXXX）后重试；仍无法核验的，该证明不能作为有效证明使用。")
NO_ACCESS = "文件不存在或您无权查看"


class ProofNotFound(DomainError):
    code = "proof_not_found"
    field = "code"


class ProofForbidden(DomainError):
    code = "proof_forbidden"


@dataclass(frozen=True)
class ProofSummary:
    """What a proof covers, as /verify shows it (masked identity only)."""

    masked_name: str
    masked_id_number: str
    from_month: str
    to_month: str
    types_text: str
    row_count: int
    personal_total: Decimal
    unit_total: Decimal
    total: Decimal
    arrears_count: int
    cumulative_pension_months: int
    issued_at_local: str


@dataclass(frozen=True)
class IssuedProof:
    code: str
    file_url: str
    verify_url: str
    summary: ProofSummary


@dataclass(frozen=True)
class ProofFile:
    data: bytes
    filename: str


def _fp(code: str) -> str:
    return cipher().fingerprint("proof_code", code)


def types_text(codes: tuple[str, ...] | list[str]) -> str:
    return "、".join(FILTER_TYPES.get(c, insurance_name(c)) for c in codes) if codes else "全部险种"


def _summary(proof: ContributionProof) -> ProofSummary:
    codes = tuple(c for c in proof.insurance_codes.split(",") if c)
    return ProofSummary(
        masked_name=proof.masked_name,
        masked_id_number=proof.masked_id_number,
        from_month=proof.from_month,
        to_month=proof.to_month,
        types_text=types_text(codes),
        row_count=proof.row_count,
        personal_total=money(proof.personal_total),
        unit_total=money(proof.unit_total),
        total=money(proof.total),
        arrears_count=proof.arrears_count,
        cumulative_pension_months=proof.cumulative_pension_months,
        issued_at_local=format_local(proof.issued_at),
    )


def content_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def issue_proof(
    db: Session,
    *,
    account_id: int,
    from_month: str,
    to_month: str,
    insurance_codes: tuple[str, ...],
    client_ip: str,
    now: dt.datetime,
    public_url: str,
) -> IssuedProof:
    """Raises ValidationFailed (range/types), ProfileIncomplete, Throttled, LookupError (no such account)."""
    require_profile(db, account_id)
    result = query_contributions(db, account_id=account_id, from_month=from_month, to_month=to_month,
                                 insurance_codes=insurance_codes, today=to_local(now).date())
    codes = tuple(dict.fromkeys(insurance_codes))
    key = f"person:{account_id}"
    try:
        decision = throttling.peek(db, throttles.PROOF_ISSUE_PER_ACCOUNT, key, now)
        account = db.get(PersonAccount, account_id)
        if account is None:
            raise LookupError("account not found")
        c = cipher()
        masked_name = _mask_name(c.decrypt("person_account.name", account.name_enc))
        masked_id = mask_id_number(c.decrypt("person_account.id_number", account.id_number_enc))
        person_id = account.registry_person_id
    finally:
        db.commit()
    if not decision.allowed:
        audit.record_alone(db, "throttled", actor=key, client_ip=client_ip, outcome="failure",
                           detail={"throttle": throttles.PROOF_ISSUE_PER_ACCOUNT.name})
        raise throttling.Throttled(throttles.PROOF_ISSUE_PER_ACCOUNT, decision.retry_after)

    code = proof_codes.make_code(secrets.token_bytes(proof_codes.RANDOM_BYTES))
    verify_url = public_url.rstrip("/") + routes.verify_link(code)
    totals = result.totals
    arrears_total = money(totals.arrears_total)
    document = proof_pdf.ProofDocument(
        masked_name=masked_name,
        masked_id_number=masked_id,
        period_text=f"{result.from_month} 至 {result.to_month}",
        types_text=types_text(codes),
        rows=[proof_pdf.ProofRow(r.period, r.insurance_name, f"{r.base:,.2f}", f"{r.personal_amount:,.2f}",
                                 f"{r.unit_amount:,.2f}", r.unit_name, r.paid_status) for r in result.rows],
        personal_total=f"{totals.personal_total:,.2f}",
        unit_total=f"{totals.unit_total:,.2f}",
        total=f"{totals.total:,.2f}",
        arrears_count=totals.arrears_count,
        arrears_total=f"{arrears_total:,.2f}",
        cumulative_pension_months=result.cumulative_pension_months,
        issued_at_local=format_local(now),
        code=code,
        verify_url=verify_url,
    )
    pdf = proof_pdf.render(document)
    digest = content_hash({
        "person": person_id, "from": result.from_month, "to": result.to_month, "types": list(codes),
        "rows": [[r.period, r.insurance_code, str(r.base), str(r.personal_amount), str(r.unit_amount), r.unit_name,
                  r.paid_status] for r in result.rows],
        "totals": [str(totals.personal_total), str(totals.unit_total), str(totals.total)],
        "cumulative_pension_months": result.cumulative_pension_months,
    })

    throttling.enforce(db, [(throttles.PROOF_ISSUE_PER_ACCOUNT, key)], now)
    proof = ContributionProof(
        code_fp=_fp(code),
        account_id=account_id,
        person_id=person_id,
        masked_name=masked_name,
        masked_id_number=masked_id,
        from_month=result.from_month,
        to_month=result.to_month,
        insurance_codes=",".join(codes),
        row_count=totals.row_count,
        personal_total=totals.personal_total,
        unit_total=totals.unit_total,
        total=totals.total,
        arrears_count=totals.arrears_count,
        cumulative_pension_months=result.cumulative_pension_months,
        content_hash=digest,
        issued_at=now,
        pdf_enc=cipher().encrypt(_PDF_FIELD, base64.b64encode(pdf).decode("ascii")),
    )
    db.add(proof)
    db.flush()
    audit.record(db, "proof_issued", actor=key, subject=masked_id, client_ip=client_ip,
                 detail={"proof": proof.id, "from": result.from_month, "to": result.to_month, "types": list(codes),
                         "rows": totals.row_count, "content_hash": digest})
    db.commit()
    return IssuedProof(code=code, file_url=routes.proof_file(code), verify_url=verify_url, summary=_summary(proof))


def _find(db: Session, raw_code: str) -> ContributionProof | None:
    try:
        code = proof_codes.normalize(raw_code)
    except InvalidValue:
        return None  # malformed or failed its check: no lookup at all
    return db.exec(select(ContributionProof).where(col(ContributionProof.code_fp).in_(cipher().fingerprints("proof_code", code)))).first()


def verify_proof(db: Session, *, code: str, client_ip: str, now: dt.datetime) -> ProofSummary:
    """The public check of a printed proof. The same refusal for a malformed, tampered or unknown code,
    so the answer says nothing beyond "this code is not a proof". Raises ProofNotFound or Throttled."""
    try:
        throttling.enforce(db, [(throttles.PROOF_VERIFY_PER_IP, client_ip)], now)
    except throttling.Throttled:
        audit.record_alone(db, "proof_verify_failed", actor="anonymous", client_ip=client_ip, outcome="failure",
                           detail={"reason": "throttled"})
        raise
    well_formed = proof_codes.is_well_formed(code)
    proof = _find(db, code)
    if proof is None:
        # Committed with the throttle hit: failures count against the address.
        audit.record(db, "proof_verify_failed", actor="anonymous", client_ip=client_ip, outcome="failure",
                     detail={"reason": "unknown" if well_formed else "malformed"})
        db.commit()
        raise ProofNotFound(NOT_FOUND)
    summary = _summary(proof)
    audit.record(db, "proof_verified", actor="anonymous", subject=proof.masked_id_number, client_ip=client_ip,
                 detail={"proof": proof.id})
    db.commit()
    return summary


def open_proof_file(db: Session, code: str, *, principal: Principal | None, client_ip: str,
                    now: dt.datetime) -> ProofFile:
    """The PDF, only for the person who issued it; anyone else gets the same refusal as for no proof."""
    proof = _find(db, code)
    allowed = (proof is not None and principal is not None and principal.account_kind == "person"
               and principal.account_id == proof.account_id)
    actor = f"{principal.account_kind}:{principal.account_id}" if principal else "anonymous"
    if not allowed:
        audit.record_alone(db, "proof_access_denied", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"proof": proof.id if proof else None})
        raise ProofForbidden(NO_ACCESS)
    data = base64.b64decode(cipher().decrypt(_PDF_FIELD, proof.pdf_enc))
    issued = to_local(proof.issued_at).strftime("%Y%m%d%H%M")
    db.commit()
    return ProofFile(data=data, filename=f"参保缴费证明-{issued}.pdf")
