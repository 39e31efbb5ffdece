"""The reverse proxy's question before it serves the Temporal UI: is this a staff member?

The production stack serves the UI under /temporal/ on the web app's own origin, so the
staff session cookie reaches both this check and the codec, and no UI setting is needed.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from starter.common.auth import SECOND_FACTOR_PAGES, SIGN_IN_PAGES, ServicesDep

router = APIRouter()
UI_PATH = "/temporal/"


@router.get("/staff/operator-check", status_code=204)
async def operator_check(request: Request, services: ServicesDep) -> Response:
    """204 for a signed-in staff member who passed the second factor; anyone else is sent
    to sign in (or to the factor's step), then back."""
    headers = {"Cache-Control": "no-store"}
    signed_in = await services.sessions.current(request, "staff")
    if signed_in is not None and signed_in.complete:
        return Response(status_code=204, headers=headers)
    wanted = request.headers.get("x-forwarded-uri", "")
    # Only back into the UI: a forwarded URI must not make this an open redirect.
    back = wanted if wanted.startswith(UI_PATH) and len(wanted) <= 2000 else UI_PATH
    page = SIGN_IN_PAGES["staff"] if signed_in is None else SECOND_FACTOR_PAGES["staff"]
    target = f"{page}?{urlencode({'next': back})}"
    return RedirectResponse(target, status_code=303, headers=headers)
