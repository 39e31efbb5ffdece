"""One input model per activity; ids are chosen by the workflow so a retry writes the same row."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any, Literal

from domain.audience import Audience
from domain.locale import Locale
from domain.partner_users import NewUser
from domain.request import Model, OnboardingRequest

# How an invited user's status moves: "expired" by the invitation's clock, "cancelled" by the
# admin, "reinvited" on restore.
InvitationMove = Literal["expired", "cancelled", "reinvited"]


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
    # Each to one decider of an order that needs approval, in the order's approval run.
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_REMINDER = "approval_reminder"
    APPROVAL_ESCALATED = "approval_escalated"
    # Each in its onboarding's run: an information request, to the applicant (with the
    # link), and to the Sales inbox when it expired unanswered.
    INFORMATION_REQUEST = "information_request"
    INFORMATION_REMINDER = "information_reminder"
    INFORMATION_RECEIPT = "information_receipt"
    INFORMATION_EXPIRED = "information_expired"
    # To the Sales inbox, once per partner flag the monthly re-check raises.
    PARTNER_FLAGGED = "partner_flagged"


class EmailLink(Model):
    """A one-time link the email carries: its token is made when the email is sent, so that
    it never enters the workflow's history."""

    audience: Audience
    account_id: str
    purpose: Literal["activation", "reset"]
    # The page the link opens, e.g. /activate.
    path: str


class SendEmailInput(Model):
    reference: str
    kind: EmailKind
    # Distinguishes repeated emails of one kind (the n-th reminder); empty for one-off kinds.
    sequence: int = 0
    locale: Locale
    to: str
    context: dict[str, Any]
    # For an approval email: the new site user, whose activation link it carries.
    site_user_id: str | None = None
    link: EmailLink | None = None

    @classmethod
    def about_request(
        cls,
        reference: str,
        request: OnboardingRequest,
        kind: EmailKind,
        *,
        to: str,
        sequence: int = 0,
        site_user_id: str | None = None,
        **details: Any,
    ) -> SendEmailInput:
        """An email of the onboarding: it names the requester and the company."""
        contact = request.contact
        return cls(
            reference=reference,
            kind=kind,
            sequence=sequence,
            locale=request.locale,
            to=to,
            site_user_id=site_user_id,
            context={
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "company": request.company.name,
                **details,
            },
        )

    @classmethod
    def about_invitation(
        cls,
        reference: str,
        user: NewUser,
        kind: EmailKind,
        *,
        to: str,
        sequence: int,
        company: str,
        invited_by: str,
        expiry_days: int,
        with_link: bool,
    ) -> SendEmailInput:
        """An email of the invitation; `with_link` adds the invitee's activation link."""
        link = None
        if with_link:
            link = EmailLink(
                audience="site",
                account_id=user.site_user_id,
                purpose="activation",
                path="/activate",
            )
        return cls(
            reference=reference,
            kind=kind,
            sequence=sequence,
            locale=user.locale,
            to=to,
            context={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "company": company,
                "invited_by": invited_by,
                "expiry_days": expiry_days,
            },
            link=link,
        )


def approval_details(request: OnboardingRequest) -> dict[str, Any]:
    """What the approval email says besides the greeting."""
    address = request.company.address
    return {
        "email": request.contact.email,
        "postal_code": address.postal_code if address else None,
        "comments": request.comments,
    }


class PlanAccountEmailInput(Model):
    # The account email run's id: the email's reference, so its Message-ID is stable.
    reference: str
    audience: Audience
    # "link": whatever link lets the account (found by email) set a password, if any;
    # "password_changed": the notice after a password was set with a link;
    # "role_changed": the notice to both sides of an admin hand-over.
    purpose: Literal["link", "password_changed", "role_changed"]
    email: str | None = None
    account_id: str | None = None
    locale: Locale
    # For "role_changed": the account's new role.
    role: Literal["admin", "approver", "buyer", "user"] | None = None


class CreateInvitedUserInput(Model):
    invitation_id: str
    # Names the change in the audit log, so a retried activity writes one entry.
    change_key: str
    user: NewUser
    # Who invited: the admin's site user id (a name in runs started before ids were passed).
    invited_by: str


class InvitedUserInput(Model):
    invitation_id: str
    change_key: str = ""
    hierarchy_id: str
    site_user_id: str
    move: InvitationMove | None = None
    actor: str = "system"

    @classmethod
    def for_user(
        cls,
        user: NewUser,
        invitation_id: str,
        change_key: str = "",
        move: InvitationMove | None = None,
        actor: str = "system",
    ) -> InvitedUserInput:
        return cls(
            invitation_id=invitation_id,
            change_key=change_key,
            hierarchy_id=user.hierarchy_id,
            site_user_id=user.site_user_id,
            move=move,
            actor=actor,
        )


class PurchaseRefInput(Model):
    order_reference: str


class ApprovalNoticeInput(Model):
    """Tell whoever decides the order now: `request` when it starts waiting, `reminder` once
    nobody decided in time (the admins get the escalation instead)."""

    order_reference: str
    notice: Literal["request", "reminder"]
    # For the escalation's wording: how long the order waited.
    escalate_after: timedelta = timedelta(days=1)


class PurgeInput(Model):
    """What counts as expired: sessions unused for longer than this end."""

    session_idle: timedelta
