"""The Sales console's information requests: `Ask for information` on a lead opens a form
(Message, the documents wanted, the due date, `Send request`); the lead's page lists the
requests with their answers and files (staff_information_context)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from domain.information_requests import DOCUMENT_KINDS, NewInformationRequest, due_problem
from starter.common.auth import ServicesDep, StaffPageDep
from starter.common.bootstrap import Services
from starter.common.rendering import render
from starter.services.errors import NotFound
from starter.services.information_requests import DueRefused, RequestRefused
from starter.staff.context import staff_context

router = APIRouter(include_in_schema=False)
FIELDS = ("message", "documents", "due")
# The due date the form suggests: a week, the usual time to fetch a certificate.
SUGGESTED_WAIT = timedelta(days=7)


def _form(
    request: Request,
    services: Services,
    user: str,
    lead_id: str,
    status: int = 200,
    **values: Any,
) -> Response:
    today = date.fromisoformat(services.information_requests.today())
    context = {
        "message": "",
        "documents": [],
        "due": (today + SUGGESTED_WAIT).isoformat(),
        "errors": {},
        "due_last": "",
        **values,
    }
    return render(
        request,
        "staff/sales/information_request_new.html",
        status,
        lead_id=lead_id,
        kinds=DOCUMENT_KINDS,
        today=today.isoformat(),
        **context,
        **staff_context(services, user, None),
    )


def _due_error(due: str, today: str) -> dict[str, str]:
    """The due date's problem, found beside the others' (the service checks it again)."""
    try:
        problem = due_problem(date.fromisoformat(due), date.fromisoformat(today))
    except ValueError:
        problem = "not a date"
    return {"due": "error.invalid"} if problem else {}


@router.get("/sales/leads/{lead_id}/information-requests/new", response_class=HTMLResponse)
async def ask_form(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    return _form(request, services, user, lead_id)


@router.post("/sales/leads/{lead_id}/information-requests", response_class=HTMLResponse)
async def ask(
    request: Request, lead_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    form = await request.form()
    values = {
        "message": str(form.get("message", ""))[:6000],
        "documents": [str(d) for d in form.getlist("documents")][: len(DOCUMENT_KINDS)],
        "due": str(form.get("due", ""))[:20],
    }
    errors = _due_error(str(values["due"]), services.information_requests.today())
    due_last = ""
    try:
        body = NewInformationRequest.model_validate(values)
        if not errors:
            await services.information_requests.ask(lead_id, user, body)
    except ValidationError as err:
        for error in err.errors():
            name = str(error["loc"][0])
            errors.setdefault(name, "error.missing" if name == "message" else "error.invalid")
    except DueRefused as refused:
        errors["due"] = "inforeq.due_after_expiry" if refused.last_day else "error.invalid"
        due_last = refused.last_day.isoformat() if refused.last_day else ""
    except NotFound:
        raise HTTPException(status_code=404) from None
    except RequestRefused as refused:
        back = f"/sales/leads/{lead_id}?problem={quote(str(refused))}"
        return RedirectResponse(back, status_code=303)
    if errors:
        ordered = {name: errors[name] for name in FIELDS if name in errors}
        return _form(
            request, services, user, lead_id, 422, errors=ordered, due_last=due_last, **values
        )
    return RedirectResponse(f"/sales/leads/{lead_id}#information-requests", status_code=303)
