"""单位CA证书: where a certificate carries the unit's 统一社会信用代码, and what each refusal says.

Pure rules over parsed certificates (no files, no clock, no database). Chain, validity and revocation are
checked by `adapters/ca_trust.py` with `cryptography`'s verifier; this module only reads names.
"""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.x509.oid import NameOID

from jssi_app.domain.credit_codes import validate_credit_code
from jssi_app.domain.errors import DomainError, InvalidValue

# Subject attributes read for the 统一社会信用代码, in this order. Chinese CAs put it in serialNumber (CFCA and most
# provincial CAs), some in OU or CN, eIDAS-style ones in organizationIdentifier with a prefix ("NTRCN-…").
USCC_ATTRIBUTES = (NameOID.SERIAL_NUMBER, NameOID.ORGANIZATION_IDENTIFIER, NameOID.ORGANIZATIONAL_UNIT_NAME,
                   NameOID.COMMON_NAME)
_TOKEN = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Z])")

# Refusal code → what the person (or clerk) reads. The codes go into audit details and into the result page's
# address; the text is always taken from here, never from the address.
REFUSALS: dict[str, str] = {
    "no_certificate": "未读取到CA数字证书。请插入单位的CA证书（USB Key），在浏览器弹出的窗口中选择该证书后重试。",
    "unreadable": "无法识别该证书文件，请上传 PEM 或 DER 格式的X.509证书（.pem、.cer、.crt、.der）。",
    "expired": "该CA证书已过期，请到CA机构办理证书更新后，再到社保经办机构窗口重新绑定。",
    "not_yet_valid": "该CA证书尚未生效，请在证书生效后再使用。",
    "untrusted": "该证书不是由本省认可的CA机构签发的，不能用于登录。请使用在社保经办机构窗口绑定的单位CA证书。",
    "revoked": "该CA证书已被签发机构吊销，不能使用。请到CA机构办理新证书后到窗口重新绑定。",
    "crl_unavailable": "暂时无法确认该证书的吊销状态，请稍后再试；如持续出现，请联系社保经办机构。",
    "no_uscc": "证书主题中没有统一社会信用代码，不能绑定到单位。请使用CA机构签发的单位证书（不是个人证书）。",
    "wrong_unit": "证书中的统一社会信用代码与该单位不一致，不能绑定或登录。",
    "unbound": "该CA证书尚未绑定到单位账号。请单位经办人携带证书到社保经办机构窗口办理证书绑定后再登录。",
    "binding_revoked": "该CA证书的绑定已被解除，不能登录。如需继续使用，请到社保经办机构窗口重新绑定。",
    "unit_not_approved": "该单位的注册申请尚未审核通过，不能使用CA证书登录。",
    "already_bound": "该证书已绑定到单位账号，无需重复绑定。",
    "proxy_only": "未能读取您的CA证书：本次访问没有经过CA证书登录入口。请插入USB Key后重新点击“使用CA证书登录”，或使用账号密码登录。",
    "ticket_invalid": "登录链接已失效或已使用，请重新点击“使用CA证书登录”。",
    "throttled": "登录尝试过于频繁，请稍后再试。",
}


class CertificateRefused(DomainError):
    """A certificate refused for binding or login; `code` is a key of REFUSALS."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(REFUSALS[code], code=code)
        self.detail = detail[:300]


def refusal_message(code: str) -> str:
    return REFUSALS.get(code, REFUSALS["untrusted"])


def parse_certificate(data: bytes) -> x509.Certificate:
    """A PEM or DER certificate; anything else is `unreadable`."""
    text = data.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(text)
        return x509.load_der_x509_certificate(data)
    except (ValueError, TypeError) as exc:
        raise CertificateRefused("unreadable", str(exc)) from exc


def _candidates(name: x509.Name) -> list[str]:
    found: list[str] = []
    for oid in USCC_ATTRIBUTES:
        for attr in name.get_attributes_for_oid(oid):
            value = attr.value if isinstance(attr.value, str) else ""
            for token in _TOKEN.findall(value.upper()):
                try:
                    found.append(validate_credit_code(token))
                except InvalidValue:
                    continue
    return found


def credit_codes_of(cert: x509.Certificate) -> set[str]:
    """Every valid 统一社会信用代码 the subject (or a directoryName in the subjectAltName) carries as a whole token."""
    codes = set(_candidates(cert.subject))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        for name in san.get_values_for_type(x509.DirectoryName):
            codes.update(_candidates(name))
    return codes


def unit_code_of(cert: x509.Certificate) -> str:
    """The one 统一社会信用代码 of a unit certificate; none, or two different ones, is `no_uscc`."""
    codes = credit_codes_of(cert)
    if len(codes) != 1:
        raise CertificateRefused("no_uscc", f"codes found: {len(codes)}")
    return next(iter(codes))


def describe_name(name: x509.Name) -> str:
    """RFC 4514 text, which keeps Chinese characters readable."""
    return name.rfc4514_string()[:500]


def common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else describe_name(name)
