"""The audit log's event vocabulary and hash chain.

Each row's hash covers its own fields and the previous row's hash, so editing, deleting or
reordering any row breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64

# One vocabulary for every security and business event (login.gov style names).
EVENTS = frozenset(
    {
        "account_created",
        "real_name_failed",
        "registration_rejected",
        "sms_sent",
        "sms_send_refused",
        "sms_code_failed",
        "email_sent",
        "sign_in",
        "sign_in_failed",
        "account_locked",
        "sign_out",
        "session_expired",
        "profile_completed",
        "password_reset_requested",
        "password_reset",
        "password_reset_failed",
        "password_changed",
        "registry_imported",
        "registry_import_failed",
        "throttled",
        "staff_created",
        "unit_registered",
        "unit_registration_rejected",
        "application_submitted",
        "application_updated",
        "material_uploaded",
        "material_refused",
        "material_removed",
        "material_access_denied",
        "material_viewed",
        "progress_queried",
        "progress_query_failed",
        "staff_disabled",
        "staff_password_reset",
        "staff_enabled",
        "audit_exported",
        "application_claimed",
        "application_released",
        "application_approved",
        "application_rejected",
        "notification_sent",
        "notification_failed",
        "pii_revealed",
        # Business after registration (issue 4)
        "contributions_queried",
        "proof_issued",
        "proof_verified",
        "proof_verify_failed",
        "proof_access_denied",
        "face_reference_enrolled",
        "face_certification_attempted",
        "face_certified",
        "employee_enrolled",
        "employee_enrolment_refused",
        "employees_imported",
        "employee_import_refused",
        "employee_removed",
        "base_declared",
        "base_declaration_refused",
        "counter_task_opened",
        "counter_task_completed",
        "registry_phone_changed",
        "registry_id_upgraded",
        "registry_name_corrected",
        "registry_import_dry_run",
        # 单位CA证书 (issue 5)
        "certificate_bound",
        "certificate_bind_refused",
        "certificate_revoked",
        "ca_sign_in",
        "ca_sign_in_failed",
        # Durability (issue 5): files a crash left without their database row, removed
        "orphan_files_removed",
        # Operations (issue 5): backup, restore, key rotation
        "backup_created",
        "backup_restored",
        "keys_rotated",
    }
)

HASHED_FIELDS = ("at", "event", "actor", "subject", "client_ip", "outcome", "detail")


def event_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    payload = {name: str(fields[name]) for name in HASHED_FIELDS}
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_id: int | None = None


def verify_chain(rows: Iterable[Mapping[str, object]]) -> ChainCheck:
    """Rows in id order, each with `id`, `prev_hash`, `hash` and the hashed fields."""
    prev = GENESIS_HASH
    count = 0
    for row in rows:
        count += 1
        if row["prev_hash"] != prev or event_hash(prev, row) != row["hash"]:
            return ChainCheck(ok=False, checked=count, first_bad_id=int(row["id"]))
        prev = str(row["hash"])
    return ChainCheck(ok=True, checked=count)
