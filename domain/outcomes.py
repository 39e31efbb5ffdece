"""How Sales decides and what Commerce records: reasons, credit limits, prospect statuses."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

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


AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
_AMOUNT = re.compile(AMOUNT)
MAX_AMOUNT = Decimal("9999999999999.99")


def _amount_text(value: object) -> object:
    # Decimal() would take " 1e3" or "-0"; the document promises plain digits.
    if isinstance(value, str) and not _AMOUNT.fullmatch(value):
        raise ValueError("must be digits with at most two decimals, like 1000000 or 1234.50")
    return value


# A JSON number or a string of digits; the schema says which, as the validator checks it.
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount_text),
    Field(ge=0, max_digits=15, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT), "multipleOf": 0.01},
                {"type": "string", "pattern": AMOUNT},
            ]
        }
    ),
]


class CreditLimit(Model):
    amount: Amount
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class ProspectStatus(StrEnum):
    PENDING = "pending"
    # Won, but the requester's email became a site user's meanwhile: staff retry or reject.
    APPROVAL_BLOCKED = "approval_blocked"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


# Why an approval waits for staff: the prospect's status reason and the run's history say it.
EMAIL_HELD = "the contact's email belongs to a site user"

ClosedProspectStatus = Literal[
    ProspectStatus.APPROVED, ProspectStatus.REJECTED, ProspectStatus.EXPIRED
]
