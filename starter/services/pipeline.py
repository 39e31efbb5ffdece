"""The Sales pipeline as the web app shows and decides it: leads and opportunities read from
Sales, and the decisions on them delivered to their onboarding.

One service for the three places a decision comes from (the API, the Sales console and the
CRM's webhook), with one vocabulary each answers in its own way: NotFound when no onboarding
has the record, DecisionRefused when the onboarding cannot take the decision now, and, for
the CRM, AlreadyDelivered and NotDelivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.outcomes import CreditLimit, DisqualifyReason, LostReason
from sales.builtin.deliveries import WebhookDeliveries
from sales.port import Row, SalesBackend
from starter.services.delivery import DecisionT, DecisionUpdate, deliver
from starter.services.errors import NotFound
from starter.services.reads import OnboardingNotFound, OnboardingReads
from workflows.models import (
    LeadDisqualified,
    LeadQualified,
    OnboardingState,
    OnboardingStatus,
    OpportunityClosed,
)
from workflows.onboarding import OnboardingWorkflow

Entity = Literal["lead", "opportunity"]
T = TypeVar("T")
ENDED = "the onboarding has ended"


class DecisionRefused(Exception):
    """The onboarding cannot take this decision now; the message says why."""

    def __init__(self, reference: str, reason: str) -> None:
        super().__init__(reason)
        self.reference = reference


class AlreadyDelivered(Exception):
    """The CRM delivered this operation before, and it was acted on then."""

    def __init__(self, reference: str) -> None:
        super().__init__("this OperationId was delivered before")
        self.reference = reference


class NotDelivered(Exception):
    """Temporal did not take the CRM's decision; nothing is recorded, so a retry is acted on."""


@dataclass(frozen=True)
class Decided:
    reference: str
    status: OnboardingStatus
    # Set once qualifying has created it, which the decision usually waits for.
    opportunity_id: str | None


@dataclass(frozen=True)
class UnderReview:
    """A lead or opportunity, and whether the run took a decision on it that the record
    does not show yet."""

    record: Row
    processing: bool


@dataclass(frozen=True)
class SalesEvent:
    """A decision the CRM made and told us of."""

    operation_id: str
    message: str
    entity: Entity
    record_id: str
    action: Literal["qualify", "disqualify", "won", "lost"]
    reason: DisqualifyReason | LostReason | None
    decided_by: str
    decided_at: datetime


def _found(value: T | None, what: str) -> T:
    if value is None:
        raise NotFound(what)
    return value


