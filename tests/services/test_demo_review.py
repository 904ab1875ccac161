"""The demo seeding behind `make run`: staff who can sign in and an application in every review state."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from jssi_app.models.units import Material, UnitApplication
from jssi_app.services.demo_review import DEMO_APPLICATIONS, DEMO_STAFF, seed_demo_review
from jssi_app.services.staff_accounts import staff_sign_in
from jssi_app.services.unit_progress import sign_in_unit

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


def test_demo_seed_covers_every_state_once_and_its_accounts_work(db, tmp_path, monkeypatch):
    monkeypatch.setattr("jssi_app.config.DATA_DIR", tmp_path)
    assert seed_demo_review(db, now=NOW) is True
    assert seed_demo_review(db, now=NOW) is False  # a second `make run` adds nothing
    statuses = {a.uscc: a.status for a in db.exec(select(UnitApplication)).all()}
    assert statuses == {d.credit_code: d.status for d in DEMO_APPLICATIONS}
    assert {"draft", "submitted", "in_review", "approved", "rejected"} == set(statuses.values())
    assert len(db.exec(select(Material)).all()) == 1 + 4 * 5
    username, _role, _name, password = DEMO_STAFF[0]
    assert staff_sign_in(db, username=username, password=password, client_ip="127.0.0.1", now=NOW).role == "reviewer"
    approved = next(d for d in DEMO_APPLICATIONS if d.status == "approved")
    assert sign_in_unit(db, credit_code=approved.credit_code, password="Unit2026demo", client_ip="127.0.0.1", now=NOW)
