"""The approvals page: orders that need approval, as whoever may decide them now (an approver,
an admin, a delegate) approves or declines them, and the approver's own delegation."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from starter.common.auth import PartnerPageDep, ServicesDep
from starter.common.rendering import render
from starter.services.approvals import DelegationProblem, NotADecider
from starter.services.credit import WrongState
from starter.services.errors import NotFound

router = APIRouter(include_in_schema=False)
PAGE = "/organization/approvals"
DELEGATION = "/organization/delegation"
DONE = ("approved", "declined", "delegated", "ended")


def _refusal(request: Request, status: int, message_key: str) -> Response:
    """A decision that was not taken: the page says why, with the way back."""
    return render(
        request, "site/approvals.html", status, view=None, message_key=message_key, errors={}
    )


@router.get(PAGE, response_class=HTMLResponse)
async def approvals(request: Request, services: ServicesDep, user: PartnerPageDep) -> Response:
    view = await services.approvals.view(user)
    done = request.query_params.get("done")
    return render(
        request,
        "site/approvals.html",
        view=view,
        done_key=f"approvals.done.{done}" if done in DONE else None,
        values={},
        errors={},
    )


@router.post(PAGE + "/{order_reference}/{decision}")
async def decide(
    request: Request,
    order_reference: str,
    decision: str,
    services: ServicesDep,
    user: PartnerPageDep,
) -> Response:
    try:
        await services.credit.decide(user, order_reference, decision)
    except NotFound:
        raise HTTPException(status_code=404) from None
    except NotADecider:
        return _refusal(request, 403, "approvals.not_yours")
    except WrongState:
        return _refusal(request, 409, "approvals.decided")
    return RedirectResponse(f"{PAGE}?done={decision}d", status_code=303)


@router.post(DELEGATION)
async def delegate(request: Request, services: ServicesDep, user: PartnerPageDep) -> Response:
    form = await request.form()
    values = {
        name: value.strip()[:100] if isinstance(value := form.get(name, ""), str) else ""
        for name in ("delegate_id", "until")
    }
    try:
        await services.approvals.delegate(user, values["delegate_id"], values["until"])
    except NotADecider:
        return _refusal(request, 403, "approvals.not_yours")
    except DelegationProblem as problem:
        view = await services.approvals.view(user)
        errors = {problem.field: problem.message_key}
        return render(request, "site/approvals.html", 422, view=view, values=values, errors=errors)
    return RedirectResponse(f"{PAGE}?done=delegated", status_code=303)


@router.post(DELEGATION + "/end")
async def end_delegation(services: ServicesDep, user: PartnerPageDep) -> Response:
    await services.approvals.end_delegation(user)
    return RedirectResponse(f"{PAGE}?done=ended", status_code=303)
