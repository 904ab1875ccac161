"""HTTP routes beside Reflex's websocket: uploaded scans, served only after checking who asks.

Reflex's own `/_upload` route serves every uploaded file to anyone, so scans never go there: they live in
the file store (outside any web-served folder) and come out only through `/files/materials/{id}/{variant}`,
which resolves the session cookie server-side and asks services/material_access.py.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from jssi_app.adapters.clock import utcnow
from jssi_app.adapters.file_store import StoredFileCorrupt
from jssi_app.api_ca import ca_login_without_proxy, ca_proxy_sign_in
from jssi_app.db import engine
from jssi_app.domain.errors import ValidationFailed
from jssi_app.routes import (
    CA_LOGIN,
    CA_PROXY_SIGN_IN,
    FACE_REFERENCE_FILE_PREFIX,
    MATERIAL_FILE_PREFIX,
    PROOF_FILE_PREFIX,
    UNIT_FILE_PREFIX,
)
from jssi_app.services import audit_log, sessions
from jssi_app.services.contribution_proofs import ProofForbidden, open_proof_file
from jssi_app.services.material_access import MaterialForbidden, open_material
from jssi_app.services.staff_admin import AdminRefused
from jssi_app.state.base import SESSION_COOKIE

_SECURITY_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    # A scan is shown, never run: no script, no plugin, nothing embedded from elsewhere.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
}


def _serve(material_id: int, variant: str, token: str, client_ip: str):
    with Session(engine(), expire_on_commit=False) as db:
        principal = sessions.resume_session(db, token, utcnow())
        return open_material(db, material_id, principal=principal, variant=variant, client_ip=client_ip, now=utcnow())


async def material_file(request: Request) -> Response:
    try:
        material_id = int(request.path_params["material_id"])
    except ValueError:
        return PlainTextResponse("文件不存在或您无权查看", status_code=404)
    variant = request.path_params["variant"]
    token = request.cookies.get(SESSION_COOKIE, "")
    client_ip = request.client.host if request.client else ""
    try:
        found = await asyncio.to_thread(_serve, material_id, variant, token, client_ip)
    except MaterialForbidden as exc:
        return PlainTextResponse(exc.message, status_code=404)
    except StoredFileCorrupt:
        # Changed on disk or moved to another key: never served, and worth an operator's look.
        logging.getLogger(__name__).error("material %s (%s) failed its integrity check", material_id, variant)
        return PlainTextResponse("文件已损坏，无法显示，请联系管理员", status_code=500)
    headers = dict(_SECURITY_HEADERS)
    headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(found.display_name)}"
    return Response(found.data, media_type=found.media_type, headers=headers)


def _serve_proof(code: str, token: str, client_ip: str):
    with Session(engine(), expire_on_commit=False) as db:
        principal = sessions.resume_session(db, token, utcnow())
        return open_proof_file(db, code, principal=principal, client_ip=client_ip, now=utcnow())


async def proof_file(request: Request) -> Response:
    """A 参保缴费证明 PDF, only for the person who issued it (anyone else: the same 404 as for no proof)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    client_ip = request.client.host if request.client else ""
    try:
        found = await asyncio.to_thread(_serve_proof, request.path_params["code"], token, client_ip)
    except ProofForbidden as exc:
        return PlainTextResponse(exc.message, status_code=404, headers={"Cache-Control": "no-store"})
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}"}
    return Response(found.data, media_type="application/pdf", headers=headers)


def _export_audit(token: str, params: dict[str, str], client_ip: str) -> tuple[bytes, str]:
    with Session(engine(), expire_on_commit=False) as db:
        return audit_log.export_for_session(db, token, params, now=utcnow(), client_ip=client_ip)


async def audit_csv(request: Request) -> Response:
    """导出CSV of the audit log (system administrators only), with the viewer's filters as query parameters."""
    token = request.cookies.get(SESSION_COOKIE, "")
    client_ip = request.client.host if request.client else ""
    try:
        data, filename = await asyncio.to_thread(_export_audit, token, dict(request.query_params), client_ip)
    except AdminRefused:
        return PlainTextResponse("页面不存在或您无权访问", status_code=404, headers={"Cache-Control": "no-store"})
    except ValidationFailed as exc:
        return PlainTextResponse(f"筛选条件有误：{exc.message}", status_code=400, headers={"Cache-Control": "no-store"})
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
               "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type="text/csv; charset=utf-8", headers=headers)


def _face_reference(person_id: int, token: str, client_ip: str) -> bytes:
    from jssi_app.services import face_certification

    with Session(engine(), expire_on_commit=False) as db:
        principal = sessions.resume_session(db, token, utcnow())
        staff_id = principal.account_id if principal is not None and principal.account_kind == "staff" else None
        return face_certification.reference_photo(db, staff_id=staff_id, person_id=person_id, client_ip=client_ip)


async def face_reference_file(request: Request) -> Response:
    """A person's reference photo (face data): clerks and admins only, never cached."""
    from jssi_app.domain.errors import DomainError

    try:
        person_id = int(request.path_params["person_id"])
        data = await asyncio.to_thread(_face_reference, person_id, request.cookies.get(SESSION_COOKIE, ""),
                                       request.client.host if request.client else "")
    except (ValueError, DomainError):
        return PlainTextResponse("文件不存在或您无权查看", status_code=404, headers={"Cache-Control": "no-store"})
    return Response(data, media_type="image/jpeg", headers=dict(_SECURITY_HEADERS))


def _unit_template(name: str, token: str) -> bytes | None:
    from jssi_app.services import base_declaration, employment

    builders = {"enrolment.xlsx": employment.enrolment_template,
                "base-declaration.xlsx": base_declaration.declaration_template}
    if name not in builders:
        return None
    with Session(engine(), expire_on_commit=False) as db:
        principal = sessions.resume_session(db, token, utcnow())
        account_id = principal.account_id if principal and principal.account_kind == "unit" else None
        return builders[name](db, account_id)


async def unit_file(request: Request) -> Response:
    """批量增员 / 缴费基数申报 templates, for a signed-in approved unit (they show the configured base bounds)."""
    from jssi_app.adapters.spreadsheets import XLSX_MEDIA_TYPE
    from jssi_app.domain.errors import DomainError

    name = request.path_params["name"]
    try:
        data = await asyncio.to_thread(_unit_template, name, request.cookies.get(SESSION_COOKIE, ""))
    except DomainError:
        data = None
    if data is None:
        return PlainTextResponse("文件不存在或您无权下载，请先以审核通过的单位账号登录", status_code=404,
                                 headers={"Cache-Control": "no-store"})
    filename = {"enrolment.xlsx": "批量增员模板.xlsx", "base-declaration.xlsx": "缴费基数申报模板.xlsx"}[name]
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store",
               "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=XLSX_MEDIA_TYPE, headers=headers)


api = Starlette(routes=[
    Route(CA_PROXY_SIGN_IN, ca_proxy_sign_in, methods=["GET"]),
    Route(CA_LOGIN, ca_login_without_proxy, methods=["GET"]),
    Route(FACE_REFERENCE_FILE_PREFIX + "/{person_id}", face_reference_file, methods=["GET"]),
    Route(MATERIAL_FILE_PREFIX + "/{material_id}/{variant}", material_file, methods=["GET"]),
    Route("/files/audit.csv", audit_csv, methods=["GET"]),
    Route(PROOF_FILE_PREFIX + "/{code}", proof_file, methods=["GET"]),
    Route(UNIT_FILE_PREFIX + "/templates/{name}", unit_file, methods=["GET"]),
])
