"""A lead's information requests: ask the applicant, and read the requests with their answers.
Both Sales backends (with Dynamics 365 this API is the way to ask; `lead_id` is the lead's
GUID there)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import JSONResponse

from domain.information_requests import NewInformationRequest
from starter.api.common import CONFLICT, NOT_FOUND, STAFF, conflict, found
from starter.api.information_request_schemas import InformationRequest
from starter.common.auth import ServicesDep, StaffDep
from starter.services.information_requests import DueRefused, RequestRefused, RequestWithAnswers

router = APIRouter()
PATH = "/sales/leads/{lead_id}/information-requests"
LeadId = Path(max_length=100)


@router.post(
    PATH,
    status_code=201,
    response_model=InformationRequest,
    responses=NOT_FOUND | CONFLICT | STAFF,
)
async def ask_for_information(
    body: NewInformationRequest, services: ServicesDep, user: StaffDep, lead_id: str = LeadId
) -> InformationRequest | JSONResponse:
    """Ask the applicant for information and documents by the due date (their last day to
    answer, in the shop's time zone); they get an email with the link. 409 when the lead is
    not open."""
    with found():
        try:
            asked = await services.information_requests.ask(lead_id, user, body)
        except DueRefused as refused:
            problem = {"loc": ["body", "due"], "msg": str(refused), "type": "value_error"}
            raise HTTPException(status_code=422, detail=[problem]) from None
        except RequestRefused as refused:
            return conflict(str(refused), refused.reference)
    return InformationRequest.of(RequestWithAnswers(asked, []))


@router.get(PATH, response_model=list[InformationRequest], responses=NOT_FOUND | STAFF)
async def information_requests(
    services: ServicesDep, _: StaffDep, lead_id: str = LeadId
) -> list[InformationRequest]:
    """The lead's requests, oldest first, each with its answers and their files."""
    with found():
        requests = await services.information_requests.of_lead(lead_id)
    return [InformationRequest.of(r) for r in requests]
