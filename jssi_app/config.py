"""Settings read from the environment, with working defaults for the embedded mode.

Every variable is listed in docs/operations.md. Values are read on each call to `settings()`
(cached) so tests can point the app at another database by setting the environment first.
"""

from __future__ import annotations

import base64
import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("JSSI_DATA_DIR", PROJECT_ROOT / "var"))


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _local_key(name: str) -> bytes:
    """A per-installation random key kept in DATA_DIR/keys, created on first use (dev/test only)."""
    key_dir = DATA_DIR / "keys"
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / name
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return base64.urlsafe_b64decode(path.read_text().strip())


def _key(env_name: str, file_name: str, env: str) -> bytes:
    raw = _env(env_name)
    if raw:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        if len(key) < 32:
            raise RuntimeError(f"{env_name} must be at least 32 bytes, base64url-encoded")
        return key
    if env == "prod":
        raise RuntimeError(f"{env_name} is required when JSSI_ENV=prod")
    return _local_key(file_name)


@dataclass(frozen=True)
class Settings:
    env: str
    db_url: str
    redis_url: str
    secret_key: bytes
    pii_key: bytes
    sms_backend: str
    sms_gateway_url: str
    sms_gateway_user: str
    sms_gateway_password: str
    sms_template: str
    mail_backend: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    mail_from: str
    public_url: str
    trust_forwarded_for: bool
    max_upload_bytes: int
    # Key rotation (docs/operations.md, "Key rotation"): the id of pii_key and the keys it replaced, kept for
    # decryption and fingerprint lookups until `rotate-keys` has moved everything onto pii_key.
    pii_key_id: str = "1"
    pii_previous_keys: tuple[tuple[str, bytes], ...] = ()

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"


def default_db_url() -> str:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'jssi.db'}"


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    env = _env("JSSI_ENV", "dev")
    if env not in ("dev", "test", "prod"):
        raise RuntimeError("JSSI_ENV must be dev, test or prod")
    outbox_default = "http" if env == "prod" else "outbox"
    pii_key, pii_key_id, pii_previous_keys = _pii_keyring(env)
    return Settings(
        env=env,
        db_url=_env("REFLEX_DB_URL") or default_db_url(),
        redis_url=_env("REFLEX_REDIS_URL"),
        secret_key=_key("JSSI_SECRET_KEY", "secret.key", env),
        pii_key=pii_key,
        sms_backend=_env("JSSI_SMS_BACKEND", outbox_default),
        sms_gateway_url=_env("JSSI_SMS_GATEWAY_URL"),
        sms_gateway_user=_env("JSSI_SMS_GATEWAY_USER"),
        sms_gateway_password=_env("JSSI_SMS_GATEWAY_PASSWORD"),
        sms_template=_env("JSSI_SMS_TEMPLATE", "SMS_JSSI_CODE"),
        mail_backend=_env("JSSI_MAIL_BACKEND", "smtp" if env == "prod" else "outbox"),
        smtp_host=_env("JSSI_SMTP_HOST", "127.0.0.1"),
        smtp_port=int(_env("JSSI_SMTP_PORT", "25")),
        smtp_user=_env("JSSI_SMTP_USER"),
        smtp_password=_env("JSSI_SMTP_PASSWORD"),
        smtp_starttls=_env("JSSI_SMTP_STARTTLS", "0") == "1",
        mail_from=_env("JSSI_MAIL_FROM", "noreply@jssi.local"),
        public_url=_env("JSSI_PUBLIC_URL", f"http://localhost:{_env('PORT', '3000')}"),
        trust_forwarded_for=_env("JSSI_TRUST_FORWARDED_FOR", "0") == "1",
        max_upload_bytes=int(float(_env("JSSI_MAX_UPLOAD_MB", "10")) * 1024 * 1024),
        pii_key_id=pii_key_id,
        pii_previous_keys=pii_previous_keys,
    )


_KEY_ID_DIGITS = 5  # ids are 1..65535: they go into a 2-byte field of the file header


