"""The Sales console: the two lead views, lead and opportunity pages, and their decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from domain.outcomes import DisqualifyReason, LostReason
from sales.port import LEAD_VIEWS
from starter.common.auth import ServicesDep, StaffPageDep
from starter.common.rendering import render
from starter.services import (
    DecisionConflict,
    DecisionT,
    DecisionUpdate,
    OnboardingNotFound,
    Services,
)
from starter.staff.context import staff_context
from workflows.models import LeadDisqualified, LeadQualified, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow


class SalesInDynamics(Exception):
    """This deployment's salespeople work in Dynamics 365 Sales (SALES_BACKEND=dataverse)."""

    def __init__(self, user: str) -> None:
        self.user = user


async def _builtin_sales_only(services: ServicesDep, user: StaffPageDep) -> None:
    if services.settings.sales_backend != "builtin":
        raise SalesInDynamics(user)


async def in_dynamics_page(request: Request, exc: Exception) -> Response:
    """Where salespeople decide instead; a decision posted here changes nothing (409)."""
    assert isinstance(exc, SalesInDynamics)
    services: Services = request.app.state.services
    status = 200 if request.method in ("GET", "HEAD") else 409
    return render(
        request, "staff/sales/in_dynamics.html", status,
        dynamics_url=services.settings.dataverse_url, **staff_context(services, exc.user, None),
    )  # fmt: skip


router = APIRouter(include_in_schema=False, dependencies=[Depends(_builtin_sales_only)])


async def _decision_pending(
    services: Services, reference: str, record_status: str, event_prefix: str
) -> bool:
    """The workflow accepted a decision that the Sales record does not show yet."""
    if record_status != "open":
        return False
    try:
        state = await services.state(reference)
    except OnboardingNotFound:
        return False
    return any(h.accepted and h.event.startswith(event_prefix) for h in state.history)


@router.get("/sales/leads", response_class=HTMLResponse)
async def leads(
    request: Request, services: ServicesDep, user: StaffPageDep, view: str = "commerce-b2b"
) -> Response:
    if view not in LEAD_VIEWS:
        raise HTTPException(status_code=404)
    rows = await services.sales.leads(view, user, 200, 0)
    title = "All Commerce B2B leads" if view == "commerce-b2b" else "My open leads"
    return render(
        request, "staff/sales/leads.html", leads=rows, title=title,
        **staff_context(services, user, None),
    )  # fmt: skip


@router.get("/sales/leads/{lead_id}", response_class=HTMLResponse)
async def lead_page(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    lead = await services.sales.lead(lead_id)
    if lead is None:
        raise HTTPException(status_code=404)
    processing = await _decision_pending(services, lead["reference"], lead["status"], "lead_")
    return render(
        request, "staff/sales/lead.html", lead=lead, processing=processing,
        refresh=1 if processing else None,
        disqualify_reasons=[r.value for r in DisqualifyReason],
        problem=request.query_params.get("problem"),
        **staff_context(services, user, lead["reference"]),
    )  # fmt: skip


async def _decide_and_return(
    services: Services,
    reference: str,
    update: DecisionUpdate[DecisionT],
    decision: DecisionT,
    back: str,
) -> Response:
    try:
        await services.decide(reference, update, decision)
    except DecisionConflict as err:
        return RedirectResponse(f"{back}?problem={quote(str(err))}", status_code=303)
    return RedirectResponse(back, status_code=303)


@router.post("/sales/leads/{lead_id}/qualify")
async def qualify(lead_id: str, services: ServicesDep, user: StaffPageDep) -> Response:
    reference = await services.sales.reference_of_lead(lead_id)
    if reference is None:
        raise HTTPException(status_code=404)
    return await _decide_and_return(
        services, reference, OnboardingWorkflow.decide_qualify_lead,
        LeadQualified(decided_by=user, decided_at=datetime.now(UTC)), f"/sales/leads/{lead_id}",
    )  # fmt: skip


@router.post("/sales/leads/{lead_id}/disqualify")
async def disqualify(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    reference = await services.sales.reference_of_lead(lead_id)
    if reference is None:
        raise HTTPException(status_code=404)
    reason = str((await request.form()).get("reason", ""))
    if reason not in {r.value for r in DisqualifyReason}:
        raise HTTPException(status_code=422, detail="reason: not a disqualify reason")
    decision = LeadDisqualified(
        decided_by=user, decided_at=datetime.now(UTC), reason=DisqualifyReason(reason)
    )
    return await _decide_and_return(
        services, reference, OnboardingWorkflow.decide_disqualify_lead, decision,
        f"/sales/leads/{lead_id}",
    )  # fmt: skip


@router.get("/sales/opportunities/{opportunity_id}", response_class=HTMLResponse)
async def opportunity_page(
    request: Request, opportunity_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    opportunity = await services.sales.opportunity(opportunity_id)
    if opportunity is None:
        raise HTTPException(status_code=404)
    processing = await _decision_pending(
        services, opportunity["reference"], opportunity["status"], "opportunity_"
    )
    return render(
        request, "staff/sales/opportunity.html", opportunity=opportunity, processing=processing,
        refresh=1 if processing else None, lost_reasons=[r.value for r in LostReason],
        problem=request.query_params.get("problem"),
        credit_limit_amount=format(services.settings.onboarding_credit_limit_amount, "f"),
        credit_limit_currency=services.settings.onboarding_credit_limit_currency,
        **staff_context(services, user, opportunity["reference"]),
    )  # fmt: skip


def _credit_limit(services: Services, form: FormData) -> dict[str, Any] | None:
    """The limit typed on the won form; None, for the run's default, when the post has none."""
    amount = form.get("credit_limit")
    if amount is None:
        return None
    currency = (
        form.get("credit_limit_currency") or services.settings.onboarding_credit_limit_currency
    )
    return {"amount": str(amount).strip(), "currency": str(currency)}


def _problem(err: ValidationError) -> str:
    """Name the form field at fault: the credit limit's own, else the outcome or reason."""
    limit = [
        f"{'credit_limit_currency' if e['loc'][1:2] == ('currency',) else 'credit_limit'}: "
        f"{e['msg'].removeprefix('Value error, ')}"
        for e in err.errors()
        if e["loc"][:1] == ("credit_limit",)
    ]
    return "; ".join(limit) if limit else f"outcome or reason: {err}"


@router.post("/sales/opportunities/{opportunity_id}/close")
async def close(
    request: Request, opportunity_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    reference = await services.sales.reference_of_opportunity(opportunity_id)
    if reference is None:
        raise HTTPException(status_code=404)
    form = await request.form()
    outcome, reason = str(form.get("outcome", "")), form.get("reason")
    try:
        decision = OpportunityClosed.model_validate(
            {"decided_by": user, "decided_at": datetime.now(UTC), "outcome": outcome,
             "reason": reason if outcome == "lost" else None,
             "credit_limit": _credit_limit(services, form) if outcome == "won" else None}
        )  # fmt: skip
    except ValidationError as err:
        raise HTTPException(status_code=422, detail=_problem(err)) from None
    return await _decide_and_return(
        services, reference, OnboardingWorkflow.decide_close_opportunity, decision,
        f"/sales/opportunities/{opportunity_id}",
    )  # fmt: skip
