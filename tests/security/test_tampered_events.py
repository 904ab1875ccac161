"""Websocket events with tampered payloads (issue 5 §3): wrong argument types, other users' ids, a replayed
signed-out session token. Each is refused — a login redirect or a refusal on the page — never an exception that
would reach Reflex's backend handler, and nothing changes in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from jssi_app.services import authentication, sessions
from tests.security.harness import drive, run_coroutine
from tests.security.test_authorization_matrix import STATES, _fingerprint, _summary, world  # noqa: F401

WRONG_TYPES = [None, 12345, 3.5, ["x"], {"a": 1}, "", "' OR 1=1 --", "9" * 40, True]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=[repr(v)[:20] for v in WRONG_TYPES])
@pytest.mark.parametrize(("state_name", "handler", "arg", "role"), [
    ("UnitHomeState", "remove", "material_id", "unit_a"),
    ("EmployeesState", "go_page", "delta", "unit_a"),
    ("ContributionsState", "go_page", "page", "person_a"),
    ("StaffApplicationState", "open_viewer", "material_id", "reviewer"),
    ("StaffApplicationState", "reveal", "field", "reviewer"),
    ("StaffAdminState", "ask", "target_id", "admin"),
    ("PersonState", "save_profile", "form_data", "person_a"),
    ("CounterPersonState", "lookup", "form_data", "clerk"),
])
def test_a_wrong_argument_type_is_refused_without_a_crash(world, state_name, handler, arg, role, value):
    payload = {"action": "disable", "name": "x", "target_id": "1"} if handler == "ask" else {}
    payload[arg] = value
    before = _fingerprint(world.engine)
    out = run_coroutine(drive(STATES[state_name], handler, payload, world.tokens[role], "/"))
    assert out.crashed is None, f"{state_name}.{handler}({arg}={value!r}) raised {out.crashed!r}"
    if arg == "form_data" and not isinstance(value, dict):
        assert out.refused_by_guard == "form_data"
    if out.refused_by_guard is not None:
        assert out.state_unchanged()
    assert "Traceback" not in _summary(out.state)
    assert _fingerprint(world.engine) == before


def test_a_replayed_signed_out_token_is_refused_everywhere(world):
    with Session(world.engine, expire_on_commit=False) as db:
        token = sessions.start_session(db, account_kind="person", account_id=world.ids["person_a"],
                                       client_ip="198.51.100.9", now=dt.datetime.now(dt.UTC))
        db.commit()
        authentication.sign_out(db, token=token, client_ip="198.51.100.9", now=dt.datetime.now(dt.UTC))
    for state_name, handler in (("PersonState", "load_home"), ("ContributionsState", "load"),
                                ("ContributionsState", "print_proof"), ("FaceCertificationState", "load")):
        out = run_coroutine(drive(STATES[state_name], handler, {}, token, "/home"))
        assert out.crashed is None
        assert any(p.startswith("/login") for p in out.redirects()), (state_name, handler)


def test_an_expired_session_token_is_refused(world):
    with Session(world.engine, expire_on_commit=False) as db:
        token = sessions.start_session(db, account_kind="unit", account_id=world.ids["unit_b"],
                                       client_ip="198.51.100.9", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=13))
        db.commit()
    out = run_coroutine(drive(STATES["UnitHomeState"], "load", {}, token, "/unit"))
    assert out.crashed is None and any(p.startswith("/login/unit") for p in out.redirects())
    assert out.state.application_id == 0


def test_a_made_up_token_and_another_units_ids_are_refused(world):
    out = run_coroutine(drive(STATES["UnitHomeState"], "remove", {"material_id": str(world.ids["material_b"])},
                            "forged-" + "a" * 40, "/unit", {"application_id": world.ids["application_b"]}))
    assert out.crashed is None and any(p.startswith("/login/unit") for p in out.redirects())
    before = _fingerprint(world.engine)
    out = run_coroutine(drive(STATES["UnitHomeState"], "open_edit", {}, world.tokens["unit_a"], "/unit",
                            {"application_id": world.ids["application_b"]}))
    assert out.crashed is None and out.state.edit_values == {} and _summary(out.state)
    assert _fingerprint(world.engine) == before


def test_the_app_refuses_mistyped_events_before_any_handler():
    import jssi_app.jssi_app as app_module
    from jssi_app.state.event_guard import EventTypeGuard

    assert any(isinstance(m, EventTypeGuard) for m in app_module.app._middlewares)


def test_the_guard_drops_a_mistyped_event_as_the_app_would_see_it():
    from reflex.state import State
    from reflex_base.event import Event

    from jssi_app.state.event_guard import EventTypeGuard

    person = STATES["PersonState"]
    name = f"{person.get_full_name()}.save_profile"
    root = State(_reflex_internal_init=True)
    refused = run_coroutine(EventTypeGuard().preprocess(None, root, Event(name=name,
                                                                        payload={"form_data": ["x"]})))
    passed = run_coroutine(EventTypeGuard().preprocess(None, root, Event(name=name,
                                                                       payload={"form_data": {"a": "b"}})))
    assert refused is not None and not refused.delta and not refused.events
    assert passed is None


@pytest.mark.parametrize(("handler", "payload"), [
    ("remove", "material_id=1"),  # not an object
    ("remove", {}),  # the required argument missing
    ("remove", {"material_id": "1", "extra": "x"}),  # an argument the handler does not take
    ("setvar", {"var_name": "application_id", "value": 2}),  # a var without a setter
])
def test_the_guard_drops_an_event_that_is_no_call_of_its_handler(handler, payload):
    from reflex.state import State
    from reflex_base.event import Event

    from jssi_app.state.event_guard import EventTypeGuard

    name = f"{STATES['UnitHomeState'].get_full_name()}.{handler}"
    root = State(_reflex_internal_init=True)
    refused = run_coroutine(EventTypeGuard().preprocess(None, root, Event(name=name, payload=payload)))
    assert refused is not None and not refused.delta and not refused.events
    fitting = {"remove": {"material_id": "1"}, "setvar": {"var_name": "phone", "value": "1"}}[handler]
    state = "UnitHomeState" if handler == "remove" else "UnitRegistrationState"  # the latter has set_phone
    name = f"{STATES[state].get_full_name()}.{handler}"
    assert run_coroutine(EventTypeGuard().preprocess(None, root, Event(name=name, payload=fitting))) is None
