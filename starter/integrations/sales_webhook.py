"""Sales CRM webhook: Dynamics 365 Sales (Dataverse) decisions become workflow signals.

Authenticated by a shared secret header; idempotent on the delivery's OperationId, since
Dataverse retries a delivery that got 502, 503 or 504.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError, RPCStatusCode

from domain.outcomes import DisqualifyReason, LostReason
from starter.api.schemas import Problem
from starter.common.auth import ServicesDep
from starter.integrations.dataverse import NotADecision, SalesEvent, read_event
from starter.services import Services
from workflows.models import LeadDisqualified, LeadQualified, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow

log = logging.getLogger("starter.webhooks")
router = APIRouter(prefix="/api/webhooks")
SECRET_HEADER = "X-Webhook-Secret"
Id = Annotated[str, Field(min_length=1, max_length=100)]


class Parameter(BaseModel):
    """One of Dataverse's {"key", "value"} pairs."""

    model_config = ConfigDict(extra="allow")

    key: Annotated[str, Field(max_length=200)]
    value: Any = None


class RemoteExecutionContext(BaseModel):
    """The parts of Dataverse's RemoteExecutionContext we read; the rest is kept as sent."""

    model_config = ConfigDict(extra="allow")

    MessageName: Annotated[str, Field(max_length=100)]
    PrimaryEntityName: Annotated[str, Field(max_length=100)]
    PrimaryEntityId: Id
    OperationId: Id
    InputParameters: list[Parameter] = []


class WebhookOutcome(BaseModel):
    operation_id: str
    outcome: Literal["delivered", "duplicate", "ignored"]
    reference: str | None = None
    detail: str


async def require_webhook_secret(
    services: ServicesDep,
    x_webhook_secret: Annotated[str | None, Header(max_length=500)] = None,
) -> None:
    """401 unless the shared secret came; checked before the body is even read."""
    expected = services.settings.onboarding_webhook_secret
    if not expected or not hmac.compare_digest(
        (x_webhook_secret or "").encode(), expected.encode()
    ):
        raise HTTPException(status_code=401, detail=f"{SECRET_HEADER} is missing or wrong")


WebhookSecretDep = Annotated[None, Depends(require_webhook_secret)]


async def _reference(services: Services, event: SalesEvent) -> str | None:
    if event.entity == "lead":
        return await services.sales.reference_of_lead(event.record_id)
    return await services.sales.reference_of_opportunity(event.record_id)


async def _signal(services: Services, reference: str, event: SalesEvent) -> None:
    handle = services.handle(reference)
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
            OpportunityClosed(decided_by=who, decided_at=when, outcome=event.action, reason=reason),
        )


@router.post(
    "/sales",
    response_model=WebhookOutcome,
    responses={401: {"model": Problem}, 502: {"model": Problem}, 503: {"model": Problem}},
)
async def sales_webhook(
    context: RemoteExecutionContext, services: ServicesDep, _: WebhookSecretDep
) -> WebhookOutcome:
    """A Dataverse webhook delivery for QualifyLead, Win, Lose, SetState or an Update of the
    state; a record no onboarding has is `ignored`."""
    try:
        event = read_event(context.model_dump())
    except NotADecision as err:
        return WebhookOutcome(operation_id=context.OperationId, outcome="ignored", detail=str(err))
    reference = await _reference(services, event)
    if reference is None:
        # Not one of ours (a lead from another source, or one erased): nothing to retry.
        log.info("sales webhook: %s on an unknown %s, ignored", event.message, event.entity)
        return WebhookOutcome(
            operation_id=context.OperationId, outcome="ignored",
            detail=f"no onboarding has this {event.entity}",
        )  # fmt: skip
    receiving = services.webhook_deliveries.receiving(
        event.operation_id, event.message, event.entity, event.record_id
    )
    async with receiving as delivery:
        if delivery is None:
            return WebhookOutcome(
                operation_id=event.operation_id, outcome="duplicate", reference=reference,
                detail="this OperationId was delivered before",
            )  # fmt: skip
        outcome: Literal["delivered", "ignored"] = "delivered"
        detail = f"{event.action} sent to the onboarding"
        try:
            await _signal(services, reference, event)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                # Rolled back with the delivery, so Dataverse's retry is processed.
                raise HTTPException(status_code=503, detail="Temporal is unavailable") from err
            outcome, detail = "ignored", "the onboarding has ended"
        await delivery.finish(outcome)
    return WebhookOutcome(
        operation_id=event.operation_id, outcome=outcome, reference=reference, detail=detail
    )
