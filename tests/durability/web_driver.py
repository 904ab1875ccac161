"""Browser tabs over the real wire for the kill -9 test of the real server (test_kill9_server.py).

Each worker plays people at their browsers, through tests/reflex_client.py (Socket.IO events and /_upload, as the
compiled page sends them), against the app served as in production (tests/reflex_server.py):
- a person: 个人用户注册 → 获取手机验证码 → reads the code at /dev/outbox (as the e2e tests do) → 提交注册;
- a unit handler: 单位用户注册 (code from the outbox), 上传资质材料 (four PNG scans through /_upload), 提交; or
  单位用户登录 to one of its units left as a draft by a kill or rejected by a reviewer, uploads what is missing or
  flagged, and 提交 again;
- a reviewer: 工作人员登录, 审核工作台, opens the oldest 待审核 application (or its own claim left by a kill), 领取, then
  通过 or 退回 with a reason.

An operation is acknowledged when the tab saw what the page shows on success, in the state delta: the redirect to
注册成功 (/register/person/done) or to the unit home (/unit), the notice 材料已上传。, the redirect to /unit/submitted,
the notices 已领取 / 已审核通过 / 已退回单位修改. Acknowledgements carry what the tab saw (ids, reference numbers,
versions and rounds as the page showed them) for tests/durability/checks.py.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

from jssi_app.domain.contact import mask_phone
from jssi_app.domain.review import REJECTION_REASONS, REQUIRED_MATERIALS
from jssi_app.state.outbox import OutboxState
from jssi_app.state.registration import RegistrationState
from jssi_app.state.staff import StaffApplicationState, StaffLoginState, StaffQueueState
from jssi_app.state.unit import UnitHomeState, UnitLoginState, UnitRegistrationState
from tests.durability.driver import random_ip, scan_png, unit_fields
from tests.durability.harness import Ledger
from tests.reflex_client import ConnectionLost, ReflexClient
from tests.services.helpers import PASSWORD

GENERIC_FAILURE_START = "系统繁忙"
UPLOAD_HANDLERS = {kind.value: f"upload_{kind.value}" for kind in REQUIRED_MATERIALS}


class Recorder:
    """Operations started and answered, as the test (the client) saw them."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.open: dict[int, str] = {}  # started, not answered yet; emptied at the start of each life
        self.crashes: list[str] = []  # 系统繁忙 on a page: an unexpected exception in the server
        self._names: dict[int, str] = {}
        self._ids = itertools.count(1)

    def start(self, op: str) -> int:
        op_id = next(self._ids)
        self.open[op_id] = self._names[op_id] = op
        return op_id

    def ack(self, op_id: int, **fields) -> None:
        # An answer can still be read from the socket after the kill: the server sent it after its commit.
        self.open.pop(op_id, None)
        self.ledger.acks.append({"op": self._names[op_id], "id": op_id, **fields})

    def refused(self, op_id: int, summary: list[str]) -> None:
        self.open.pop(op_id, None)
        op = self._names[op_id]
        if any(str(s).startswith(GENERIC_FAILURE_START) for s in summary):
            self.crashes.append(f"{op}: {summary}")
        self.ledger.refused[op] += 1


@dataclass
class World:
    """What the workers share for one database: the server's address, people still to register, units made."""

    url: str
    client_storage: dict
    persons: list[dict]
    reviewers: list[tuple[int, str, str]]  # (staff id, username, password)
    rng: random.Random
    unit_seqs: itertools.count
    phones: itertools.count = field(default_factory=lambda: itertools.count(1))
    units: list[dict] = field(default_factory=list)  # {"credit_code", "status"} per unit a tab registered

    def phone(self) -> str:
        # Unique masked form (138****NNNN), so the outbox message of this phone is told from all others.
        n = next(self.phones)
        return f"1{'3456789'[(n // 10000) % 7]}{self.rng.randrange(10**5):05d}{n % 10000:04d}"

    def tab(self) -> ReflexClient:
        # A new address per tab: the per-address throttles (20 registrations an hour) would stop a long run.
        return ReflexClient(self.url, client_storage=self.client_storage,
                            headers={"X-Forwarded-For": random_ip(self.rng)}, timeout=90)


async def read_code(world: World, phone: str) -> str:
    """The newest registration code the outbox shows for this phone, read at /dev/outbox like a person would."""
    masked = mask_phone(phone)
    async with world.tab() as outbox:
        await outbox.connect("/dev/outbox")
        for message in outbox.var(OutboxState, "messages", []):
            if message["to"] == masked and "验证码" in message["body"]:
                digits = [c for c in message["body"].split("验证码", 1)[1] if c.isdigit()][:6]
                return "".join(digits)
    raise AssertionError(f"no code in the outbox for {masked}")


