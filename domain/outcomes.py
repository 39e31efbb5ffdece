"""How Sales decides and what Commerce records: reasons, credit limits, prospect statuses."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from domain.request import Model


class DisqualifyReason(StrEnum):
    LOST = "Lost"
    CANNOT_CONTACT = "Cannot contact"
    NO_LONGER_INTERESTED = "No longer interested"
    CANCELED = "Canceled"


class LostReason(StrEnum):
    CANCELED = "Canceled"
    OUT_SOLD = "Out-sold"


def check_lost_reason(outcome: str, reason: LostReason | None) -> None:
    """A lost opportunity says why; a won one has no reason."""
    if outcome == "lost" and reason is None:
        raise ValueError("reason is required when the opportunity is lost")
    if outcome == "won" and reason is not None:
        raise ValueError("reason is only for a lost opportunity")


class CreditLimit(Model):
    amount: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class ProspectStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


ClosedProspectStatus = Literal[
    ProspectStatus.APPROVED, ProspectStatus.REJECTED, ProspectStatus.EXPIRED
]
