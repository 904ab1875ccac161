"""The root of the app's states: the session cookie, who is signed in, and how services are called.

Handlers never trust anything the browser sends about identity: every handler that touches
protected data calls `_principal()`, which looks the token up in the server-side session table.
"""

from __future__ import annotations

import asyncio
import logging

import reflex as rx
from sqlmodel import Session

from jssi_app import routes
from jssi_app.adapters.clock import utcnow
from jssi_app.config import settings
from jssi_app.db import engine
from jssi_app.services import sessions

log = logging.getLogger("jssi")

SESSION_COOKIE = "jssi_session"
GENERIC_FAILURE = "系统繁忙，请稍后再试。如问题持续，请联系社保经办机构。"


async def call_service(fn, *args, **kwargs):
    """Run a service in a worker thread with its own database session (bcrypt and SQL never block the loop)."""

    def run():
        with Session(engine(), expire_on_commit=False) as db:
            return fn(db, *args, **kwargs)

    return await asyncio.to_thread(run)


# States that hold what a signed-in account saw, by account kind ("person", "unit", "staff"); each kind's
# sign-out empties them all, so nothing of one account stays in a browser's server-side state for the next.
SIGN_OUT_RESETS: dict[str, list[type]] = {"person": [], "unit": [], "staff": []}


class AppState(rx.State):
    # Server-generated random token (never Reflex's browser-made client_token). Strict SameSite
    # keeps it off cross-site requests; the session row behind it enforces the timeouts.
    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, same_site="strict", max_age=12 * 3600, secure=settings().is_prod or None
    )

    # The last on_load of a page in this tab: its path and the websocket it came over (see _reconnected).
    _loaded_path: str = ""
    _loaded_socket: str = ""

    def _reconnected(self) -> bool:
        """Whether this on_load is the same page coming back over a new websocket (after a lost connection, or a
        reload) rather than a visit. Reflex runs the page's on_load again on every reconnection, and with several
        workers it can land after what was typed during the outage: a load that resets the page's filters, results
        or half-done steps keeps them when this is true. A visit from another page (same websocket) still resets."""
        path, socket = self.router.url.path or "", self.router.session.session_id or ""
        again = path == self._loaded_path and socket != self._loaded_socket
        self._loaded_path, self._loaded_socket = path, socket
        return again

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _principal(self) -> sessions.Principal | None:
        with Session(engine(), expire_on_commit=False) as db:
            return sessions.resume_session(db, self.session_token, utcnow())

    def _person_id(self) -> int | None:
        principal = self._principal()
        if principal is None or principal.account_kind != "person":
            return None
        return principal.account_id

    def _to_login(self) -> rx.event.EventSpec:
        return rx.redirect(routes.login_with_next(self.router.url.path or routes.HOME))
