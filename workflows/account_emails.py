"""Account emails (a new link, a password reset, "your password was changed"): each request a
run of its own, so the email goes out once even if the web app or a worker dies meanwhile."""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_calls import send_email, store

with workflow.unsafe.imports_passed_through():
    from activities.accounts import AccountActivities
    from activities.models import PlanAccountEmailInput, SendEmailInput
    from workflows.models import AccountEmailRequest


@workflow.defn
class AccountEmailWorkflow:
    @workflow.run
    async def run(self, data: AccountEmailRequest) -> bool:
        """True when an email went out; False when the request led to nobody."""
        # The request's fields, and the run's id as the email's reference.
        plan = PlanAccountEmailInput(reference=workflow.info().workflow_id, **data.model_dump())
        email: SendEmailInput | None = await store(AccountActivities.plan_account_email, plan)
        if email is None:
            return False
        await send_email(email)
        return True
