"""The signed-in person's pages: 完善个人信息 at first login and the personal home (个人业务)."""

from __future__ import annotations

import reflex as rx

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.services import profile
from jssi_app.state.base import SIGN_OUT_RESETS, AppState, call_service
from jssi_app.state.forms import FormMixin


class PersonState(FormMixin, AppState):
    masked_name: str = ""
    masked_id_number: str = ""
    masked_phone: str = ""
    masked_email: str = ""
    person_type: str = ""
    insured_status: str = ""
    registered_at: str = ""
    hukou_address: str = ""
    contact_address: str = ""
    saved_notice: str = ""
    # The profile form is drawn only once the registry's values are here: inputs drawn earlier would be
    # replaced when the values arrive, and what the person had typed would be lost.
    profile_loaded: bool = False

    async def _load_overview(self) -> profile.PersonOverview | None:
        account_id = self._person_id()
        if account_id is None:
            return None
        overview = await call_service(profile.person_overview, account_id)
        self.masked_name = overview.masked_name
        self.masked_id_number = overview.masked_id_number
        self.masked_phone = overview.masked_phone
        self.masked_email = overview.masked_email
        self.person_type = overview.person_type
        self.insured_status = overview.insured_status
        self.registered_at = overview.registered_at
        return overview

    @rx.event
    async def load_home(self):
        """on_load of the personal home: sign-in required, then the first-login required action."""
        overview = await self._load_overview()
        if overview is None:
            return self._to_login()
        if not overview.profile_complete:
            return rx.redirect(routes.PROFILE_COMPLETE)
        return None

    @rx.event
    async def load_profile(self):
        self._clear_errors()
        self.saved_notice = ""
        self.profile_loaded = False
        account_id = self._person_id()
        if account_id is None:
            return self._to_login()
        await self._load_overview()
        form = await call_service(profile.load_profile_form, account_id)
        self.hukou_address = form.hukou_address
        self.contact_address = form.contact_address
        self.profile_loaded = True
        return None

    @rx.event
    async def save_profile(self, form_data: dict):
        self._clear_errors()
        account_id = self._person_id()
        if account_id is None:
            return self._to_login()
        form = profile.ProfileForm(
            hukou_address=str(form_data.get("hukou_address", "")),
            contact_address=str(form_data.get("contact_address", "")),
        )
        self.hukou_address, self.contact_address = form.hukou_address[:300], form.contact_address[:300]
        try:
            await call_service(profile.complete_profile, account_id, form, client_ip=self._client_ip(), now=utcnow())
        except Exception as exc:  # noqa: BLE001
            self._show_error(exc)
            return self._focus_summary()
        return rx.redirect(routes.HOME)


SIGN_OUT_RESETS["person"].append(PersonState)
