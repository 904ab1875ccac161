"""单位CA证书: the counter's 证书绑定 page (clerks) and the CA login result page (exchanges the one-time ticket)."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.domain.ca_certificates import refusal_message
from jssi_app.services import ca_login, counter_person, unit_certificates
from jssi_app.services.unit_certificates import MAX_CERTIFICATE_BYTES
from jssi_app.state.base import AppState, call_service
from jssi_app.state.forms import FormMixin
from jssi_app.state.staff import SIGN_OUT_RESETS, StaffMixin


def _binding_row(b: unit_certificates.Binding) -> dict[str, str]:
    return {
        "id": str(b.id), "serial": b.serial, "fingerprint": b.fingerprint, "short_fp": b.fingerprint[:16] + "…",
        "issuer": b.issuer, "subject": b.subject, "validity": f"{b.not_before} 至 {b.not_after}",
        "bound": f"{b.bound_at}（{b.bound_by}）", "revoked": f"{b.revoked_at}（{b.revoked_by}）" if b.revoked_at else "",
        "active": "1" if b.active else "",
    }


class CounterCertificatesState(StaffMixin, AppState):
    allowed: bool = False
    uscc: str = ""
    unit_name: str = ""
    bindings: list[dict[str, str]] = []
    notice: str = ""
    uploading: bool = False

    def _apply(self, view: unit_certificates.UnitCertificates) -> None:
        self.uscc, self.unit_name = view.uscc, view.unit_name
        self.bindings = [_binding_row(b) for b in view.bindings]

    @rx.event
    async def load(self):
        self._clear_errors()
        self.uscc, self.unit_name, self.bindings, self.notice = "", "", [], ""
        self.busy, self.uploading, self.allowed = False, False, False
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
        self.uscc, self.unit_name, self.bindings, self.notice = "", "", [], ""
        who = await self._staff()
        if not isinstance(who, int):
            return who
        try:
            view = await call_service(unit_certificates.find_unit, str(form_data.get("credit_code", ""))[:40],
                                      staff_id=who)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self._apply(view)
        return None

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        self._clear_errors()
        self.notice = ""
        who = await self._staff()
        if not isinstance(who, int):  # an upload is an event like any other: the session is checked here
            yield who
            return
        if not files or not self.uscc:
            return
        self.uploading = True
        yield
        content = await files[0].read(MAX_CERTIFICATE_BYTES + 1)
        try:
            view = await call_service(unit_certificates.bind_certificate, self.uscc, content, staff_id=who,
                                      client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self.uploading = False
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.uploading = False
        self._apply(view)
        self.notice = "证书已绑定。单位经办人现在可以使用该证书登录。"

    @rx.event
    def files_rejected(self, rejected: list[dict]):
        self._clear_errors()
        self.summary = [refusal_message("unreadable")]
        return self._focus_summary()

    @rx.event
    async def revoke(self, binding_id: str):
        self._clear_errors()
        self.notice = ""
        who = await self._staff()
        if not isinstance(who, int):
            return who
        try:
            view = await call_service(unit_certificates.revoke_binding, int(str(binding_id)[:12] or 0), staff_id=who,
                                      client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self._apply(view)
        self.notice = "已解除该证书的绑定，该证书不能再用于登录。"
        return None


class CaLoginState(FormMixin, AppState):
    """/login/unit/ca: the proxy sent the browser here with a one-time ticket, or with the reason for a refusal."""

    @rx.event
    async def on_load(self):
        self._clear_errors()
        params = self.router.url.query_parameters
        ticket = str(params.get("ticket", ""))[:100]
        error = str(params.get("error", ""))[:40]
        if not ticket:
            self.summary = [refusal_message(error or "no_certificate")]
            return None
        try:
            token = await call_service(ca_login.exchange, ticket, client_ip=self._client_ip(), now=utcnow(),
                                       previous_token=self.session_token)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return None
        self.session_token = token
        # replace: the used ticket leaves the browser's history.
        return rx.redirect(routes.UNIT_HOME, replace=True)


SIGN_OUT_RESETS.append(CounterCertificatesState)
