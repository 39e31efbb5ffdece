"""Typed inputs, signals and state of the onboarding workflow.

Pure pydantic: imported by the workflow sandbox, the activities and the starter alike.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

# Control characters have no place in a name or an address, and can forge lines in emails.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _lines(value: str) -> str:
    if _CONTROL_BUT_NEWLINES.search(value):
        raise ValueError("must not contain control characters")
    return value


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_one_line),
]
OptionalText = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_one_line)
    ]
    | None
)
CodeText = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_one_line)
    ]
    | None
)
LongText = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_lines)
    ]
    | None
)
_EMAIL = re.compile(
    r"^[^@\s<>\"(),;:\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(Model):
    line1: OptionalText = None
    city: OptionalText = None
    postal_code: CodeText = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class Company(Model):
    name: ShortText
    website: OptionalText = None
    phone: CodeText = None
    tax_id: CodeText = None
    address: Address | None = None


class Contact(Model):
    first_name: ShortText
    last_name: ShortText
    email: Email
    phone: CodeText = None
    job_title: OptionalText = None


class OnboardingRequest(Model):
    """What the requester submits on the B2B site."""

    company: Company
    contact: Contact
    comments: LongText = None
    locale: Literal["ja", "en"] = "en"


class OnboardingStatus(StrEnum):
    PENDING = "pending"
    QUALIFIED = "qualified"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class DisqualifyReason(StrEnum):
    LOST = "Lost"
    CANNOT_CONTACT = "Cannot contact"
    NO_LONGER_INTERESTED = "No longer interested"
    CANCELED = "Canceled"


class LostReason(StrEnum):
    CANCELED = "Canceled"
    OUT_SOLD = "Out-sold"


class CreditLimit(Model):
    amount: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class OnboardingPolicy(Model):
    """Business settings fixed when the onboarding starts, so every run keeps its own."""

    reminder_after: timedelta = timedelta(days=3)
    reminder_interval: timedelta = timedelta(days=3)
    expire_after: timedelta = timedelta(days=30)
    credit_limit: CreditLimit = CreditLimit(amount=Decimal("1000000"), currency="JPY")
    sales_inbox: str = "sales@shop.example"
    # The time-skipping test server knows no custom search attributes.
    track_search_attributes: bool = True


class OnboardingInput(Model):
    reference: str
    request: OnboardingRequest
    policy: OnboardingPolicy = OnboardingPolicy()


class Decision(Model):
    decided_by: ShortText
    decided_at: datetime


class LeadQualified(Decision):
    pass


class LeadDisqualified(Decision):
    reason: DisqualifyReason


class OpportunityClosed(Decision):
    outcome: Literal["won", "lost"]
    reason: LostReason | None = None
    credit_limit: CreditLimit | None = None

    @model_validator(mode="after")
    def _reason_only_when_lost(self) -> OpportunityClosed:
        check_lost_reason(self.outcome, self.reason)
        return self


def check_lost_reason(outcome: str, reason: LostReason | None) -> None:
    """A lost opportunity says why; a won one has no reason."""
    if outcome == "lost" and reason is None:
        raise ValueError("reason is required when the opportunity is lost")
    if outcome == "won" and reason is not None:
        raise ValueError("reason is only for a lost opportunity")


class HistoryEntry(Model):
    """One thing that happened to the onboarding, as operators read it."""

    at: datetime
    event: str
    accepted: bool = True
    decided_by: str | None = None
    reason: str | None = None
    note: str | None = None


class OnboardingIds(BaseModel):
    prospect_id: str | None = None
    lead_id: str | None = None
    opportunity_id: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    person_customer_id: str | None = None
    organization_customer_id: str | None = None
    customer_hierarchy_id: str | None = None
    site_user_id: str | None = None


class OnboardingState(BaseModel):
    reference: str
    status: OnboardingStatus
    company_name: str
    ids: OnboardingIds
    history: list[HistoryEntry]
    reminders_sent: int = 0
    closed: bool = False
