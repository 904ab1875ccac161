"""系统管理: 工作人员管理 (/staff/admin) and 审计日志 (/staff/audit), for the system administrator only.

Every handler asks `_admin()` itself, which looks the session cookie up server-side and has the service
check that it belongs to an enabled admin; the services check the admin again (they take `admin_id`).
A generated password is never kept in a state var (states are written to disk or Redis): it goes to the
browser once, by a script that fills the dialog, and the dialog's close wipes it.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.domain.staff import ROLE_LABELS
from jssi_app.services import audit_log, authentication, staff_admin
from jssi_app.services.staff_admin import AdminRefused, PasswordChangeRequired
from jssi_app.state.base import SIGN_OUT_RESETS, AppState, call_service
from jssi_app.state.forms import FormMixin

AUDIT_CSV = "/files/audit.csv"
PASSWORD_ELEMENT = "new-password"
_CONFIRM_TITLES = {"disable": "停用工作人员账号", "enable": "启用工作人员账号", "reset": "重置工作人员密码"}
_CONFIRM_TEXTS = {
    "disable": "停用后该账号立即退出所有登录，且无法再登录，直到重新启用。",
    "enable": "启用后该账号可使用原密码登录。",
    "reset": "将生成新的初始密码，原密码立即失效，该账号立即退出所有登录，下次登录时须修改密码。",
}


def _reveal_password(password: str) -> rx.event.EventSpec:
    """Put the password into the open dialog (retrying while the dialog is still being drawn)."""
    element, value = json.dumps(PASSWORD_ELEMENT), json.dumps(password)
    return rx.call_script(
        f"(function put(n){{const e=document.getElementById({element});"
        f"if(e){{e.textContent={value};}}else if(n>0){{setTimeout(function(){{put(n-1);}},50);}}}})(60)"
    )


def _wipe_password() -> rx.event.EventSpec:
    element = json.dumps(PASSWORD_ELEMENT)
    return rx.call_script(f"(function(){{const e=document.getElementById({element});if(e){{e.textContent='';}}}})()")


class AdminMixin(FormMixin, mixin=True):
    """The session check every admin handler makes, and the header's name and 退出."""

    admin_name: str = ""
    admin_id: int = 0  # for drawing only ("本人"); every handler asks the session again

    def _to_staff_login(self) -> rx.event.EventSpec:
        path = self.router.url.path or routes.STAFF_ADMIN
        return rx.redirect(f"{routes.STAFF_LOGIN}?next={quote(path, safe='/')}")

    async def _admin(self) -> int | rx.event.EventSpec:
        """The admin's staff id, or where to send the browser instead."""
        principal = self._principal()
        if principal is None or principal.account_kind != "staff":
            self.admin_name, self.admin_id = "", 0
            return self._to_staff_login()
        try:
            me = await call_service(staff_admin.require_admin, principal.account_id)
        except PasswordChangeRequired:
            return rx.redirect(routes.STAFF_PASSWORD)
        except AdminRefused:
            self.admin_name, self.admin_id = "", 0
            return self._to_staff_login()
        self.admin_name = (me.display_name or "").strip() or me.username
        self.admin_id = int(me.id)
        return self.admin_id

    @rx.event
    async def sign_out(self):
        token = self.session_token
        self.session_token = ""
        for cls in SIGN_OUT_RESETS["staff"]:
            (await self.get_state(cls)).reset()
        if token:
            await call_service(authentication.sign_out, token=token, client_ip=self._client_ip(), now=utcnow())
        return rx.redirect(routes.STAFF_LOGIN + "?signed_out=1")


# --- 工作人员管理 ------------------------------------------------------------------------------------


