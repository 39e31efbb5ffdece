"""The bodies of the onboarding requests' resource: what a submission answers, and the
onboarding as staff read it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from starter.api.verification_schemas import CompanyVerification
from starter.services.onboardings import HistoryEntry, OnboardingIds, OnboardingStatus


class Submitted(BaseModel):
    reference: str
    status: OnboardingStatus
    status_url: str


class SalesRecord(BaseModel):
    """A record of the onboarding in Dynamics 365 Sales, and its page there."""

    entity: Literal["lead", "opportunity", "account", "contact"]
    id: str
    url: str


class Onboarding(BaseModel):
    reference: str
    status: OnboardingStatus
    prospect_id: str | None
    lead_id: str | None
    opportunity_id: str | None
    customer_hierarchy_id: str | None
    ids: OnboardingIds
    history: list[HistoryEntry]
    reminders_sent: int
    closed: bool
    waiting_for_applicant: bool = Field(
        description="An information request is open: the onboarding waits for the applicant "
        "to answer (false when none is open)."
    )
    # With SALES_BACKEND=dataverse; empty with the built-in Sales.
    sales_records: list[SalesRecord] = []
    # The company's identifiers checked against the registries; null until the request is
    # recorded as a prospect.
    verification: CompanyVerification | None = None
