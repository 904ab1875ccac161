"""Key rotation for personal data: `python -m jssi_app rotate-keys`.

The keyring (jssi_app/adapters/pii.py "Key versions") makes rotation an online operation:

1. The operator makes the new key current and keeps the old one as a previous key (JSSI_PII_KEY /
   JSSI_PII_KEY_ID / JSSI_PII_PREVIOUS_KEYS, or `rotate-keys --new-key` for the development key files).
   From then on every write uses the new key, and every read still decrypts either key; lookups try the
   fingerprint under both keys.
2. `rotate_keys` walks every table that holds ciphertexts in id order, in batches, each batch one short
   transaction: rows with a ciphertext under another key are decrypted, sealed again under the current key, and
   their fingerprints recomputed from the decrypted values, all in the same UPDATE, so a row is never half
   rotated. The rows are locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's transactions hold the write lock), so
   a concurrent change of the same row is not lost. Then every stored upload and staged registry extract is
   re-sealed (atomic replace).
3. Nothing records progress: a row or file already under the current key is skipped, so an interrupted run is
   resumed by running it again, and a run that finds nothing to do reports zeros. When it reports 0 remaining the
   previous key can be removed from the ring.
4. The audit log is not re-keyed: each run ends with a seal (`audit.record_seal`) that verifies the whole chain
   and records its running digest under the new key, so rows sealed under the old key stay verifiable after that
   key is retired. Audit rows a not-yet-restarted worker wrote under the old key after the seal count as
   remaining until the next run seals them too.

The verification code of a printed 参保缴费证明 is not stored, only its fingerprint; the code is read back from
the proof's own PDF (its metadata subject, written at issue time) to fingerprint it under the new key. What
cannot be re-keyed, because its plaintext is not kept anywhere: the throttle and SMS-code counters
(throttle_hit.key_fp, verification_code.phone_fp), which live minutes to a day; lookups try every key of the
ring until then, and after the old key is retired a throttle window restarts at most once.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Callable, Iterable

from sqlalchemy import Table, select, update
from sqlmodel import Session, SQLModel

from jssi_app.adapters.extract_staging import ExtractStaging
from jssi_app.adapters.file_store import FileStore
from jssi_app.adapters.pii import PiiCipher
from jssi_app.domain.identifiers import upgrade_15_to_18
from jssi_app.services import audit

ENC_SUFFIX = "_enc"


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """A fingerprint column recomputed from the decrypted value of `source` (an *_enc column)."""

    column: str
    kind: str
    source: str
    transform: Callable[[str], str | None] = staticmethod(lambda v: v)  # noqa: E731
    keep_null: bool = False  # a NULL fingerprint stays NULL (it is only set for some values)


def _upgrade_if_15(number: str) -> str | None:
    return upgrade_15_to_18(number) if len(number) == 15 else None


def _proof_code(pdf_b64: str) -> str:
    """The verification code a proof PDF was issued with (jssi_app/adapters/proof_pdf.py puts it in the subject)."""
    from pypdf import PdfReader

    from jssi_app.domain import proof_codes

    subject = str((PdfReader(io.BytesIO(base64.b64decode(pdf_b64))).metadata or {}).get("/Subject") or "")
    if not subject.split():
        raise ValueError("proof PDF carries no verification code")
    return proof_codes.normalize(subject.split()[-1])


# Every fingerprint whose value is stored (encrypted) next to it. A test checks that every *_fp column of the
# schema is either here or in NOT_REKEYABLE.
FINGERPRINTS: dict[str, tuple[Fingerprint, ...]] = {
    "person_account": (
        Fingerprint("id_fp", "id_number", "id_number_enc"),
        Fingerprint("phone_fp", "phone", "phone_enc"),
        Fingerprint("email_fp", "email", "email_enc"),
    ),
    "registry_person": (
        Fingerprint("id_fp", "id_number", "id_number_enc"),
        Fingerprint("upgraded_id_fp", "id_number", "id_number_enc", _upgrade_if_15, keep_null=True),
        Fingerprint("phone_fp", "phone", "phone_enc"),
    ),
    "contribution_proof": (Fingerprint("code_fp", "proof_code", "pdf_enc", _proof_code),),
    "registry_unit": (Fingerprint("legal_rep_id_fp", "id_number", "legal_rep_id_enc"),),
    "unit_application": (
        Fingerprint("legal_rep_id_fp", "id_number", "legal_rep_id_enc"),
        Fingerprint("handler_id_fp", "id_number", "handler_id_enc"),
        Fingerprint("handler_phone_fp", "phone", "handler_phone_enc"),
    ),
}
NOT_REKEYABLE = {
    ("throttle_hit", "key_fp"): "throttle keys are not stored; hits expire within their window",
    ("verification_code", "phone_fp"): "SMS codes expire within minutes; lookups try every key",
}


@dataclasses.dataclass
class RotationReport:
    key_id: str
    rows: dict[str, int] = dataclasses.field(default_factory=dict)  # table -> rows re-keyed
    files: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def encrypted_tables() -> list[tuple[Table, list[str]]]:
    """(table, its *_enc columns) for every table of the schema that holds field ciphertexts."""
    import jssi_app.models  # noqa: F401  (registers every table)

    found = []
    for table in SQLModel.metadata.sorted_tables:
        columns = [c.name for c in table.columns if c.name.endswith(ENC_SUFFIX)]
        if columns:
            found.append((table, columns))
    return found


# Tables whose ciphertexts are bound to another name than the table's (the outbox predates the convention).
FIELD_PREFIX = {"outbox_message": "outbox"}


def field_name(table: Table, column: str) -> str:
    """The associated data a column's ciphertexts are bound to: "<table>.<column without _enc>"."""
    return f"{FIELD_PREFIX.get(table.name, table.name)}.{column[: -len(ENC_SUFFIX)]}"


