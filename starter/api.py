"""The JSON API: the contract in SPEC.md ("Interfaces")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from commerce.prospects import PROSPECT_STATUSES
from domain.request import OnboardingRequest
from starter.auth import ServicesDep, StaffDep
from starter.erasure import erase_onboarding
from starter.schemas import (
    CloseBody,
    CustomerHierarchy,
    DecisionAccepted,
    DisqualifyBody,
    Health,
    Lead,
    LeadSummary,
    Onboarding,
    Opportunity,
    Problem,
    Prospect,
    ProspectSummary,
    Submitted,
)
from starter.services import (
    DecisionConflict,
    DecisionT,
    DecisionUpdate,
    OnboardingNotFound,
    Services,
)
from starter.start import AlreadyInProgress, IdempotencyKeyReused
from workflows.models import (
    LeadDisqualified,
    LeadQualified,
    OnboardingState,
    OnboardingStatus,
    OpportunityClosed,
)
from workflows.onboarding import OnboardingWorkflow

router = APIRouter(prefix="/api")

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Problem}}
STAFF: dict[int | str, dict[str, Any]] = {401: {"model": Problem}}
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
IdempotencyKey = Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")]


def status_url(request: Request, services: Services, reference: str) -> str:
    signature = services.status_links.sign(reference)
    return str(
        request.url_for("status_page", reference=reference).include_query_params(sig=signature)
    )


def not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} not found")


def conflict(reason: str, reference: str) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": reason, "reference": reference})


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
        return JSONResponse(
            status_code=422,
            content={"detail": [{"loc": ["header", "idempotency-key"], "msg": str(err),
                                 "type": "idempotency_key_reused"}]},
        )  # fmt: skip
    return Submitted(
        reference=started.reference,
        status=OnboardingStatus.PENDING,
        status_url=status_url(request, services, started.reference),
    )


def onboarding_view(state: OnboardingState) -> Onboarding:
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
    )


@router.get(
    "/onboarding-requests/{reference}", response_model=Onboarding, responses=NOT_FOUND | STAFF
)
async def get_onboarding(reference: str, services: ServicesDep, _: StaffDep) -> Onboarding:
    try:
        return onboarding_view(await services.state(reference))
    except OnboardingNotFound:
        raise not_found("onboarding") from None


@router.delete("/onboarding-requests/{reference}", status_code=204, responses=NOT_FOUND | STAFF)
async def erase(reference: str, services: ServicesDep, _: StaffDep) -> Response:
    """Erase the onboarding: stop its run and delete its rows in Commerce and Sales."""
    if not await erase_onboarding(services, reference):
        raise not_found("onboarding")
    return Response(status_code=204)


@router.get("/sales/leads", response_model=list[LeadSummary], responses=STAFF)
async def list_leads(
    services: ServicesDep,
    user: StaffDep,
    view: Literal["commerce-b2b", "my-open"] = "commerce-b2b",
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LeadSummary]:
    """ "All Commerce B2B leads", or "My open leads" of the caller (X-Staff-User)."""
    rows = await services.sales.leads(view, user, limit, offset)
    return [LeadSummary.model_validate(r) for r in rows]


@router.get("/sales/leads/{lead_id}", response_model=Lead, responses=NOT_FOUND | STAFF)
async def get_lead(lead_id: str, services: ServicesDep, _: StaffDep) -> Lead:
    row = await services.sales.lead(lead_id)
    if row is None:
        raise not_found("lead")
    return Lead.from_row(row)


async def _decide(
    services: Services,
    reference: str | None,
    what: str,
    update: DecisionUpdate[DecisionT],
    decision: DecisionT,
) -> DecisionAccepted | JSONResponse:
    if reference is None:
        raise not_found(what)
    try:
        state = await services.decide(reference, update, decision)
    except DecisionConflict as err:
        return conflict(str(err), reference)
    return DecisionAccepted(
        reference=reference, status=state.status, opportunity_id=state.ids.opportunity_id
    )


@router.post(
    "/sales/leads/{lead_id}/qualify",
    status_code=202,
    response_model=DecisionAccepted,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def qualify_lead(
    lead_id: str, services: ServicesDep, user: StaffDep
) -> DecisionAccepted | JSONResponse:
    return await _decide(
        services,
        await services.sales.reference_of_lead(lead_id),
        "lead",
        OnboardingWorkflow.decide_qualify_lead,
        LeadQualified(decided_by=user, decided_at=datetime.now(UTC)),
    )


@router.post(
    "/sales/leads/{lead_id}/disqualify",
    status_code=202,
    response_model=DecisionAccepted,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def disqualify_lead(
    lead_id: str, body: DisqualifyBody, services: ServicesDep, user: StaffDep
) -> DecisionAccepted | JSONResponse:
    return await _decide(
        services,
        await services.sales.reference_of_lead(lead_id),
        "lead",
        OnboardingWorkflow.decide_disqualify_lead,
        LeadDisqualified(decided_by=user, decided_at=datetime.now(UTC), reason=body.reason),
    )


@router.get(
    "/sales/opportunities/{opportunity_id}", response_model=Opportunity, responses=NOT_FOUND | STAFF
)
async def get_opportunity(opportunity_id: str, services: ServicesDep, _: StaffDep) -> Opportunity:
    row = await services.sales.opportunity(opportunity_id)
    if row is None:
        raise not_found("opportunity")
    return Opportunity.from_row(row)


@router.post(
    "/sales/opportunities/{opportunity_id}/close",
    status_code=202,
    response_model=DecisionAccepted,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def close_opportunity(
    opportunity_id: str, body: CloseBody, services: ServicesDep, user: StaffDep
) -> DecisionAccepted | JSONResponse:
    return await _decide(
        services,
        await services.sales.reference_of_opportunity(opportunity_id),
        "opportunity",
        OnboardingWorkflow.decide_close_opportunity,
        OpportunityClosed(
            decided_by=user,
            decided_at=datetime.now(UTC),
            outcome=body.outcome,
            reason=body.reason,
            credit_limit=body.credit_limit,
        ),
    )


@router.get("/commerce/prospects", response_model=list[ProspectSummary], responses=STAFF)
async def list_prospects(
    services: ServicesDep,
    _: StaffDep,
    status: Literal["pending", "approved", "rejected", "expired"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ProspectSummary]:
    """ "All prospects", optionally filtered by status."""
    assert status is None or status in PROSPECT_STATUSES
    rows = await services.commerce.prospects.list(status, limit, offset)
    return [ProspectSummary.model_validate(r) for r in rows]


@router.get(
    "/commerce/prospects/{prospect_id}", response_model=Prospect, responses=NOT_FOUND | STAFF
)
async def get_prospect(prospect_id: str, services: ServicesDep, _: StaffDep) -> Prospect:
    row = await services.commerce.prospects.get(prospect_id)
    if row is None:
        raise not_found("prospect")
    return Prospect.model_validate(row)


@router.get(
    "/commerce/customer-hierarchies/{hierarchy_id}",
    response_model=CustomerHierarchy,
    responses=NOT_FOUND | STAFF,
)
async def get_hierarchy(hierarchy_id: str, services: ServicesDep, _: StaffDep) -> CustomerHierarchy:
    row = await services.commerce.customers.hierarchy(hierarchy_id)
    if row is None:
        raise not_found("customer hierarchy")
    return CustomerHierarchy.model_validate(row)


health_router = APIRouter()


@health_router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(services: ServicesDep) -> Health | JSONResponse:
    """200 when the app reaches Temporal and both stores."""
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "temporal": services.client.service_client.check_health,
        "commerce": services.commerce.can_reach,
        "sales": services.sales.can_reach,
    }
    checks = {}
    for name, probe in probes.items():
        try:
            checks[name] = bool(await asyncio.wait_for(probe(), timeout=3))
        except Exception:  # any failure to answer means "not reachable"
            checks[name] = False
    health = Health(status="ok" if all(checks.values()) else "unavailable", **checks)
    if health.status == "ok":
        return health
    return JSONResponse(status_code=503, content=health.model_dump())
