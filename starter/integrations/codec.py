"""Remote codec for the Temporal UI: staff can read decrypted payloads there.

Speaks the UI's codec protocol: POST /codec/encode and /codec/decode with
{"payloads": [...]} in Temporal's JSON form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, Request, Response
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from starter.common.auth import ServicesDep, StaffDep

router = APIRouter(prefix="/codec", include_in_schema=False)


async def _apply(
    request: Request, transform: Callable[[Sequence[Payload]], Awaitable[list[Payload]]]
) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except json_format.ParseError as err:
        return Response(f"payloads: {err}", status_code=422, media_type="text/plain")
    try:
        result = Payloads(payloads=await transform(payloads.payloads))
    except ValueError as err:  # an unknown key id, or data that is not ours
        return Response(str(err), status_code=422, media_type="text/plain")
    return Response(json_format.MessageToJson(result), media_type="application/json")


@router.post("/decode")
async def decode(request: Request, services: ServicesDep, _: StaffDep) -> Response:
    return await _apply(request, services.codec.decode)


@router.post("/encode")
async def encode(request: Request, services: ServicesDep, _: StaffDep) -> Response:
    return await _apply(request, services.codec.encode)