def _rekey_row(c: PiiCipher, table: Table, columns: list[str], row) -> dict[str, str | None] | None:  # noqa: ANN001
    stale = [col for col in columns if row[col] is not None and not c.is_current(row[col])]
    if not stale:
        return None
    plain = {col: c.decrypt(field_name(table, col), row[col]) for col in columns if row[col] is not None}
    changes: dict[str, str | None] = {col: c.encrypt(field_name(table, col), plain[col]) for col in stale}
    for fp in FINGERPRINTS.get(table.name, ()):
        value = plain.get(fp.source)
        if value is None or (fp.keep_null and row[fp.column] is None):
            continue
        derived = fp.transform(value)
        changes[fp.column] = c.fingerprint(fp.kind, derived) if derived is not None else None
    return changes


def rotate_table(session: Session, table: Table, columns: list[str], c: PiiCipher, *, batch: int = 200) -> int:
    """Re-key one table in batches of `batch` rows, one transaction each; the number of rows changed."""
    pk = table.c.id
    fp_columns = [fp.column for fp in FINGERPRINTS.get(table.name, ())]
    wanted = [pk, *(table.c[n] for n in columns), *(table.c[n] for n in fp_columns)]
    changed = 0
    last_id = 0
    while True:
        query = select(*wanted).where(pk > last_id).order_by(pk).limit(batch)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        rows = session.execute(query).mappings().all()
        if not rows:
            session.commit()
            return changed
        for row in rows:
            changes = _rekey_row(c, table, columns, row)
            if changes:
                session.execute(update(table).where(pk == row["id"]).values(**changes))
                changed += 1
        session.commit()  # short transactions: readers and writers wait for at most one batch
        last_id = rows[-1]["id"]


def rotate_files(store: FileStore) -> int:
    """Re-seal every stored upload under the current key; the number re-sealed."""
    return sum(1 for key in store.keys() if store.rekey(key))


def rotate_keys(session: Session, c: PiiCipher, store: FileStore, *, batch: int = 200,
                tables: Iterable[str] | None = None, staging: ExtractStaging | None = None) -> RotationReport:
    """Move every field ciphertext, fingerprint and stored upload onto `c`'s current key (resumable)."""
    report = RotationReport(key_id=c.key_id)
    only = set(tables) if tables is not None else None
    for table, columns in encrypted_tables():
        if only is not None and table.name not in only:
            continue
        # A proof row is re-keyed after parsing its PDF for the code: fewer per transaction keeps each short.
        size = min(batch, 20) if table.name == "contribution_proof" else batch
        report.rows[table.name] = rotate_table(session, table, columns, c, batch=size)
    report.files = rotate_files(store)
    if staging is not None:  # staged registry extracts awaiting 导入 (throw-away, but a clerk may be mid-way)
        report.files += staging.rekey()
    session.commit()
    # Audit rows are never re-keyed (rewriting them is what the chain exists to reveal): the seal vouches for them.
    audit.record_seal(session, actor="cli", detail={
        "key_id": c.key_id, "previous": list(c.previous_key_ids), "rows": report.total_rows, "files": report.files})
    session.commit()
    return report


def remaining(session: Session, c: PiiCipher, store: FileStore) -> dict[str, int]:
    """What is still sealed under another key than the current one, per table (and "files")."""
    left: dict[str, int] = {}
    for table, columns in encrypted_tables():
        n = 0
        for row in session.execute(select(*(table.c[col] for col in columns))).all():
            if any(v is not None and not c.is_current(v) for v in row):
                n += 1
        if n:
            left[table.name] = n
    session.commit()
    files = sum(1 for key in store.keys() if store.key_id(key) != c.key_id)
    if files:
        left["files"] = files
    unsealed = audit.unsealed_rows(session)
    session.commit()
    if unsealed:
        left["audit_event"] = unsealed
    return left
