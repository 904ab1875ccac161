"""The authorization matrix (issue 5 §2): every page route, file route and state event handler × eight roles.

One table per kind below. A protected handler's row names the roles it admits; the test drives every cell
in-process through Reflex's own event argument handling with that role's real session cookie, and the ids in the
payloads are always the *other* party's (person B's proof, unit B's material and application, which is already
approved). Denied: a redirect to a login page or a refusal on the page, and no business row changed. Allowed: no
login redirect and no authorization refusal. File routes are driven over HTTP (Starlette TestClient) with the
role's cookie. Page routes are public HTML shells: a page is protected by its on_load handler, whose row is driven.
A page, file route or handler without a row fails the test.
"""

from __future__ import annotations

import contextlib
import os

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

import jssi_app.jssi_app as app_module
from jssi_app.state.base import AppState
from tests.security.harness import drive, run_coroutine
from tests.security.world import ROLES, build, jpeg_bytes, png_bytes
from tests.backing import pg_schema_engine

PG_URL = os.environ.get("JSSI_TEST_PG_URL", "")

PERSON = frozenset({"person_a", "person_b"})
UNIT = frozenset({"unit_a", "unit_b"})
STAFF = frozenset({"reviewer", "clerk", "admin"})
CLERK = frozenset({"clerk", "admin"})
ADMIN = frozenset({"admin"})
REVIEW = frozenset({"reviewer", "admin"})
NOBODY = frozenset()
ONLY_B_PERSON = frozenset({"person_b"})

# Handlers that read or change no protected data: what a visitor types before signing in (public), form-field
# setters and dialogs/zoom that only change what this browser shows (ui), and 退出 which ends the caller's own
# session (self).
PUBLIC_STATES = {"LoginState", "RegistrationState", "ForgotPasswordState", "UnitRegistrationState", "UnitLoginState",
                 "StaffLoginState", "ProgressState", "VerifyState",
                 # 使用CA证书登录: spends a one-time ticket the proxy-only route issued; holds nothing before that.
                 "CaLoginState",
                 # 帮助中心: the FAQ search and the offices file are public; 操作指引 reads only which kind of account
                 # the browser is signed in as, to link to the function rather than to a login page.
                 "HelpPathsState", "FaqState", "ContactState"}
UI = {
    "ContributionsState": {"set_from_month", "set_to_month", "toggle_type"},
    "FaceCertificationState": {"camera_started", "start_camera", "capture"},
    "UnitHomeState": {"close_edit", "on_progress"},
    "EmployeesState": {"set_status", "toggle"},
    "EmployeeAddState": {"again"},
    "DeclarationState": {"cancel_entry", "set_entry", "start_entry"},
    "StaffApplicationState": {"close_panel", "close_viewer", "set_viewer_open", "zoom_in", "zoom_out", "zoom_reset",
                              "open_panel", "hide"},
    "StaffAdminState": {"cancel", "close_password"},
    "AuditLogState": {"set_f_actor", "set_f_event", "set_f_outcome", "set_f_since", "set_f_subject", "set_f_until"},
    "CounterTaskState": {"set_note"},
    "CounterImportState": {"files_rejected"},
    "CounterCertificatesState": {"files_rejected"},
}
SELF = {"sign_out"}


class FakeUpload:
    """What Reflex hands an upload handler: a name and an async read."""

    def __init__(self, name: str, data: bytes):
        self.name = self.filename = name
        self._data = data

    async def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


def png_upload():
    return [FakeUpload("licence.png", png_bytes())]


def _app_b_path(w):
    return f"/staff/applications/{w.ids['application_pending']}"


def _pending_app(w) -> dict:
    """The pending application as a reviewer's page holds it (id and the version it showed), read fresh."""
    from jssi_app.models.units import UnitApplication

    with Session(w.engine) as db:
        version = db.get(UnitApplication, w.ids["application_pending"]).version
        db.commit()
    return {"app_id": w.ids["application_pending"], "version": version}


def _task(w) -> dict:
    return {"task_id": w.ids["counter_task"]}


def _task_path(w) -> str:
    return f"/staff/counter/tasks/{w.ids['counter_task']}"


def row(allowed, payload=None, preset=None, path=None):
    """(roles allowed, payload(world), preset state fields(world), page path(world))."""
    return (allowed, payload or (lambda w: {}), preset or (lambda w: {}), path or (lambda w: "/"))


