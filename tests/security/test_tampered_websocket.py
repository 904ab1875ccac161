"""Tampered websocket events over the real wire (issue 5 §3): the app served as in production
(tests/reflex_server.py) and a client speaking Reflex's Socket.IO protocol (tests/reflex_client.py) with the session
cookies of the authorization matrix's people (tests/security/world.py, built in the server's own database).

Each tampered event — wrong argument types, another unit's or person's ids (material, application, employment),
a replayed signed-out session token, a made-up token, a handler or state that does not exist, malformed frames, a
foreign Origin — is refused: a login redirect or a refusal on the page in the delta, or the event dropped. The
server stays up and answers the next normal event, and no business table changes (the fingerprint of
tests/security/test_authorization_matrix.py: row counts of every table but the audit log, sessions, outbox and
throttles).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlmodel import Session, select

from jssi_app.db import engine_for
from jssi_app.state.contributions import ContributionsState
from jssi_app.state.login import LoginState
from jssi_app.state.person import PersonState
from jssi_app.state.admin import StaffAdminState
from jssi_app.state.staff import StaffApplicationState
from jssi_app.state.unit import UnitHomeState
from jssi_app.state.unit_business import EmployeesState
from tests.durability.harness import run
from tests.reflex_client import ConnectionLost, ReflexClient, client_storage_of, handler_name
from tests.reflex_server import ROOT, Server, build, free_port, server_env
from tests.security.harness import run_coroutine
from tests.security.test_authorization_matrix import _fingerprint

GENERIC_FAILURE_START = "系统繁忙"
BACKEND_EXCEPTION = "unhandled error in an event handler"  # what jssi_app/state/errors.py logs


def world_into_configured_database() -> None:
    """Run in a process with the server's environment: the matrix's world, one employment of unit B, and a
    session of person A for the replay test; ids and tokens as JSON on stdout."""
    from jssi_app.db import engine
    from jssi_app.domain.employment import EnrolmentForm
    from jssi_app.models.employment import Employment
    from jssi_app.services import sessions
    from jssi_app.services.employment import enrol_employee
    from tests.security.world import build as build_world
    from tests.services.helpers import make_id

    with Session(engine(), expire_on_commit=False) as db:
        w = build_world(db)
        enrol_employee(db, w.ids["unit_b"], EnrolmentForm(name="王小明", id_number=make_id(501, "19920101"),
                                                          phone="13800001111", start_date="2026-03-01", base="8000"),
                       client_ip="198.51.100.1", now=dt.datetime.now(dt.UTC))
        db.commit()
        w.ids["employment_b"] = int(db.exec(select(Employment.id)).one())
        w.tokens["person_a_second"] = sessions.start_session(db, account_kind="person", account_id=w.ids["person_a"],
                                                             client_ip="198.51.100.1", now=dt.datetime.now(dt.UTC))
        db.commit()
    print(json.dumps({"ids": w.ids, "tokens": w.tokens}))


class Wire:
    """The running server, its database and the world's people."""

    def __init__(self, server: Server, url: str, client_storage: dict, world: dict) -> None:
        self.server, self.url, self.client_storage = server, url, client_storage
        self.ids, self.tokens = world["ids"], world["tokens"]
        self.engine = engine_for(url)

    def tab(self, role: str | None = None, *, token: str | None = None, **kwargs) -> ReflexClient:
        cookie = token if token is not None else self.tokens.get(role or "anonymous", "")
        return ReflexClient(self.server.url, client_storage=self.client_storage,
                            cookies={"jssi_session": cookie} if cookie else {}, timeout=60, **kwargs)

    def fingerprint(self) -> dict[str, int]:
        return _fingerprint(self.engine)

    def log(self) -> str:
        return self.server.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tampered-ws")
    url = f"sqlite:///{folder / 'ws.db'}"
    env = server_env(folder, url, free_port())
    run(["-m", "alembic", "upgrade", "head"], env)  # the real schema; the world adds its own registry rows
    built = subprocess.run([sys.executable, "-c", "from tests.security.test_tampered_websocket import "
                            "world_into_configured_database as w; w()"], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True)
    world = json.loads(built.stdout.strip().splitlines()[-1])
    if not (ROOT / ".web" / "build").exists():
        build(env, folder / "build.log")
    server = Server(env, folder / "server.log")
    try:
        server.wait_ready()
        yield Wire(server, url, client_storage_of(ROOT / ".web"), world)
    finally:
        server.stop()
        engine_for(url).dispose()


