"""Request and response bodies of the JSON API, so /openapi.json describes all of it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.outcomes import CreditLimit, DisqualifyReason, LostReason, check_lost_reason
from starter.common.problem import Problem as Problem
from starter.services.onboardings import OnboardingStatus


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisqualifyBody(Body):
    reason: DisqualifyReason


# The rule of the validator below, stated in the document: a reason only when lost.
_REASON_ONLY_WHEN_LOST: dict[str, Any] = {
    "oneOf": [
        {"properties": {"outcome": {"const": "won"}, "reason": {"type": "null"}}},
        {
            "properties": {
                "outcome": {"const": "lost"},
                "reason": {"enum": [reason.value for reason in LostReason]},
            },
            "required": ["reason"],
        },
    ]
}


class CloseBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_REASON_ONLY_WHEN_LOST)

    outcome: Literal["won", "lost"]
    reason: LostReason | None = None
    credit_limit: CreditLimit | None = None

    @model_validator(mode="after")
    def _reason_only_when_lost(self) -> CloseBody:
        check_lost_reason(self.outcome, self.reason)
        return self


class DecisionAccepted(BaseModel):
    reference: str
    status: OnboardingStatus
    accepted: Literal[True] = True
    # Set once qualifying has created it, which the qualify call usually waits for.
    opportunity_id: str | None = None


class Note(BaseModel):
    body: str
    created_at: datetime


class LeadSummary(BaseModel):
    id: str
    reference: str
    topic: str
    status: str
    status_reason: str | None
    origin: str
    owner: str | None
    first_name: str
    last_name: str
    email: str
    company_name: str
    created_at: datetime


class LeadContact(BaseModel):
    first_name: str
    last_name: str
    email: str
    phone: str | None
    job_title: str | None


class LeadCompany(BaseModel):
    name: str
    website: str | None
    phone: str | None
    tax_id: str | None
    address_line1: str | None
    city: str | None
    postal_code: str | None
    country: str | None


class Lead(LeadSummary):
    decided_by: str | None
    comments: str | None
    contact: LeadContact
    company: LeadCompany
    opportunity_id: str | None
    timeline: list[Note]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Lead:
        return cls.model_validate(
            {
                **row,
                "contact": row,
                "company": {
                    **row,
                    "name": row["company_name"],
                    "website": row["company_website"],
                    "phone": row["company_phone"],
                    "tax_id": row["company_tax_id"],
                },
            }
        )


class Opportunity(BaseModel):
    id: str
    reference: str
    lead_id: str
    name: str
    status: str
    status_reason: str | None
    decided_by: str | None
    account_id: str
    account_name: str
    contact_id: str
    contact: LeadContact
    timeline: list[Note]
    created_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Opportunity:
        return cls.model_validate({**row, "contact": row})


class ProspectSummary(BaseModel):
    id: str
    reference: str
    status: str
    status_reason: str | None
    company_name: str
    first_name: str
    last_name: str
    email: str
    locale: str
    submitted_at: datetime
    updated_at: datetime


class Prospect(ProspectSummary):
    company: dict[str, Any]
    phone: str | None
    job_title: str | None
    comments: str | None
    customer_hierarchy_id: str | None


class SiteUser(BaseModel):
    site_user_id: str
    customer_id: str
    email: str
    name: str
    role: Literal["admin", "approver", "buyer"]
    status: Literal["invited", "active", "removed", "expired"]
    # Kept apart from the status: unblocking gives the user back the status they had.
    blocked: bool
    spending_limit: Decimal | None
    last_sign_in_at: datetime | None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    temporal: bool
    commerce: bool
    sales: bool


# Why a purchase authorization is declined or waits: its `reason`.
PURCHASE_REASONS = (
    "Why it was declined or waits: user_not_active, wrong_currency, insufficient_credit, "
    "over_spending_limit, admin_declined, approval_expired, organization_unverified (the "
    "monthly re-check flagged the organization and ONBOARDING_FREEZE_UNVERIFIED is on)."
)