def _check_key_id(raw: str, source: str) -> str:
    if not raw.isdigit() or len(raw) > _KEY_ID_DIGITS or not 1 <= int(raw) <= 65535:
        raise RuntimeError(f"{source}: a key id is a number from 1 to 65535")
    return str(int(raw))


def _decode_key(raw: str, source: str) -> bytes:
    key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    if len(key) < 32:
        raise RuntimeError(f"{source} must be at least 32 bytes, base64url-encoded")
    return key


# Development keyring (no JSSI_PII_KEY): key 1 is DATA_DIR/keys/pii.key (as before key rotation existed), later
# keys are DATA_DIR/keys/pii-keys/<id>.key, and DATA_DIR/keys/pii.key.id names the current one. Switching is one
# atomic rename of pii.key.id, after the new key's file is in place.
def _dev_key_id() -> str:
    path = DATA_DIR / "keys" / "pii.key.id"
    return _check_key_id(path.read_text().strip(), str(path)) if path.exists() else "1"


def _dev_key(kid: str) -> bytes:
    if kid == "1":
        return _local_key("pii.key")
    path = DATA_DIR / "keys" / "pii-keys" / f"{kid}.key"
    return _decode_key(path.read_text().strip(), str(path))


def _pii_keyring(env: str) -> tuple[bytes, str, tuple[tuple[str, bytes], ...]]:
    """(current key, its id, previous keys as (id, key)). JSSI_PII_KEY / JSSI_PII_KEY_ID (default 1) /
    JSSI_PII_PREVIOUS_KEYS ("id:base64url,id:base64url"); outside prod without JSSI_PII_KEY, the files above."""
    previous: list[tuple[str, bytes]] = []
    raw = _env("JSSI_PII_PREVIOUS_KEYS")
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kid, sep, value = item.partition(":")
        if not sep:
            raise RuntimeError("JSSI_PII_PREVIOUS_KEYS: expected id:key pairs separated by commas")
        previous.append((_check_key_id(kid, "JSSI_PII_PREVIOUS_KEYS"), _decode_key(value.strip(), "JSSI_PII_PREVIOUS_KEYS")))
    if _env("JSSI_PII_KEY") or env == "prod":
        key = _key("JSSI_PII_KEY", "pii.key", env)
        return key, _check_key_id(_env("JSSI_PII_KEY_ID", "1"), "JSSI_PII_KEY_ID"), tuple(previous)
    kid = _dev_key_id()
    if kid != "1" and (DATA_DIR / "keys" / "pii.key").exists():
        previous.append(("1", _dev_key("1")))
    folder = DATA_DIR / "keys" / "pii-keys"
    if folder.is_dir():
        previous += [(_check_key_id(p.stem, str(p)), _decode_key(p.read_text().strip(), str(p)))
                     for p in sorted(folder.glob("*.key")) if p.stem != kid]
    return _dev_key(kid), kid, tuple(previous)


def new_local_pii_key() -> str:
    """Development key rotation: a new current key in DATA_DIR/keys/pii-keys, the old one kept as a previous key;
    the new key's id. Production keys come from the environment and are rotated there (docs/operations.md)."""
    if _env("JSSI_PII_KEY") or _env("JSSI_ENV", "dev") == "prod":
        raise RuntimeError("JSSI_PII_KEY 由环境变量提供：请按 docs/operations.md 的步骤在环境中轮换密钥")
    key_dir = DATA_DIR / "keys"
    old_id = _dev_key_id()
    _dev_key(old_id)  # key 1 is created here if this installation never had one
    folder = key_dir / "pii-keys"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ids = [int(old_id)] + [int(p.stem) for p in folder.glob("*.key") if p.stem.isdigit()]
    new_id = str(max(ids) + 1)
    tmp = folder / f"{new_id}.tmp"
    tmp.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    os.chmod(tmp, 0o600)
    tmp.replace(folder / f"{new_id}.key")
    id_tmp = key_dir / "pii.key.id.tmp"
    id_tmp.write_text(new_id)
    id_tmp.replace(key_dir / "pii.key.id")  # the switch: before it key old_id is current, after it new_id
    return new_id


