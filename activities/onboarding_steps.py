"""One activity per step of the onboarding: the step's writes, then the state it leaves.

The writes of a step (to Commerce, then Sales or the other way) are idempotent, so a retried
step repeats them all; one activity costs the workflow one local activity per step, and
publishing the state with the writes lets staff reads skip querying the run.
"""

from __future__ import annotations

from temporalio import activity

from activities.commerce import CommerceWrites
from activities.mail.sender import EmailActivities
from activities.onboarding_models import (
    ApproveOnboardingInput,
    CloseOnboardingInput,
    OnboardingEmailInput,
    OnboardingSnapshot,
    OpenOnboardingInput,
    QualifyOnboardingInput,
)
from activities.sales import SalesWrites
from commerce.onboarding_states import OnboardingStates
from domain.outcomes import EMAIL_HELD


class OnboardingStepActivities:
    def __init__(
        self,
        commerce: CommerceWrites,
        sales: SalesWrites,
        email: EmailActivities,
        states: OnboardingStates,
    ) -> None:
        self._commerce, self._sales, self._email = commerce, sales, email
        self._states = states

    @activity.defn
    async def open_onboarding(self, data: OpenOnboardingInput) -> None:
        """The prospect in Commerce, then its lead in Sales."""
        await self._commerce.record_prospect(data.prospect)
        await self._sales.create_lead(data.lead)
        await self.publish_onboarding_state(data.publish)

    @activity.defn
    async def qualify_onboarding(self, data: QualifyOnboardingInput) -> None:
        """The lead qualified with its opportunity, then the Commerce customers."""
        await self._sales.qualify_lead(data.qualify)
        await self._commerce.create_customers(data.customers)
        await self.publish_onboarding_state(data.publish)

    @activity.defn
    async def approve_onboarding(self, data: ApproveOnboardingInput) -> str | None:
        """The opportunity won, then the partner approved in one Commerce transaction. When
        the requester's email is a site user's already, Commerce writes nothing and the
        blocked state is published instead: the reason, which None (approved) never is."""
        await self._sales.close_opportunity(data.close_opportunity)
        if not await self._commerce.approve_partner(data.approve):
            if data.publish_blocked is not None:
                await self.publish_onboarding_state(data.publish_blocked)
            return EMAIL_HELD
        await self.publish_onboarding_state(data.publish)
        return None

    @activity.defn
    async def close_onboarding(self, data: CloseOnboardingInput) -> None:
        """The lead or opportunity closed, then the prospect: a rejection or an expiry."""
        if data.close_lead is not None:
            await self._sales.close_lead(data.close_lead)
        if data.close_opportunity is not None:
            await self._sales.close_opportunity(data.close_opportunity)
        await self._commerce.close_prospect(data.close_prospect)
        await self.publish_onboarding_state(data.publish)

    @activity.defn
    async def send_onboarding_email(self, data: OnboardingEmailInput) -> str:
        """The email (at most once, by its outbox), then the state it completes."""
        message_id = await self._email.send_email(data.email)
        if data.publish is not None:
            await self.publish_onboarding_state(data.publish)
        return message_id

    @activity.defn
    async def publish_onboarding_state(self, data: OnboardingSnapshot) -> None:
        """Keep the state for staff reads, unless a later one is kept already."""
        await self._states.publish(data.reference, data.version, data.state)
