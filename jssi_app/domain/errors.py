"""Errors the domain and services raise; pages map them to Chinese messages next to fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A refusal a person can understand: `message` is user-facing Chinese text."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidValue(DomainError):
    """One value is malformed; raised by validators, collected into ValidationFailed by callers."""

    code = "invalid_value"


class ValidationFailed(DomainError):
    code = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("；".join(e.message for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}
