"""Inputs of the reference shape's calls: the writes the project's activities no longer take
(the reference keeps its history, whatever the real workflow became), and its emails'."""

from __future__ import annotations

from activities.models import EmailKind, SendEmailInput
from domain.outcomes import CreditLimit
from domain.request import Model, OnboardingRequest


class SetCreditLimitInput(Model):
    organization_customer_id: str
    credit_limit: CreditLimit


def email_input(
    reference: str, request: OnboardingRequest, kind: EmailKind, site_user_id: str | None
) -> SendEmailInput:
    """One email to the requester, the first of its kind, addressed by their name."""
    contact = request.contact
    return SendEmailInput(
        reference=reference,
        kind=kind,
        sequence=0,
        locale=request.locale,
        to=contact.email,
        site_user_id=site_user_id,
        context={
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "company": request.company.name,
        },
    )
