"""The adapters' shared shapes: a check's result, the one error an adapter raises, and their
settings.

`Registry`, `CheckStatus`, `VerificationStatus` and `RegistryCheck` live in
`domain.registry_checks` (the workflow may import domain, not registries) and are re-exported
here under the same names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from domain.registry_checks import (
    CheckStatus,
    Registry,
    RegistryCheck,
    VerificationStatus,
    overall_status,
)

__all__ = [
    "CheckStatus",
    "Registry",
    "RegistryCheck",
    "RegistrySettings",
    "RegistryUnavailable",
    "UnavailableReason",
    "VerificationStatus",
    "overall_status",
]

UnavailableReason = Literal[
    "unavailable", "throttled", "no_application_id", "bad_response", "timeout"
]
# The most of an answer we read: the largest real answer (a corporate number's history) is a
# few kilobytes.
MAX_BODY_BYTES = 1_000_000


class RegistryUnavailable(Exception):
    """The registry gave no usable answer: the check is `pending` and is tried again later,
    never read as an invalid number."""

    def __init__(self, registry: Registry, reason: UnavailableReason) -> None:
        super().__init__(f"{registry}: {reason}")
        self.registry: Registry = registry
        self.reason: UnavailableReason = reason


class RegistrySettings(BaseModel):
    """Where the registries answer, and the NTA's application id (both NTA APIs need one)."""

    model_config = ConfigDict(frozen=True)

    nta_corporate_url: str
    nta_invoice_url: str
    vies_url: str
    nta_application_id: SecretStr | None = None
    timeout_seconds: float = Field(default=10, gt=0)
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, gt=0)
    # The shop's own VAT number: VIES gives a consultation number (proof of the check) only to
    # a request that names its requester, and the requester is us, never the applicant.
    vies_requester_vat: str | None = None
