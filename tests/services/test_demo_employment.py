"""The demo's employments behind `make run`: derived relations for the registry, the approved demo unit's
employees, and one base decrease waiting at the counter; running it again changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from jssi_app.domain.counter_tasks import BASE_DECREASE
from jssi_app.models.counter import CounterTask
from jssi_app.models.employment import Employment
from jssi_app.services import employment
from jssi_app.services.demo_employment import APPROVED_DEMO, seed_demo_employment
from jssi_app.services.demo_registry import write_demo_extract
from jssi_app.services.demo_review import seed_demo_review
from jssi_app.services.registry_import import import_registry
from jssi_app.services.unit_progress import sign_in_unit
from tests.services.helpers import fetch_all

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


def test_demo_unit_gets_employees_once(db, tmp_path, monkeypatch):
    monkeypatch.setattr("jssi_app.config.DATA_DIR", tmp_path)
    seed_demo_review(db, now=NOW)
    write_demo_extract(tmp_path / "registry", persons=400, units=8, today=NOW.date())
    import_registry(db, tmp_path / "registry", actor="test", today=NOW.date())
    first = seed_demo_employment(db, now=NOW)
    assert first.derived > 100 and first.demo_unit_employees >= 5
    account_id, _token = sign_in_unit(db, credit_code=APPROVED_DEMO.credit_code, password="Unit2026demo",
                                      client_ip="127.0.0.1", now=NOW)
    db.commit()
    page = employment.list_employees(db, account_id)
    assert page.open_count == first.demo_unit_employees
    # No person is employed twice.
    person_ids = [e.person_id for e in fetch_all(db, select(Employment).where(col(Employment.end_date).is_(None)))]
    assert len(person_ids) == len(set(person_ids))
    assert [t.kind for t in fetch_all(db, select(CounterTask))] == [BASE_DECREASE]
    again = seed_demo_employment(db, now=NOW)
    assert again.derived == 0 and again.demo_unit_employees == first.demo_unit_employees
    assert len(fetch_all(db, select(CounterTask))) == 1
