"""Password rules, in the manner of Django's contrib.auth validators: one rule and one message each.

`check_password` runs them all so the person sees every problem at once instead of one per attempt.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
from dataclasses import dataclass

from jssi_app.domain.errors import InvalidValue
from jssi_app.domain.identifiers import birth_date_of, normalize_id_number

MIN_LENGTH = 8
MAX_LENGTH = 20
RUN_LENGTH = 4  # four in a row is where repeats and sequences stop being coincidence

PASSWORD_RULE_TEXT = (
    "8-20位，须同时包含字母和数字；不能是常见密码，不能包含身份证号、出生日期或手机号，"
    "不能是连续或重复的字符（如11111111、12345678abc）"
)

STRENGTH_LABELS = ("弱", "较弱", "中", "强", "很强")

_COMMON_PASSWORDS_FILE = "common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, read on first use so importing the domain costs nothing."""
    text = importlib.resources.files("jssi_app.domain").joinpath("data", _COMMON_PASSWORDS_FILE).read_text("utf-8")
    return frozenset(line.lower() for line in text.splitlines() if line and not line.startswith("#"))


@dataclass(frozen=True)
class PasswordContext:
    """What is known about the person, so the password can be checked against it."""

    id_number: str = ""
    birth_date: dt.date | None = None
    phone: str = ""


class PasswordValidator:
    message: str

    def validate(self, password: str, context: PasswordContext) -> None:
        if not self.is_acceptable(password, context):
            raise InvalidValue(self.message)

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        raise NotImplementedError


class LengthValidator(PasswordValidator):
    message = f"密码长度应为{MIN_LENGTH}-{MAX_LENGTH}位，请调整长度后重新设置"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        return MIN_LENGTH <= len(password) <= MAX_LENGTH


class LetterAndDigitValidator(PasswordValidator):
    message = "密码须同时包含字母和数字，请补上缺少的一类"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        return bool(re.search(r"[A-Za-z]", password)) and bool(re.search(r"[0-9]", password))


class CharacterSetValidator(PasswordValidator):
    message = "密码只能使用英文字母、数字和常见符号，不能包含空格、汉字或全角字符，请切换到英文半角输入"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        # Printable ASCII without the space: every keyboard, IME and sign-in form types these alike.
        return all("!" <= ch <= "~" for ch in password)


class CommonPasswordValidator(PasswordValidator):
    message = "该密码过于常见，很容易被猜中，请换一个不常见的密码"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        return password.lower() not in common_passwords()


class IdNumberValidator(PasswordValidator):
    message = "密码不能包含您的身份证号码，请换一个密码"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        id_number = normalize_id_number(context.id_number)
        return not id_number or id_number not in password.upper()


class BirthDateValidator(PasswordValidator):
    message = "密码不能包含您的出生日期（如19900101或900101），请换一个密码"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        born = context.birth_date or _birth_date_from(context.id_number)
        if born is None:
            return True
        long_form = born.strftime("%Y%m%d")
        return long_form not in password and long_form[2:] not in password


class PhoneValidator(PasswordValidator):
    message = "密码不能包含您的手机号码，请换一个密码"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        phone = re.sub(r"[^0-9]", "", context.phone)
        return not phone or phone not in password


class RepetitionValidator(PasswordValidator):
    message = f"密码不能含有{RUN_LENGTH}个及以上相同的字符连在一起，也不能是同一片段的重复（如1111、aaaa、a1a1a1a1），请换用其他字符"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        folded = password.lower()
        if re.search(rf"(.)\1{{{RUN_LENGTH - 1}}}", folded):
            return False
        n = len(folded)
        return not any(n % k == 0 and folded == folded[:k] * (n // k) for k in range(1, n // 2 + 1))


class SequenceValidator(PasswordValidator):
    message = f"密码不能含有{RUN_LENGTH}个及以上按顺序排列的字符（如1234、abcd、4321），请打乱顺序后重新设置"

    def is_acceptable(self, password: str, context: PasswordContext) -> bool:
        folded = password.lower()
        run, step = 1, 0
        for prev, cur in zip(folded, folded[1:]):
            diff = ord(cur) - ord(prev)
            same_kind = (_is_digit(prev) and _is_digit(cur)) or (_is_letter(prev) and _is_letter(cur))
            if same_kind and diff in (1, -1):
                run = run + 1 if diff == step else 2
                step = diff
                if run >= RUN_LENGTH:
                    return False
            else:
                run, step = 1, 0
        return True


VALIDATORS: tuple[PasswordValidator, ...] = (
    LengthValidator(),
    LetterAndDigitValidator(),
    CharacterSetValidator(),
    CommonPasswordValidator(),
    IdNumberValidator(),
    BirthDateValidator(),
    PhoneValidator(),
    RepetitionValidator(),
    SequenceValidator(),
)


def check_password(
    password: str,
    *,
    id_number: str = "",
    birth_date: dt.date | None = None,
    phone: str = "",
) -> list[str]:
    """Every failed rule's message, in rule order; an empty list means the password is acceptable."""
    if not password:
        return ["请设置密码，" + PASSWORD_RULE_TEXT]
    context = PasswordContext(id_number=id_number or "", birth_date=birth_date, phone=phone or "")
    messages = []
    for validator in VALIDATORS:
        try:
            validator.validate(password, context)
        except InvalidValue as refusal:
            messages.append(refusal.message)
    return messages


def password_strength(password: str, user_inputs: list[str]) -> tuple[int, str]:
    """zxcvbn's 0–4 guessability score with a Chinese label, for the meter shown while typing."""
    # Importing zxcvbn builds its dictionaries (tens of milliseconds): pay that only where a meter is shown.
    from zxcvbn import zxcvbn

    if not password:
        return 0, STRENGTH_LABELS[0]
    # zxcvbn refuses inputs beyond 72 characters; the first 72 decide the score anyway.
    result = zxcvbn(password[:72], user_inputs=[s for s in user_inputs if s])
    score = int(result["score"])
    return score, STRENGTH_LABELS[score]


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


def _birth_date_from(id_number: str) -> dt.date | None:
    number = normalize_id_number(id_number)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return None
    try:
        return birth_date_of(number)
    except ValueError:
        return None
