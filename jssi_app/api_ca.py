"""The proxy-only route of 单位CA证书登录: nginx (after verifying the client certificate) forwards it here.

Only the proxy can use it: the request must carry the shared secret (JSSI_CA_PROXY_SECRET, compared in constant
time) and come from one of JSSI_CA_PROXY_ADDRESSES (loopback by default). Anything else gets the same 404 as a
path that does not exist. The answer is always a redirect to the public site's /login/unit/ca: with a one-time
ticket, or with a refusal code whose message the page takes from its own table.
"""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import unquote

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.config import ca_settings, settings
from jssi_app.db import engine
from jssi_app.domain.ca_certificates import CertificateRefused

SECRET_HEADER = "x-jssi-proxy-secret"
CERT_HEADER = "x-jssi-client-cert"  # nginx: $ssl_client_escaped_cert (URL-encoded PEM)
VERIFY_HEADER = "x-jssi-client-verify"  # nginx: $ssl_client_verify (SUCCESS, FAILED:reason, NONE)
ADDRESS_HEADER = "x-real-ip"  # nginx: $remote_addr
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _from_proxy(request: Request) -> bool:
    s = ca_settings()
    peer = request.client.host if request.client else ""
    sent = request.headers.get(SECRET_HEADER, "")
    secret_ok = hmac.compare_digest(sent.encode("utf-8"), s.proxy_secret.encode("utf-8"))
    return secret_ok and ("*" in s.proxy_addresses or peer in s.proxy_addresses)


def _start(cert: bytes, verify: str, client_ip: str):
    from jssi_app.services import ca_login

    with Session(engine(), expire_on_commit=False) as db:
        return ca_login.start(db, cert, proxy_verify=verify, client_ip=client_ip, now=utcnow())


def _redirect(path: str) -> Response:
    return RedirectResponse(settings().public_url.rstrip("/") + path, status_code=303, headers=_NO_STORE)


async def ca_proxy_sign_in(request: Request) -> Response:
    if not _from_proxy(request):
        return PlainTextResponse("Not Found", status_code=404, headers=_NO_STORE)
    cert = unquote(request.headers.get(CERT_HEADER, "")).encode("ascii", "ignore")
    verify = request.headers.get(VERIFY_HEADER, "")
    client_ip = request.headers.get(ADDRESS_HEADER, "") or (request.client.host if request.client else "")
    try:
        ticket = await asyncio.to_thread(_start, cert, verify, client_ip)
    except CertificateRefused as exc:
        return _redirect(routes.unit_ca_result(error=exc.code))
    return _redirect(routes.unit_ca_result(ticket=ticket.ticket))


async def ca_login_without_proxy(request: Request) -> Response:
    """/ca-login reached the app directly: no proxy asked for a certificate, so there is nothing to check."""
    return RedirectResponse(routes.unit_ca_result(error="proxy_only"), status_code=303, headers=_NO_STORE)
