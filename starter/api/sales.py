"""Sales resources: the lead views, lead and opportunity records, and the staff's decisions."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from sales.port import LeadView
from starter.api.common import CONFLICT, NOT_FOUND, STAFF, Limit, Offset, decision_answer, found
from starter.api.qualify_schemas import QualifyBody
from starter.api.schemas import (
    CloseBody,
    DecisionAccepted,
    DisqualifyBody,
    Lead,
    LeadSummary,
    Opportunity,
)
from starter.common.auth import ServicesDep, StaffDep
from starter.services.lead_reviews import ConfirmationNeeded
from starter.services.pipeline import Decided, DecisionRefused


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
    rows = await services.pipeline.leads(view, user, limit, offset)
    return [LeadSummary.model_validate(r) for r in rows]


@router.get("/sales/leads/{lead_id}", response_model=Lead, responses=NOT_FOUND | STAFF)
async def get_lead(lead_id: str, services: ServicesDep, _: StaffDep) -> Lead:
    with found():
        row = await services.pipeline.lead(lead_id)
    return Lead.from_row(row)


@router.post(
    "/sales/leads/{lead_id}/qualify",
    status_code=202,
    response_model=DecisionAccepted,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def qualify_lead(
    lead_id: str, services: ServicesDep, user: StaffDep, body: QualifyBody | None = None
) -> DecisionAccepted | JSONResponse:
    """Qualify the lead. A lead whose company verification found `mismatch`, `closed` or
    `not_found` needs `{"confirm_verification": "<the verdict seen>"}`, noted on its timeline;
    without it, or with an older verdict than the lead's, the answer is 409 naming the
    verdict."""
    seen = body.confirm_verification if body is not None else None
    return await decision_answer(_confirmable(services.lead_reviews.qualify(lead_id, user, seen)))


async def _confirmable(qualifying: Awaitable[Decided]) -> Decided:
    """The refusal of an unconfirmed verdict says how to confirm it."""
    try:
        return await qualifying
    except ConfirmationNeeded as needed:
        how = f'send {{"confirm_verification": "{needed.verdict}"}} to confirm you have seen it'
        raise DecisionRefused(
            needed.reference, f"the company verification found {needed.verdict}: {how}"
        ) from None


@router.post(
    "/sales/leads/{lead_id}/disqualify",
    status_code=202,
    response_model=DecisionAccepted,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def disqualify_lead(
    lead_id: str, body: DisqualifyBody, services: ServicesDep, user: StaffDep
) -> DecisionAccepted | JSONResponse:
    return await decision_answer(services.pipeline.disqualify(lead_id, user, body.reason))


@router.get(
    "/sales/opportunities/{opportunity_id}", response_model=Opportunity, responses=NOT_FOUND | STAFF
)
async def get_opportunity(opportunity_id: str, services: ServicesDep, _: StaffDep) -> Opportunity:
    with found():
        row = await services.pipeline.opportunity(opportunity_id)
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
    closing = services.pipeline.close(
        opportunity_id, user, body.outcome, body.reason, body.credit_limit
    )
    return await decision_answer(closing)