_B_APP = lambda w: {"application_id": w.ids["application_b"]}  # noqa: E731
HANDLERS: dict[tuple[str, str], tuple] = {
    # 个人: person A and B each see their own records only (the state reads the session, never an id).
    ("PersonState", "load_home"): row(PERSON, path=lambda w: "/home"),
    ("PersonState", "load_profile"): row(PERSON, path=lambda w: "/profile/complete"),
    ("PersonState", "save_profile"): row(PERSON, lambda w: {"form_data": {}}),
    ("ContributionsState", "load"): row(PERSON),
    ("ContributionsState", "go_page"): row(PERSON, lambda w: {"page": 1}),
    ("ContributionsState", "search"): row(PERSON),
    ("ContributionsState", "print_proof"): row(PERSON),
    ("FaceHomeState", "load"): row(PERSON),
    ("FaceCertificationState", "load"): row(PERSON),
    ("FaceCertificationState", "submit_camera"): row(PERSON, lambda w: {"data_url": "data:image/jpeg;base64,AAAA"}),
    ("FaceCertificationState", "upload_photo"): row(PERSON, lambda w: {"files": [FakeUpload("me.jpg", jpeg_bytes())]}),
    # 单位: unit B's application is approved: editing, uploading and submitting it are refused to everyone, and
    # unit A is refused unit B's material and application by the service's ownership check.
    ("UnitHomeState", "load"): row(UNIT),
    ("UnitHomeState", "open_edit"): row(frozenset({"unit_b"}), preset=_B_APP),  # reading its own; saving is refused
    ("UnitHomeState", "save_fields"): row(NOBODY, lambda w: {"form_data": {"unit_name": "篡改公司"}}, _B_APP),
    ("UnitHomeState", "remove"): row(NOBODY, lambda w: {"material_id": str(w.ids["material_b"])}, _B_APP),
    ("UnitHomeState", "submit"): row(NOBODY, preset=_B_APP),
    **{("UnitHomeState", f"upload_{k}"): row(NOBODY, lambda w: {"files": png_upload()}, _B_APP)
       for k in ("business_licence", "legal_rep_id", "handler_id", "authorization_letter", "other")},
    ("EmployeesState", "load"): row(UNIT),
    ("EmployeesState", "go_page"): row(UNIT, lambda w: {"delta": 1}),
    ("EmployeesState", "search"): row(UNIT, lambda w: {"form_data": {}}),
    ("EmployeesState", "remove"): row(UNIT, lambda w: {"form_data": {}}),
    ("EmployeeAddState", "load"): row(UNIT),
    ("EmployeeAddState", "submit"): row(UNIT, lambda w: {"form_data": {}}),
    ("EmployeeImportState", "load"): row(UNIT),
    ("EmployeeImportState", "upload"): row(UNIT, lambda w: {"files": [FakeUpload("x.xlsx", b"not a workbook")]}),
    ("EmployeeImportState", "download_report"): row(UNIT),
    ("DeclarationState", "load"): row(UNIT),
    ("DeclarationState", "submit"): row(UNIT),
    ("DeclarationState", "upload"): row(UNIT, lambda w: {"files": [FakeUpload("x.xlsx", b"not a workbook")]}),
    ("DeclarationState", "download_report"): row(UNIT),
    # 工作人员
    ("StaffPasswordState", "on_load"): row(STAFF),
    ("StaffPasswordState", "submit"): row(STAFF, lambda w: {"form_data": {}}),
    ("StaffQueueState", "load"): row(STAFF),
    ("StaffQueueState", "apply_filters"): row(STAFF, lambda w: {"form_data": {}}),
    ("StaffQueueState", "show_tile"): row(STAFF, lambda w: {"key": "overdue"}),
    ("StaffQueueState", "reset_filters"): row(STAFF),
    ("StaffQueueState", "next_page"): row(STAFF),
    ("StaffQueueState", "prev_page"): row(STAFF),
    ("StaffApplicationState", "load"): row(STAFF, path=_app_b_path),
    ("StaffApplicationState", "open_viewer"): row(STAFF, lambda w: {"material_id": str(w.ids["material_b"])},
                                                  path=_app_b_path),
    ("StaffApplicationState", "reveal"): row(STAFF, lambda w: {"field": "handler_id"}, path=_app_b_path),
    # A clerk may look but not act as a reviewer.
    ("StaffApplicationState", "claim"): row(REVIEW, preset=_pending_app, path=_app_b_path),
    ("StaffApplicationState", "release"): row(REVIEW, preset=_pending_app, path=_app_b_path),
    ("StaffApplicationState", "approve"): row(REVIEW, lambda w: {"form_data": {}}, _pending_app, _app_b_path),
    ("StaffApplicationState", "reject"): row(REVIEW, lambda w: {"form_data": {}}, _pending_app, _app_b_path),
    ("StaffAdminState", "load"): row(ADMIN),
    ("StaffAdminState", "ask"): row(ADMIN, lambda w: {"action": "disable", "target_id": str(w.ids["clerk"]),
                                                      "name": "x"}),
    ("StaffAdminState", "confirm"): row(ADMIN),
    ("StaffAdminState", "create"): row(ADMIN, lambda w: {"form_data": {}}),
    ("AuditLogState", "load"): row(ADMIN),
    ("AuditLogState", "search"): row(ADMIN),
    ("AuditLogState", "clear_filters"): row(ADMIN),
    ("AuditLogState", "first_page"): row(ADMIN),
    ("AuditLogState", "next_page"): row(ADMIN),
    ("AuditLogState", "previous_page"): row(ADMIN),
    ("AuditLogState", "verify"): row(ADMIN),
    # 窗口经办: clerks and admins; a reviewer acting as a clerk is refused.
    ("CounterQueueState", "load"): row(CLERK),
    ("CounterQueueState", "apply_filters"): row(CLERK, lambda w: {"form_data": {}}),
    ("CounterQueueState", "go_page"): row(CLERK, lambda w: {"delta": 1}),
    ("CounterTaskState", "load"): row(CLERK, path=_task_path),
    ("CounterTaskState", "refuse"): row(CLERK, preset=_task, path=_task_path),
    ("CounterTaskState", "approve"): row(CLERK, preset=_task, path=_task_path),
    ("CounterPersonState", "load"): row(CLERK),
    ("CounterPersonState", "lookup"): row(CLERK, lambda w: {"form_data": {"id_number": w.id_number_b}}),
    ("CounterPersonState", "change_phone"): row(CLERK, lambda w: {"form_data": {}}),
    ("CounterPersonState", "upgrade"): row(CLERK, lambda w: {"form_data": {}}),
    ("CounterPersonState", "correct_name"): row(CLERK, lambda w: {"form_data": {}}),
    ("CounterImportState", "load"): row(CLERK),
    ("CounterImportState", "upload"): row(CLERK, lambda w: {"files": [FakeUpload("persons.csv", b"x")]}),
    ("CounterImportState", "dry_run"): row(CLERK),
    ("CounterImportState", "run_import"): row(CLERK),
    ("CounterImportState", "discard"): row(CLERK),
    ("CounterCertificatesState", "load"): row(CLERK),
    ("CounterCertificatesState", "lookup"): row(CLERK, lambda w: {"form_data": {"uscc": "91320100000000002B"}}),
    ("CounterCertificatesState", "upload"): row(CLERK, lambda w: {"files": [FakeUpload("unit.pem", b"not a cert")]}),
    ("CounterCertificatesState", "revoke"): row(CLERK, lambda w: {"binding_id": "1"}),
    ("ClerkFaceState", "load"): row(CLERK),
    ("ClerkFaceState", "find"): row(CLERK, lambda w: {"form_data": {"id_number": w.id_number_b}}),
    ("ClerkFaceState", "upload_reference"): row(CLERK, lambda w: {"files": [FakeUpload("p.jpg", jpeg_bytes())]}),
}

