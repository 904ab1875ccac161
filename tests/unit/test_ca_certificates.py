"""Where a unit certificate carries the 统一社会信用代码 (domain/ca_certificates.py), and the proxy-only route's
guard: the shared secret, compared in constant time, and the proxy's address."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from jssi_app.adapters.ca_issuer import issue_ca, issue_client
from jssi_app.domain.ca_certificates import CertificateRefused, credit_codes_of, parse_certificate, unit_code_of
from tests.ca_fixtures import UNIT_A, UNIT_B

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def ca():
    return issue_ca("Unit test CA", now=NOW)


def _cert(ca, attrs, san=None):
    builder_name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])
    issued = issue_client(ca, builder_name, not_before=NOW, not_after=NOW + dt.timedelta(days=1))
    if san is None:
        return issued.cert
    from cryptography.hazmat.primitives import hashes

    builder = (x509.CertificateBuilder().subject_name(builder_name).issuer_name(ca.cert.subject)
               .public_key(issued.key.public_key()).serial_number(1).not_valid_before(NOW)
               .not_valid_after(NOW + dt.timedelta(days=1))
               .add_extension(x509.SubjectAlternativeName(san), critical=False))
    return builder.sign(ca.key, hashes.SHA256())


@pytest.mark.parametrize("attrs", [
    [(NameOID.SERIAL_NUMBER, UNIT_A), (NameOID.COMMON_NAME, "南京某公司")],
    [(NameOID.ORGANIZATIONAL_UNIT_NAME, UNIT_A), (NameOID.COMMON_NAME, "南京某公司")],
    [(NameOID.COMMON_NAME, f"南京某公司@{UNIT_A}")],
    [(NameOID.ORGANIZATION_IDENTIFIER, f"NTRCN-{UNIT_A}"), (NameOID.COMMON_NAME, "南京某公司")],
    [(NameOID.SERIAL_NUMBER, UNIT_A.lower())],
])
def test_the_credit_code_is_found_in_serial_number_ou_cn_or_organization_identifier(ca, attrs):
    assert unit_code_of(_cert(ca, attrs)) == UNIT_A


def test_the_credit_code_in_a_directory_name_of_the_subject_alt_name_counts(ca):
    san = [x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, UNIT_A)]))]
    assert credit_codes_of(_cert(ca, [(NameOID.COMMON_NAME, "南京某公司")], san)) == {UNIT_A}


@pytest.mark.parametrize("attrs", [
    [(NameOID.COMMON_NAME, "张三")],  # a personal certificate
    [(NameOID.SERIAL_NUMBER, UNIT_A[:-1] + ("0" if UNIT_A[-1] != "0" else "1"))],  # wrong check character
    [(NameOID.SERIAL_NUMBER, UNIT_A), (NameOID.ORGANIZATIONAL_UNIT_NAME, UNIT_B)],  # two different units
    [(NameOID.ORGANIZATION_NAME, UNIT_A)],  # O is a name, not where an identifier is read
    [(NameOID.COMMON_NAME, f"X{UNIT_A}")],  # not a whole token
])
def test_no_code_a_bad_code_or_two_codes_is_not_a_unit_certificate(ca, attrs):
    with pytest.raises(CertificateRefused) as refused:
        unit_code_of(_cert(ca, attrs))
    assert refused.value.code == "no_uscc"


def test_pem_and_der_parse_and_anything_else_is_unreadable(ca):
    from cryptography.hazmat.primitives import serialization

    cert = _cert(ca, [(NameOID.SERIAL_NUMBER, UNIT_A)])
    assert parse_certificate(cert.public_bytes(serialization.Encoding.PEM)) == cert
    assert parse_certificate(cert.public_bytes(serialization.Encoding.DER)) == cert
    for junk in (b"", b"-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----", b"\x30\x03\x02\x01\x01"):
        with pytest.raises(CertificateRefused) as refused:
            parse_certificate(junk)
        assert refused.value.code == "unreadable"


def test_the_proxy_only_route_answers_404_without_the_secret_or_from_another_address(monkeypatch):
    from jssi_app import api_ca

    monkeypatch.setenv("JSSI_CA_PROXY_SECRET", "a-long-shared-secret")
    calls = []
    monkeypatch.setattr(api_ca, "_start", lambda cert, verify, ip: calls.append((cert, verify, ip)) or
                        type("T", (), {"ticket": "tk"})())
    app = Starlette(routes=[Route("/internal/ca-login", api_ca.ca_proxy_sign_in)])
    client = TestClient(app, client=("127.0.0.1", 5000))
    assert client.get("/internal/ca-login", follow_redirects=False).status_code == 404
    assert client.get("/internal/ca-login", headers={"X-JSSI-Proxy-Secret": "a-long-shared-secreT"},
                      follow_redirects=False).status_code == 404
    ok = client.get("/internal/ca-login", headers={"X-JSSI-Proxy-Secret": "a-long-shared-secret",
                                                   "X-JSSI-Client-Verify": "SUCCESS", "X-Real-IP": "203.0.113.9",
                                                   "X-JSSI-Client-Cert": "-----BEGIN%20CERTIFICATE-----%0A"},
                    follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].endswith("/login/unit/ca?ticket=tk")
    assert calls == [(b"-----BEGIN CERTIFICATE-----\n", "SUCCESS", "203.0.113.9")]
    remote = TestClient(app, client=("198.51.100.7", 5000))
    assert remote.get("/internal/ca-login", headers={"X-JSSI-Proxy-Secret": "a-long-shared-secret"},
                      follow_redirects=False).status_code == 404
    assert len(calls) == 1


def test_the_demo_ca_of_seed_demo_issues_a_bindable_certificate_of_the_approved_demo_unit(tmp_path):
    from cryptography.hazmat.primitives.serialization import pkcs12

    from jssi_app.adapters.ca_trust import TrustStore
    from jssi_app.services.demo_ca import DEMO_P12_PASSWORD, seed_demo_ca
    from jssi_app.services.demo_review import DEMO_APPLICATIONS

    unit = next(a for a in DEMO_APPLICATIONS if a.status == "approved")
    now = dt.datetime.now(dt.UTC)
    demo = seed_demo_ca(tmp_path, tmp_path / "trust", tmp_path / "crl", unit_name=unit.unit_name,
                        uscc=unit.credit_code, now=now)
    again = seed_demo_ca(tmp_path, tmp_path / "trust", tmp_path / "crl", unit_name=unit.unit_name,
                         uscc=unit.credit_code, now=now)
    assert again.unit_pem.read_bytes() == demo.unit_pem.read_bytes()  # made once
    cert = parse_certificate(demo.unit_pem.read_bytes())
    assert unit_code_of(cert) == unit.credit_code
    TrustStore(trust_dir=tmp_path / "trust", crl_sources=[str(tmp_path / "crl")]).verify(cert, now)
    key, p12_cert, _chain = pkcs12.load_key_and_certificates(demo.unit_p12.read_bytes(), DEMO_P12_PASSWORD.encode())
    assert p12_cert == cert and key is not None