async def send_code(world: World, tab: ReflexClient, rec: Recorder, state: type, phone: str) -> str | None:
    """获取手机验证码 on the page's form, then the code from the outbox; None when the page refused."""
    await tab.event(state, "set_phone", value=phone)
    op = rec.start("sms")
    await tab.event(state, "send_code")
    if not str(tab.var(state, "code_notice", "")).startswith("验证码已发送"):
        rec.refused(op, tab.var(state, "summary", []))
        return None
    rec.ack(op)
    return await read_code(world, phone)


# --- persons ---------------------------------------------------------------------------------------------------


async def person_worker(world: World, rec: Recorder) -> None:
    while world.persons:
        person = world.persons.pop()
        phone = world.phone()
        async with world.tab() as tab:
            await tab.connect("/register/person")
            code = await send_code(world, tab, rec, RegistrationState, phone)
            if code is None:
                continue
            form = {"name": person["name"], "id_number": person["id_number"], "phone": phone, "email": "",
                    "password": PASSWORD, "password_confirm": PASSWORD, "sms_code": code, "agreed": True}
            op = rec.start("person")
            update = await tab.event(RegistrationState, "submit", form_data=form)
            if "/register/person/done" in update.redirects():
                rec.ack(op, id_number=person["id_number"], name=person["name"], phone=phone)
            else:
                rec.refused(op, tab.var(RegistrationState, "summary", []))


# --- units -----------------------------------------------------------------------------------------------------


async def _register_unit(world: World, rec: Recorder, tab: ReflexClient, held: list[dict]) -> dict | None:
    await tab.connect("/register/unit")
    phone = world.phone()
    code = await send_code(world, tab, rec, UnitRegistrationState, phone)
    if code is None:
        return None
    fields = unit_fields(next(world.unit_seqs), phone)
    op = rec.start("unit")
    update = await tab.event(UnitRegistrationState, "submit", form_data={
        **fields, "password": PASSWORD, "password_confirm": PASSWORD, "sms_code": code, "agreed": True})
    if "/unit" not in update.redirects():
        rec.refused(op, tab.var(UnitRegistrationState, "summary", []))
        return None
    rec.ack(op, **fields)  # the application is found by its credit code (the page shows no id yet)
    unit = {"credit_code": fields["credit_code"], "status": "draft", "busy": True}
    held.append(unit)
    world.units.append(unit)
    await tab.navigate("/unit")  # the redirect: the unit home loads the new application
    return unit


async def _sign_in_unit(world: World, rec: Recorder, tab: ReflexClient, unit: dict) -> bool:
    await tab.connect("/login/unit")
    update = await tab.event(UnitLoginState, "submit",
                             form_data={"credit_code": unit["credit_code"], "password": PASSWORD})
    if "/unit" not in update.redirects():
        return False
    await tab.navigate("/unit")
    unit["status"] = tab.var(UnitHomeState, "app_status")
    return True


def _newest_file_id(tab: ReflexClient, kind: str) -> int:
    files = tab.var(UnitHomeState, "files_by_kind", {}).get(kind, [])
    return max((int(f["id"]) for f in files), default=0)


