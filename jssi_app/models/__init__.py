"""All tables; importing this module registers them with SQLModel.metadata (migrations rely on it)."""

from jssi_app.models.accounts import LoginSession, PasswordResetToken, PersonAccount, VerificationCode
from jssi_app.models.operations import AuditEvent, OutboxMessage, ThrottleHit
from jssi_app.models.registry import Contribution, RegistryPerson, RegistryUnit

__all__ = [
    "AuditEvent",
    "Contribution",
    "LoginSession",
    "OutboxMessage",
    "PasswordResetToken",
    "PersonAccount",
    "RegistryPerson",
    "RegistryUnit",
    "ThrottleHit",
    "VerificationCode",
]
