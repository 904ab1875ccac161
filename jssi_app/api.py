"""HTTP routes beside Reflex's websocket: uploaded scans, served only after checking who asks.

Reflex's own `/_upload` route serves every uploaded file to anyone, so scans never go there: they live in
the file store (outside any web-served folder) and come out only through `/files/materials/{id}/{variant}`,
which resolves the session cookie server-side and asks services/material_access.py.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from jssi_app.adapters.clock import utcnow
from jssi_app.db import engine
from jssi_app.routes import MATERIAL_FILE_PREFIX
from jssi_app.services import sessions
from jssi_app.services.material_access import MaterialForbidden, open_material
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
    headers = dict(_SECURITY_HEADERS)
    headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(found.display_name)}"
    return Response(found.data, media_type=found.media_type, headers=headers)


api = Starlette(routes=[Route(MATERIAL_FILE_PREFIX + "/{material_id}/{variant}", material_file, methods=["GET"])])