# Every page route -> the handler its on_load runs (None: a public page with no protected data).
PAGES: dict[str, str | None] = {
    "index": "LoginState.on_load", "login": "LoginState.on_load", "register": None,
    "register/person": "RegistrationState.on_load", "register/person/done": None,
    "home": "PersonState.load_home", "profile/complete": "PersonState.load_profile",
    "forgot-password": "ForgotPasswordState.on_load", "reset-password": "ForgotPasswordState.open_link",
    "agreement/user": None, "agreement/privacy": None, "dev/outbox": "OutboxState.load",
    "register/unit": "UnitRegistrationState.on_load", "login/unit": "UnitLoginState.on_load",
    "unit": "UnitHomeState.load", "unit/submitted": None, "progress": "ProgressState.on_load",
    "person/contributions": "ContributionsState.load", "person/certification": "FaceCertificationState.load",
    "verify": "VerifyState.load",
    "unit/employees": "EmployeesState.load", "unit/employees/add": "EmployeeAddState.load",
    "unit/employees/import": "EmployeeImportState.load", "unit/declaration": "DeclarationState.load",
    "staff/login": "StaffLoginState.on_load", "staff/password": "StaffPasswordState.on_load",
    "staff": "StaffQueueState.load", "staff/applications/[application_id]": "StaffApplicationState.load",
    "staff/admin": "StaffAdminState.load", "staff/audit": "AuditLogState.load",
    "staff/counter": "CounterQueueState.load", "staff/counter/tasks/[task_id]": "CounterTaskState.load",
    "staff/counter/person": "CounterPersonState.load", "staff/counter/face-reference": "ClerkFaceState.load",
    "staff/counter/import": "CounterImportState.load",
    "staff/counter/certificates": "CounterCertificatesState.load", "login/unit/ca": "CaLoginState.on_load",
    "help": None, "help/guide/person": None, "help/guide/unit": None, "help/paths": "HelpPathsState.on_load",
    "help/faq": "FaqState.on_load", "help/contact": "ContactState.load",
}
# Pages whose shell draws application data without an on_load check of its own.
PAGE_NOTES = {"unit/submitted": "shows only the state UnitHomeState.submit filled for this browser"}