def _refusal_text(tab: ReflexClient, state) -> str:
    return " ".join([*map(str, tab.var(state, "summary", []) or []), *map(str, (tab.var(state, "errors", {}) or {}).values())])


def _refused_without_trace(wire: Wire, scenario) -> None:
    """Run the tampering `scenario`; then no business table has changed, no exception reached a handler (the app's
    backend_exception_handler logs each one) and the server answers normally."""
    async def go():
        before, log_start = wire.fingerprint(), len(wire.log())
        await scenario()
        assert wire.fingerprint() == before
        assert BACKEND_EXCEPTION not in wire.log()[log_start:], wire.log()[log_start:][-4000:]
        await _answers_normally(wire)

    run_coroutine(go())


async def _answers_normally(wire: Wire) -> None:
    """The server is up and a normal event gets its normal answer (person A's home loads)."""
    assert wire.server.alive(), wire.log()[-3000:]
    async with wire.tab("person_a") as tab:
        update = await tab.connect("/home")
        assert not update.redirects(), update.redirects()
        assert tab.var(PersonState, "masked_id_number", "").startswith("3201"), tab.state


@pytest.mark.parametrize(("role", "state", "handler", "payload", "path"), [
    ("unit_a", UnitHomeState, "remove", {"material_id": ["1"]}, "/unit"),
    ("unit_a", UnitHomeState, "remove", {"material_id": {"id": 1}}, "/unit"),
    ("unit_a", EmployeesState, "go_page", {"delta": [1]}, "/unit/employees"),
    ("unit_a", EmployeesState, "go_page", {"delta": "9" * 40}, "/unit/employees"),
    ("person_a", PersonState, "save_profile", {"form_data": ["x"]}, "/profile/complete"),
    ("person_a", PersonState, "save_profile", {"form_data": "' OR 1=1 --"}, "/profile/complete"),
    ("person_a", ContributionsState, "go_page", {"page": None}, "/person/contributions"),
    ("reviewer", StaffApplicationState, "reveal", {"field": {"a": 1}}, "/staff/applications/1"),
    ("admin", StaffAdminState, "ask", {"action": ["disable"], "name": "x", "target_id": {"x": 1}}, "/staff/admin"),
])
def test_a_wrong_argument_type_is_refused_over_the_wire(wire, role, state, handler, payload, path):
    async def scenario():
        async with wire.tab(role) as tab:
            await tab.connect(path)
            snapshot = dict(tab.state.get(state.get_full_name(), {}))
            update = await tab.event(state, handler, payload)
            # Dropped by the app's EventTypeGuard (nothing of the page changes) or refused on the page.
            changed = {k: v for k, v in tab.state.get(state.get_full_name(), {}).items() if snapshot.get(k) != v}
            assert not update.redirects() or all(p.startswith(("/login", "/staff/login")) for p in update.redirects())
            assert not changed or _refusal_text(tab, state), changed
            assert GENERIC_FAILURE_START not in _refusal_text(tab, state)

    _refused_without_trace(wire, scenario)


def test_another_units_material_application_and_employment_are_refused(wire):
    async def scenario():
        async with wire.tab("unit_a") as tab:
            await tab.connect("/unit")
            assert tab.var(UnitHomeState, "application_id") == wire.ids["application_a"]
            # 删除 unit B's scan by its id.
            await tab.event(UnitHomeState, "remove", material_id=str(wire.ids["material_b"]))
            assert _refusal_text(tab, UnitHomeState), tab.state.get(UnitHomeState.get_full_name())
            # Unit B's application id put into the page's state (setvar, as a tampering client can), then 修改申请信息.
            await tab.event(UnitHomeState, "setvar", var_name="application_id", value=wire.ids["application_b"])
            took = tab.var(UnitHomeState, "application_id") == wire.ids["application_b"]
            await tab.event(UnitHomeState, "open_edit")
            assert "南京乙公司" not in str(tab.var(UnitHomeState, "edit_values")), tab.var(UnitHomeState, "edit_values")
            if took:  # the id reached the state: the service refuses another unit's application
                assert tab.var(UnitHomeState, "edit_values") == {} and _refusal_text(tab, UnitHomeState)
            # 减员 of unit B's employee: its employment id ticked, then 确认减员.
            await tab.navigate("/unit/employees")
            await tab.event(EmployeesState, "toggle", employment_id=str(wire.ids["employment_b"]), checked=True)
            await tab.event(EmployeesState, "remove", form_data={"end_date": "2026-04-30", "end_reason": "01"})
            assert not str(tab.var(EmployeesState, "notice", "")).startswith("已为"), tab.var(EmployeesState, "notice")
            assert _refusal_text(tab, EmployeesState)
        async with wire.tab("person_a") as tab:
            # A person opening a staff page with an application id: sent to the staff login, nothing shown.
            update = await tab.connect(f"/staff/applications/{wire.ids['application_b']}")
            assert any(p.startswith("/staff/login") for p in update.redirects()), update.redirects()
            assert tab.var(StaffApplicationState, "reference_no", "") == ""

    _refused_without_trace(wire, scenario)


