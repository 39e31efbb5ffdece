"""The checkout call's route: FastAPI documents it from the endpoint's declaration like any
other, but its requests skip FastAPI's dependency solving and the answer's second validation.

Every order passes through this one call, and the web app's single event loop bounds how
many a second it takes. FastAPI's per-request work for it (solving three nested dependencies,
then checking and copying the endpoint's answer against its own model) was a quarter of the
web app's CPU per authorization (docs/benchmark.md, "A lean route for the checkout call").
Here the same steps run by hand, in FastAPI's order, with FastAPI's answers: a body that is
not JSON (422), then the token (401), then the body's fields (422, each under `body`).
Overriding `get_route_handler` is FastAPI's documented way to change how a route handles its
requests ("Custom Request and APIRoute class")."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine
from email.message import Message
from typing import Any, cast

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from starter.api.common import BODY_PARSE_ERROR
from starter.common.auth import bearer_token, storefront_caller
from starter.common.bootstrap import Services

# A request without a body, told apart from a body of JSON `null`, as FastAPI tells them.
NO_BODY = object()
Endpoint = Callable[[Any, Services, str], Awaitable[BaseModel | Response]]


class CheckoutRoute(APIRoute):
    """For an endpoint `(body, services, caller)` that a storefront (or staff) calls with a
    JSON body; the body's model is the endpoint's first parameter's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = cast(Endpoint, self.endpoint)
        body_model = cast(type[BaseModel], self.dependant.body_params[0].field_info.annotation)

        async def handle(request: Request) -> Response:
            received = await _json_body(request)
            services: Services = request.app.state.services
            token = bearer_token(request.headers.get("authorization"))
            caller = storefront_caller(services, token)
            answer = await endpoint(_validated(body_model, received), services, caller)
            if isinstance(answer, Response):
                return answer
            return Response(answer.model_dump_json(), media_type="application/json")

        return handle


async def _json_body(request: Request) -> Any:
    """The body as FastAPI reads it: parsed when it says it is JSON, the bytes otherwise,
    NO_BODY when there is none."""
    raw = await request.body()
    if not raw:
        return NO_BODY
    content_type = request.headers.get("content-type")
    if content_type is None:
        return raw
    # The storefront's own header, at once; any other through the parser FastAPI uses.
    if content_type != "application/json" and not _says_json(content_type):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        problem = {
            "type": "json_invalid",
            "loc": ("body", error.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": error.msg},
        }
        raise RequestValidationError([problem], body=error.doc) from error
    except ValueError as error:  # bytes that are not UTF-8
        raise HTTPException(status_code=400, detail=BODY_PARSE_ERROR) from error


def _says_json(content_type: str) -> bool:
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _validated(model: type[BaseModel], received: Any) -> BaseModel:
    if received is NO_BODY:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing])
    try:
        return model.model_validate(received, from_attributes=True)
    except ValidationError as invalid:
        errors = [
            {**error, "loc": ("body", *error["loc"])} for error in invalid.errors(include_url=False)
        ]
        raise RequestValidationError(errors, body=received) from None
