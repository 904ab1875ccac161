"""A test PKI made with `cryptography`: the province's CA, another CA nobody trusts, and unit certificates that are
valid, expired, revoked, of another CA and of another unit; written to a trust folder and a CRL file like an
operator's configuration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jssi_app.adapters.ca_issuer import Issued, crl_pem, issue_ca, issue_client, issue_crl, unit_subject
from jssi_app.adapters.ca_trust import TrustStore
from jssi_app.services.demo_review import _credit_code

UNIT_A = _credit_code(501)
UNIT_B = _credit_code(502)
UNIT_PENDING = _credit_code(503)  # registered, not yet approved


@dataclass
class TestPki:
    ca: Issued
    other_ca: Issued
    valid: Issued
    second: Issued  # another valid certificate of unit A
    expired: Issued
    revoked: Issued
    other_ca_cert: Issued
    other_unit: Issued
    trust_dir: Path
    crl_dir: Path

    def store(self, **kwargs) -> TrustStore:
        return TrustStore(trust_dir=self.trust_dir, crl_sources=[str(self.crl_dir)], **kwargs)

    def write_crl(self, now: dt.datetime, revoked: list[Issued], **kwargs) -> None:
        crl = issue_crl(self.ca, [(c.cert.serial_number, now) for c in revoked], now=now, **kwargs)
        (self.crl_dir / "province-ca.crl.pem").write_bytes(crl_pem(crl))


def make_pki(folder: Path, now: dt.datetime) -> TestPki:
    ca = issue_ca("江苏省测试CA", now=now - dt.timedelta(days=400), organization="江苏省数字证书认证中心（测试）")
    other_ca = issue_ca("其他测试CA", now=now - dt.timedelta(days=400), organization="Other CA")
    year = dt.timedelta(days=365)

    def unit(issuer: Issued, code: str, name: str = "南京证书测试有限公司", *, start=now - dt.timedelta(days=30),
             end=now + year) -> Issued:
        return issue_client(issuer, unit_subject(name, code), not_before=start, not_after=end)

    pki = TestPki(
        ca=ca, other_ca=other_ca, valid=unit(ca, UNIT_A), second=unit(ca, UNIT_A),
        expired=unit(ca, UNIT_A, start=now - 2 * year, end=now - dt.timedelta(days=1)),
        revoked=unit(ca, UNIT_A), other_ca_cert=unit(other_ca, UNIT_A), other_unit=unit(ca, UNIT_B, "南京另一单位有限公司"),
        trust_dir=folder / "trust", crl_dir=folder / "crl",
    )
    pki.trust_dir.mkdir(parents=True, exist_ok=True)
    pki.crl_dir.mkdir(parents=True, exist_ok=True)
    (pki.trust_dir / "province-ca.pem").write_bytes(ca.cert_pem())
    pki.write_crl(now, [pki.revoked])
    return pki