def test_a_replayed_signed_out_token_and_a_made_up_token_are_refused(wire):
    async def scenario():
        token = wire.tokens["person_a_second"]
        async with wire.tab(token=token) as tab:
            update = await tab.connect("/home")
            assert not update.redirects()
            await tab.event(LoginState, "sign_out")  # 退出: the session ends on the server
        for path, state, handler in (("/home", PersonState, "load_home"),
                                     ("/person/contributions", ContributionsState, "print_proof")):
            async with wire.tab(token=token) as replay:  # the old cookie, sent again from another tab
                update = await replay.connect(path)
                update.merge(await replay.event(state, handler))
                assert any(p.startswith("/login") for p in update.redirects()), (path, update.redirects())
        async with wire.tab(token="forged-" + "a" * 40) as forged:
            update = await forged.connect("/unit")
            update.merge(await forged.event(UnitHomeState, "remove", material_id=str(wire.ids["material_b"])))
            assert any(p.startswith("/login/unit") for p in update.redirects()), update.redirects()
            assert forged.var(UnitHomeState, "application_id") in (0, None)

    _refused_without_trace(wire, scenario)


def test_unknown_handlers_and_malformed_frames_are_dropped_and_the_server_stays_up(wire):
    unit_home = UnitHomeState.get_full_name()
    frames = [
        {"name": handler_name(unit_home, "drop_all_tables"), "payload": {}, "router_data": {"pathname": "/unit"}},
        {"name": "reflex___state____state.no_such_state.submit", "payload": {}, "router_data": {"pathname": "/"}},
        {"name": handler_name(unit_home, "remove")},  # no payload, no router data
        {"payload": {"material_id": "1"}},  # no name
        {"name": handler_name(unit_home, "remove"), "payload": "material_id=1", "router_data": {}},
        {"name": handler_name(unit_home, "remove"), "payload": {"material_id": "1"}, "router_data": "x", "x": 1},
        "not json {",
        json.dumps({"name": handler_name(unit_home, "remove"), "payload": {"material_id": "1"}}),
        [1, 2, 3],
        None,
        12345,
    ]

    async def scenario():
        for frame in frames:
            async with wire.tab("unit_a") as tab:
                await tab.connect("/unit")
                try:
                    await tab.send_raw(frame)
                except ConnectionLost:
                    pass  # the server may close a socket that sent garbage; it must stay up for everyone else
                assert wire.server.alive(), (frame, wire.log()[-3000:])
                if tab.connected:
                    # The same tab still works: its next normal event is answered.
                    update = await tab.event(UnitHomeState, "load")
                    assert not update.redirects() and tab.var(UnitHomeState, "application_id") == \
                        wire.ids["application_a"], frame
        # Broken Socket.IO packets under the Engine.IO layer (not decodable as an event at all).
        for packet in ('2/_event,["event",{"name":', '2/_event,{"not":"a list"}', "9garbage", '2/nosuchns,["event",{}]'):
            async with wire.tab("unit_a") as tab:
                await tab.connect("/unit")
                try:
                    await tab._sio.eio.send(packet)
                    await asyncio.sleep(0.3)
                except Exception:  # noqa: BLE001 - a dropped connection is an acceptable answer to garbage
                    pass
            assert wire.server.alive(), (packet, wire.log()[-3000:])

    _refused_without_trace(wire, scenario)


def test_a_handshake_from_another_origin_is_refused(wire):
    async def go():
        for origin in ("https://evil.example", "null"):
            tab = wire.tab("person_a", headers={"Origin": origin})
            with pytest.raises(ConnectionLost):
                await tab.connect("/home")
            await tab.close()
            assert tab.var(PersonState, "masked_id_number") is None  # nothing of person A reached that page
        await _answers_normally(wire)

    run_coroutine(go())
