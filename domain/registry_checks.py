"""What a business registry said about a company's number, and the onboarding's verdict.

Pure, so the workflow, the activities, the stores and the web app share one shape;
`registries.models` re-exports the names for the adapters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Registry = Literal["nta_corporate", "nta_invoice", "vies"]
CheckStatus = Literal["verified", "mismatch", "not_found", "closed", "registration_cancelled"]
VerificationStatus = Literal[
    "verified",
    "mismatch",
    "not_found",
    "closed",
    "registration_cancelled",
    "pending",
    "not_given",
]
# Worst first: the overall status is the first of these that any check has. A company that
# is gone (closed, or its invoice registration cancelled) outranks a number the registry does
# not know, which outranks a name that differs; a registry still to answer (`pending`) ranks
# below every finding, since a finding from another registry is already known to be true.
SEVERITY: tuple[CheckStatus, ...] = (
    "closed",
    "registration_cancelled",
    "not_found",
    "mismatch",
    "verified",
)


class RegistryCheck(BaseModel):
    """One registry's answer about one number, kept as evidence."""

    model_config = ConfigDict(frozen=True)

    registry: Registry
    number: str
    status: CheckStatus
    registered_name: str | None
    registered_address: str | None
    # closed_on, close_cause, registered_on, updated_on, cancelled_on, expired_on,
    # consultation_number, kind: only those the registry gave.
    details: dict[str, str]
    # The values the registry returned, parsed: what the check rests on.
    evidence: dict[str, Any]
    checked_at: datetime


def overall_status(checks: list[RegistryCheck], pending: bool, given: bool) -> VerificationStatus:
    """The onboarding's verdict: `not_given` with no identifier; else the worst check's
    status (SEVERITY), `pending` ranking just above `verified`: all verified but one registry
    still to answer is `pending`."""
    if not given:
        return "not_given"
    found = {check.status for check in checks}
    for status in SEVERITY[:-1]:
        if status in found:
            return status
    if pending or not checks:
        return "pending"
    return "verified"