class SalesPipeline:
    def __init__(
        self,
        client: Client,
        sales: SalesBackend,
        deliveries: WebhookDeliveries,
        reads: OnboardingReads,
    ) -> None:
        self._client = client
        self._sales = sales
        self._deliveries = deliveries
        self._reads = reads

    async def leads(self, view: str, user: str, limit: int, offset: int) -> list[Row]:
        """ "All Commerce B2B leads", or "My open leads" of `user`."""
        return await self._sales.leads(view, user, limit, offset)

    async def lead(self, lead_id: str) -> Row:
        return _found(await self._sales.lead(lead_id), "lead")

    async def opportunity(self, opportunity_id: str) -> Row:
        return _found(await self._sales.opportunity(opportunity_id), "opportunity")

    async def lead_reference(self, lead_id: str) -> str:
        """The onboarding's reference of a lead; raises NotFound for a lead none has."""
        return await self._reference("lead", lead_id)

    async def lead_under_review(self, lead_id: str) -> UnderReview:
        lead = await self.lead(lead_id)
        return UnderReview(lead, await self._decision_pending(lead, "lead_"))

    async def opportunity_under_review(self, opportunity_id: str) -> UnderReview:
        opportunity = await self.opportunity(opportunity_id)
        return UnderReview(opportunity, await self._decision_pending(opportunity, "opportunity_"))

    async def _decision_pending(self, record: Row, event_prefix: str) -> bool:
        """The workflow accepted a decision that the Sales record does not show yet."""
        if record["status"] != "open":
            return False
        try:
            state = await self._reads.state(record["reference"])
        except OnboardingNotFound:
            return False
        return any(h.accepted and h.event.startswith(event_prefix) for h in state.history)

    async def qualify(self, lead_id: str, decided_by: str) -> Decided:
        reference = await self._reference("lead", lead_id)
        decision = LeadQualified(decided_by=decided_by, decided_at=datetime.now(UTC))
        return await self._decide(reference, OnboardingWorkflow.decide_qualify_lead, decision)

    async def disqualify(self, lead_id: str, decided_by: str, reason: str) -> Decided:
        """Raises pydantic's ValidationError for a reason that is no disqualify reason."""
        reference = await self._reference("lead", lead_id)
        decision = LeadDisqualified.model_validate(
            {"decided_by": decided_by, "decided_at": datetime.now(UTC), "reason": reason}
        )
        return await self._decide(reference, OnboardingWorkflow.decide_disqualify_lead, decision)

    async def close(
        self,
        opportunity_id: str,
        decided_by: str,
        outcome: str,
        reason: str | None = None,
        credit_limit: CreditLimit | dict[str, str] | None = None,
    ) -> Decided:
        """Raises pydantic's ValidationError for an outcome, reason or limit that does not
        make a close."""
        reference = await self._reference("opportunity", opportunity_id)
        decision = OpportunityClosed.model_validate(
            {
                "decided_by": decided_by,
                "decided_at": datetime.now(UTC),
                "outcome": outcome,
                "reason": reason,
                "credit_limit": credit_limit,
            }
        )
        return await self._decide(reference, OnboardingWorkflow.decide_close_opportunity, decision)

    async def from_crm(self, event: SalesEvent) -> str:
        """Signal the CRM's decision to its onboarding, once per operation; the onboarding's
        reference."""
        reference = await self._reference(event.entity, event.record_id)
        receiving = self._deliveries.receiving(
            event.operation_id, event.message, event.entity, event.record_id
        )
        async with receiving as delivery:
            if delivery is None:
                raise AlreadyDelivered(reference)
            try:
                await self._signal(self._handle(reference), event)
                outcome = "delivered"
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    # Rolled back with the delivery, so the CRM's retry is acted on.
                    raise NotDelivered(str(err)) from err
                outcome = "ignored"
            await delivery.finish(outcome)
        if outcome == "ignored":
            raise DecisionRefused(reference, ENDED)
        return reference

    async def _reference(self, entity: Entity, record_id: str) -> str:
        if entity == "lead":
            reference = await self._sales.reference_of_lead(record_id)
        else:
            reference = await self._sales.reference_of_opportunity(record_id)
        return _found(reference, entity)

    def _handle(self, reference: str) -> WorkflowHandle[OnboardingWorkflow, OnboardingState]:
        return self._client.get_workflow_handle_for(OnboardingWorkflow.run, reference)

    async def _decide(
        self, reference: str, update: DecisionUpdate[DecisionT], decision: DecisionT
    ) -> Decided:
        """Deliver a decision as an update: the workflow accepts it or says why not."""
        try:
            state = await deliver(self._handle(reference), update, decision)
        except WorkflowUpdateFailedError as err:
            reason = getattr(err.cause, "message", str(err.cause))
            raise DecisionRefused(reference, reason) from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise DecisionRefused(reference, ENDED) from err
            raise
        return Decided(reference, state.status, state.ids.opportunity_id)

    @staticmethod
    async def _signal(
        handle: WorkflowHandle[OnboardingWorkflow, OnboardingState], event: SalesEvent
    ) -> None:
        who, when = event.decided_by, event.decided_at
        if event.action == "qualify":
            await handle.signal(
                OnboardingWorkflow.qualify_lead, LeadQualified(decided_by=who, decided_at=when)
            )
        elif event.action == "disqualify":
            assert isinstance(event.reason, DisqualifyReason)
            await handle.signal(
                OnboardingWorkflow.disqualify_lead,
                LeadDisqualified(decided_by=who, decided_at=when, reason=event.reason),
            )
        else:
            reason = event.reason if isinstance(event.reason, LostReason) else None
            await handle.signal(
                OnboardingWorkflow.close_opportunity,
                OpportunityClosed(
                    decided_by=who, decided_at=when, outcome=event.action, reason=reason
                ),
            )
