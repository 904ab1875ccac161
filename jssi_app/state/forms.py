"""What every form state shares: field errors, the summary at the top, and the busy flag."""

from __future__ import annotations

import re

import reflex as rx

from jssi_app.domain.errors import DomainError, ValidationFailed
from jssi_app.state.base import GENERIC_FAILURE, call_service, log

_FIELD_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class FormMixin(rx.State, mixin=True):
    """Mixed into each form's state so every form has its own errors (an inherited Reflex var would
    live in the parent state and be shared by all forms)."""

    errors: dict[str, str] = {}
    summary: list[str] = []
    busy: bool = False

    @rx.var
    def summary_links(self) -> list[dict[str, str]]:
        """The summary's messages, each with the field it is about (empty when it is about the whole form),
        so the summary at the top links to the field: components/forms.error_summary."""
        # Only plain names: the page puts the name into the script that focuses the field.
        field_of = {message: name for name, message in self.errors.items() if _FIELD_NAME.fullmatch(name)}
        return [{"message": m, "field": field_of.get(m, "")} for m in self.summary]

    def _clear_errors(self) -> None:
        self.errors = {}
        self.summary = []

    def _show_error(self, exc: Exception) -> None:
        """Map a refusal to the page: per-field messages plus the summary; never a stack trace."""
        if isinstance(exc, ValidationFailed):
            self.errors = exc.by_field()
            self.summary = [e.message for e in exc.errors]
        elif isinstance(exc, DomainError):
            field = getattr(exc, "field", None)
            self.errors = {field: exc.message} if field else {}
            self.summary = [exc.message]
        else:
            log.exception("unexpected failure in %s", type(self).__name__)
            self.errors = {}
            self.summary = [GENERIC_FAILURE]

    def _focus_summary(self):
        return rx.call_script("setTimeout(()=>{const e=document.getElementById('error-summary');if(e){e.focus();e.scrollIntoView({block:'start'});}},50)")

    async def _submit_service(self, fn, *args, **kwargs):  # noqa: ANN001
        """Run a form's service while the button shows busy; on a refusal the page shows why and None
        comes back (the caller then yields `_focus_summary()`)."""
        self.busy = True
        try:
            return await call_service(fn, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — mapped to a message, unexpected ones logged
            self._show_error(exc)
            return None
        finally:
            self.busy = False
