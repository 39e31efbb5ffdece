"""Onboarding requests: submitted by the B2B site or another program, read and erased by staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from domain.request import OnboardingRequest
from sales.port import Row
from starter.api.common import NOT_FOUND, STAFF, conflict, found
from starter.api.onboarding_schemas import Onboarding, SalesRecord, Submitted
from starter.api.schemas import Problem
from starter.api.verification_schemas import CompanyVerification
from starter.api.waiting import entity_tags, preferred_wait, quoted
from starter.common.auth import ServicesDep, StaffDep
from starter.services.onboardings import OnboardingState, OnboardingStatus, Submission
from starter.services.reads import MAX_WAIT, Unchanged
from starter.services.start import AlreadyInProgress, IdempotencyKeyReused
from starter.services.verification import Verification

router = APIRouter()
IdempotencyKey = Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")]
# One answer for an email with an open onboarding and for a site user's email, so that it
# tells nobody whether an address has an account.
SUBMIT_CONFLICT: dict[str, Any] = {
    "model": Problem,
    "description": "The email has an onboarding in progress or belongs to a site user (one "
    "answer for both: `reference` names the open onboarding, or stands for none, the same at "
    "every try); or the Idempotency-Key was first used for another request.",
}


def status_url(request: Request, submission: Submission) -> str:
    page = request.url_for("status_page", reference=submission.reference)
    return str(page.include_query_params(sig=submission.signature))


@router.post(
    "/onboarding-requests",
    status_code=202,
    response_model=Submitted,
    responses={409: SUBMIT_CONFLICT, 429: {"model": Problem}},
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
        submission = await services.onboardings.submit(body, "api", idempotency_key)
    except AlreadyInProgress as err:
        return conflict("an onboarding for this email is already in progress", err.reference)
    except IdempotencyKeyReused as err:
        # A conflict with what the key already stands for: the request itself may be valid.
        return conflict(str(err), err.reference)
    return Submitted(
        reference=submission.reference,
        status=OnboardingStatus.PENDING,
        status_url=status_url(request, submission),
    )


def onboarding_view(
    state: OnboardingState,
    sales_records: list[Row] | None = None,
    verification: Verification | None = None,
) -> Onboarding:
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
        waiting_for_applicant=state.waiting_for_applicant,
        sales_records=[SalesRecord.model_validate(r) for r in sales_records or []],
        verification=CompanyVerification.of(verification) if verification else None,
    )


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the state still has a tag the client listed"}
}
ENTITY_TAG = {
    200: {
        "headers": {
            "ETag": {
                "description": 'The state\'s version; "0" until the run publishes a state',
                "schema": {"type": "string"},
            }
        }
    }
}


@router.get(
    "/onboarding-requests/{reference}",
    response_model=Onboarding,
    responses=ENTITY_TAG | NOT_MODIFIED | NOT_FOUND | STAFF,
)
async def get_onboarding(
    reference: str,
    response: Response,
    services: ServicesDep,
    _: StaffDep,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
    prefer: Annotated[str | None, Header(max_length=1000)] = None,
) -> Onboarding | Response:
    """The onboarding's state. With `If-None-Match` listing the tag last seen (`"0"` before
    any) and `Prefer: wait=N` (at most 20 seconds), the answer waits until the state
    changes: 304 if it has not by then."""
    seen = entity_tags(if_none_match)
    wait = preferred_wait(prefer, MAX_WAIT) if seen else None
    applied = {"Preference-Applied": f"wait={wait:g}"} if wait else {}
    with found():
        read = await services.onboardings.read(reference, seen, wait)
    if isinstance(read, Unchanged):
        return Response(status_code=304, headers={"ETag": quoted(read.tag), **applied})
    response.headers.update(applied)
    if read.tag is not None:
        response.headers["ETag"] = quoted(read.tag)
    return onboarding_view(read.state, read.sales_records, read.verification)


@router.delete("/onboarding-requests/{reference}", status_code=204, responses=NOT_FOUND | STAFF)
async def erase(reference: str, services: ServicesDep, _: StaffDep) -> Response:
    """Erase the onboarding: stop its run and delete its rows in Commerce and Sales."""
    with found():
        await services.onboardings.erase(reference)
    return Response(status_code=204)
