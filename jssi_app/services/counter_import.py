"""参保数据导入 at the counter: a clerk (or admin) uploads a registry extract, runs 试导入 (the CLI's importer with
validation only: nothing written, counts and every file/line error reported), then 正式导入 with the same
importer. Both are audited with the clerk's username (registry_import_dry_run, registry_imported or
registry_import_failed). The uploaded files are staged privately (jssi_app/adapters/extract_staging.py) and
removed after 正式导入 or when discarded; they are encrypted there and reach the importer decrypted in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.extract_staging import ExtractStaging, Meta, extract_files
from jssi_app.domain.errors import DomainError, InvalidValue
from jssi_app.domain.registry_extract import check_upload_size, size_text, upload_kind
from jssi_app.services.counter_tasks import require_clerk
from jssi_app.services.registry_import import (
    DryRunReport,
    ImportReport,
    RegistryImportError,
    import_registry,
)

DRY_RUN_FIRST = "请先试导入，试导入通过后才能正式导入"
NOT_YOURS = "上传的文件已失效，请重新上传"
# What the page lists; the whole list is in the exception and the audit event counts them all.
MAX_SHOWN_ERRORS = 200


class ImportRefused(DomainError):
    code = "import_refused"


@dataclass(frozen=True)
class StagedExtract:
    token: str
    files: list[tuple[str, str]]  # (file name, size text)


@dataclass(frozen=True)
class ImportOutcome:
    """A dry run's or an import's result: `report` when it passed, else `errors` (file 第n行：reason)."""

    ok: bool
    dry_run: bool
    report: DryRunReport | ImportReport | None = None
    errors: list[str] = field(default_factory=list)
    total_errors: int = 0


def stage_extract(
    db: Session,
    uploads: list[tuple[str, bytes]],
    *,
    staff_id: int,
    now: dt.datetime,
    replaces: str = "",
    staging: ExtractStaging | None = None,
) -> StagedExtract:
    """Check and keep what was uploaded (the CSVs, or one zip holding them) for 试导入 and 正式导入.
    `replaces`: this clerk's previous upload on the page, removed first (a new choice replaces it)."""
    try:
        require_clerk(db, staff_id)
    finally:
        db.commit()
    staging = staging or ExtractStaging()
    if replaces:
        try:
            if staging.read_meta(replaces).staff_id == staff_id:
                staging.discard(replaces)
        except InvalidValue:
            pass  # already gone
    staging.sweep(now)
    check_upload_size(sum(len(content) for _name, content in uploads))
    kind = upload_kind([name for name, _content in uploads])
    files = extract_files(kind, uploads)
    token = staging.create(files, staff_id=staff_id, now=now)
    return StagedExtract(token=token, files=[(name, size_text(size)) for name, size in staging.files(token)])


def _own(db: Session, token: str, staff_id: int, staging: ExtractStaging):  # noqa: ANN202
    """(clerk, meta) when `token` is an upload of this clerk; ImportRefused otherwise."""
    try:
        clerk = require_clerk(db, staff_id)
    finally:
        db.commit()
    meta = staging.read_meta(token)
    if meta.staff_id != staff_id:
        raise ImportRefused(NOT_YOURS, code="not_yours")
    return clerk, meta


def _failed(exc: RegistryImportError, *, dry_run: bool) -> ImportOutcome:
    return ImportOutcome(ok=False, dry_run=dry_run, errors=[str(e) for e in exc.errors[:MAX_SHOWN_ERRORS]],
                         total_errors=exc.total)


def dry_run(
    db: Session,
    token: str,
    *,
    staff_id: int,
    now: dt.datetime,
    client_ip: str = "",
    staging: ExtractStaging | None = None,
) -> ImportOutcome:
    """试导入: validation only. Files that passed stay staged, marked as checked, for 正式导入; files with errors
    are removed at once."""
    staging = staging or ExtractStaging()
    clerk, meta = _own(db, token, staff_id, staging)
    try:
        files = staging.contents(token)
    except InvalidValue:
        staging.discard(token)  # damaged on disk: it can never be imported
        raise
    try:
        report = import_registry(db, files, actor=f"staff:{clerk.id}", today=to_local(now).date(), dry_run=True,
                                 audit_detail=_detail(clerk.username, staging, token), client_ip=client_ip)
    except RegistryImportError as exc:
        # Files with errors can never be imported: the clerk fixes them and uploads again, so they go now.
        staging.discard(token)
        return _failed(exc, dry_run=True)
    staging.write_meta(token, Meta(staff_id=meta.staff_id, created=meta.created, checked=True))
    return ImportOutcome(ok=True, dry_run=True, report=report)


def run_import(
    db: Session,
    token: str,
    *,
    staff_id: int,
    now: dt.datetime,
    client_ip: str = "",
    staging: ExtractStaging | None = None,
) -> ImportOutcome:
    """正式导入 of files whose dry run passed; the staged files are removed afterwards, whatever the outcome."""
    staging = staging or ExtractStaging()
    clerk, meta = _own(db, token, staff_id, staging)
    if not meta.checked:
        raise ImportRefused(DRY_RUN_FIRST, code="dry_run_first")
    try:
        report = import_registry(db, staging.contents(token), actor=f"staff:{clerk.id}", today=to_local(now).date(),
                                 audit_detail=_detail(clerk.username, staging, token), client_ip=client_ip)
    except RegistryImportError as exc:
        # The registry changed since the dry run (another import): the clerk uploads again after fixing.
        return _failed(exc, dry_run=False)
    finally:
        staging.discard(token)
    return ImportOutcome(ok=True, dry_run=False, report=report)


def discard(db: Session, token: str, *, staff_id: int, staging: ExtractStaging | None = None) -> None:
    """重新选择: the staged files go at once."""
    staging = staging or ExtractStaging()
    _own(db, token, staff_id, staging)
    staging.discard(token)


def _detail(username: str, staging: ExtractStaging, token: str) -> dict:
    return {"clerk": username, "files": [f"{name} {size_text(size)}" for name, size in staging.files(token)]}
