"""The demo PKI of `seed-demo` (never in production): a demo CA added to the trust folder with its CRL, a unit
certificate for the approved demo unit (PEM for the clerk to bind, PKCS#12 to import into the browser), and a
server certificate for the local nginx (`make run-ca`)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from jssi_app.adapters.ca_issuer import Issued, crl_pem, issue_ca, issue_client, issue_crl, issue_server, unit_subject

DEMO_P12_PASSWORD = "jssi-demo"


@dataclass(frozen=True)
class DemoCa:
    folder: Path  # what a person picks up: the unit's .pem and .p12
    server_cert: Path
    server_key: Path
    unit_pem: Path
    unit_p12: Path


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def _load(cert_path: Path, key_path: Path) -> Issued | None:
    if not (cert_path.exists() and key_path.exists()):
        return None
    return Issued(x509.load_pem_x509_certificate(cert_path.read_bytes()),
                  serialization.load_pem_private_key(key_path.read_bytes(), password=None))  # type: ignore[arg-type]


def seed_demo_ca(data_dir: Path, trust_dir: Path, crl_dir: Path, *, unit_name: str, uscc: str,
                 now: dt.datetime) -> DemoCa:
    """Idempotent: the CA and certificates are made once; the CRL is re-issued each time (it expires)."""
    private = data_dir / "ca" / "demo"
    ca = _load(private / "demo-ca.pem", private / "demo-ca.key")
    if ca is None:
        ca = issue_ca("江苏社保演示CA（仅供演示）", now=now, organization="jssi demo")
        _write_private(private / "demo-ca.key", ca.key_pem())
        (private / "demo-ca.pem").write_bytes(ca.cert_pem())
    trust_dir.mkdir(parents=True, exist_ok=True)
    (trust_dir / "jssi-demo-ca.pem").write_bytes(ca.cert_pem())
    crl_dir.mkdir(parents=True, exist_ok=True)
    (crl_dir / "jssi-demo-ca.crl.pem").write_bytes(crl_pem(issue_crl(ca, [], now=now, next_update=dt.timedelta(days=30))))
    server = _load(private / "server.pem", private / "server.key")
    if server is None:
        server = issue_server(ca, "localhost", now=now)
        _write_private(private / "server.key", server.key_pem())
        (private / "server.pem").write_bytes(server.cert_pem())
    out = data_dir / "demo-ca"
    unit_pem, unit_p12 = out / f"单位证书-{uscc}.pem", out / f"单位证书-{uscc}.p12"
    if not unit_pem.exists() or not unit_p12.exists():
        unit = issue_client(ca, unit_subject(unit_name, uscc), not_before=now - dt.timedelta(days=1),
                            not_after=now + dt.timedelta(days=365))
        out.mkdir(parents=True, exist_ok=True)
        unit_pem.write_bytes(unit.cert_pem())
        _write_private(unit_p12, unit.pkcs12(unit_name, DEMO_P12_PASSWORD.encode(), ca.cert))
        _write_private(out / f"单位证书-{uscc}.key", unit.key_pem())
    return DemoCa(folder=out, server_cert=private / "server.pem", server_key=private / "server.key",
                  unit_pem=unit_pem, unit_p12=unit_p12)
