"""What every resource of the JSON API shares: its error answers, paging parameters, and the
answer to a staff decision."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterator
from typing import Annotated, Any

from fastapi import HTTPException, Query
from fastapi.responses import JSONResponse

from starter.api.schemas import DecisionAccepted
from starter.common.problem import Problem
from starter.services.errors import NotFound
from starter.services.pipeline import Decided, DecisionRefused

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Problem}}
STAFF: dict[int | str, dict[str, Any]] = {401: {"model": Problem}}
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
# What FastAPI answers, as 400, to a body it cannot decode (bytes that are not UTF-8); the app
# turns it into a 422 that says so.
BODY_PARSE_ERROR = "There was an error parsing the body"


def not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} not found")


@contextlib.contextmanager
def found() -> Iterator[None]:
    """A record the service did not find answers 404, naming what was looked for."""
    try:
        yield
    except NotFound as err:
        raise not_found(err.what) from None


def conflict(reason: str, reference: str) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": reason, "reference": reference})


async def decision_answer(decision: Awaitable[Decided]) -> DecisionAccepted | JSONResponse:
    """202 with the onboarding's status once the decision is taken; 409 with the reason
    when the onboarding refuses it; 404 when the service finds nothing to decide."""
    with found():
        try:
            decided = await decision
        except DecisionRefused as refused:
            return conflict(str(refused), refused.reference)
    return DecisionAccepted(
        reference=decided.reference, status=decided.status, opportunity_id=decided.opportunity_id
    )
