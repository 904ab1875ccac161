"""Serving an uploaded scan: only to the unit that uploaded it and to staff, never by guessable name.

The route that serves files (a later step of issue 3) resolves the session to a Principal and calls
`open_material`; the storage key never leaves the server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from jssi_app.domain.errors import DomainError
from jssi_app.models.staff import StaffAccount
from jssi_app.models.units import Material, UnitApplication
from jssi_app.services import audit
from jssi_app.services.sessions import Principal

VARIANTS = ("original", "preview", "thumbnail")


class MaterialForbidden(DomainError):
    code = "material_forbidden"


@dataclass(frozen=True)
class MaterialFile:
    data: bytes
    media_type: str
    display_name: str


def open_material(
    db: Session, material_id: int, *, principal: Principal | None, variant: str, client_ip: str, now: dt.datetime,
    store=None,
) -> MaterialFile:
    from jssi_app.adapters.file_store import default_store

    if variant not in VARIANTS:
        raise MaterialForbidden("不支持的文件视图")
    material = db.get(Material, material_id)
    app = db.get(UnitApplication, material.application_id) if material else None
    allowed = False
    if principal is not None and app is not None:
        if principal.account_kind == "unit":
            allowed = app.account_id == principal.account_id
        elif principal.account_kind == "staff":
            staff = db.get(StaffAccount, principal.account_id)
            allowed = staff is not None and staff.disabled_at is None
    actor = f"{principal.account_kind}:{principal.account_id}" if principal else "anonymous"
    if not allowed:
        # The same answer for "does not exist" and "not yours": ids are not to be probed.
        audit.record_alone(db, "material_access_denied", actor=actor, client_ip=client_ip, outcome="failure",
                           detail={"material": material_id, "variant": variant})
        raise MaterialForbidden("文件不存在或您无权查看")
    store = store or default_store()
    key = {"original": material.storage_key, "preview": material.preview_key, "thumbnail": material.thumbnail_key}[variant]
    media_type = material.media_type if variant == "original" else "image/png"
    if principal.account_kind == "staff" and variant == "original":
        audit.record(db, "material_viewed", actor=actor, subject=app.uscc, client_ip=client_ip,
                     detail={"material": material_id})
        db.commit()
    return MaterialFile(data=store.get(key), media_type=media_type, display_name=material.display_name)
