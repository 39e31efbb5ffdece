"""One input model per activity; ids are chosen by the workflow so a retry writes the same row."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from domain.outcomes import ClosedProspectStatus, CreditLimit, DisqualifyReason, LostReason
from domain.request import Model, OnboardingRequest


class RecordProspectInput(Model):
    prospect_id: str
    reference: str
    request: OnboardingRequest
    submitted_at: datetime


class CloseProspectInput(Model):
    prospect_id: str
    status: ClosedProspectStatus
    reason: str | None = None


class CreateCustomersInput(Model):
    prospect_id: str
    person_customer_id: str
    organization_customer_id: str
    sales_contact_id: str
    sales_account_id: str
    request: OnboardingRequest


class CreateHierarchyInput(Model):
    hierarchy_id: str
    name: str
    organization_customer_id: str
    admin_customer_id: str


class SetCreditLimitInput(Model):
    organization_customer_id: str
    credit_limit: CreditLimit


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


class CreateLeadInput(Model):
    lead_id: str
    prospect_id: str
    reference: str
    request: OnboardingRequest


class QualifyLeadInput(Model):
    lead_id: str
    opportunity_id: str
    contact_id: str
    account_id: str
    decided_by: str


class CloseLeadInput(Model):
    lead_id: str
    reason: DisqualifyReason
    decided_by: str
    note: str


class CloseOpportunityInput(Model):
    opportunity_id: str
    outcome: Literal["won", "lost"]
    reason: LostReason | None
    decided_by: str


class EmailKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    REMINDER = "reminder"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    # Account emails, each in its own run of the account email workflow.
    ACTIVATION = "activation"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    ROLE_CHANGED = "role_changed"
    # Each in its invitation's run.
    INVITATION = "invitation"
    INVITATION_REMINDER = "invitation_reminder"
    INVITATION_EXPIRED = "invitation_expired"


class EmailLink(Model):
    """A one-time link the email carries: its token is made when the email is sent, so that
    it never enters the workflow's history."""

    audience: Literal["site", "staff"]
    account_id: str
    purpose: Literal["activation", "reset"]
    # The page the link opens, e.g. /activate.
    path: str


class SendEmailInput(Model):
    reference: str
    kind: EmailKind
    # Distinguishes repeated emails of one kind (the n-th reminder); empty for one-off kinds.
    sequence: int = 0
    locale: Literal["ja", "en"]
    to: str
    context: dict[str, Any]
    # For an approval email: the new site user, whose activation link it carries.
    site_user_id: str | None = None
    link: EmailLink | None = None


class PlanAccountEmailInput(Model):
    # The account email run's id: the email's reference, so its Message-ID is stable.
    reference: str
    audience: Literal["site", "staff"]
    # "link": whatever link lets the account (found by email) set a password, if any;
    # "password_changed": the notice after a password was set with a link;
    # "role_changed": the notice to both sides of an admin hand-over.
    purpose: Literal["link", "password_changed", "role_changed"]
    email: str | None = None
    account_id: str | None = None
    locale: Literal["ja", "en"]
    # For "role_changed": the account's new role.
    role: Literal["admin", "user"] | None = None


class CreateInvitedUserInput(Model):
    invitation_id: str
    # Names the change in the audit log, so a retried activity writes one entry.
    change_key: str
    hierarchy_id: str
    customer_id: str
    site_user_id: str
    first_name: str
    last_name: str
    email: str
    job_title: str | None = None
    phone: str | None = None
    spending_limit: Decimal | None = None
    locale: Literal["ja", "en"]
    invited_by: str


class InvitedUserInput(Model):
    invitation_id: str
    change_key: str = ""
    hierarchy_id: str
    site_user_id: str
    # "expired" by the invitation's clock, "cancelled" by the admin, "reinvited" on restore.
    move: Literal["expired", "cancelled", "reinvited"] | None = None
    actor: str = "system"


class PurchaseRefInput(Model):
    order_reference: str


class PurgeInput(Model):
    """What counts as expired: sessions unused for longer than this end."""

    session_idle: timedelta


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
