"""登录 and 退出."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.services import authentication
from jssi_app.state.base import SIGN_OUT_RESETS, AppState, call_service
from jssi_app.state.forms import FormMixin


class LoginState(FormMixin, AppState):
    @rx.event
    async def submit(self, form_data: dict):
        self._clear_errors()
        self.busy = True
        yield
        result = await self._submit_service(
            authentication.sign_in,
            id_number=str(form_data.get("id_number", "")),
            password=str(form_data.get("password", "")),
            client_ip=self._client_ip(),
            now=utcnow(),
            previous_token=self.session_token,
        )
        if result is None:
            yield self._focus_summary()
            return
        self.session_token = result.token
        target = routes.safe_next(self.router.url.query_parameters.get("next"))
        yield rx.redirect(target if result.profile_complete else routes.PROFILE_COMPLETE)

    @rx.event
    async def sign_out(self):
        token = self.session_token
        self.session_token = ""
        # Nothing of the person's may stay in this browser's state once they have left.
        for cls in SIGN_OUT_RESETS["person"]:
            (await self.get_state(cls)).reset()
        if token:
            await call_service(authentication.sign_out, token=token, client_ip=self._client_ip(), now=utcnow())
        return rx.redirect(routes.LOGIN + "?signed_out=1")

    @rx.event
    def on_load(self):
        self._clear_errors()
        self.busy = False
