"""个人用户注册: the form, 获取手机验证码 with its countdown, and the confirmation."""

from __future__ import annotations

import asyncio

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.domain.contact import validate_phone
from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.passwords import password_strength
from jssi_app.domain.registration import PersonRegistrationForm
from jssi_app.services import registration, sms_codes
from jssi_app.state.base import AppState, call_service
from jssi_app.state.forms import FormMixin


class SmsCodeMixin(FormMixin, mixin=True):
    """获取手机验证码: sending, the notice and the 60-second countdown on the button."""

    code_notice: str = ""
    resend_in: int = 0

    async def _send_code(self, phone_raw: str, purpose: str, send):  # noqa: ANN001
        self._clear_errors()
        self.code_notice = ""
        try:
            phone = validate_phone(phone_raw)
        except InvalidValue as exc:
            self.errors = {"phone": exc.message}
            self.summary = [exc.message]
            return False
        try:
            notice = await send(phone)
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            if "phone" not in self.errors and self.summary:
                self.errors = {"sms_code": self.summary[0]}
            return False
        self.code_notice = notice
        self.resend_in = 60
        return True

    async def _send_registration_code(self, phone_raw: str) -> bool:
        """获取手机验证码 for a registration (personal or unit): the code goes to the phone typed."""
        client_ip = self._client_ip()

        async def send(phone: str) -> str:
            sent = await call_service(
                sms_codes.send_code, phone=phone, purpose="register", client_ip=client_ip, now=utcnow()
            )
            return f"验证码已发送至 {sent.masked_phone}，5分钟内有效。"

        return await self._send_code(phone_raw, "register", send)

    @rx.event(background=True)
    async def countdown(self):
        while True:
            await asyncio.sleep(1)
            async with self:
                if self.resend_in <= 0:
                    return
                self.resend_in -= 1


class RegistrationState(SmsCodeMixin, AppState):
    phone: str = ""
    strength_score: int = -1
    strength_label: str = ""
    agreement_open: str = ""
    done_name: str = ""
    done_id_number: str = ""
    done_phone: str = ""
    done_at: str = ""
    already_registered: bool = False

    @rx.event
    def set_phone(self, value: str):
        self.phone = value[:32]

    @rx.event
    def password_typed(self, value: str):
        # The password itself is not kept in state; only how strong it looks.
        if not value:
            self.strength_score, self.strength_label = -1, ""
            return
        self.strength_score, self.strength_label = password_strength(value[:64], [])

    @rx.event
    def on_load(self):
        self.busy = False
        if self._reconnected():  # the code notice and the messages stay
            return
        self._clear_errors()
        self.code_notice = ""
        self.already_registered = False

    @rx.event
    async def send_code(self):
        if await self._send_registration_code(self.phone):
            return RegistrationState.countdown
        return self._focus_summary()

    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.already_registered = False
        self.busy = True
        yield
        form = PersonRegistrationForm(
            name=str(form_data.get("name", "")),
            id_number=str(form_data.get("id_number", "")),
            phone=str(form_data.get("phone", self.phone)),
            email=str(form_data.get("email", "")),
            password=str(form_data.get("password", "")),
            password_confirm=str(form_data.get("password_confirm", "")),
            sms_code=str(form_data.get("sms_code", "")),
            agreed=bool(form_data.get("agreed")),
        )
        try:
            done = await call_service(registration.register_person, form, client_ip=self._client_ip(), now=utcnow())
        except registration.RealNameFailed as exc:
            self.busy = False
            self._show_error(exc)
            self.already_registered = exc.code == "already_registered"
            yield self._focus_summary()
            return
        except Exception as exc:  # noqa: BLE001
            self.busy = False
            self._show_error(exc)
            yield self._focus_summary()
            return
        self.busy = False
        self.done_name = done.masked_name
        self.done_id_number = done.masked_id_number
        self.done_phone = done.masked_phone
        self.done_at = done.registered_at_local
        self.phone = ""
        self.strength_score, self.strength_label = -1, ""
        yield rx.redirect(routes.REGISTER_PERSON_DONE)