class StaffAdminState(AdminMixin, AppState):
    rows: list[dict[str, str]] = []
    notice: str = ""
    # The action waiting for 确认: "disable", "enable" or "reset", on one account.
    confirm_action: str = ""
    confirm_id: int = 0
    confirm_name: str = ""
    # The one-time password dialog (the password itself is never a state var).
    password_open: bool = False
    password_for: str = ""
    password_reason: str = ""

    @rx.var
    def confirm_title(self) -> str:
        return _CONFIRM_TITLES.get(self.confirm_action, "")

    @rx.var
    def confirm_text(self) -> str:
        return _CONFIRM_TEXTS.get(self.confirm_action, "")

    async def _reload(self, admin_id: int) -> None:
        rows = await call_service(staff_admin.list_staff, admin_id=admin_id, now=utcnow())
        self.rows = [
            {
                "id": str(r.id), "username": r.username, "display_name": r.display_name or "—",
                "role_label": r.role_label, "status": r.status, "disabled": "1" if r.disabled else "",
                "must_change": "1" if r.must_change_password else "", "locked": "1" if r.locked else "",
                "created": r.created, "last_sign_in": r.last_sign_in or "从未登录",
                "self": "1" if r.id == admin_id else "",
            }
            for r in rows
        ]

    @rx.event
    async def load(self):
        self._clear_errors()
        self.notice = ""
        self.confirm_action, self.confirm_id, self.confirm_name = "", 0, ""
        self.password_open, self.password_for = False, ""
        admin_id = await self._admin()
        if not isinstance(admin_id, int):
            self.rows = []
            return admin_id
        await self._reload(admin_id)
        return None

    @rx.event
    async def ask(self, action: str, target_id: str, name: str):
        admin_id = await self._admin()
        if not isinstance(admin_id, int):
            return admin_id
        if action not in _CONFIRM_TITLES or not str(target_id).isdigit() or len(str(target_id)) > 12:
            return None  # not something the page sends: a tampered event changes nothing
        self.notice = ""
        self._clear_errors()
        self.confirm_action, self.confirm_id, self.confirm_name = action, int(target_id), str(name)[:80]
        return None

    @rx.event
    def cancel(self):
        self.confirm_action, self.confirm_id, self.confirm_name = "", 0, ""

    @rx.event
    async def confirm(self):
        action, target_id, name = self.confirm_action, self.confirm_id, self.confirm_name
        self.confirm_action, self.confirm_id, self.confirm_name = "", 0, ""
        self._clear_errors()
        admin_id = await self._admin()
        if not isinstance(admin_id, int):
            yield admin_id
            return
        self.busy = True
        yield
        kwargs = {"admin_id": admin_id, "now": utcnow(), "client_ip": self._client_ip()}
        password = ""
        try:
            if action == "disable":
                await call_service(staff_admin.disable_staff, target_id, **kwargs)
                self.notice = f"已停用 {name}，其所有登录已退出。"
            elif action == "enable":
                await call_service(staff_admin.enable_staff, target_id, **kwargs)
                self.notice = f"已启用 {name}。"
            elif action == "reset":
                password = await call_service(staff_admin.reset_staff_password, target_id, **kwargs)
                self.notice = f"已重置 {name} 的密码。"
        except AdminRefused:
            self.busy = False
            yield self._to_staff_login()
            return
        except Exception as exc:  # noqa: BLE001 — mapped to a message, unexpected ones logged
            self._show_error(exc)
        self.busy = False
        await self._reload(admin_id)
        if password:
            self.password_for, self.password_reason = name, "reset"
            self.password_open = True
            yield
            yield _reveal_password(password)

    @rx.event
    async def create(self, form_data: dict):
        self._clear_errors()
        self.notice = ""
        admin_id = await self._admin()
        if not isinstance(admin_id, int):
            yield admin_id
            return
        self.busy = True
        yield
        try:
            created = await call_service(
                staff_admin.create_staff_from_admin, admin_id=admin_id,
                username=str(form_data.get("username", ""))[:64], role=str(form_data.get("role", "")),
                display_name=str(form_data.get("display_name", ""))[:40], now=utcnow(),
            )
        except AdminRefused:
            self.busy = False
            yield self._to_staff_login()
            return
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.busy = False
        self.notice = f"已新增工作人员 {created.username}（{ROLE_LABELS.get(created.role, created.role)}）。"
        await self._reload(admin_id)
        self.password_for, self.password_reason = created.username, "created"
        self.password_open = True
        yield rx.call_script("document.getElementById('new-staff-form')?.reset()")
        yield _reveal_password(created.generated_password or "")

    @rx.event
    def close_password(self):
        self.password_open, self.password_for, self.password_reason = False, "", ""
        return _wipe_password()


# --- 审计日志 ---------------------------------------------------------------------------------------


