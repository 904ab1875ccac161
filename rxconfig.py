"""Reflex configuration. Everything environment-specific comes from the environment (docs/operations.md)."""

import os

import reflex as rx

from jssi_app.components.radix_themes import SlimRadixThemesPlugin
from jssi_app.config import settings

_port = int(os.environ.get("PORT", "3000"))

config = rx.Config(
    app_name="jssi_app",
    db_url=settings().db_url,
    telemetry_enabled=False,
    frontend_port=_port,
    backend_port=_port,
    # Behind nginx in production (one proxy hop); direct on a laptop.
    trusted_proxy_hops=int(os.environ.get("JSSI_TRUSTED_PROXY_HOPS", "0")),
    show_built_with_reflex=False,
    plugins=[SlimRadixThemesPlugin(theme=rx.theme(accent_color="blue", radius="medium", scaling="100%"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Precompressed at build time; the server sends the first of these the browser accepts, so brotli (14-20 %
    # smaller than gzip here) goes first, gzip for browsers without it (docs/performance.md: frontend weight).
    frontend_compression_formats=["brotli", "gzip"],
)
