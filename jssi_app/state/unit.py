"""单位用户: 单位用户注册, 单位用户登录, the unit home with its materials, and 审核进度查询."""

from __future__ import annotations

import dataclasses

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.config import settings
from jssi_app.domain.unit_registration import UnitRegistrationForm
from jssi_app.services import unit_progress, unit_registration
from jssi_app.state.base import SIGN_OUT_RESETS, AppState, call_service
from jssi_app.state.forms import FormMixin
from jssi_app.state.registration import SmsCodeMixin


class ApplicationViewMixin(rx.State, mixin=True):
    """An application as the unit sees it, in typed vars the pages can iterate."""

    application_id: int = 0
    reference_no: str = ""
    unit_name: str = ""
    uscc: str = ""
    app_status: str = ""
    status_label: str = ""
    editable: bool = False
    due_text: str = ""
    masked_phone: str = ""
    opinion: str = ""
    missing: list[str] = []
    timeline: list[dict[str, str]] = []
    files_by_kind: dict[str, list[dict[str, str]]] = {}
    flagged: dict[str, str] = {}

    def _apply(self, view: unit_progress.ApplicationView | None) -> None:
        if view is None:
            self.application_id, self.app_status = 0, ""
            self.timeline, self.files_by_kind, self.flagged, self.missing = [], {}, {}, []
            return
        self.application_id = view.application_id
        self.reference_no, self.unit_name, self.uscc = view.reference_no, view.unit_name, view.uscc
        self.app_status, self.status_label, self.editable = view.status, view.status_label, view.editable
        self.due_text = unit_progress.format_due(view)
        self.masked_phone, self.opinion, self.missing = view.masked_handler_phone, view.opinion, list(view.missing)
        self.timeline = [dataclasses.asdict(step) for step in view.timeline]
        self.files_by_kind = {slot.kind: slot.files for slot in view.slots}
        self.flagged = {slot.kind: slot.flagged for slot in view.slots if slot.flagged}


class UnitRegistrationState(SmsCodeMixin, AppState):
    phone: str = ""

    @rx.event
    def on_load(self):
        self.busy = False
        if self._reconnected():
            return
        self._clear_errors()
        self.code_notice = ""

    @rx.event
    def set_phone(self, value: str):
        self.phone = value[:32]

    @rx.event
    async def send_code(self):
        if await self._send_registration_code(self.phone):
            return UnitRegistrationState.countdown
        if "phone" in self.errors:
            self.errors = {"handler_phone": self.errors["phone"]}
        return self._focus_summary()

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.busy = True
        yield
        get = lambda k: str(form_data.get(k, ""))  # noqa: E731
        form = UnitRegistrationForm(
            unit_name=get("unit_name"), credit_code=get("credit_code"), legal_rep_id=get("legal_rep_id"),
            handler_name=get("handler_name"), handler_id=get("handler_id"), handler_phone=get("handler_phone") or self.phone,
            handler_email=get("handler_email"), password=get("password"), password_confirm=get("password_confirm"),
            sms_code=get("sms_code"), agreed=bool(form_data.get("agreed")),
        )
        try:
            registered = await call_service(unit_registration.register_unit, form, client_ip=self._client_ip(),
                                            now=utcnow())
            # The handler continues straight to 上传资质材料, signed in as the unit.
            _account, token = await call_service(
                unit_progress.sign_in_unit, credit_code=registered.credit_code, password=form.password,
                client_ip=self._client_ip(), now=utcnow(), previous_token=self.session_token,
            )
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.busy = False
        self.session_token = token
        self.phone = ""
        yield rx.redirect(routes.UNIT_HOME)


class UnitLoginState(FormMixin, AppState):
    @rx.event
    def on_load(self):
        self._clear_errors()
        self.busy = False

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.busy = True
        yield
        signed_in = await self._submit_service(
            unit_progress.sign_in_unit, credit_code=str(form_data.get("credit_code", "")),
            password=str(form_data.get("password", "")), client_ip=self._client_ip(), now=utcnow(),
            previous_token=self.session_token,
        )
        if signed_in is None:
            yield self._focus_summary()
            return
        _account, token = signed_in
        self.session_token = token
        yield rx.redirect(routes.unit_next(self.router.url.query_parameters.get("next")))


