"""The invitation workflow's activity inputs and its emails: deterministic, workflow code only."""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_calls import send_email

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        CreateInvitedUserInput,
        EmailKind,
        EmailLink,
        InvitedUserInput,
        SendEmailInput,
    )
    from workflows.models import InvitationInput


def run_key() -> str:
    # An email invited again after an expiry gets a new run under the same workflow id: its
    # emails and audit entries are its own.
    info = workflow.info()
    return f"{info.workflow_id}.{info.run_id}"


def new_user(d: InvitationInput) -> CreateInvitedUserInput:
    return CreateInvitedUserInput(
        invitation_id=workflow.info().workflow_id,
        change_key=f"{run_key()}:invited",
        hierarchy_id=d.hierarchy_id, customer_id=d.customer_id,
        site_user_id=d.site_user_id, first_name=d.first_name, last_name=d.last_name,
        email=d.email, job_title=d.job_title, phone=d.phone,
        spending_limit=d.spending_limit, locale=d.locale, invited_by=d.invited_by,
    )  # fmt: skip


def user_ref(
    d: InvitationInput, move: str | None = None, actor: str = "system"
) -> InvitedUserInput:
    return InvitedUserInput.model_validate(
        {
            "invitation_id": workflow.info().workflow_id,
            "change_key": f"{run_key()}:{move}",
            "hierarchy_id": d.hierarchy_id,
            "site_user_id": d.site_user_id,
            "move": move,
            "actor": actor,
        }
    )


async def send(d: InvitationInput, kind: EmailKind, sequence: int, to: str, link: bool) -> None:
    """One email of the invitation; `link` adds the invitee's activation link."""
    activation = None
    if link:
        activation = EmailLink(
            audience="site", account_id=d.site_user_id, purpose="activation", path="/activate"
        )
    await send_email(
        SendEmailInput(
            reference=run_key(),
            kind=kind,
            sequence=sequence,
            locale=d.locale,
            to=to,
            context={
                "first_name": d.first_name,
                "last_name": d.last_name,
                "email": d.email,
                "company": d.company,
                "invited_by": d.invited_by,
                "expiry_days": d.policy.expire_after.days,
            },
            link=activation,
        )
    )
