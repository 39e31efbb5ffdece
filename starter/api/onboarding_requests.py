"""Onboarding requests: submitted by the B2B site or another program, read and erased by staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from domain.request import OnboardingRequest
from sales.port import Row
from starter.api.common import CONFLICT, NOT_FOUND, STAFF, conflict, not_found
from starter.api.schemas import Onboarding, Problem, SalesRecord, Submitted
from starter.common.auth import ServicesDep, StaffDep
from starter.services import OnboardingNotFound, Services
from starter.services.erasure import erase_onboarding
from starter.services.start import AlreadyInProgress, IdempotencyKeyReused
from workflows.models import OnboardingState, OnboardingStatus

router = APIRouter()
IdempotencyKey = Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")]


def status_url(request: Request, services: Services, reference: str) -> str:
    signature = services.status_links.sign(reference)
    return str(
        request.url_for("status_page", reference=reference).include_query_params(sig=signature)
    )


@router.post(
    "/onboarding-requests",
    status_code=202,
    response_model=Submitted,
    responses=CONFLICT | {429: {"model": Problem}},
)
async def submit_request(
    body: OnboardingRequest,
    request: Request,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Submitted | JSONResponse:
    """Start an onboarding; the same request again returns the same reference."""
    services.submit_limit.check(request)
    try:
        started = await services.starter.start(body, idempotency_key=idempotency_key)
    except AlreadyInProgress as err:
        return conflict("an onboarding for this email is already in progress", err.reference)
    except IdempotencyKeyReused as err:
        # A conflict with what the key already stands for: the request itself may be valid.
        return conflict(str(err), err.reference)
    if started.created:
        services.metrics.onboarding_started("api")
    return Submitted(
        reference=started.reference,
        status=OnboardingStatus.PENDING,
        status_url=status_url(request, services, started.reference),
    )


def onboarding_view(state: OnboardingState, sales_records: list[Row] | None = None) -> Onboarding:
    ids = state.ids
    return Onboarding(
        reference=state.reference,
        status=state.status,
        prospect_id=ids.prospect_id,
        lead_id=ids.lead_id,
        opportunity_id=ids.opportunity_id,
        customer_hierarchy_id=ids.customer_hierarchy_id,
        ids=ids,
        history=state.history,
        reminders_sent=state.reminders_sent,
        closed=state.closed,
        sales_records=[SalesRecord.model_validate(r) for r in sales_records or []],
    )


@router.get(
    "/onboarding-requests/{reference}", response_model=Onboarding, responses=NOT_FOUND | STAFF
)
async def get_onboarding(reference: str, services: ServicesDep, _: StaffDep) -> Onboarding:
    try:
        state = await services.state(reference)
    except OnboardingNotFound:
        raise not_found("onboarding") from None
    return onboarding_view(state, await services.sales.record_links(reference))


@router.delete("/onboarding-requests/{reference}", status_code=204, responses=NOT_FOUND | STAFF)
async def erase(reference: str, services: ServicesDep, _: StaffDep) -> Response:
    """Erase the onboarding: stop its run and delete its rows in Commerce and Sales."""
    if not await erase_onboarding(services, reference):
        raise not_found("onboarding")
    return Response(status_code=204)