class UnitHomeState(ApplicationViewMixin, FormMixin, AppState):
    # 修改申请信息: loaded only while the form is open, cleared when it closes (personal data).
    editing: bool = False
    edit_values: dict[str, str] = {}
    uploading: str = ""
    upload_progress: int = 0
    notice: str = ""
    submitted_reference: str = ""
    submitted_due: str = ""
    submitted_at: str = ""

    def _unit_id(self) -> int | None:
        principal = self._principal()
        if principal is None or principal.account_kind != "unit":
            return None
        return principal.account_id

    async def _reload(self, account_id: int) -> None:
        self._apply(await call_service(unit_progress.unit_home, account_id))

    @rx.event
    async def load(self):
        self._clear_errors()
        self.notice = ""
        account_id = self._unit_id()
        if account_id is None:
            return rx.redirect(routes.LOGIN_UNIT + "?next=" + routes.UNIT_HOME)
        await self._reload(account_id)
        return None

    async def _upload(self, files: list[rx.UploadFile], kind: str):
        self._clear_errors()
        self.notice = ""
        account_id = self._unit_id()
        if account_id is None:  # an upload is an event like any other: the session is checked here
            yield rx.redirect(routes.LOGIN_UNIT)
            return
        if not files:
            return
        self.uploading = kind
        yield
        try:
            for upload in files[:5]:
                # Read at most one byte past the limit: the server must not take an unbounded body into memory.
                content = await upload.read(settings().max_upload_bytes + 1)
                await call_service(
                    unit_registration.add_material, self.application_id, account_id=account_id,
                    kind=kind, filename=upload.name or upload.filename or "", content=content,
                    client_ip=self._client_ip(), now=utcnow(),
                )
            self.notice = "材料已上传。"
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            self.errors = {kind: self.summary[0] if self.summary else ""}
        self.uploading = ""
        self.upload_progress = 0
        await self._reload(account_id)

    @rx.event
    async def upload_business_licence(self, files: list[rx.UploadFile]):
        async for step in self._upload(files, "business_licence"):
            yield step

    @rx.event
    async def upload_legal_rep_id(self, files: list[rx.UploadFile]):
        async for step in self._upload(files, "legal_rep_id"):
            yield step

    @rx.event
    async def upload_handler_id(self, files: list[rx.UploadFile]):
        async for step in self._upload(files, "handler_id"):
            yield step

    @rx.event
    async def upload_authorization_letter(self, files: list[rx.UploadFile]):
        async for step in self._upload(files, "authorization_letter"):
            yield step

    @rx.event
    async def upload_other(self, files: list[rx.UploadFile]):
        async for step in self._upload(files, "other"):
            yield step

    @rx.event
    async def open_edit(self):
        self._clear_errors()
        account_id = self._unit_id()
        if account_id is None:
            return rx.redirect(routes.LOGIN_UNIT)
        try:
            fields = await call_service(unit_registration.application_fields, self.application_id, account_id=account_id)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return None
        self.edit_values = dataclasses.asdict(fields)
        self.editing = True
        return None

    @rx.event
    def close_edit(self):
        self.editing = False
        self.edit_values = {}

    @rx.event
    async def save_fields(self, form_data: dict):
        from jssi_app.domain.unit_registration import ApplicationFieldsForm

        self._clear_errors()
        account_id = self._unit_id()
        if account_id is None:
            return rx.redirect(routes.LOGIN_UNIT)
        names = ("unit_name", "legal_rep_id", "handler_name", "handler_id", "handler_email")
        form = ApplicationFieldsForm(**{n: str(form_data.get(n, ""))[:300] for n in names})
        self.edit_values = dataclasses.asdict(form)
        try:
            await call_service(unit_registration.update_application_fields, self.application_id, form,
                               account_id=account_id, client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self.editing = False
        self.edit_values = {}
        self.notice = "申请信息已保存。"
        await self._reload(account_id)
        return None

    @rx.event
    def on_progress(self, progress: dict):
        self.upload_progress = round(float(progress.get("progress", 0)) * 100)

    @rx.event
    async def remove(self, material_id: str):
        self._clear_errors()
        account_id = self._unit_id()
        if account_id is None:
            return rx.redirect(routes.LOGIN_UNIT)
        try:
            await call_service(unit_registration.remove_material, int(material_id), account_id=account_id,
                               client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
        await self._reload(account_id)
        return None

    @rx.event
    async def submit(self):
        self._clear_errors()
        account_id = self._unit_id()
        if account_id is None:
            return rx.redirect(routes.LOGIN_UNIT)
        try:
            done = await call_service(unit_registration.submit_application, self.application_id,
                                      account_id=account_id, client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self.submitted_reference = done.reference_no
        self.submitted_at = done.submitted_at_local
        self.submitted_due = f"{done.due_date:%Y年%m月%d日}前" + ("（节假日安排公布前按周一至周五估算）" if done.due_estimated else "")
        await self._reload(account_id)
        return rx.redirect(routes.UNIT_SUBMITTED)

    @rx.event
    async def sign_out(self):
        from jssi_app.services import authentication

        token = self.session_token
        self.session_token = ""
        self._apply(None)
        for cls in SIGN_OUT_RESETS["unit"]:
            (await self.get_state(cls)).reset()
        if token:
            await call_service(authentication.sign_out, token=token, client_ip=self._client_ip(), now=utcnow())
        return rx.redirect(routes.LOGIN_UNIT + "?signed_out=1")


class ProgressState(ApplicationViewMixin, SmsCodeMixin, AppState):
    credit_code: str = ""
    phone: str = ""

    @rx.event
    def on_load(self):
        self._clear_errors()
        self.code_notice = ""
        self._apply(None)

    @rx.event
    def set_credit_code(self, value: str):
        self.credit_code = value[:40]

    @rx.event
    def set_phone(self, value: str):
        self.phone = value[:32]

    @rx.event
    async def send_code(self):
        client_ip, credit_code = self._client_ip(), self.credit_code

        async def send(phone: str) -> str:
            return await call_service(unit_progress.request_progress_code, credit_code=credit_code, phone=phone,
                                      client_ip=client_ip, now=utcnow())

        if await self._send_code(self.phone, "progress", send):
            return ProgressState.countdown
        return self._focus_summary()

    @rx.event
    async def query(self, form_data: dict):
        self._clear_errors()
        self._apply(None)
        try:
            view = await call_service(
                unit_progress.query_progress, credit_code=str(form_data.get("credit_code", "")),
                phone=str(form_data.get("phone", "")), sms_code=str(form_data.get("sms_code", "")),
                client_ip=self._client_ip(), now=utcnow(),
            )
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self._apply(view)
        return None



SIGN_OUT_RESETS["unit"].append(UnitHomeState)
