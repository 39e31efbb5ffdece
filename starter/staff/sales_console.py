"""The Sales console: the two lead views, lead and opportunity pages, and their decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from domain.outcomes import DisqualifyReason, LostReason
from sales.port import LEAD_VIEWS
from starter.common.auth import ServicesDep, StaffPageDep
from starter.common.bootstrap import Services
from starter.common.rendering import render
from starter.services.documents import download_url
from starter.services.errors import NotFound
from starter.services.pipeline import Decided, DecisionRefused
from starter.staff.context import staff_context


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
        request,
        "staff/sales/in_dynamics.html",
        status,
        dynamics_url=services.settings.dataverse_url,
        **staff_context(services, exc.user, None),
    )


router = APIRouter(include_in_schema=False, dependencies=[Depends(_builtin_sales_only)])


def _not_found() -> HTTPException:
    return HTTPException(status_code=404)


@router.get("/sales/leads", response_class=HTMLResponse)
async def leads(
    request: Request, services: ServicesDep, user: StaffPageDep, view: str = "commerce-b2b"
) -> Response:
    if view not in LEAD_VIEWS:
        raise _not_found()
    rows = await services.pipeline.leads(view, user, 200, 0)
    title = "All Commerce B2B leads" if view == "commerce-b2b" else "My open leads"
    return render(
        request,
        "staff/sales/leads.html",
        leads=rows,
        title=title,
        **staff_context(services, user, None),
    )


@router.get("/sales/leads/{lead_id}", response_class=HTMLResponse)
async def lead_page(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    try:
        lead = await services.lead_reviews.lead(lead_id)
    except NotFound:
        raise _not_found() from None
    return render(
        request,
        "staff/sales/lead.html",
        lead=lead.record,
        processing=lead.processing,
        refresh=1 if lead.processing else None,
        disqualify_reasons=[r.value for r in DisqualifyReason],
        verification=lead.verification,
        needs_confirmation=lead.needs_confirmation,
        information_requests=lead.information_requests,
        download_url=download_url,
        problem=request.query_params.get("problem"),
        **staff_context(services, user, lead.record["reference"]),
    )


async def _decided(
    decision: Awaitable[Decided], back: str, invalid: Callable[[ValidationError], str]
) -> Response:
    """Back to the record's page; with the reason when the onboarding refuses the decision."""
    try:
        await decision
    except NotFound:
        raise _not_found() from None
    except ValidationError as err:
        raise HTTPException(status_code=422, detail=invalid(err)) from None
    except DecisionRefused as refused:
        return RedirectResponse(f"{back}?problem={quote(str(refused))}", status_code=303)
    return RedirectResponse(back, status_code=303)


def _no_reason(_: ValidationError) -> str:
    return "reason: not a disqualify reason"


@router.post("/sales/leads/{lead_id}/qualify")
async def qualify(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    # The box that confirms a verification that found something wrong was seen: its value
    # is the verdict the page showed, so a page older than a worse verdict confirms nothing.
    seen = (await request.form()).get("confirm_verification")
    qualifying = services.lead_reviews.qualify(
        lead_id, user, seen if isinstance(seen, str) else None
    )
    return await _decided(qualifying, f"/sales/leads/{lead_id}", str)


@router.post("/sales/leads/{lead_id}/disqualify")
async def disqualify(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    reason = str((await request.form()).get("reason", ""))
    disqualifying = services.pipeline.disqualify(lead_id, user, reason)
    return await _decided(disqualifying, f"/sales/leads/{lead_id}", _no_reason)


@router.get("/sales/opportunities/{opportunity_id}", response_class=HTMLResponse)
async def opportunity_page(
    request: Request, opportunity_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    try:
        opportunity = await services.pipeline.opportunity_under_review(opportunity_id)
    except NotFound:
        raise _not_found() from None
    settings = services.settings
    return render(
        request,
        "staff/sales/opportunity.html",
        opportunity=opportunity.record,
        processing=opportunity.processing,
        refresh=1 if opportunity.processing else None,
        lost_reasons=[r.value for r in LostReason],
        problem=request.query_params.get("problem"),
        credit_limit_amount=format(settings.onboarding_credit_limit_amount, "f"),
        credit_limit_currency=settings.onboarding_credit_limit_currency,
        **staff_context(services, user, opportunity.record["reference"]),
    )


def _credit_limit(services: Services, form: FormData) -> dict[str, str] | None:
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
    form = await request.form()
    outcome, reason = str(form.get("outcome", "")), form.get("reason")
    closing = services.pipeline.close(
        opportunity_id,
        user,
        outcome,
        reason=str(reason) if outcome == "lost" and reason is not None else None,
        credit_limit=_credit_limit(services, form) if outcome == "won" else None,
    )
    return await _decided(closing, f"/sales/opportunities/{opportunity_id}", _problem)
