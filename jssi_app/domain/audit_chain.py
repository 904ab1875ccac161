"""The audit log's event vocabulary and keyed hash chain.

Each row's hash is an HMAC-SHA256, under the chain key named by the row's `key_id`, of its own fields and the
previous row's hash: editing, deleting or reordering any row breaks every hash after it, and someone who can write
the database but does not hold the key cannot compute a new chain (an unkeyed chain could simply be recomputed).

Key rotation (docs/operations.md): new rows are sealed under the new key; old rows keep theirs, verified while the
old key is in the ring. Before an old key is retired, a seal row (`keys_rotated` with `audit_seal`, itself under the
new key) records a SHA-256 digest running over every row before it; rows whose key has left the ring are then
checked against that digest, so retiring a key (or its later theft) does not let anyone rewrite history.
"""

from __future__ import annotations

import hashlib
import hmac
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

HASHED_FIELDS = ("at", "event", "actor", "subject", "client_ip", "outcome", "detail", "key_id")
SEAL_EVENT = "keys_rotated"
SEAL_FIELD = "audit_seal"
DIGEST_START = "0" * 64


def _canonical(fields: Mapping[str, object], names: Iterable[str]) -> str:
    payload = {name: str(fields[name]) for name in names}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(prev_hash: str, fields: Mapping[str, object], key: bytes) -> str:
    message = (prev_hash + "\n" + _canonical(fields, HASHED_FIELDS)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def digest_step(digest: str, row: Mapping[str, object]) -> str:
    """The seal digest after `row`: unkeyed, so it can be recomputed over rows whose key is gone."""
    message = digest + "\n" + _canonical(row, (*HASHED_FIELDS, "prev_hash", "hash"))
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def seal_of(row: Mapping[str, object]) -> str | None:
    """The digest a seal row vouches for, else None."""
    if row["event"] != SEAL_EVENT:
        return None
    try:
        seal = json.loads(str(row["detail"])).get(SEAL_FIELD)
    except (ValueError, AttributeError):
        return None
    return seal if isinstance(seal, str) else None


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    first_bad_id: int | None = None


class ChainVerifier:
    """Checks rows fed in id order; `digest` is the seal digest over every row fed so far."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        self._keys = keys
        self.prev = GENESIS_HASH
        self.digest = DIGEST_START
        self.checked = 0
        self.first_bad_id: int | None = None
        self.unsealed_id: int | None = None  # first row under a key no longer held, not yet covered by a seal

    def feed(self, row: Mapping[str, object]) -> bool:
        """False once a row fails (then stop feeding)."""
        self.checked += 1
        key = self._keys.get(str(row["key_id"]))
        linked = row["prev_hash"] == self.prev
        if not linked or (key is not None and not hmac.compare_digest(event_hash(self.prev, row, key),
                                                                          str(row["hash"]))):
            self.first_bad_id = int(row["id"])
            return False
        if key is None:
            self.unsealed_id = self.unsealed_id or int(row["id"])
        else:
            seal = seal_of(row)
            if seal is not None:
                if seal != self.digest:
                    self.first_bad_id = int(row["id"])
                    return False
                self.unsealed_id = None
        self.digest = digest_step(self.digest, row)
        self.prev = str(row["hash"])
        return True

    def result(self) -> ChainCheck:
        bad = self.first_bad_id or self.unsealed_id
        return ChainCheck(ok=bad is None, checked=self.checked, first_bad_id=bad)


def verify_chain(rows: Iterable[Mapping[str, object]], keys: Mapping[str, bytes]) -> ChainCheck:
    """Rows in id order, each with `id`, `key_id`, `prev_hash`, `hash` and the hashed fields."""
    verifier = ChainVerifier(keys)
    for row in rows:
        if not verifier.feed(row):
            break
    return verifier.result()
