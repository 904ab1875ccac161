"""The province's trust anchors and their CRLs, and the check of a unit certificate against them.

Chain building, signatures, validity, basic constraints, key usage and extended key usage are
`cryptography.x509.verification`'s (the web-PKI profile for clients, except that a unit certificate need not
carry a subjectAltName: Chinese unit certificates name the unit in the subject). Revocation is checked here
against the issuing CA's CRL, whose own signature `cryptography` verifies. Fail closed: a leaf whose issuer has
no current CRL is refused (nginx's `ssl_crl` behaves the same).

Anchors are re-read when the trust folder changes; CRLs are re-read (files) or re-fetched (URLs) every
`refresh_seconds`. A URL that cannot be fetched keeps its last good CRL until that CRL's nextUpdate.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError

from jssi_app.domain.ca_certificates import CertificateRefused

log = logging.getLogger(__name__)
_CERT_SUFFIXES = {".pem", ".crt", ".cer"}
_CRL_SUFFIXES = {".pem", ".crl"}


def _load_certs(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


@dataclass(frozen=True)
class Verified:
    leaf: x509.Certificate
    chain: list[x509.Certificate]  # leaf first, anchor last


@dataclass
class TrustStore:
    trust_dir: Path
    crl_sources: list[str]
    refresh_seconds: float = 300.0
    fetch_timeout: float = 10.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _anchors: list[x509.Certificate] = field(default_factory=list, repr=False)
    _anchors_stamp: tuple = field(default=(), repr=False)
    _crls: dict[str, x509.CertificateRevocationList] = field(default_factory=dict, repr=False)
    _crls_loaded_at: float = field(default=-1e18, repr=False)

    # --- loading -------------------------------------------------------------------------------------------

    def _anchor_files(self) -> list[Path]:
        if not self.trust_dir.is_dir():
            return []
        return sorted(p for p in self.trust_dir.iterdir() if p.is_file() and p.suffix.lower() in _CERT_SUFFIXES)

    def anchors(self) -> list[x509.Certificate]:
        files = self._anchor_files()
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        with self._lock:
            if stamp != self._anchors_stamp:
                loaded: list[x509.Certificate] = []
                for path in files:
                    try:
                        loaded.extend(_load_certs(path.read_bytes()))
                    except ValueError:
                        log.error("trust anchor file %s is not a certificate; ignored", path)
                self._anchors, self._anchors_stamp = loaded, stamp
            return list(self._anchors)

    def _read_source(self, source: str) -> list[bytes]:
        if source.startswith(("http://", "https://")):
            import httpx

            response = httpx.get(source, timeout=self.fetch_timeout, follow_redirects=False)
            response.raise_for_status()
            return [response.content]
        path = Path(source)
        if path.is_dir():
            return [p.read_bytes() for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in _CRL_SUFFIXES]
        return [path.read_bytes()] if path.exists() else []

    def refresh_crls(self, *, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._crls_loaded_at < self.refresh_seconds:
                return
            crls = dict(self._crls)
            for source in self.crl_sources:
                try:
                    blobs = self._read_source(source)
                except Exception as exc:  # noqa: BLE001 — a CA's CRL server down must not stop the others
                    log.warning("CRL source %s could not be read (%s); keeping the last good CRL", source, exc)
                    continue
                for blob in blobs:
                    try:
                        crl = _load_crl(blob)
                    except ValueError:
                        log.error("CRL source %s holds no CRL; ignored", source)
                        continue
                    key = crl.issuer.rfc4514_string()
                    held = crls.get(key)
                    if held is None or crl.last_update_utc >= held.last_update_utc:
                        crls[key] = crl
            self._crls, self._crls_loaded_at = crls, time.monotonic()

    # --- checking ------------------------------------------------------------------------------------------

    def _revocation(self, cert: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> None:
        crl = self._crls.get(issuer.subject.rfc4514_string())
        if crl is None or not crl.is_signature_valid(issuer.public_key()):
            raise CertificateRefused("crl_unavailable", f"no valid CRL for {issuer.subject.rfc4514_string()}")
        if crl.next_update_utc is not None and crl.next_update_utc < now:
            raise CertificateRefused("crl_unavailable", f"CRL of {issuer.subject.rfc4514_string()} is out of date")
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise CertificateRefused("revoked", f"serial {cert.serial_number:x}")

    def verify(
        self, cert: x509.Certificate, now: dt.datetime, intermediates: list[x509.Certificate] | None = None
    ) -> Verified:
        """Raise CertificateRefused (expired, not_yet_valid, untrusted, revoked, crl_unavailable) or return the chain."""
        if cert.not_valid_after_utc < now:
            raise CertificateRefused("expired", cert.not_valid_after_utc.isoformat())
        if cert.not_valid_before_utc > now:
            raise CertificateRefused("not_yet_valid", cert.not_valid_before_utc.isoformat())
        anchors = self.anchors()
        if not anchors:
            raise CertificateRefused("untrusted", "no trust anchors configured")
        ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
            x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        verifier = (PolicyBuilder().store(Store(anchors)).time(now).max_chain_depth(3)
                    .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy)
                    .build_client_verifier())
        try:
            chain = list(verifier.verify(cert, intermediates or []).chain)
        except VerificationError as exc:
            raise CertificateRefused("untrusted", str(exc)[:300]) from exc
        self.refresh_crls()
        for child, parent in zip(chain, chain[1:]):
            self._revocation(child, parent, now)
        return Verified(leaf=cert, chain=chain)


_store: TrustStore | None = None
_store_lock = threading.Lock()


def trust_store() -> TrustStore:
    """The process's store, from `config.ca_settings()`."""
    global _store
    from jssi_app.config import ca_settings

    with _store_lock:
        s = ca_settings()
        if _store is None or _store.trust_dir != s.trust_dir or _store.crl_sources != s.crl_sources:
            _store = TrustStore(trust_dir=s.trust_dir, crl_sources=list(s.crl_sources),
                                refresh_seconds=s.crl_refresh_seconds)
        return _store
