"""Driving Reflex event handlers in-process, the way Reflex's event processor does, with a chosen session cookie.

The root `State` is built with its whole substate tree (as the in-memory state manager does), the router data of
a websocket event is put in place (client address, the page's path), the handler's payload goes through Reflex's
own argument transformation (`_prepare_event_payload`), and every returned or yielded event is collected. An
exception escaping the handler is what Reflex hands to the app's backend_exception_handler: recorded as `crashed`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from reflex.state import State
from reflex_base.event.processor.base_state_processor import _prepare_event_payload

from jssi_app.state.event_guard import mistyped

IP = "198.51.100.23"


@dataclass
class Outcome:
    events: list[Any] = field(default_factory=list)
    state: Any = None
    crashed: BaseException | None = None
    refused_by_guard: str | None = None  # the argument the app's EventTypeGuard middleware refused the event for
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def returned_nothing(self) -> bool:
        return not list(_flatten(self.events))

    def state_unchanged(self) -> bool:
        """No var of the page's state took a value (errors, busy flags and the staff header aside)."""
        return self.before == self.after

    def redirects(self) -> list[str]:
        return [p for p in (_redirect_path(ev) for ev in _flatten(self.events)) if p is not None]


def _flatten(events):
    for ev in events:
        if isinstance(ev, (list, tuple)):
            yield from _flatten(ev)
        elif ev is not None:
            yield ev


def _redirect_path(ev) -> str | None:
    """The target of an rx.redirect event spec, else None."""
    handler = getattr(ev, "handler", None)
    if handler is None or not getattr(handler.fn, "__qualname__", "").endswith("_redirect"):
        return None
    for key, value in ev.args:
        if str(getattr(key, "_js_expr", key)) == "path":
            return str(getattr(value, "_var_value", value))
    return None


def new_root(path: str) -> State:
    root = State(_reflex_internal_init=True)
    router_data = {"pathname": path, "asPath": path, "query": {}, "ip": IP, "token": "tab-token",
                   "sid": "sid", "headers": {"origin": "https://hall.example.cn"}}
    root.router_data = root._update_router_vars(router_data, {})
    return root


async def drive(state_cls: type, handler_name: str, payload: dict, token: str, path: str = "/",
                preset: dict | None = None) -> Outcome:
    """Run one event; `preset` sets state fields first, as a tampering client could through `setvar`."""
    root = new_root(path)
    substate = root.get_substate(state_cls._get_substate_path())
    substate.session_token = token
    for name, value in (preset or {}).items():
        setattr(substate, name, value)
    handler = state_cls.event_handlers[handler_name]
    out = Outcome(state=substate, before=_snapshot(substate))
    # The app's middleware runs before any handler: a mistyped event never reaches it.
    out.refused_by_guard = mistyped(handler.fn, payload)
    if out.refused_by_guard is not None:
        out.after = _snapshot(substate)
        return out
    try:
        prepared = _prepare_event_payload(handler, payload)
        result = handler.fn(substate, **prepared)
        if inspect.iscoroutine(result):
            result = await result
        if inspect.isasyncgen(result):
            async for ev in result:
                out.events.append(ev)
        elif inspect.isgenerator(result):
            out.events.extend(result)
        else:
            out.events.append(result)
    except Exception as exc:  # noqa: BLE001  (Reflex catches it and calls the backend exception handler)
        out.crashed = exc
    out.after = _snapshot(substate)
    return out


_VOLATILE = {"errors", "summary", "busy", "staff_name", "staff_role", "staff_counter", "session_token", "router",
             "router_data", "notice", "uploading", "upload_progress", "loaded"}


def _snapshot(state) -> dict:
    return {name: repr(getattr(state, name)) for name in state.base_vars if name not in _VOLATILE}


def run_coroutine(coro):  # noqa: ANN001, ANN201
    """asyncio.run in a thread of its own: in a full `pytest tests` run, Playwright's sync API (the e2e session
    fixtures) keeps an event loop running in the main thread, where asyncio.run() is refused."""
    import asyncio
    import concurrent.futures
    import contextvars

    # Reflex keeps its registration context in context variables: the thread runs in a copy of this one.
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coro).result()
