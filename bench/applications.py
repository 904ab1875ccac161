"""Unit applications for the data-scale benchmark, as rows of the real tables, in every state the review queue
shows.

Made directly as rows (not through register_unit, which hashes a password with bcrypt per unit and processes
scans): the queue and the dashboard read only these columns. PII is encrypted and fingerprinted the way
unit_registration.register_unit stores it. Open applications (待审核, 审核中) were submitted in the last 90 days,
so some are within their 3-working-day SLA and most are overdue; decided ones over the last 540 days.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from jssi_app.adapters.clock import to_local
from jssi_app.adapters.pii import cipher
from jssi_app.domain.review import ApplicationStatus
from jssi_app.domain.working_days import sla_due_date
from jssi_app.services.demo_registry import _JIANGSU, _UNIT_KINDS, _weighted

from bench.generate import ScaleGenerator

# Shares of the statuses (%): 填写中, 待审核, 审核中, 已通过, 未通过.
STATUS_SHARES = (
    (ApplicationStatus.DRAFT, 5), (ApplicationStatus.SUBMITTED, 25), (ApplicationStatus.IN_REVIEW, 10),
    (ApplicationStatus.APPROVED, 50), (ApplicationStatus.REJECTED, 10),
)
REVIEWERS = 8


@dataclass
class ApplicationTables:
    """Rows by table, in insertion order (foreign keys first)."""

    staff_account: list[dict] = field(default_factory=list)
    unit_account: list[dict] = field(default_factory=list)
    unit_application: list[dict] = field(default_factory=list)
    review_round: list[dict] = field(default_factory=list)

    def items(self) -> Iterator[tuple[str, list[dict]]]:
        yield from (("staff_account", self.staff_account), ("unit_account", self.unit_account),
                    ("unit_application", self.unit_application), ("review_round", self.review_round))


def _submitted_at(rng: random.Random, status: ApplicationStatus, now: dt.datetime) -> dt.datetime | None:
    if status is ApplicationStatus.DRAFT:
        return None
    days = 90 if status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW) else 540
    # Office hours, China time (UTC+8): 08:30–17:30 local is 00:30–09:30 UTC.
    day = (now - dt.timedelta(days=rng.randrange(1, days))).date()
    return dt.datetime.combine(day, dt.time(0, 30), tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(9 * 3600))


def make_applications(count: int, *, password_hash: str, seed: int, now: dt.datetime) -> ApplicationTables:
    rng = random.Random(seed)
    gen = ScaleGenerator(rng, now.date())
    pii = cipher()
    tables = ApplicationTables()
    for i in range(1, REVIEWERS + 1):
        tables.staff_account.append({
            "id": i, "username": f"bench{i:02d}", "display_name": f"审核员{i:02d}", "role": "reviewer",
            "password_hash": password_hash, "must_change_password": False, "created_at": now,
            "failed_sign_ins": 0, "password_changed_at": now,
        })
    statuses, weights = zip(*STATUS_SHARES)
    codes: set[str] = set()
    for app_id in range(1, count + 1):
        status = rng.choices(statuses, weights)[0]
        unit_type, prefix, _ = _weighted(rng, _UNIT_KINDS)
        region, place, _ = _weighted(rng, _JIANGSU)
        uscc = gen.credit_code(prefix, region)
        while uscc in codes:
            uscc = gen.credit_code(prefix, region)
        codes.add(uscc)
        submitted = _submitted_at(rng, status, now)
        created = (submitted or now - dt.timedelta(days=rng.randrange(1, 30))) - dt.timedelta(minutes=20)
        decided = submitted + dt.timedelta(hours=rng.randint(2, 70)) if status in (
            ApplicationStatus.APPROVED, ApplicationStatus.REJECTED) else None
        due = sla_due_date(to_local(submitted).date()) if submitted else None
        rep_id = gen.id_number(_weighted(rng, _JIANGSU)[0], gen.birth(62, 32), "男")
        handler_id = gen.id_number(region, gen.birth(55, 22), "女")
        phone = gen.phone(0.0)
        code_exists = rng.random() < 0.9
        tables.unit_account.append({
            "id": app_id, "uscc": uscc, "password_hash": password_hash, "created_at": created,
            "approved_at": decided if status is ApplicationStatus.APPROVED else None,
            "failed_sign_ins": 0, "password_changed_at": created,
        })
        tables.unit_application.append({
            "id": app_id, "reference_no": f"DW{to_local(created):%Y%m%d}{app_id:07d}", "account_id": app_id,
            "uscc": uscc, "unit_name": gen.unit_name(unit_type, place),
            "legal_rep_id_enc": pii.encrypt("unit_application.legal_rep_id", rep_id),
            "legal_rep_id_fp": pii.fingerprint("id_number", rep_id),
            "handler_name_enc": pii.encrypt("unit_application.handler_name", gen.name("女")),
            "handler_id_enc": pii.encrypt("unit_application.handler_id", handler_id),
            "handler_id_fp": pii.fingerprint("id_number", handler_id),
            "handler_phone_enc": pii.encrypt("unit_application.handler_phone", phone),
            "handler_phone_fp": pii.fingerprint("phone", phone),
            "handler_email_enc": None,
            "status": status.value, "round_number": 0 if submitted is None else 1, "created_at": created,
            "submitted_at": submitted, "due_date": due.date if due else None,
            "due_estimated": due.estimated if due else False,
            "claimed_by": rng.randint(1, REVIEWERS) if status is ApplicationStatus.IN_REVIEW else None,
            "claimed_at": submitted + dt.timedelta(hours=1) if status is ApplicationStatus.IN_REVIEW else None,
            "decided_at": decided,
            "prechecks": json.dumps({"code_exists": code_exists, "legal_rep_matches": code_exists,
                                     "name_matches": code_exists and rng.random() < 0.95}, sort_keys=True),
            "version": 1,
        })
        if submitted is not None:
            tables.review_round.append({
                "id": len(tables.review_round) + 1, "application_id": app_id, "number": 1,
                "submitted_at": submitted,
                "decision": status.value if decided else None, "decided_at": decided,
                "decided_by": rng.randint(1, REVIEWERS) if decided else None,
                "opinion": "材料齐全，予以通过。" if status is ApplicationStatus.APPROVED else "",
            })
    return tables
