"""keyed audit chain

Written by hand (2026-11-28, issue 5 key rotation): audit_event gets `key_id`, and the chain becomes an HMAC-SHA256
under the audit chain key derived from the personal-data key (jssi_app/domain/audit_chain.py). Existing rows were
chained with unkeyed SHA-256: the old chain is verified first (the upgrade stops if it is broken, rather than
vouch for rows someone changed), then every row is sealed again under the current key, in id order, in this one
transaction. Downgrade drops the column only: rows stay keyed, which the old code cannot verify.

Revision ID: c4a1d7e9b203
Revises: 95dde794126c
Create Date: 2026-11-28 13:10:00
"""
import hashlib
import json
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c4a1d7e9b203'
down_revision: Union[str, Sequence[str], None] = '95dde794126c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_OLD_FIELDS = ("at", "event", "actor", "subject", "client_ip", "outcome", "detail")
_GENESIS = "0" * 64


def _old_hash(prev_hash: str, row) -> str:  # noqa: ANN001  (the unkeyed chain of revisions before this one)
    payload = {name: str(row[name]) for name in _OLD_FIELDS}
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table on SQLite, which would drop the append-only triggers).
    op.add_column('audit_event', sa.Column('key_id', sa.String(length=5), nullable=False, server_default='1'))
    conn = op.get_bind()
    # Read through the same column type as the ORM (aware UTC datetimes), so `at` hashes exactly as it was hashed.
    table = sa.table('audit_event', sa.column('id', sa.Integer()), sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime()),
                     *(sa.column(name, sa.String()) for name in (*_OLD_FIELDS[1:], 'prev_hash', 'hash')))
    rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    if not rows:
        return
    from jssi_app.adapters.pii import cipher
    from jssi_app.domain.audit_chain import event_hash

    c = cipher()
    _append_only(False)
    prev_old, prev_new = _GENESIS, _GENESIS
    for row in rows:
        fields = dict(row)
        if row["prev_hash"] != prev_old or _old_hash(prev_old, fields) != row["hash"]:
            raise RuntimeError(f"audit chain broken at id {row['id']}: not sealed under the new key; investigate "
                               "with the previous version's `python -m jssi_app verify-audit`")
        prev_old = row["hash"]
        fields["key_id"] = c.key_id
        new_hash = event_hash(prev_new, fields, c.chain_key())
        conn.execute(sa.text("UPDATE audit_event SET key_id = :k, prev_hash = :p, hash = :h WHERE id = :id"),
                     {"k": c.key_id, "p": prev_new, "h": new_hash, "id": row["id"]})
        prev_new = new_hash
    _append_only(True)


def _append_only(on: bool) -> None:
    """The initial schema's triggers refuse every UPDATE: lifted for this one re-seal, inside its transaction."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_event {'ENABLE' if on else 'DISABLE'} TRIGGER audit_event_append_only")
    elif on:
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
    else:
        op.execute("DROP TRIGGER audit_event_no_update")


def downgrade() -> None:
    op.drop_column('audit_event', 'key_id')
