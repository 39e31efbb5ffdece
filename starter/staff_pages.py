"""Staff pages: sign-in, the Sales console and the Commerce back office."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from commerce.prospects import PROSPECT_STATUSES
from domain.outcomes import DisqualifyReason, LostReason
from starter.auth import (
    SESSION_COOKIE,
    USER_COOKIE,
    ServicesDep,
    StaffPageDep,
    session_value,
)
from starter.rendering import render
from starter.services import (
    DecisionConflict,
    DecisionT,
    DecisionUpdate,
    OnboardingNotFound,
    Services,
)
from workflows.models import LeadDisqualified, LeadQualified, OpportunityClosed
from workflows.onboarding import OnboardingWorkflow

router = APIRouter(include_in_schema=False)


def _safe_next(url: str) -> str:
    # Only same-site paths: a sign-in link must not send the browser elsewhere.
    return url if url.startswith("/") and not url.startswith("//") else "/sales/leads"


@router.get("/staff/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/sales/leads") -> Response:
    return render(
        request, "staff/sign_in.html", next_url=_safe_next(next), failed=False,
        name=request.cookies.get(USER_COOKIE, ""),
    )  # fmt: skip


@router.post("/staff/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, services: ServicesDep) -> Response:
    form = await request.form()
    token, name, next_url = (str(form.get(k, "")) for k in ("token", "name", "next"))
    if not hmac.compare_digest(token.encode(), services.staff_token.encode()):
        # Switching language from the refused form keeps where the sign-in leads.
        page_url = f"/staff/sign-in?{urlencode({'next': _safe_next(next_url)})}"
        return render(
            request, "staff/sign_in.html", 401, page_url=page_url,
            next_url=_safe_next(next_url), failed=True, name=name[:200],
        )  # fmt: skip
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    cookie: dict[str, Any] = {"httponly": True, "samesite": "strict", "max_age": 12 * 3600}
    response.set_cookie(SESSION_COOKIE, session_value(services), **cookie)
    response.set_cookie(USER_COOKIE, quote(name.strip()[:200] or "staff"), **cookie)
    return response


@router.post("/staff/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/staff/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(USER_COOKIE)
    return response


def staff_context(services: Services, user: str, reference: str | None) -> dict[str, Any]:
    return {
        "staff_user": user,
        "reference": reference,
        "temporal_ui_url": services.settings.onboarding_temporal_ui_url.rstrip("/"),
        "namespace": services.settings.temporal_namespace,
    }


def record_page(
    request: Request, services: Services, user: str, template: str, **record: dict[str, Any] | None
) -> Response:
    """The page of one record of an onboarding, linked to its run; 404 when it is unknown."""
    [(name, row)] = record.items()
    if row is None:
        raise HTTPException(status_code=404)
    context: dict[str, Any] = {name: row, **staff_context(services, user, row["reference"])}
    return render(request, template, **context)


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
    if view not in ("commerce-b2b", "my-open"):
        raise HTTPException(status_code=404)
    rows = await services.sales.leads(view, user, 200, 0)
    title = "All Commerce B2B leads" if view == "commerce-b2b" else "My open leads"
    return render(
        request, "sales/leads.html", leads=rows, title=title,
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
        request, "sales/lead.html", lead=lead, processing=processing,
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
        request, "sales/opportunity.html", opportunity=opportunity, processing=processing,
        refresh=1 if processing else None, lost_reasons=[r.value for r in LostReason],
        problem=request.query_params.get("problem"),
        **staff_context(services, user, opportunity["reference"]),
    )  # fmt: skip


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
             "reason": reason if outcome == "lost" else None}
        )  # fmt: skip
    except ValueError as err:
        raise HTTPException(status_code=422, detail=f"outcome or reason: {err}") from None
    return await _decide_and_return(
        services, reference, OnboardingWorkflow.decide_close_opportunity, decision,
        f"/sales/opportunities/{opportunity_id}",
    )  # fmt: skip


@router.get("/commerce/prospects", response_class=HTMLResponse)
async def prospects(
    request: Request, services: ServicesDep, user: StaffPageDep, status: str = ""
) -> Response:
    chosen = status if status in PROSPECT_STATUSES else None
    rows = await services.commerce.prospects.list(chosen, 200, 0)
    return render(
        request, "commerce/prospects.html", prospects=rows, status=chosen,
        statuses=PROSPECT_STATUSES, **staff_context(services, user, None),
    )  # fmt: skip


@router.get("/commerce/prospects/{prospect_id}", response_class=HTMLResponse)
async def prospect_page(
    request: Request, prospect_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    prospect = await services.commerce.prospects.get(prospect_id)
    return record_page(request, services, user, "commerce/prospect.html", prospect=prospect)


@router.get("/commerce/customer-hierarchies/{hierarchy_id}", response_class=HTMLResponse)
async def hierarchy_page(
    request: Request, hierarchy_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    hierarchy = await services.commerce.customers.hierarchy(hierarchy_id)
    return record_page(request, services, user, "commerce/hierarchy.html", hierarchy=hierarchy)