# File routes (path template -> url builder, roles that get the file).
FILES: dict[str, tuple] = {
    "/files/materials/{material_id}/{variant}": (lambda w: f"/files/materials/{w.ids['material_b']}/preview",
                                                 frozenset({"unit_b"}) | STAFF),
    "/files/audit.csv": (lambda w: "/files/audit.csv", ADMIN),
    "/files/proofs/{code}": (lambda w: f"/files/proofs/{w.proof_code_b}", ONLY_B_PERSON),
    "/files/face-references/{person_id}": (lambda w: f"/files/face-references/{w.ids['registry_person_b']}", CLERK),
    "/files/unit/templates/{name}": (lambda w: "/files/unit/templates/enrolment.xlsx", UNIT),
    # The proxy-only CA sign-in: without the shared secret from a proxy address, a 404 for everyone.
    "/internal/ca-login": (lambda w: "/internal/ca-login", NOBODY),
}

LOGIN_PAGES = ("/login", "/login/unit", "/staff/login")
AUTHZ_REFUSALS = ("无权", "登录已失效", "仅窗口经办", "仅系统管理员", "没有审核权限", "不能代替单位", "单位注册审核通过后才能",
                  "不存在或已停用")
UNTOUCHED_TABLES = ("audit_event", "throttle_hit", "user_session", "outbox_message")


