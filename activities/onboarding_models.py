"""The onboarding steps' inputs, and how the workflow builds each from the request and the ids
it holds. The workflow draws every new id (`new_id`), so a retried step writes the same rows
and a replay draws the same ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from activities.models import SendEmailInput
from domain.outcomes import ClosedProspectStatus, CreditLimit, DisqualifyReason, LostReason
from domain.request import Model, OnboardingRequest

# A fresh id with the given prefix, e.g. "PRO-…".
NewId = Callable[[str], str]


class RecordProspectInput(Model):
    prospect_id: str
    reference: str
    request: OnboardingRequest
    submitted_at: datetime

    @classmethod
    def for_request(
        cls, reference: str, request: OnboardingRequest, submitted_at: datetime, new_id: NewId
    ) -> RecordProspectInput:
        return cls(
            prospect_id=new_id("PRO"),
            reference=reference,
            request=request,
            submitted_at=submitted_at,
        )


class CreateLeadInput(Model):
    lead_id: str
    prospect_id: str
    reference: str
    request: OnboardingRequest

    @classmethod
    def for_prospect(cls, prospect: RecordProspectInput, new_id: NewId) -> CreateLeadInput:
        return cls(
            lead_id=new_id("LEAD"),
            prospect_id=prospect.prospect_id,
            reference=prospect.reference,
            request=prospect.request,
        )


class QualifyLeadInput(Model):
    lead_id: str
    opportunity_id: str
    contact_id: str
    account_id: str
    decided_by: str

    @classmethod
    def for_lead(cls, lead_id: str, decided_by: str, new_id: NewId) -> QualifyLeadInput:
        return cls(
            lead_id=lead_id,
            opportunity_id=new_id("OPP"),
            contact_id=new_id("CON"),
            account_id=new_id("ACC"),
            decided_by=decided_by,
        )


class CreateCustomersInput(Model):
    prospect_id: str
    person_customer_id: str
    organization_customer_id: str
    sales_contact_id: str
    sales_account_id: str
    request: OnboardingRequest

    @classmethod
    def for_qualified(
        cls, prospect_id: str, qualify: QualifyLeadInput, request: OnboardingRequest, new_id: NewId
    ) -> CreateCustomersInput:
        """The Sales contact as a person customer, its account as an organization."""
        return cls(
            prospect_id=prospect_id,
            person_customer_id=new_id("CUS"),
            organization_customer_id=new_id("CUS"),
            sales_contact_id=qualify.contact_id,
            sales_account_id=qualify.account_id,
            request=request,
        )


class CreateHierarchyInput(Model):
    hierarchy_id: str
    name: str
    organization_customer_id: str
    admin_customer_id: str


class AddSiteUserInput(Model):
    site_user_id: str
    person_customer_id: str
    hierarchy_id: str
    email: str


class ApprovePartnerInput(Model):
    """The approval's Commerce writes, done in one transaction."""

    prospect_id: str
    hierarchy: CreateHierarchyInput
    credit_limit: CreditLimit
    site_user: AddSiteUserInput

    @classmethod
    def for_customers(
        cls,
        prospect_id: str,
        request: OnboardingRequest,
        *,
        person_customer_id: str,
        organization_customer_id: str,
        credit_limit: CreditLimit,
        new_id: NewId,
    ) -> ApprovePartnerInput:
        """The organization at the root of a new hierarchy, the requester as its admin and as
        the site user whom the approval email invites."""
        hierarchy = CreateHierarchyInput(
            hierarchy_id=new_id("HIER"),
            name=request.company.name,
            organization_customer_id=organization_customer_id,
            admin_customer_id=person_customer_id,
        )
        site_user = AddSiteUserInput(
            site_user_id=new_id("USR"),
            person_customer_id=person_customer_id,
            hierarchy_id=hierarchy.hierarchy_id,
            email=request.contact.email,
        )
        return cls(
            prospect_id=prospect_id,
            hierarchy=hierarchy,
            credit_limit=credit_limit,
            site_user=site_user,
        )


class CloseProspectInput(Model):
    prospect_id: str
    status: ClosedProspectStatus
    reason: str | None = None


class CloseLeadInput(Model):
    lead_id: str
    reason: DisqualifyReason
    decided_by: str
    note: str

    @classmethod
    def disqualified(cls, lead_id: str, reason: DisqualifyReason, by: str) -> CloseLeadInput:
        return cls(
            lead_id=lead_id,
            reason=reason,
            decided_by=by,
            note=f"Disqualified by {by}: {reason.value}.",
        )

    @classmethod
    def expired(cls, lead_id: str, days: int) -> CloseLeadInput:
        """Nobody decided in time: the system cancels the lead."""
        return cls(
            lead_id=lead_id,
            reason=DisqualifyReason.CANCELED,
            decided_by="system",
            note=f"Expired: no decision within {days} days.",
        )


class CloseOpportunityInput(Model):
    opportunity_id: str
    outcome: Literal["won", "lost"]
    reason: LostReason | None
    decided_by: str


class OnboardingSnapshot(Model):
    """The onboarding's state as a step leaves it, for staff reads that must not query the
    run; a higher version replaces a lower one."""

    reference: str
    version: int
    state: dict[str, Any]


class OpenOnboardingInput(Model):
    prospect: RecordProspectInput
    lead: CreateLeadInput
    publish: OnboardingSnapshot


class QualifyOnboardingInput(Model):
    qualify: QualifyLeadInput
    customers: CreateCustomersInput
    publish: OnboardingSnapshot


class ApproveOnboardingInput(Model):
    close_opportunity: CloseOpportunityInput
    approve: ApprovePartnerInput
    publish: OnboardingSnapshot
    # Published instead when the approval finds the requester's email a site user's.
    publish_blocked: OnboardingSnapshot | None = None


class CloseOnboardingInput(Model):
    """A rejection or an expiry: the Sales record closed, then the prospect."""

    close_lead: CloseLeadInput | None = None
    close_opportunity: CloseOpportunityInput | None = None
    close_prospect: CloseProspectInput
    publish: OnboardingSnapshot


class OnboardingEmailInput(Model):
    email: SendEmailInput
    # Published once the email is out: a reader who sees the state sees the email sent.
    publish: OnboardingSnapshot | None = None