def retire_local_pii_keys() -> None:
    """Development: delete the previous keys' files (after rotate-keys reported nothing left under them)."""
    if _env("JSSI_PII_KEY") or _env("JSSI_PII_PREVIOUS_KEYS"):
        raise RuntimeError("旧密钥由环境变量提供：从 JSSI_PII_PREVIOUS_KEYS 中删除即可停用")
    kid = _dev_key_id()
    if kid == "1":
        return
    (DATA_DIR / "keys" / "pii.key").unlink(missing_ok=True)
    for path in (DATA_DIR / "keys" / "pii-keys").glob("*.key"):
        if path.stem != kid:
            path.unlink()


def reset_settings_cache() -> None:
    settings.cache_clear()


# 缴费基数 bounds and contribution rates (缴费基数申报, issue 4). Kept apart from Settings so the
# defaults and their source are in one place; docs/operations.md lists the variables.
DEFAULT_BASE_LOWER = "4494"  # 江苏 lower limit of the monthly base (60% of the provincial average wage)
DEFAULT_BASE_UPPER = "24042"  # upper limit (300%)
# code:unit_rate/personal_rate — 养老 16%/8%, 失业 0.5%/0.5%, 医疗 7%/2%, 工伤 0.4% (industry-class
# example; no personal share), 生育 0.8% (no personal share).
DEFAULT_CONTRIBUTION_RATES = "110:0.16/0.08,210:0.005/0.005,310:0.07/0.02,410:0.004/0,510:0.008/0"


@dataclass(frozen=True)
class ContributionSettings:
    base_lower: str
    base_upper: str
    rates: str  # parsed by jssi_app.domain.base_declaration.parse_rates


def contribution_settings() -> ContributionSettings:
    return ContributionSettings(
        base_lower=_env("JSSI_BASE_LOWER", DEFAULT_BASE_LOWER),
        base_upper=_env("JSSI_BASE_UPPER", DEFAULT_BASE_UPPER),
        rates=_env("JSSI_CONTRIBUTION_RATES", DEFAULT_CONTRIBUTION_RATES),
    )


# 单位CA证书登录 (issue 5): trust anchors, CRLs and the secret nginx sends with a client certificate.
@dataclass(frozen=True)
class CaSettings:
    trust_dir: Path
    crl_sources: tuple[str, ...]
    crl_refresh_seconds: float
    proxy_secret: str
    proxy_addresses: tuple[str, ...]


def ca_settings() -> CaSettings:
    """Read on each call (cheap) so a test or an operator can point at other files without a restart."""
    ca_dir = DATA_DIR / "ca"
    crl = _env("JSSI_CA_CRL")
    secret = _env("JSSI_CA_PROXY_SECRET")
    if not secret:
        if settings().is_prod:
            raise RuntimeError("JSSI_CA_PROXY_SECRET is required when JSSI_ENV=prod")
        secret = base64.urlsafe_b64encode(_local_key("ca-proxy.secret")).decode().rstrip("=")
    return CaSettings(
        trust_dir=Path(_env("JSSI_CA_TRUST_DIR") or ca_dir / "trust"),
        crl_sources=tuple(s.strip() for s in crl.split(",") if s.strip()) if crl else (str(ca_dir / "crl"),),
        crl_refresh_seconds=float(_env("JSSI_CA_CRL_REFRESH_SECONDS", "300")),
        proxy_secret=secret,
        proxy_addresses=tuple(a.strip() for a in _env("JSSI_CA_PROXY_ADDRESSES", "127.0.0.1,::1").split(",")
                              if a.strip()),
    )


# 联系我们 (帮助中心, issue 7): the offices file an administrator replaces (docs/operations.md, "联系我们").
def offices_file() -> Path:
    """Read on each call, so pointing JSSI_OFFICES_FILE elsewhere needs no restart."""
    return Path(_env("JSSI_OFFICES_FILE") or PROJECT_ROOT / "assets" / "offices.json")
