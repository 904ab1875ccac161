"""窗口业务 (counter clerks): the counter queue, a task's 办结 / 不予办理, 人员信息变更 and 参保数据导入.

Every handler asks `_staff()` (StaffMixin) for the session, then calls one counter service, which checks
`require_clerk` itself: a reviewer (审核员) signed in at the staff area gets the services' refusal on every page
and action here, and nothing else. States hold masked values only; the typed ID number is never kept.
"""

from __future__ import annotations

import re

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.domain.counter_person import CHECK_FIELD
from jssi_app.domain.counter_tasks import KIND_LABELS, OPEN, STATUS_LABELS
from jssi_app.domain.paging import stepped
from jssi_app.domain.registry_extract import MAX_UPLOAD_BYTES, TOO_LARGE
from jssi_app.services import counter_import, counter_person, counter_tasks
from jssi_app.services.counter_import import ImportOutcome
from jssi_app.services.counter_person import PersonRecord
from jssi_app.services.registry_import import DryRunReport
from jssi_app.state.base import AppState, call_service
from jssi_app.state.staff import SIGN_OUT_RESETS, StaffMixin

KIND_FILTERS: tuple[tuple[str, str], ...] = (("", "全部业务类型"), *KIND_LABELS.items())
STATUS_FILTERS: tuple[tuple[str, str], ...] = tuple(STATUS_LABELS.items())
_TASK_PATH = re.compile(r"^/staff/counter/tasks/(\d{1,12})/?$")
# What the detail of a task of each kind is called on the page; unknown keys are shown as they are.
DETAIL_LABELS = {
    "tries": "当日认证失败次数", "year": "年度", "person": "参保人员", "unit": "单位", "employee": "职工",
    "base": "申报基数", "old_base": "原缴费基数", "new_base": "申报缴费基数", "declaration_year": "申报年度",
    "reason": "原因", "masked_id": "身份证号码", "masked_name": "姓名",
}


def _task_row(t: counter_tasks.TaskRow) -> dict[str, str]:
    return {
        "id": str(t.id), "kind": t.kind, "kind_label": t.kind_label, "status": t.status,
        "status_label": t.status_label, "summary": t.summary, "created": t.created, "handled": t.handled,
        "note": t.outcome_note, "href": routes.counter_task(t.id),
    }


# --- 窗口业务: the queue ---------------------------------------------------------------------------------


class CounterQueueState(StaffMixin, AppState):
    kind_filter: str = ""
    status_filter: str = OPEN
    rows: list[dict[str, str]] = []
    # The page is kept with the filters: back from a task, the clerk is where they left the queue.
    page: int = 1
    pages: int = 1
    total: int = 0
    loaded: bool = False
    # Remounts the filter form when the filters change from outside it.
    filter_key: int = 0

    async def _load_rows(self, staff_id: int) -> None:
        try:
            found = await call_service(counter_tasks.list_tasks, staff_id=staff_id, status=self.status_filter,
                                       kind=self.kind_filter, page=self.page)
        except Exception as exc:  # noqa: BLE001 — CounterRefused for a reviewer, mapped to the summary
            self._show_error(exc)
            self.rows, self.loaded = [], False
            return
        self.rows = [_task_row(t) for t in found.rows]
        self.page, self.pages, self.total = found.page, found.pages, found.total
        self.loaded = True

    async def _show(self):
        """The queue with the current filters and page, after the session check every entry point makes."""
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        await self._load_rows(who)
        return None

    @rx.event
    async def load(self):
        self.rows, self.loaded = [], False
        return await self._show()

    @rx.event
    async def apply_filters(self, form_data: dict):
        kind = str(form_data.get("kind", ""))
        status = str(form_data.get("status", OPEN))
        self.kind_filter = kind if kind in KIND_LABELS else ""
        self.status_filter = status if status in STATUS_LABELS else OPEN
        self.page = 1
        return await self._show()

    @rx.event
    async def go_page(self, delta: int):
        self.page = stepped(self.page, delta)
        return await self._show()


# --- 窗口业务: one task ----------------------------------------------------------------------------------


