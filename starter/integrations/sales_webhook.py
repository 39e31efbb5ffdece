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

from starter.common.auth import ServicesDep
from starter.common.problem import Problem
from starter.integrations.dataverse import NotADecision, read_event
from starter.services.errors import NotFound
from starter.services.pipeline import AlreadyDelivered, DecisionRefused, NotDelivered

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
    operation_id = context.OperationId
    try:
        event = read_event(context.model_dump())
    except NotADecision as err:
        return WebhookOutcome(operation_id=operation_id, outcome="ignored", detail=str(err))
    try:
        reference = await services.pipeline.from_crm(event)
    except NotFound as err:
        # Not one of ours (a lead from another source, or one erased): nothing to retry.
        log.info("sales webhook: %s on an unknown %s, ignored", event.message, event.entity)
        detail = f"no onboarding has this {err.what}"
        return WebhookOutcome(operation_id=operation_id, outcome="ignored", detail=detail)
    except AlreadyDelivered as err:
        return WebhookOutcome(
            operation_id=operation_id,
            outcome="duplicate",
            reference=err.reference,
            detail=str(err),
        )
    except DecisionRefused as err:
        return WebhookOutcome(
            operation_id=operation_id, outcome="ignored", reference=err.reference, detail=str(err)
        )
    except NotDelivered as err:
        # Nothing was recorded, so Dataverse's retry is acted on.
        raise HTTPException(status_code=503, detail="Temporal is unavailable") from err
    return WebhookOutcome(
        operation_id=operation_id,
        outcome="delivered",
        reference=reference,
        detail=f"{event.action} sent to the onboarding",
    )
