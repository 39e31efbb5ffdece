"""Account emails (a new link, a password reset, "your password was changed"): each request a
run of its own, so the email goes out once even if the web app or a worker dies meanwhile."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.accounts import AccountActivities
    from activities.mail.sender import EmailActivities
    from activities.models import PlanAccountEmailInput
    from workflows.models import AccountEmailRequest
    from workflows.onboarding import (
        ACTIVITY_RETRY,
        EMAIL_HEARTBEAT,
        EMAIL_TIMEOUT,
        GIVE_UP_AFTER,
        STORE_TIMEOUT,
    )


@workflow.defn
class AccountEmailWorkflow:
    @workflow.run
    async def run(self, data: AccountEmailRequest) -> bool:
        """True when an email went out; False when the request led to nobody."""
        email = await workflow.execute_activity_method(
            AccountActivities.plan_account_email,
            PlanAccountEmailInput(
                reference=workflow.info().workflow_id,
                audience=data.audience,
                purpose=data.purpose,
                email=data.email,
                account_id=data.account_id,
                locale=data.locale,
                role=data.role,
            ),
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )
        if email is None:
            return False
        await workflow.execute_activity_method(
            EmailActivities.send_email,
            email,
            start_to_close_timeout=EMAIL_TIMEOUT,
            heartbeat_timeout=EMAIL_HEARTBEAT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )
        return True