def _all_states(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_states(sub)
    return found


STATES = {cls.__name__: cls for cls in _all_states(AppState)}


@contextlib.contextmanager
def _matrix_engine(backend: str, folder):
    """The world's database: a SQLite file, or a schema of its own on JSSI_TEST_PG_URL's server."""
    from jssi_app.db import engine_for

    if backend == "sqlite":
        eng = engine_for(f"sqlite:///{folder / 'matrix.db'}")
        SQLModel.metadata.create_all(eng)
        yield eng
        return
    with pg_schema_engine("matrix") as eng:
        SQLModel.metadata.create_all(eng)
        yield eng


# Every cell on both databases: a refusal that relied on SQLite's looser typing or ordering would show on PostgreSQL.
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    from jssi_app import api, config, db as db_module
    from jssi_app.state import base

    folder = tmp_path_factory.mktemp("matrix")
    with _matrix_engine(request.param, folder) as eng, pytest.MonkeyPatch.context() as mp:
        for module in (db_module, base, api):
            mp.setattr(module, "engine", lambda: eng)
        mp.setattr(config, "DATA_DIR", folder)
        with Session(eng, expire_on_commit=False) as db:
            w = build(db)
        w.engine = eng
        yield w


def _fingerprint(eng) -> dict[str, int]:
    """Row count and highest id of every business table (refusal bookkeeping tables excluded)."""
    out = {}
    with Session(eng) as db:
        for name, table in SQLModel.metadata.tables.items():
            if name in UNTOUCHED_TABLES or name.startswith("throttle"):
                continue
            out[name] = db.execute(select(func.count()).select_from(table)).scalar_one()
        db.commit()
    return out


def _summary(state) -> str:
    parts = list(getattr(state, "summary", []) or []) + [str(v) for v in (getattr(state, "errors", {}) or {}).values()]
    return " ".join(str(p) for p in parts)


def test_every_handler_has_a_row():
    listed = set(HANDLERS) | {(s, h) for s, hs in UI.items() for h in hs}
    missing = []
    for name, cls in STATES.items():
        for handler in cls.event_handlers:
            if handler == "setvar" or name in PUBLIC_STATES or handler in SELF or (name, handler) in listed:
                continue
            missing.append(f"{name}.{handler}")
    assert missing == []
    assert not [k for k in HANDLERS if k[0] not in STATES or k[1] not in STATES[k[0]].event_handlers]


def test_every_page_has_a_row_and_its_on_load_is_the_listed_handler():
    pages = app_module.app._unevaluated_pages
    assert sorted(pages) == sorted(k for k in PAGES if k in pages or k != "dev/outbox")
    for route, page in pages.items():
        on_load = page.on_load
        handlers = on_load if isinstance(on_load, list) else [on_load] if on_load else []
        names = [h.fn.__qualname__ for h in handlers]
        assert names == ([PAGES[route]] if PAGES[route] else []), route
        state_name = (PAGES[route] or ".").split(".")[0]
        if state_name and state_name not in PUBLIC_STATES and state_name != "OutboxState":
            assert (state_name, PAGES[route].split(".")[1]) in HANDLERS, route


# HTTP routes that serve no file and hold no data: entries that only redirect or refuse.
ENTRY_ROUTES = {
    # The mutual-TLS entry, reached without the proxy: everyone is sent to the refusal page.
    "/ca-login": lambda w: "/ca-login",
}


def test_every_file_route_has_a_row():
    assert sorted(r.path for r in app_module.api.routes) == sorted([*FILES, *ENTRY_ROUTES])


@pytest.mark.parametrize("route", sorted(ENTRY_ROUTES))
def test_entry_routes_only_redirect(world, route):
    from starlette.testclient import TestClient

    from jssi_app.api import api

    for role in ROLES:
        with TestClient(api, base_url="https://testserver") as client:
            if world.tokens[role]:
                client.cookies.set("jssi_session", world.tokens[role])
            response = client.get(ENTRY_ROUTES[route](world), follow_redirects=False)
        assert response.status_code == 303, role
        assert response.content == b""


CELLS = [(s, h, role) for (s, h) in HANDLERS for role in ROLES]


@pytest.mark.parametrize(("state_name", "handler", "role"), CELLS, ids=[f"{s}.{h}-{r}" for s, h, r in CELLS])
def test_handler_cell(world, state_name, handler, role):
    allowed_roles, payload, preset, path = HANDLERS[(state_name, handler)]
    before = _fingerprint(world.engine)
    out = run_coroutine(drive(STATES[state_name], handler, payload(world), world.tokens[role], path(world),
                            preset(world)))
    assert out.crashed is None, f"{state_name}.{handler} as {role} raised {out.crashed!r}"
    to_login = any(p.split("?")[0] in LOGIN_PAGES for p in out.redirects())
    summary = _summary(out.state)
    refused = any(phrase in summary for phrase in AUTHZ_REFUSALS)
    if role in allowed_roles:
        assert not to_login and not refused, f"{role} refused: {out.redirects()} {summary}"
    else:
        # Refused: sent to a login page, told why, or (a handler that needs something loaded first) nothing at all.
        # A row that puts the other party's object in the state must be refused out loud.
        quiet = out.returned_nothing() and out.state_unchanged() and not preset(world)
        assert to_login or summary or quiet, f"{role} not refused: {out.redirects()} {summary!r}"
        assert _fingerprint(world.engine) == before


FILE_CELLS = [(route, role) for route in FILES for role in ROLES]


@pytest.mark.parametrize(("route", "role"), FILE_CELLS, ids=[f"{r}-{role}" for r, role in FILE_CELLS])
def test_file_route_cell(world, route, role):
    from starlette.testclient import TestClient

    from jssi_app.api import api

    url_of, allowed = FILES[route]
    with TestClient(api, base_url="https://testserver") as client:
        if world.tokens[role]:
            client.cookies.set("jssi_session", world.tokens[role])
        response = client.get(url_of(world))
    if role in allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 404
        assert "Traceback" not in response.text
