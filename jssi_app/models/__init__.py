"""All tables; importing this module registers them with SQLModel.metadata (migrations rely on it)."""

from jssi_app.models.accounts import LoginSession, PasswordResetToken, PersonAccount, VerificationCode
from jssi_app.models.certification import FaceCertification, FaceCertificationAttempt, FaceReference
from jssi_app.models.counter import CounterTask
from jssi_app.models.employment import BaseDeclaration, Employment
from jssi_app.models.operations import AuditEvent, OutboxMessage, ThrottleHit
from jssi_app.models.proofs import ContributionProof
from jssi_app.models.registry import Contribution, RegistryPerson, RegistryUnit
from jssi_app.models.staff import StaffAccount
from jssi_app.models.unit_certificates import CaLoginTicket, UnitCertificate
from jssi_app.models.units import Material, MaterialRejection, ReviewRound, UnitAccount, UnitApplication

__all__ = [
    "AuditEvent",
    "CaLoginTicket",
    "BaseDeclaration",
    "Contribution",
    "ContributionProof",
    "CounterTask",
    "Employment",
    "FaceCertification",
    "FaceCertificationAttempt",
    "FaceReference",
    "LoginSession",
    "Material",
    "MaterialRejection",
    "OutboxMessage",
    "PasswordResetToken",
    "PersonAccount",
    "RegistryPerson",
    "RegistryUnit",
    "ReviewRound",
    "StaffAccount",
    "ThrottleHit",
    "UnitAccount",
    "UnitApplication",
    "UnitCertificate",
    "VerificationCode",
]
