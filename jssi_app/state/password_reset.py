"""忘记密码: by SMS code to the registered phone, or by a link to the registered email; then the new password."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.services import password_reset
from jssi_app.state.base import AppState, call_service
from jssi_app.state.registration import SmsCodeMixin


class ForgotPasswordState(SmsCodeMixin, AppState):
    method: str = "sms"
    id_number: str = ""
    phone: str = ""
    email_notice: str = ""
    # Set once the SMS code is confirmed or a valid email link is opened; the new-password form shows then.
    reset_token: str = ""
    reset_for: str = ""
    link_error: str = ""
    strength_label: str = ""

    @rx.event
    def on_load(self):
        if self._reconnected():  # a confirmed code (the new-password form) survives a lost connection
            return
        self._clear_errors()
        self.code_notice = ""
        self.email_notice = ""
        self.reset_token = ""
        self.reset_for = ""
        self.link_error = ""
        self.strength_label = ""

    @rx.event
    def set_method(self, value: str):
        self.method = "email" if value == "email" else "sms"
        self._clear_errors()

    @rx.event
    def set_id_number(self, value: str):
        self.id_number = value[:40]

    @rx.event
    def set_phone(self, value: str):
        self.phone = value[:32]

    @rx.event
    def password_typed(self, value: str):
        from jssi_app.domain.passwords import password_strength

        self.strength_label = password_strength(value[:64], [])[1] if value else ""

    @rx.event
    async def send_code(self):
        client_ip, id_number = self._client_ip(), self.id_number

        async def send(phone: str) -> str:
            return await call_service(
                password_reset.request_reset_code, id_number=id_number, phone=phone, client_ip=client_ip, now=utcnow()
            )

        if await self._send_code(self.phone, "reset", send):
            return ForgotPasswordState.countdown
        return self._focus_summary()

    @rx.event
    async def confirm_code(self, form_data: dict):
        self._clear_errors()
        try:
            started = await call_service(
                password_reset.confirm_reset_code,
                id_number=str(form_data.get("id_number", self.id_number)),
                phone=str(form_data.get("phone", self.phone)),
                code=str(form_data.get("sms_code", "")),
                client_ip=self._client_ip(),
                now=utcnow(),
            )
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self.reset_token = started.token
        self.reset_for = started.masked_id_number
        return None

    @rx.event
    async def send_link(self, form_data: dict):
        self._clear_errors()
        self.email_notice = ""
        try:
            self.email_notice = await call_service(
                password_reset.request_reset_link,
                id_number=str(form_data.get("id_number", "")),
                email=str(form_data.get("email", "")),
                client_ip=self._client_ip(),
                now=utcnow(),
            )
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        return None

    @rx.event
    async def open_link(self):
        """on_load of /reset-password?token=…: check the emailed link before showing the form."""
        self.on_load()
        token = self.router.url.query_parameters.get("token", "")
        try:
            self.reset_for = await call_service(password_reset.check_reset_token, token, utcnow())
        except Exception as exc:  # noqa: BLE001
            self.link_error = getattr(exc, "message", password_reset.LINK_INVALID)
            return
        self.reset_token = token

    @rx.event
    async def set_new_password(self, form_data: dict):
        self._clear_errors()
        try:
            await call_service(
                password_reset.reset_password,
                token=self.reset_token,
                password=str(form_data.get("password", "")),
                confirm=str(form_data.get("password_confirm", "")),
                client_ip=self._client_ip(),
                now=utcnow(),
            )
        except password_reset.ResetRefused as exc:
            self.reset_token = ""
            self.link_error = exc.message
            return None
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        self.reset_token = ""
        self.session_token = ""
        return rx.redirect(routes.LOGIN + "?reset=1")
