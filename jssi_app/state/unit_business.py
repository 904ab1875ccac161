"""单位业务 after approval: 参保管理 (人员新增, 批量增员, 减员, the employee list) and 缴费基数申报.

Every handler resolves the unit session itself; the services then refuse anything but an approved unit
and touch only that unit's employees.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.domain.employment import MAX_IMPORT_BYTES, EnrolmentForm, RowError
from jssi_app.domain.paging import stepped
from jssi_app.services import base_declaration, employment
from jssi_app.state.base import SIGN_OUT_RESETS, AppState, call_service
from jssi_app.state.forms import FormMixin


class UnitBusinessMixin(FormMixin, mixin=True):
    notice: str = ""

    def _unit_account(self) -> int | None:
        principal = self._principal()
        if principal is None or principal.account_kind != "unit":
            return None
        return principal.account_id

    def _to_unit_login(self):
        # Back to this page after 单位用户登录 (e.g. from 帮助中心 → 操作指引).
        return rx.redirect(routes.unit_login_with_next(self.router.url.path or routes.UNIT_HOME))

    async def _check_approved(self):
        """None when the signed-in unit is approved, else where to send the browser."""
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        try:
            await call_service(employment.approved_unit_name, account_id)
        except Exception as exc:  # noqa: BLE001
            return self._refused(exc)
        return None

    def _refused(self, exc: Exception):
        """Map a refusal; a unit that is not (or no longer) approved goes back to its home page."""
        if isinstance(exc, employment.UnitNotApproved):
            return rx.redirect(routes.UNIT_HOME)
        self._show_error(exc)
        return self._focus_summary()


def _row_errors(exc: employment.ImportRejected) -> list[dict[str, str]]:
    return [{"row": str(e.row) if e.row else "", "column": e.column, "message": e.message} for e in exc.errors]


class EmployeeAddState(UnitBusinessMixin, AppState):
    done: dict[str, str] = {}
    form_key: int = 0

    @rx.event
    async def load(self):
        self._clear_errors()
        self.done = {}
        return await self._check_approved()

    @rx.event
    def again(self):
        self.done = {}
        self._clear_errors()
        self.form_key += 1

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.done = {}
        account_id = self._unit_account()
        if account_id is None:
            yield self._to_unit_login()
            return
        self.busy = True
        yield
        get = lambda k: str(form_data.get(k, ""))[:64]  # noqa: E731
        form = EnrolmentForm(name=get("name"), id_number=get("id_number"), phone=get("phone"),
                             start_date=get("start_date"), base=get("base"))
        try:
            done = await call_service(employment.enrol_employee, account_id, form, client_ip=self._client_ip(),
                                      now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            yield self._refused(exc)
            return
        self.busy = False
        self.done = {k: str(v) for k, v in dataclasses.asdict(done).items()}
        self.done["result"] = ("社保系统中原无该人员参保信息，已新建参保人员信息并建立用工关系" if done.new_person
                               else "已建立该人员与本单位的用工关系")


class EmployeesState(UnitBusinessMixin, AppState):
    query: str = ""
    status: str = "open"
    page: int = 1
    pages: int = 1
    total: int = 0
    open_count: int = 0
    rows: list[dict[str, str]] = []
    selected: list[str] = []

    async def _reload(self, account_id: int):
        result = await call_service(employment.list_employees, account_id, query=self.query, status=self.status,
                                    page=self.page)
        self.rows = [{k: str(v) for k, v in dataclasses.asdict(r).items()} for r in result.rows]
        self.total, self.page, self.pages, self.open_count = result.total, result.page, result.pages, result.open_count
        visible = {r["id"] for r in self.rows}
        self.selected = [i for i in self.selected if i in visible]

    async def _refresh(self):
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        try:
            await self._reload(account_id)
        except Exception as exc:  # noqa: BLE001
            return self._refused(exc)
        return None

    @rx.event
    async def load(self):
        if not self._reconnected():  # the page and the ticked rows stay
            self._clear_errors()
            self.notice = ""
            self.selected = []
            self.page = 1
        return await self._refresh()

    @rx.event
    async def search(self, form_data: dict):
        self._clear_errors()
        self.query = str(form_data.get("query", ""))[:30]
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_status(self, value: str):
        self.status = value if value in ("open", "ended", "all") else "open"
        self.page = 1
        self.selected = []
        return await self._refresh()

    @rx.event
    async def go_page(self, delta: int):
        self.page = stepped(self.page, delta)
        return await self._refresh()

    @rx.event
    def toggle(self, employment_id: str, checked: bool):
        if checked and employment_id not in self.selected:
            self.selected = [*self.selected, employment_id]
        elif not checked:
            self.selected = [i for i in self.selected if i != employment_id]

    @rx.event
    async def remove(self, form_data: dict):
        self._clear_errors()
        self.notice = ""
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        try:
            count = await call_service(
                employment.remove_employees, account_id, [int(i) for i in self.selected],
                end_date=str(form_data.get("end_date", ""))[:20], reason=str(form_data.get("end_reason", ""))[:8],
                client_ip=self._client_ip(), now=utcnow(),
            )
        except Exception as exc:  # noqa: BLE001
            return self._refused(exc)
        self.selected = []
        self.notice = f"已为 {count} 名人员办理减员，用工关系已终止。"
        return await self._refresh()


class EmployeeImportState(UnitBusinessMixin, AppState):
    row_errors: list[dict[str, str]] = []
    uploading: bool = False

    @rx.event
    async def load(self):
        self._clear_errors()
        self.notice = ""
        self.row_errors = []
        return await self._check_approved()

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self._clear_errors()
        self.notice = ""
        self.row_errors = []
        account_id = self._unit_account()
        if account_id is None:  # an upload is an event like any other: the session is checked here
            yield self._to_unit_login()
            return
        if not files:
            return
        self.uploading = True
        yield
        upload = files[0]
        content = await upload.read(MAX_IMPORT_BYTES + 1)
        try:
            count = await call_service(employment.import_employees, account_id, content,
                                       upload.name or upload.filename or "", client_ip=self._client_ip(), now=utcnow())
        except employment.ImportRejected as exc:
            self.uploading = False
            self.row_errors = _row_errors(exc)
            self.summary = [exc.message]
            yield self._focus_summary()
            return
        except Exception as exc:  # noqa: BLE001
            self.uploading = False
            yield self._refused(exc)
            return
        self.uploading = False
        self.notice = f"导入成功：已为 {count} 名人员办理增员。"

    @rx.event
    async def download_report(self):
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        errors = [RowError(int(e["row"] or 0), e["column"], e["message"]) for e in self.row_errors]
        data = await call_service(employment.error_report_file, account_id, errors)
        return rx.download(data=data, filename="批量增员错误报告.xlsx")


class DeclarationState(UnitBusinessMixin, AppState):
    year: int = 0
    bounds_text: str = ""
    rates: list[dict[str, str]] = []
    employees: list[dict[str, str]] = []
    more: int = 0
    records: list[dict[str, str]] = []
    entering: bool = False
    entries: dict[str, str] = {}
    preview_lines: list[dict[str, str]] = []
    preview_types: list[dict[str, str]] = []
    preview_unit_total: str = ""
    preview_personal_total: str = ""
    row_errors: list[dict[str, str]] = []
    uploading: bool = False
    form_key: int = 0

    async def _reload(self, account_id: int) -> None:
        page = await call_service(base_declaration.declaration_page, account_id, now=utcnow())
        self.year, self.bounds_text, self.rates, self.more = page.year, page.bounds_text, page.rates, page.more
        self.employees = [
            {"id": str(e.id), "name": e.name, "masked_id_number": e.masked_id_number, "base": e.base,
             "pending": "1" if e.pending else ""}
            for e in page.employees
        ]
        self.records = page.records

    def _clear_preview(self) -> None:
        self.preview_lines, self.preview_types = [], []
        self.preview_unit_total = self.preview_personal_total = ""

    @rx.event
    async def load(self):
        self._clear_errors()
        self._clear_preview()
        self.notice = ""
        self.entering = False
        self.entries = {}
        self.row_errors = []
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        try:
            await self._reload(account_id)
        except Exception as exc:  # noqa: BLE001
            return self._refused(exc)
        return None

    @rx.event
    def start_entry(self):
        self.entering = True
        self.notice = ""

    @rx.event
    def cancel_entry(self):
        self.entering = False
        self.entries = {}
        self._clear_errors()
        self._clear_preview()
        self.form_key += 1

    @rx.event
    async def set_entry(self, employment_id: str, value: str):
        value = str(value).strip()[:20]
        entries = dict(self.entries)
        if value:
            entries[employment_id] = value
        else:
            entries.pop(employment_id, None)
        self.entries = entries
        self._clear_errors()
        self._clear_preview()
        if not entries:
            return None
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        try:
            preview = await call_service(base_declaration.preview_declaration, account_id,
                                         {int(k): v for k, v in entries.items()})
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, employment.UnitNotApproved):
                return rx.redirect(routes.UNIT_HOME)
            self._show_error(exc)
            return None
        self.preview_lines = [{k: str(v) for k, v in dataclasses.asdict(line).items()} for line in preview.lines]
        self.preview_types = preview.by_type
        self.preview_unit_total, self.preview_personal_total = preview.unit_total, preview.personal_total
        return None

    def _declared_notice(self, done: base_declaration.Declared) -> str:
        parts = [f"调增 {done.applied} 人已生效"]
        if done.unchanged:
            parts.append(f"基数不变 {done.unchanged} 人")
        if done.to_counter:
            parts.append(f"调减 {done.to_counter} 人已转社保经办窗口办理，办结后生效")
        return "缴费基数申报已提交：" + "，".join(parts) + "。"

    @rx.event
    async def submit(self):
        self._clear_errors()
        self.notice = ""
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        try:
            done = await call_service(base_declaration.submit_declaration, account_id,
                                      {int(k): v for k, v in self.entries.items()}, client_ip=self._client_ip(),
                                      now=utcnow())
        except Exception as exc:  # noqa: BLE001
            return self._refused(exc)
        self.notice = self._declared_notice(done)
        self.entering = False
        self.entries = {}
        self._clear_preview()
        self.form_key += 1
        await self._reload(account_id)
        return None

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self._clear_errors()
        self.notice = ""
        self.row_errors = []
        account_id = self._unit_account()
        if account_id is None:
            yield self._to_unit_login()
            return
        if not files:
            return
        self.uploading = True
        yield
        upload = files[0]
        content = await upload.read(MAX_IMPORT_BYTES + 1)
        try:
            done = await call_service(base_declaration.import_declaration, account_id, content,
                                      upload.name or upload.filename or "", client_ip=self._client_ip(), now=utcnow())
        except employment.ImportRejected as exc:
            self.uploading = False
            self.row_errors = _row_errors(exc)
            self.summary = [exc.message.replace("未导入任何人员", "未申报任何人员")]
            yield self._focus_summary()
            return
        except Exception as exc:  # noqa: BLE001
            self.uploading = False
            yield self._refused(exc)
            return
        self.uploading = False
        self.notice = self._declared_notice(done)
        await self._reload(account_id)

    @rx.event
    async def download_report(self):
        account_id = self._unit_account()
        if account_id is None:
            return self._to_unit_login()
        errors = [RowError(int(e["row"] or 0), e["column"], e["message"]) for e in self.row_errors]
        data = await call_service(employment.error_report_file, account_id, errors)
        return rx.download(data=data, filename="缴费基数申报错误报告.xlsx")


SIGN_OUT_RESETS["unit"].extend([EmployeeAddState, EmployeesState, EmployeeImportState, DeclarationState])