async def _upload(world: World, rec: Recorder, tab: ReflexClient, kind: str) -> bool:
    content = scan_png(world.rng)
    app_id = tab.var(UnitHomeState, "application_id")
    op = rec.start("material")
    await tab.upload(UnitHomeState, UPLOAD_HANDLERS[kind], [(f"{kind}.png", content, "image/png")])
    if tab.var(UnitHomeState, "notice") != "材料已上传。":
        rec.refused(op, tab.var(UnitHomeState, "summary", []))
        return False
    rec.ack(op, material_id=_newest_file_id(tab, kind), application_id=app_id, kind=kind,
            sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    return True


async def _submit(rec: Recorder, tab: ReflexClient, unit: dict) -> None:
    op = rec.start("submit")
    app_id = tab.var(UnitHomeState, "application_id")
    update = await tab.event(UnitHomeState, "submit")
    if "/unit/submitted" not in update.redirects():
        rec.refused(op, tab.var(UnitHomeState, "summary", []))
        return
    # The page reloads the application before the redirect: its timeline has one 已提交 step per round.
    rounds = sum(1 for step in tab.var(UnitHomeState, "timeline", []) if step["label"].endswith("已提交"))
    rec.ack(op, application_id=app_id, round=rounds, reference_no=tab.var(UnitHomeState, "submitted_reference"))
    unit["status"] = "submitted"


async def _work_on(world: World, rec: Recorder, tab: ReflexClient, unit: dict | None, held: list[dict]) -> None:
    """Sign in to `unit` (or register a new one), upload what is missing or flagged, 提交."""
    if unit is not None:
        if not await _sign_in_unit(world, rec, tab, unit):
            return
    else:
        unit = await _register_unit(world, rec, tab, held)
        if unit is None:
            return
    if not tab.var(UnitHomeState, "editable"):
        return
    flagged = list(tab.var(UnitHomeState, "flagged", {}))
    missing = [k.value for k in REQUIRED_MATERIALS if not tab.var(UnitHomeState, "files_by_kind", {}).get(k.value)]
    for kind in [*flagged, *missing]:
        if not await _upload(world, rec, tab, kind):
            return
    await _submit(rec, tab, unit)


async def unit_worker(world: World, rec: Recorder) -> None:
    while True:
        # Half the time, back to one of the units left to fix (a draft a kill interrupted, or rejected); one tab
        # per unit at a time, as one handler works on it (a unit registered now is busy from birth).
        todo = [u for u in world.units if u["status"] in ("draft", "rejected", "unknown") and not u["busy"]]
        unit = world.rng.choice(todo) if todo and world.rng.random() < 0.5 else None
        held = [unit] if unit is not None else []
        for u in held:
            u["busy"] = True
        try:
            async with world.tab() as tab:
                await _work_on(world, rec, tab, unit, held)
        finally:
            for u in held:
                u["busy"] = False


# --- reviewers -------------------------------------------------------------------------------------------------


async def _pick(tab: ReflexClient, name: str) -> str | None:
    """The reviewer's own claim left by a kill, else the oldest 待审核 application, from the 审核工作台 list."""
    rows = tab.var(StaffQueueState, "rows", [])
    mine = [r for r in rows if r["status"] == "in_review" and r["claimed_by"] == name]
    waiting = sorted((r for r in rows if r["status"] == "submitted"), key=lambda r: (r["submitted_at"], int(r["id"])))
    choice = (mine or waiting or [None])[0]
    return choice["href"] if choice else None


async def reviewer_worker(world: World, rec: Recorder, staff: tuple[int, str, str]) -> None:
    staff_id, username, password = staff
    async with world.tab() as tab:
        await tab.connect("/staff/login")
        update = await tab.event(StaffLoginState, "submit", form_data={"username": username, "password": password})
        assert "/staff" in update.redirects(), (username, tab.var(StaffLoginState, "summary"))
        while True:
            await tab.navigate("/staff")
            href = await _pick(tab, username)
            if href is None:
                await asyncio.sleep(0.3)
                continue
            await tab.navigate(href)
            app_id = tab.var(StaffApplicationState, "app_id")
            if "claim" in tab.var(StaffApplicationState, "actions", []):
                op = rec.start("claim")
                await tab.event(StaffApplicationState, "claim")
                if not str(tab.var(StaffApplicationState, "notice", "")).startswith("已领取"):
                    rec.refused(op, tab.var(StaffApplicationState, "summary", []))
                    continue
                rec.ack(op, application_id=app_id, staff_id=staff_id,
                        version=tab.var(StaffApplicationState, "version"))
            actions = tab.var(StaffApplicationState, "actions", [])
            if "approve" not in actions:
                continue
            op = rec.start("decision")
            if world.rng.random() < 0.6:
                await tab.event(StaffApplicationState, "approve", form_data={"opinion": "材料齐全"})
                done = "已审核通过"
            else:
                kind = world.rng.choice(tab.var(StaffApplicationState, "reject_kinds", []))["kind"]
                await tab.event(StaffApplicationState, "reject", form_data={
                    f"reason.{kind}": world.rng.choice(REJECTION_REASONS[:-1]), f"note.{kind}": "请重新扫描上传",
                    "opinion": "请按要求修改"})
                done = "已退回单位修改"
            if not str(tab.var(StaffApplicationState, "notice", "")).startswith(done):
                rec.refused(op, tab.var(StaffApplicationState, "summary", []))
                continue
            decision = tab.var(StaffApplicationState, "app_status")
            rec.ack(op, application_id=app_id, round=tab.var(StaffApplicationState, "round_number"),
                    decision=decision, staff_id=staff_id)
            for unit in world.units:
                if unit["credit_code"] == tab.var(StaffApplicationState, "uscc") and decision == "rejected":
                    unit["status"] = "rejected"


# --- one life of the server ------------------------------------------------------------------------------------


async def _until_lost(coro) -> None:
    try:
        await coro
    except (ConnectionLost, TimeoutError):
        pass  # the server was killed under this tab


async def life(world: World, rec: Recorder, *, seconds: float, kill, unit_tabs: int = 2) -> None:
    """Run every worker against the server for `seconds`, then `kill()` it; the workers end with their sockets."""
    workers = [asyncio.create_task(_until_lost(person_worker(world, rec)))]
    workers += [asyncio.create_task(_until_lost(unit_worker(world, rec))) for _ in range(unit_tabs)]
    workers += [asyncio.create_task(_until_lost(reviewer_worker(world, rec, staff))) for staff in world.reviewers]
    done, _ = await asyncio.wait(workers, timeout=seconds, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        task.result()  # a worker's own failure (not a lost connection) fails the test here
    kill()
    _, pending = await asyncio.wait(workers, timeout=120)
    for task in pending:
        task.cancel()
    for task in workers:
        if task.done() and not task.cancelled():
            task.result()
    for unit in world.units:
        if unit["status"] == "draft":
            unit["status"] = "unknown"


def unregistered_persons(registry: Path) -> list[dict]:
    with open(registry / "persons.csv", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if len(r["id_number"]) == 18]