class CounterTaskState(StaffMixin, AppState):
    task_id: int = 0
    task: dict[str, str] = {}
    detail_items: list[dict[str, str]] = []
    loaded: bool = False
    note: str = ""
    notice: str = ""

    def _apply(self, t: counter_tasks.TaskRow) -> None:
        self.task_id = t.id
        self.task = _task_row(t)
        self.detail_items = [
            {"label": DETAIL_LABELS.get(str(k), str(k)), "value": str(v)} for k, v in sorted(t.detail.items())
        ]
        self.loaded = True

    @rx.event
    async def load(self):
        self._clear_errors()
        self.task, self.detail_items, self.loaded, self.note, self.notice, self.busy = {}, [], False, "", "", False
        who = await self._staff()
        if not isinstance(who, int):
            return who
        found = _TASK_PATH.match(self.router.url.path or "")
        if not found:
            self.summary = [counter_tasks.TASK_NOT_FOUND]
            return None
        try:
            task = await call_service(counter_tasks.get_task, int(found.group(1)), staff_id=who)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return None
        self._apply(task)
        return None

    @rx.event
    def set_note(self, value: str):
        self.note = str(value)[:1000]

    async def _complete(self, approved: bool):
        self._clear_errors()
        self.notice = ""
        who = await self._staff()
        if not isinstance(who, int):
            yield who
            return
        if not self.task_id or self.busy:
            return
        self.busy = True
        yield
        try:
            task = await call_service(counter_tasks.complete_task, self.task_id, staff_id=who, approved=approved,
                                      note=self.note, now=utcnow(), client_ip=self._client_ip())
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            if "办理意见" in " ".join(self.summary):
                self.errors = {"note": self.summary[0]}
            yield self._focus_summary()
            return
        self.busy = False
        self._apply(task)
        self.notice = "已办结。" if approved else "已作不予办理处理，办理意见已记录。"

    @rx.event
    async def approve(self):
        async for step in self._complete(True):
            yield step

    @rx.event
    async def refuse(self):
        async for step in self._complete(False):
            yield step


# --- 人员信息变更 ---------------------------------------------------------------------------------------


def _record_view(r: PersonRecord) -> dict[str, str]:
    return {
        "masked_id": r.masked_id, "id_length": str(r.id_length), "masked_upgrade": r.masked_upgrade,
        "masked_name": r.masked_name, "gender": r.gender, "masked_phone": r.masked_phone or "未登记",
        "person_type": r.person_type, "insured_status": r.insured_status, "first_insured": r.first_insured,
        "account": f"已注册（手机号码 {r.account_masked_phone}）" if r.has_account else "未注册",
    }


class CounterPersonState(StaffMixin, AppState):
    allowed: bool = False
    person_id: int = 0
    record: dict[str, str] = {}
    # The confirmation of the last change: a title and its lines.
    done_title: str = ""
    done_lines: list[str] = []
    # Remounts the change forms after a change, so no checkbox stays ticked for the next one.
    form_key: int = 0

    def _clear(self) -> None:
        self.person_id, self.record, self.done_title, self.done_lines = 0, {}, "", []

    def _refused(self, exc: Exception, form: str) -> rx.event.EventSpec:
        self._show_error(exc)
        if CHECK_FIELD in self.errors:
            # Each change form has its own checkbox: the error goes next to the one that was submitted.
            self.errors = {**{k: v for k, v in self.errors.items() if k != CHECK_FIELD},
                           f"{form}.{CHECK_FIELD}": self.errors[CHECK_FIELD]}
        return self._focus_summary()

    @rx.event
    async def load(self):
        self._clear_errors()
        self._clear()
        self.busy, self.allowed = False, False
        who = await self._staff()
        if not isinstance(who, int):
            return who
        try:
            await call_service(counter_person.check_clerk, staff_id=who)
        except Exception as exc:  # noqa: BLE001 — a reviewer sees the refusal instead of the forms
            self._show_error(exc)
            return None
        self.allowed = True
        return None

    @rx.event
    async def lookup(self, form_data: dict):
        self._clear_errors()
        self._clear()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        try:
            record = await call_service(counter_person.find_person, str(form_data.get("id_number", ""))[:40],
                                        staff_id=who, now=utcnow())
        except Exception as exc:  # noqa: BLE001
            return self._refused(exc, "lookup")
        self.person_id, self.record = record.person_id, _record_view(record)
        self.form_key += 1
        return None

    async def _change(self, form: str, fn, describe, **kwargs):  # noqa: ANN001
        self._clear_errors()
        self.done_title, self.done_lines = "", []
        who = await self._staff()
        if not isinstance(who, int):
            yield who
            return
        if not self.person_id or self.busy:
            return
        self.busy = True
        yield
        try:
            result = await call_service(fn, self.person_id, staff_id=who, now=utcnow(), client_ip=self._client_ip(),
                                        **kwargs)
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            yield self._refused(exc, form)
            return
        self.busy = False
        self.record = _record_view(result.record)
        self.done_title, self.done_lines = describe(result)
        self.form_key += 1
        yield rx.call_script("document.getElementById('counter-done')?.scrollIntoView({block:'start'})")

    @rx.event
    async def change_phone(self, form_data: dict):
        async for step in self._change("phone", counter_person.change_phone, _phone_done,
                                       new_phone=str(form_data.get("new_phone", ""))[:40],
                                       id_card_checked=bool(form_data.get(CHECK_FIELD))):
            yield step

    @rx.event
    async def upgrade(self, form_data: dict):
        async for step in self._change("upgrade", counter_person.upgrade_id, _upgrade_done,
                                       id_card_checked=bool(form_data.get(CHECK_FIELD))):
            yield step

    @rx.event
    async def correct_name(self, form_data: dict):
        async for step in self._change("name", counter_person.correct_name, _name_done,
                                       new_name=str(form_data.get("new_name", ""))[:60],
                                       id_card_checked=bool(form_data.get(CHECK_FIELD))):
            yield step


