"""Files nginx needs for 单位CA证书登录, made from the app's own CA configuration: the trust bundle, the CRL bundle,
and deploy/nginx/jssi-mtls.conf with its placeholders filled. Used by `python -m jssi_app ca-proxy-config`
(deploy/nginx/run-local.sh) and by the end-to-end test."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from jssi_app.adapters.ca_trust import TrustStore

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "jssi-mtls.conf"


@dataclass(frozen=True)
class ProxyFiles:
    main_conf: Path
    prefix: Path


def write_bundles(store: TrustStore, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    anchors = store.anchors()
    if not anchors:
        raise RuntimeError(f"no trust anchors in {store.trust_dir}")
    store.refresh_crls(force=True)
    bundle, crls = out / "trust-bundle.pem", out / "crl-bundle.pem"
    bundle.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in anchors))
    crl_blobs = [crl.public_bytes(serialization.Encoding.PEM) for crl in store._crls.values()]  # noqa: SLF001
    if not crl_blobs:
        raise RuntimeError("no CRL loaded: nginx would refuse every certificate (configure JSSI_CA_CRL)")
    crls.write_bytes(b"".join(crl_blobs))
    return bundle, crls


def render(values: dict[str, str]) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text.replace("@@…@@", ""):
        missing = sorted({part.split("@@")[0] for part in text.split("@@")[1::2] if part and part != "…"})
        raise ValueError(f"placeholders left: {missing}")
    return text


def write_local_config(prefix: Path, *, store: TrustStore, app: str, site_port: int, ca_port: int, host: str,
                       server_cert: Path, server_key: Path, proxy_secret: str) -> ProxyFiles:
    """A self-contained nginx prefix (no root needed): `nginx -p PREFIX -c nginx.conf`."""
    prefix.mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(exist_ok=True)
    bundle, crls = write_bundles(store, prefix)
    server = render({
        "APP": app.rstrip("/"), "SITE_LISTEN": f"{host}:{site_port}", "CA_LISTEN": f"{host}:{ca_port}",
        "SERVER_CERT": str(server_cert), "SERVER_KEY": str(server_key), "CA_BUNDLE": str(bundle),
        "CRL_BUNDLE": str(crls), "PROXY_SECRET": proxy_secret,
        "CA_LOGIN_URL": f"https://{'localhost' if host == '127.0.0.1' else host}:{ca_port}/ca-login",
    })
    conf = prefix / "jssi-mtls.conf"
    conf.write_text(server, encoding="utf-8")
    os.chmod(conf, 0o600)
    tmp = prefix / "tmp"
    main = prefix / "nginx.conf"
    main.write_text(
        f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'logs' / 'error.log'} info;\n"
        "worker_processes 1;\nevents { worker_connections 256; }\n"
        "http {\n"
        f"    access_log {prefix / 'logs' / 'access.log'};\n"
        f"    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;\n"
        f"    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;\n"
        f"    include {conf};\n"
        "}\n",
        encoding="utf-8",
    )
    return ProxyFiles(main_conf=main, prefix=prefix)
