"""The body of a lead's qualify call: the confirmation of the company verification's
verdict (SPEC, "Verified companies")."""

from __future__ import annotations

from pydantic import Field

from domain.registry_checks import VerificationStatus
from starter.api.schemas import Body


class QualifyBody(Body):
    """Qualifying a lead whose company verification found `mismatch`, `closed` or
    `not_found` needs the verdict the caller saw; without it, or with another verdict than
    the lead's now, the answer is 409 naming the verdict. Other leads need no body."""

    confirm_verification: VerificationStatus | None = Field(
        default=None,
        description="The company verification's verdict the caller saw and confirms; noted "
        "on the lead's timeline.",
    )
