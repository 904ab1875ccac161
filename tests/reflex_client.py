"""A client of Reflex 0.10's browser protocol, for tests and load benchmarks that drive the real server.

What a browser tab does, and what this client does the same way:

- **Connect.** Socket.IO (Engine.IO 4, websocket transport) on the path `/_event`, namespace `/_event`, with the
  tab's token in the query (`?token=<uuid>`: Reflex's per-tab client token, never used for authentication here).
  The socket.io CONNECT packet carries the boot event in its `auth` payload (`{"event": ...}`): the root state's
  `hydrate_and_load`, with `vars` = the browser storage values the compiled frontend tracks (for jssi the
  `jssi_session` cookie, keyed `reflex___state____state.jssi_app___state___base____app_state.session_token_rx_state_`)
  and the page's `router_data` (`pathname`, `asPath`, `query`). The handshake sends the browser's headers (Origin,
  User-Agent, X-Forwarded-For when the test plays a client behind a proxy). Reflex answers with the state snapshot,
  then runs the page's on_load handlers and flips `is_hydrated`.
- **Events.** `emit("event", {"name": "<state full name>.<handler>", "payload": {...}, "router_data": {...}})`.
  Updates come back as `event` messages `{"delta": {state full name: {var + "_rx_state_": value}}, "events": [...]}`;
  `events` are frontend events (`_redirect`, `_call_script`, ...), which this client records and does not run.
- **Navigation.** After a `_redirect`, a browser navigates on the client side and sends `update_vars_internal`
  (the storage values) and `on_load_internal` with the new page's router data: `navigate(path)`.
- **Browser storage.** A delta that sets a tracked cookie var updates this client's cookie jar, as the page script
  does (`applyClientStorageDelta`); the jar goes with every later hydrate, i.e. after a reconnect.
- **Uploads.** `POST /_upload`, multipart with one `files` part per file, headers `Reflex-Client-Token` (the tab
  token) and `Reflex-Event-Handler` (the handler's full name); the handler's deltas stream back in the response as
  newline-delimited JSON, applied like websocket updates.

**When an event's processing ends.** Reflex processes a tab's (non-background) events one after another, and sends
no end marker. After each event the client sends a no-op sentinel, `update_vars_internal` with no vars and a URL
fragment unique to it (`#rx-settle-N`): the router change makes Reflex answer it with a delta naming that fragment,
so when that delta arrives, everything queued before the sentinel has been processed. A page load queues its
on_load handlers from inside an event, behind the sentinel; so while the page is not hydrated the client sends
another sentinel. Background tasks (e.g. a 60-second countdown) are not waited for; their deltas are applied as
they come.

Usage::

    async with ReflexClient(url, client_storage=client_storage_of(web_dir)) as tab:
        await tab.connect("/register/person")
        await tab.event(RegistrationState, "set_phone", value="13800001234")
        update = await tab.event(RegistrationState, "send_code")
        tab.var(RegistrationState, "code_notice")

The protocol details were read from reflex 0.10.1: `reflex/app.py` (EventNamespace, upload),
`reflex_base/.templates/web/utils/state.js` and `helpers/upload.js`, `reflex_base/compiler/templates.py`
(initialEvents, onLoadInternalEvent), `reflex/state.py` (hydrate_and_load, update_vars_internal).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import socketio

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
FIELD_MARKER = "_rx_state_"
HYDRATE_AND_LOAD = f"{ROOT_STATE}.hydrate_and_load"
UPDATE_VARS_INTERNAL = f"{ROOT_STATE}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD_INTERNAL = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
_SETTLE_FRAGMENT = "rx-settle-"


class ConnectionLost(ConnectionError):
    """The socket closed (e.g. the server died) while the client waited for an answer."""


def client_storage_of(web_dir: Path) -> dict[str, dict]:
    """The browser storage the compiled frontend tracks (`clientStorage` in .web/utils/context.js[x])."""
    for name in ("context.jsx", "context.js"):
        path = web_dir / "utils" / name
        if path.exists():
            found = re.search(r"export const clientStorage = (\{.*\})\s*$", path.read_text(), re.MULTILINE)
            if found:
                return json.loads(found.group(1))
    raise FileNotFoundError(f"no compiled clientStorage under {web_dir}")


def handler_name(state: type | str, handler: str) -> str:
    """`<state full name>.<handler>` for a state class (anything with get_full_name) or a full name."""
    full = state if isinstance(state, str) else state.get_full_name()
    return f"{full}.{handler}"


def router_data(path: str) -> dict[str, Any]:
    """What the page script puts in every event (`withRouterData`): pathname, asPath and the query."""
    parts = urlsplit(path)
    data: dict[str, Any] = {"pathname": parts.path or "/", "asPath": path}
    query = dict(parse_qsl(parts.query))
    if query:
        data["query"] = query
    return data


@dataclass
class Update:
    """What came back for one event: its deltas (var names without the field marker) and frontend events."""

    deltas: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def redirects(self) -> list[str]:
        return [str(e.get("payload", {}).get("path", "")) for e in self.events if e.get("name") == "_redirect"]

    def changed(self, state: type | str, var: str) -> list[Any]:
        """Every value `var` of `state` took in this update, in order."""
        full = state if isinstance(state, str) else state.get_full_name()
        return [d[full][var] for d in self.deltas if var in d.get(full, {})]

    def merge(self, other: Update) -> None:
        self.deltas.extend(other.deltas)
        self.events.extend(other.events)


class ReflexClient:
    """One browser tab against a Reflex server (see the module docstring for the protocol)."""

    def __init__(self, base_url: str, *, client_storage: dict[str, dict] | None = None,
                 headers: dict[str, str] | None = None, cookies: dict[str, str] | None = None,
                 token: str | None = None, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or str(uuid.uuid4())
        self.headers = {"Origin": self.base_url, "User-Agent": "jssi-tests reflex_client", **(headers or {})}
        # Storage key (state.var + marker) -> cookie name, for the cookies the compiled frontend tracks.
        self._cookie_vars = {key: opts.get("name") or key
                             for key, opts in (client_storage or {}).get("cookies", {}).items()}
        self.cookies: dict[str, str] = dict(cookies or {})
        self.timeout = timeout
        self.path = "/"
        self.state: dict[str, dict[str, Any]] = {}
        self.hydrated = False
        self._sio: socketio.AsyncClient | None = None
        self._http: aiohttp.ClientSession | None = None
        self._current: Update | None = None
        self._settle_ids = itertools.count(1)
        self._settled: dict[int, asyncio.Future] = {}
        self._closed = asyncio.Event()

    async def __aenter__(self) -> ReflexClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # --- connection -----------------------------------------------------------------------------------------

    def _storage_vars(self) -> dict[str, str]:
        return {key: self.cookies[name] for key, name in self._cookie_vars.items() if name in self.cookies}

    async def connect(self, path: str = "/") -> Update:
        """Open the socket on `path` with the boot hydrate, and wait until the page is loaded (on_load done)."""
        self.path = path
        self.hydrated = False
        self._closed.clear()
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("event", self._on_update, namespace=NAMESPACE)
        sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        payload: dict[str, Any] = {}
        if storage := self._storage_vars():
            payload["vars"] = storage
        boot = {"name": HYDRATE_AND_LOAD, "payload": payload, "router_data": router_data(path)}
        update = self._current = Update()
        try:
            await asyncio.wait_for(
                # wait_timeout: python-socketio gives up on the namespace's answer after 1 s by default, and a loaded
                # server takes longer to run the boot hydrate; a browser's socket.io client waits 20 s.
                sio.connect(f"{self.base_url}?token={self.token}", socketio_path=NAMESPACE, transports=["websocket"],
                            namespaces=[NAMESPACE], auth={"event": boot}, headers=self.headers,
                            wait_timeout=self.timeout),
                self.timeout)
        except (socketio.exceptions.ConnectionError, asyncio.TimeoutError) as exc:
            self._current = None
            await _dispose(sio)
            raise ConnectionLost(f"connect to {self.base_url}: {exc}") from exc
        self._sio = sio
        try:
            await self._settle()
        finally:
            self._current = None
        return update

    async def close(self) -> None:
        if self._sio is not None:
            sio, self._sio = self._sio, None
            await _dispose(sio)
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def connected(self) -> bool:
        return self._sio is not None and self._sio.connected and not self._closed.is_set()

    async def _on_disconnect(self, *args) -> None:
        self._closed.set()
        for fut in self._settled.values():
            if not fut.done():
                fut.set_exception(ConnectionLost("socket closed while waiting"))

    # --- updates ----------------------------------------------------------------------------------------------

    async def _on_update(self, update: dict) -> None:
        self._apply(update)

    def _apply(self, update: dict) -> None:
        delta = {state: {k.removesuffix(FIELD_MARKER): v for k, v in vars_.items()}
                 for state, vars_ in (update.get("delta") or {}).items()}
        settle_id = self._settle_id(delta)
        root = delta.get(ROOT_STATE, {})
        # The page writes browser storage from every delta except a hydrate snapshot (is_hydrated false in it).
        writes_storage = root.get("is_hydrated", True) is not False
        for state, vars_ in delta.items():
            self.state.setdefault(state, {}).update(vars_)
            for var, value in vars_.items():
                cookie = self._cookie_vars.get(f"{state}.{var}{FIELD_MARKER}")
                if cookie is not None and writes_storage:
                    self.cookies[cookie] = value
        if "is_hydrated" in root:
            self.hydrated = bool(root["is_hydrated"])
        if settle_id is None and self._current is not None:
            self._current.deltas.append(delta)
            self._current.events.extend(update.get("events") or [])
        if settle_id is not None and (fut := self._settled.get(settle_id)) is not None and not fut.done():
            fut.set_result(None)

    @staticmethod
    def _settle_id(delta: dict) -> int | None:
        url = delta.get(ROOT_STATE, {}).get("rx_router_url")
        fragment = url.get("fragment", "") if isinstance(url, dict) else ""
        if fragment.startswith(_SETTLE_FRAGMENT):
            return int(fragment.removeprefix(_SETTLE_FRAGMENT))
        return None

    async def _sentinel(self) -> None:
        n = next(self._settle_ids)
        fut = self._settled[n] = asyncio.get_running_loop().create_future()
        try:
            await self._send({"name": UPDATE_VARS_INTERNAL, "payload": {"vars": {}},
                              "router_data": router_data(f"{self.path}#{_SETTLE_FRAGMENT}{n}")})
            await asyncio.wait_for(fut, self.timeout)
        except asyncio.TimeoutError as exc:
            raise TimeoutError(f"no answer within {self.timeout}s (event still running, or dropped)") from exc
        finally:
            self._settled.pop(n, None)

    async def _settle(self) -> None:
        await self._sentinel()
        # A page load queues its on_load handlers, then the hydrated flip, behind the first sentinel.
        while not self.hydrated:
            await self._sentinel()

    async def _send(self, data: Any, event: str = "event") -> None:
        if not self.connected:
            raise ConnectionLost("not connected")
        try:
            await self._sio.emit(event, data, namespace=NAMESPACE)
        except socketio.exceptions.BadNamespaceError as exc:
            raise ConnectionLost(str(exc)) from exc

    # --- events -----------------------------------------------------------------------------------------------

    async def event(self, state: type | str, handler: str, payload: dict | None = None, *,
                    path: str | None = None, **kwargs: Any) -> Update:
        """Send `state.handler(**payload, **kwargs)` from the current page (or `path`), wait until processed."""
        return await self.send_raw({"name": handler_name(state, handler), "payload": {**(payload or {}), **kwargs},
                                    "router_data": router_data(path or self.path)})

    async def send_raw(self, data: Any, event: str = "event") -> Update:
        """Send any frame as the `event` message (tests of malformed frames), then wait as for an event."""
        update = self._current = Update()
        try:
            await self._send(data, event)
            await self._settle()
        finally:
            self._current = None
        return update

    async def navigate(self, path: str) -> Update:
        """A client-side navigation to `path` (what the page does on a `_redirect`), with its on_load handlers."""
        self.path = path
        self.hydrated = False
        update = self._current = Update()
        try:
            if storage := self._storage_vars():
                await self._send({"name": UPDATE_VARS_INTERNAL, "payload": {"vars": storage},
                                  "router_data": router_data(path)})
            await self._send({"name": ON_LOAD_INTERNAL, "payload": {}, "router_data": router_data(path)})
            await self._settle()
        finally:
            self._current = None
        return update

    def var(self, state: type | str, name: str, default: Any = None) -> Any:
        """The current value of `state.name` as the page holds it."""
        full = state if isinstance(state, str) else state.get_full_name()
        return self.state.get(full, {}).get(name, default)

    # --- uploads ----------------------------------------------------------------------------------------------

    async def upload(self, state: type | str, handler: str, files: list[tuple[str, bytes, str]],
                     extra_args: dict | None = None) -> Update:
        """POST the files to /_upload as `rx.upload_files` does; the streamed deltas are applied and returned."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        form = aiohttp.FormData()
        if extra_args:
            form.add_field("__reflex_event_args", json.dumps(extra_args))
        for name, content, media_type in files:
            form.add_field("files", content, filename=name, content_type=media_type)
        headers = {**self.headers, "Reflex-Client-Token": self.token,
                   "Reflex-Event-Handler": handler_name(state, handler)}
        update = Update()
        try:
            async with self._http.post(f"{self.base_url}/_upload", data=form, headers=headers) as resp:
                if resp.status >= 300:
                    raise UploadRefused(resp.status, await resp.text())
                async for line in resp.content:
                    if line.strip():
                        before = self._current
                        self._current = update
                        try:
                            self._apply(json.loads(line))
                        finally:
                            self._current = before
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:  # refused, reset, or cut off mid-stream
            raise ConnectionLost(f"upload: {exc}") from exc
        return update


async def _dispose(sio: socketio.AsyncClient) -> None:
    try:
        await sio.disconnect()
    except Exception:  # noqa: BLE001 - already gone with the server
        pass
    # python-socketio leaves the engine's aiohttp session to its owner.
    http = getattr(sio.eio, "http", None)
    if http is not None and not http.closed:
        await http.close()


class UploadRefused(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"/_upload answered {status}: {body[:200]}")
        self.status = status
        self.body = body