def _phone_done(r: counter_person.PhoneChanged) -> tuple[str, list[str]]:
    lines = [f"登记手机号码：{r.masked_old or '未登记'} → {r.masked_new}"]
    if r.account_updated:
        lines.append(f"网上服务大厅账号的手机号码已同步更新，该账号已在所有设备退出登录（{r.sessions_ended} 个会话）。")
    elif r.record.has_account:
        lines.append("网上服务大厅账号的手机号码原已是新号码，无需更新。")
    else:
        lines.append("该人员尚未注册网上服务大厅账号。")
    if r.notified:
        lines.append(f"已向原手机号码 {'、'.join(r.notified)} 发送变更通知短信。")
    if r.not_notified:
        lines.append(f"向原手机号码 {'、'.join(r.not_notified)} 发送通知短信失败，已记录；变更已生效。")
    return "手机号码已变更", lines


def _upgrade_done(r: counter_person.IdUpgraded) -> tuple[str, list[str]]:
    return "已完成15位升18位", [
        f"身份证号码：{r.masked_old} → {r.masked_new}",
        "参保记录和缴费记录保持不变。该人员现在可以使用18位身份证号码在网上服务大厅注册。",
    ]


def _name_done(r: counter_person.NameCorrected) -> tuple[str, list[str]]:
    lines = [f"姓名：{r.masked_old} → {r.masked_new}"]
    lines.append("网上服务大厅账号的姓名已同步更正。" if r.account_updated else "该人员尚未注册网上服务大厅账号。")
    return "姓名已更正", lines


# --- 参保数据导入 ---------------------------------------------------------------------------------------


def _report_rows(outcome: ImportOutcome) -> list[dict[str, str]]:
    r = outcome.report
    if isinstance(r, DryRunReport):
        return [
            {"label": "参保人员", "value": f"{r.persons} 人（其中新增 {r.persons_new} 人）"},
            {"label": "参保单位", "value": f"{r.units} 个（其中新增 {r.units_new} 个）"},
            {"label": "缴费记录", "value": f"{r.contributions} 条"},
            {"label": "用时", "value": f"{r.seconds:.1f} 秒"},
        ]
    if r is None:
        return []
    return [
        {"label": "参保人员", "value": f"新增 {r.persons_added}，更新 {r.persons_updated}，未变 {r.persons_unchanged}"},
        {"label": "参保单位", "value": f"新增 {r.units_added}，更新 {r.units_updated}，未变 {r.units_unchanged}"},
        {"label": "缴费记录",
         "value": f"新增 {r.contributions_added}，更新 {r.contributions_updated}，未变 {r.contributions_unchanged}"},
        {"label": "用时", "value": f"{r.seconds:.1f} 秒"},
    ]


