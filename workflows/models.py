"""Typed inputs, signals and state of the onboarding workflow.

Pure pydantic: imported by the workflow sandbox and the web app alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, model_validator

from domain.audience import Audience
from domain.locale import Locale
from domain.outcomes import CreditLimit, DisqualifyReason, LostReason, check_lost_reason
from domain.partner_users import NewUser
from domain.request import Model, OnboardingRequest, ShortText


class OnboardingStatus(StrEnum):
    PENDING = "pending"
    QUALIFIED = "qualified"
    # Won, but the requester's email became a site user's meanwhile: waits for staff.
    APPROVAL_BLOCKED = "approval_blocked"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class OnboardingPolicy(Model):
    """Business settings fixed when the onboarding starts, so every run keeps its own."""

    reminder_after: timedelta = timedelta(days=3)
    reminder_interval: timedelta = timedelta(days=3)
    expire_after: timedelta = timedelta(days=30)
    credit_limit: CreditLimit = CreditLimit(amount=Decimal("1000000"), currency="JPY")
    sales_inbox: str = "sales@shop.example"
    # The time-skipping test server knows no custom search attributes.
    track_search_attributes: bool = True
    # How long an email is tried as a local activity (cheap, but invisible in the UI's
    # pending activities) before it becomes a regular one that the UI shows retrying.
    local_email_attempts_for: timedelta = timedelta(minutes=1)


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


class BlockedApprovalResolved(Decision):
    """Staff's word on an approval blocked by the requester's email: try the approval again
    (the address was freed meanwhile), or reject the onboarding."""

    action: Literal["retry", "reject"]


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
    # An information request waits for the applicant (the Sales inbox's reminders pause).
    waiting_for_applicant: bool = False

    def record(self, event: str, *, at: datetime, **details: Any) -> None:
        """One more entry in the history."""
        self.history.append(HistoryEntry(at=at, event=event, **details))


class AccountEmailRequest(BaseModel):
    """Input of the account email workflow: who asked, for what, in which language."""

    audience: Audience
    purpose: Literal["link", "password_changed", "role_changed"]
    # The typed email for a link request; the account for a notice.
    email: str | None = None
    account_id: str | None = None
    locale: Locale
    # "user": the buyer role's former name, in runs started before it was renamed.
    role: Literal["admin", "approver", "buyer", "user"] | None = None


class InvitationPolicy(Model):
    reminder_after: timedelta = timedelta(days=3)
    expire_after: timedelta = timedelta(days=7)


class InvitationInput(Model):
    """A partner admin's invitation of a new user, with the ids the web app chose."""

    user: NewUser
    company: str
    # The inviting admin's name, for the emails, and site user id, for the audit log (runs
    # started before the id was passed record the name).
    invited_by: str
    inviter_email: str
    inviter_id: str | None = None
    # A removed or expired user invited again: their records exist, the run emails and waits.
    existing: bool = False
    policy: InvitationPolicy = InvitationPolicy()


class InvitationState(BaseModel):
    status: Literal["pending", "activated", "expired", "cancelled", "refused"] = "pending"
    emails_sent: int = 0
    reminded: bool = False


class PurchaseApprovalInput(Model):
    """An order that needs approval, waiting for the organization's approvers and admins."""

    order_reference: str
    expire_after: timedelta = timedelta(days=3)
    # Nobody decided within this: one reminder to the deciders, the admins told. Runs
    # started before it existed decode with the default.
    escalate_after: timedelta = timedelta(days=1)
