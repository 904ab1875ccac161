"""Frontend weight: what the first load of the sign-in and registration pages costs a browser.

Builds and serves the real app (`reflex run --env prod --single-port`, tests/app_process.py), opens each page in a
fresh Chromium context (empty cache) and records every script and stylesheet the page loads until the network is
idle. Each of those files is then fetched again with `Accept-Encoding: gzip, br` — what Chromium sends over https;
over the plain http of this run it offers only gzip and deflate, whatever extra headers say — and with `identity`:
the bytes the server sends (and the Content-Encoding it chose), the raw size, and what a proxy compressing on the
fly would send (Python's gzip level 6, nginx's default, and brotli quality 6, ngx_brotli's default). Target:
≤ 300 KB (300,000 bytes) of compressed JS per page. Results go to stdout, test-results/frontend-weight.json and
docs/performance.md.

    python -m bench.frontend_weight
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import brotli

from bench.report import ROOT, write_section
from jssi_app import routes
from tests.app_process import CHROMIUM_ARGS, app_env, chromium_executable, free_port, migrate, running_app

BEGIN, END = "<!-- bench:frontend:begin -->", "<!-- bench:frontend:end -->"
TARGET_JS = 300_000
PAGES = {
    "登录 (个人)": routes.LOGIN,
    "单位用户登录": routes.LOGIN_UNIT,
    "工作人员登录": routes.STAFF_LOGIN,
    "注册 (选择)": routes.REGISTER,
    "个人用户注册": routes.REGISTER_PERSON,
    "单位用户注册": routes.REGISTER_UNIT,
}
KINDS = {"script": "js", "stylesheet": "css"}


@dataclass
class Asset:
    name: str
    kind: str  # js | css
    sent: int  # encoded body bytes on the wire
    encoding: str  # the Content-Encoding the server chose ("" = none)
    raw: int = 0
    gzip6: int = 0
    brotli6: int = 0


@dataclass
class PageWeight:
    label: str
    path: str
    requests: int
    assets: list[Asset] = field(default_factory=list)

    def total(self, kind: str, measure: str) -> int:
        return sum(getattr(a, measure) for a in self.assets if a.kind == kind)


def _fetch(url: str, accept_encoding: str) -> tuple[bytes, str]:
    """The body as sent (not decoded) and its Content-Encoding ("" = none)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return resp.read(), resp.headers.get("Content-Encoding", "")


def measure_page(browser, base_url: str, label: str, path: str) -> PageWeight:
    # A fresh context: empty cache, so this is a first visit.
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(base_url + path, wait_until="networkidle")
    # The page must have rendered, or its weight means nothing.
    page.get_by_role("heading").first.wait_for()
    page.wait_for_load_state("networkidle")
    weight = PageWeight(label, path, requests=len(responses))
    for response in responses:
        kind = KINDS.get(response.request.resource_type)
        if kind is None:
            continue
        sent, encoding = _fetch(response.url, "gzip, br")
        raw, raw_encoding = _fetch(response.url, "identity")
        assert raw_encoding in ("", "identity"), response.url
        weight.assets.append(Asset(
            name=urlsplit(response.url).path.rsplit("/", 1)[-1], kind=kind, sent=len(sent), encoding=encoding,
            raw=len(raw), gzip6=len(gzip.compress(raw, compresslevel=6)), brotli6=len(brotli.compress(raw, quality=6)),
        ))
    context.close()
    return weight


def measure(pages: dict[str, str] = PAGES) -> tuple[list[PageWeight], float]:
    """Build and serve the app, weigh each page; returns the weights and the seconds the build and start took."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="jssi-frontend-") as tmp_name:
        data_dir = Path(tmp_name)
        env = app_env(data_dir, free_port())
        migrate(env)
        started = time.perf_counter()
        with running_app(env, data_dir / "app.log") as base_url:
            start_seconds = time.perf_counter() - started
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
                try:
                    weights = [measure_page(browser, base_url, label, path) for label, path in pages.items()]
                finally:
                    browser.close()
    return weights, start_seconds


def _kb(n: int) -> str:
    return f"{n / 1000:,.1f}"


def report(weights: list[PageWeight], start_seconds: float) -> str:
    encodings = sorted({a.encoding or "none" for w in weights for a in w.assets})
    lines = [
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: `reflex run --env prod --single-port` (build and start "
        f"{start_seconds:.0f} s); each page's first load in a fresh Chromium, its files fetched with `Accept-Encoding: "
        f"gzip, br`: the server answered with Content-Encoding {', '.join(encodings)} (none: files under 256 bytes, "
        "which Reflex does not precompress). KB = 1,000 bytes. \"sent\" is what the server sends; gzip-6 and br-6 "
        "what a proxy compressing on the fly would send instead.",
        "",
        "| page | requests | JS files | JS sent | JS raw | JS gzip-6 | JS br-6 | CSS sent | CSS raw | CSS gzip-6 | "
        "CSS br-6 | target (JS sent) | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for w in weights:
        js_sent = w.total("js", "sent")
        lines.append(
            f"| {w.label} `{w.path}` | {w.requests} | {sum(a.kind == 'js' for a in w.assets)} | {_kb(js_sent)} | "
            f"{_kb(w.total('js', 'raw'))} | {_kb(w.total('js', 'gzip6'))} | {_kb(w.total('js', 'brotli6'))} | "
            f"{_kb(w.total('css', 'sent'))} | {_kb(w.total('css', 'raw'))} | {_kb(w.total('css', 'gzip6'))} | "
            f"{_kb(w.total('css', 'brotli6'))} | "
            f"≤ {_kb(TARGET_JS)} | {js_sent / TARGET_JS:.2f} |"
        )
    largest: dict[str, Asset] = {}
    for w in weights:
        for a in w.assets:
            largest[a.name] = a
    top = sorted(largest.values(), key=lambda a: a.sent, reverse=True)[:8]
    lines += [
        "",
        "Largest files these pages load (KB sent / raw): "
        + "; ".join(f"`{a.name}` {_kb(a.sent)} / {_kb(a.raw)}" for a in top) + ".",
    ]
    return "\n".join(lines)


def main() -> int:
    weights, start_seconds = measure()
    text = report(weights, start_seconds)
    print(text)
    out = ROOT / "test-results"
    out.mkdir(exist_ok=True)
    (out / "frontend-weight.json").write_text(
        json.dumps({"start_seconds": start_seconds, "pages": [asdict(w) for w in weights]}, ensure_ascii=False, indent=1),
        "utf-8",
    )
    write_section(BEGIN, END, text)
    over = [w.path for w in weights if w.total("js", "sent") > TARGET_JS]
    if over:
        print(f"over the {TARGET_JS:,}-byte JS target: {', '.join(over)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