class CounterImportState(StaffMixin, AppState):
    allowed: bool = False
    token: str = ""
    files: list[dict[str, str]] = []
    # "" (nothing run yet) | "passed" | "failed" (dry run) | "imported" | "import_failed"
    stage: str = ""
    report_rows: list[dict[str, str]] = []
    error_lines: list[str] = []
    total_errors: int = 0
    uploading: bool = False

    def _clear_result(self) -> None:
        self.stage, self.report_rows, self.error_lines, self.total_errors = "", [], [], 0

    @rx.event
    async def load(self):
        self._clear_errors()
        self._clear_result()
        self.token, self.files, self.busy, self.uploading, self.allowed = "", [], False, False, False
        who = await self._staff()
        if not isinstance(who, int):
            return who
        try:
            await call_service(counter_person.check_clerk, staff_id=who)
        except Exception as exc:  # noqa: BLE001 — a reviewer sees the refusal instead of the upload
            self._show_error(exc)
            return None
        self.allowed = True
        return None

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self._clear_errors()
        self._clear_result()
        who = await self._staff()
        if not isinstance(who, int):  # an upload is an event like any other: the session is checked here
            yield who
            return
        if not files:
            return
        self.uploading = True
        yield
        uploads: list[tuple[str, bytes]] = []
        total = 0
        for f in files[:5]:
            # Never more than one byte past the limit in memory, whatever the body holds.
            content = await f.read(MAX_UPLOAD_BYTES - total + 1)
            total += len(content)
            uploads.append((f.name or f.filename or "", content))
            if total > MAX_UPLOAD_BYTES:
                break
        try:
            staged = await call_service(counter_import.stage_extract, uploads, staff_id=who, now=utcnow(),
                                        replaces=self.token)
        except Exception as exc:  # noqa: BLE001
            self.uploading = False
            self.token, self.files = "", []
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.uploading = False
        self.token = staged.token
        self.files = [{"name": name, "size": size} for name, size in staged.files]

    @rx.event
    def files_rejected(self, rejected: list[dict]):
        """The browser refused a file (too large, not CSV/zip) before sending it."""
        self._clear_errors()
        codes = {str(e.get("code", "")) for r in rejected for e in (r.get("errors") or [])}
        if "file-too-large" in codes:
            self.summary = [TOO_LARGE]
        elif "too-many-files" in codes:
            self.summary = ["一次最多选择 3 个 CSV 文件或 1 个 zip 压缩包"]
        else:
            self.summary = ["只接受 CSV 文件（persons.csv、units.csv、contributions.csv）或包含它们的 zip 压缩包"]
        return self._focus_summary()

    async def _run(self, fn, stage_ok: str, stage_failed: str):  # noqa: ANN001
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            yield who
            return
        if not self.token or self.busy:
            return
        self._clear_result()
        self.busy = True
        yield
        try:
            outcome = await call_service(fn, self.token, staff_id=who, now=utcnow(), client_ip=self._client_ip())
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.busy = False
        self.stage = stage_ok if outcome.ok else stage_failed
        self.report_rows = _report_rows(outcome)
        self.error_lines = list(outcome.errors)
        self.total_errors = outcome.total_errors
        if not outcome.dry_run or not outcome.ok:
            self.token, self.files = "", []  # the staged files are gone after 正式导入 or a failed 试导入

    @rx.event
    async def dry_run(self):
        async for step in self._run(counter_import.dry_run, "passed", "failed"):
            yield step

    @rx.event
    async def run_import(self):
        async for step in self._run(counter_import.run_import, "imported", "import_failed"):
            yield step

    @rx.event
    async def discard(self):
        self._clear_errors()
        who = await self._staff()
        if not isinstance(who, int):
            return who
        if self.token:
            try:
                await call_service(counter_import.discard, self.token, staff_id=who)
            except Exception as exc:  # noqa: BLE001
                self._show_error(exc)
        self.token, self.files = "", []
        self._clear_result()
        return None


SIGN_OUT_RESETS.extend([CounterQueueState, CounterTaskState, CounterPersonState, CounterImportState])
