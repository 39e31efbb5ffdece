"""Sales resources: the lead views, lead and opportunity records, and the staff's decisions."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from sales.port import LeadView
from starter.api.common import CONFLICT, NOT_FOUND, STAFF, Limit, Offset, conflict, not_found
from starter.api.schemas import (
    CloseBody,
    DecisionAccepted,
    DisqualifyBody,
    Lead,
    LeadSummary,
    Opportunity,
)
from starter.common.auth import ServicesDep, StaffDep
from starter.services import DecisionConflict, DecisionT, DecisionUpdate, Services
from workflows.models import LeadDisqualified, LeadQualified, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


async def _builtin_sales_only(services: ServicesDep, _: StaffDep) -> None:
    if services.settings.sales_backend != "builtin":
        raise HTTPException(
            status_code=409,
            detail="Sales is Dynamics 365 Sales here: leads and decisions live there; the "
            "onboarding's sales_records link to them",
        )


router = APIRouter(dependencies=[Depends(_builtin_sales_only)])


@router.get("/sales/leads", response_model=list[LeadSummary], responses=STAFF)
async def list_leads(
    services: ServicesDep,
    user: StaffDep,
    view: LeadView = "commerce-b2b",
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
