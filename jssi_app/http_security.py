"""Security headers on every HTTP response, and an Origin check on the event websocket (/_event).

Hooked in as the last `api_transformer` (jssi_app.py), so it wraps the whole backend ASGI app: Reflex's own
routes, our file routes (api.py), the socket.io endpoint and — in `reflex run --env prod --single-port` — the
compiled frontend, which Reflex 0.10.1 mounts inside the same app (`reflex.utils.exec.get_frontend_mount`,
appended to `App._api` before the transformers run). A separately hosted frontend needs the same headers from
its web server (docs/security.md gives the nginx lines).

The Content-Security-Policy, from what the Reflex 0.10.1 prod build needs:
- scripts: the bundle is served from the app itself ('self'). Every prerendered page carries a few inline
  <script> blocks (React Router's hydration context and module bootstrap); they are allowed by their SHA-256
  hashes, computed from the built HTML files, so no 'unsafe-inline'. Reflex's event runtime runs
  `rx.call_script` payloads and callbacks with `eval` (.web/utils/state.js), and this app uses call_script
  (scrolling, the camera), so 'unsafe-eval' stays: the scripts it evaluates come from our own state code.
- styles: Radix and Emotion inject <style> elements and style attributes at run time: 'unsafe-inline'.
- images: our own routes plus data:/blob: (the camera snapshot and previews are data URLs).
- connect: 'self' (covers ws(s) to the same host in CSP level 3 browsers).
- frame-ancestors 'none', object-src 'none', base-uri 'self', form-action 'self'.
A route that sets its own CSP (the scan and photo routes: `sandbox`, no scripts at all) keeps it.

The websocket: a browser always sends Origin on a websocket handshake, and socket.io's polling fallback
sends it on its XHRs; a page from another site must not be able to drive a signed-in user's session
(cross-site websocket hijacking). A handshake or poll whose Origin's host is neither the Host it was sent to
nor listed in JSSI_ALLOWED_ORIGINS nor JSSI_PUBLIC_URL's is refused (403). No Origin (a non-browser client) is let through: such a
client gains nothing it could not do by sending any Origin it likes, and every handler checks the session.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

EVENT_PATH = "/_event"
HSTS = "max-age=31536000; includeSubDomains"
_INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_script_hashes(html: bytes) -> set[str]:
    """CSP source expressions ('sha256-…') for the inline scripts of one HTML document."""
    found = set()
    for match in _INLINE_SCRIPT.finditer(html):
        if b"src=" in match.group("attrs").lower():
            continue
        digest = base64.b64encode(hashlib.sha256(match.group("body")).digest()).decode("ascii")
        found.add(f"'sha256-{digest}'")
    return found


def built_frontend_dir() -> Path | None:
    """Where Reflex's prod build puts the static frontend (the folder `get_frontend_mount` serves)."""
    try:
        from reflex.utils import prerequisites
        from reflex_base import constants
        from reflex_base.config import get_config

        config = get_config()
        return (prerequisites.get_web_dir() / constants.Dirs.STATIC / config.frontend_path.strip("/")).resolve()
    except Exception:  # noqa: BLE001 - no build (unit tests, a separately hosted frontend): no hashes
        return None


def script_hashes_of(folder: Path | None) -> list[str]:
    if folder is None or not folder.is_dir():
        return []
    hashes: set[str] = set()
    for page in folder.rglob("*.html"):
        hashes |= inline_script_hashes(page.read_bytes())
    return sorted(hashes)


def content_security_policy(script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", "'unsafe-eval'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob: mediastream:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def allowed_origins() -> frozenset[str]:
    """JSSI_ALLOWED_ORIGINS (comma separated, e.g. https://hall.example.gov.cn) and JSSI_PUBLIC_URL's origin."""
    raw = os.environ.get("JSSI_ALLOWED_ORIGINS", "")
    origins = {item.strip().rstrip("/").lower() for item in raw.split(",") if item.strip()}
    # The public address people use (also in mailed links) is always an allowed origin.
    public = urlsplit(os.environ.get("JSSI_PUBLIC_URL", "").strip())
    if public.scheme and public.netloc:
        origins.add(f"{public.scheme}://{public.netloc}".lower())
    return frozenset(origins)


def origin_allowed(origin: str | None, host: str | None, extra: frozenset[str] = frozenset()) -> bool:
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin in extra:
        return True
    if origin in ("", "null"):
        return False  # sandboxed frames and file:// pages
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        return False
    return bool(host) and parts.netloc == host.strip().lower()


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response; foreign Origins refused on /_event."""

    def __init__(self, app, *, prod: bool | None = None, frontend_dir: Path | None = None) -> None:
        self.app = app
        self._prod = prod
        self._frontend_dir = frontend_dir
        self._csp: str | None = None

    @property
    def prod(self) -> bool:
        if self._prod is None:
            from jssi_app.config import settings

            self._prod = settings().is_prod
        return self._prod

    def csp(self) -> str:
        # Read once, on the first request: the build is complete by the time the server answers.
        if self._csp is None:
            self._csp = content_security_policy(script_hashes_of(self._frontend_dir or built_frontend_dir()))
        return self._csp

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-security-policy", self.csp().encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(), payment=()"),
        ]
        if self.prod:
            headers.append((b"strict-transport-security", HSTS.encode("latin-1")))
        return headers

    async def __call__(self, scope, receive, send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path == EVENT_PATH or path.startswith(EVENT_PATH + "/"):
            if not origin_allowed(_header(scope, b"origin"), _header(scope, b"host"), allowed_origins()):
                await self._refuse(scope, send)
                return
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        ours = self.headers()

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                extra = [(key, value) for key, value in ours if key not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, scope, send) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        body = "来源不被允许".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), *self.headers()]})
        await send({"type": "http.response.body", "body": body})


def secure(app):
    """The api_transformer form: wrap the backend app."""
    return SecurityHeaders(app)
