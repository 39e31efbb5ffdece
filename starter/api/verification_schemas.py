"""The company verification in the JSON API's onboarding (SPEC, "Verified companies")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain.registry_checks import CheckStatus, Registry, VerificationStatus
from starter.services.verification import Verification


class VerificationCheck(BaseModel):
    """One registry's answer about one number."""

    registry: Registry
    number: str
    status: CheckStatus
    registered_name: str | None
    registered_address: str | None
    # Closing date and cause, registration dates, the VIES consultation number, ...
    details: dict[str, str]


class CompanyVerification(BaseModel):
    """`pending` while a registry has not answered (it is asked again); `not_given` when the
    request gave no identifier."""

    status: VerificationStatus
    checked_at: datetime | None
    checks: list[VerificationCheck]

    @classmethod
    def of(cls, verification: Verification) -> CompanyVerification:
        return cls(
            status=verification.status,
            checked_at=verification.checked_at,
            checks=[
                VerificationCheck(
                    registry=c.registry,
                    number=c.number,
                    status=c.status,
                    registered_name=c.registered_name,
                    registered_address=c.registered_address,
                    details=c.details,
                )
                for c in verification.checks
            ],
        )