class AuditLogState(AdminMixin, AppState):
    # What the filter form shows (typed) and what the table shows (applied): the export link uses the latter.
    f_event: str = ""
    f_actor: str = ""
    f_subject: str = ""
    f_outcome: str = ""
    f_since: str = ""
    f_until: str = ""
    applied: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    before_id: int = 0  # 0: the first (newest) page
    next_before: int = 0  # 0: no older page
    history: list[int] = []  # before_id of the pages behind this one, for 上一页
    verify_text: str = ""
    verify_ok: bool = True

    @rx.var
    def export_href(self) -> str:
        query = urlencode(self.applied)
        return f"{AUDIT_CSV}?{query}" if query else AUDIT_CSV

    @rx.var
    def page_number(self) -> int:
        return len(self.history) + 1

    @rx.event
    def set_f_event(self, value: str):
        self.f_event = value[:48]

    @rx.event
    def set_f_actor(self, value: str):
        self.f_actor = value[:80]

    @rx.event
    def set_f_subject(self, value: str):
        self.f_subject = value[:80]

    @rx.event
    def set_f_outcome(self, value: str):
        self.f_outcome = value[:16]

    @rx.event
    def set_f_since(self, value: str):
        self.f_since = value[:10]

    @rx.event
    def set_f_until(self, value: str):
        self.f_until = value[:10]

    async def _show(self, admin_id: int, before_id: int) -> bool:
        """Draw the page of rows older than `before_id` (0: the newest) under the applied filter."""
        try:
            filt = audit_log.filter_from_params(self.applied)
            page = await call_service(audit_log.search_audit, filt, admin_id=admin_id, before_id=before_id or None)
        except AdminRefused:
            raise
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return False
        self.before_id = before_id
        self.next_before = page.next_before_id or 0
        self.rows = [
            {
                "id": str(r.id), "at": r.at, "event": r.event, "event_label": r.event_label, "actor": r.actor,
                "subject": r.subject, "client_ip": r.client_ip, "outcome": r.outcome, "outcome_label": r.outcome_label,
                "detail": r.detail, "hash": r.hash, "hash_short": r.hash[:12],
            }
            for r in page.rows
        ]
        return True

    async def _guarded(self, before_id: int, history: list[int]):
        self._clear_errors()
        admin_id = await self._admin()
        if not isinstance(admin_id, int):
            self.rows = []
            return admin_id
        try:
            if await self._show(admin_id, before_id):
                self.history = history
        except AdminRefused:
            self.rows = []
            return self._to_staff_login()
        return None

    @rx.event
    async def load(self):
        self.verify_text, self.verify_ok = "", True
        return await self._guarded(0, [])

    @rx.event
    async def search(self, _form_data: dict | None = None):
        params = {"event": self.f_event, "actor": self.f_actor, "subject": self.f_subject,
                  "outcome": self.f_outcome, "since": self.f_since, "until": self.f_until}
        self._clear_errors()
        try:
            filt = audit_log.filter_from_params(params)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return None
        self.applied = audit_log.filter_params(filt)
        return await self._guarded(0, [])

    @rx.event
    async def clear_filters(self):
        self.f_event = self.f_actor = self.f_subject = self.f_outcome = self.f_since = self.f_until = ""
        self.applied = {}
        return await self._guarded(0, [])

    @rx.event
    async def next_page(self):
        if not self.next_before:
            return None
        return await self._guarded(self.next_before, [*self.history, self.before_id])

    @rx.event
    async def previous_page(self):
        if not self.history:
            return None
        return await self._guarded(self.history[-1], self.history[:-1])

    @rx.event
    async def first_page(self):
        return await self._guarded(0, [])

    @rx.event
    async def verify(self):
        self._clear_errors()
        admin_id = await self._admin()
        if not isinstance(admin_id, int):
            yield admin_id
            return
        self.busy = True
        self.verify_text = ""
        yield
        try:
            result = await call_service(audit_log.verify_log, admin_id=admin_id)
        except AdminRefused:
            self.busy = False
            yield self._to_staff_login()
            return
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            return
        self.busy = False
        self.verify_ok = result.ok
        if result.ok:
            self.verify_text = f"哈希链完整：已校验全部 {result.checked} 条记录，未发现篡改。"
        else:
            self.verify_text = (f"哈希链断裂：第 {result.checked} 条记录（编号 {result.first_bad_id}）与前一条不符，"
                                "该条或其之前的记录可能被修改、删除或调换。请立即报告安全负责人。")


SIGN_OUT_RESETS["staff"].extend([StaffAdminState, AuditLogState])
