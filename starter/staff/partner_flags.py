"""The partner flags of the back office's hierarchy page: staff clear one with a reason."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from starter.common.auth import ServicesDep, StaffAccountDep
from starter.services.back_office import FlagAlreadyCleared
from starter.services.errors import NotFound
from starter.staff.back_office import REASON_MAX, _hierarchy_page

router = APIRouter(include_in_schema=False)
# A flag's id is a positive bigint; anything else names no flag.
_FLAG_ID = re.compile(r"^[1-9][0-9]{0,17}$")


def reason_problem(reason: str) -> bool:
    """Whether the reason is refused: it is required, one line of at most 500 characters."""
    return not 1 <= len(reason) <= REASON_MAX or not reason.isprintable()


@router.post("/commerce/customer-hierarchies/{hierarchy_id}/partner-flags/{flag_id}/clear")
async def clear_flag(
    request: Request,
    hierarchy_id: str,
    flag_id: str,
    services: ServicesDep,
    staff: StaffAccountDep,
) -> Response:
    if not _FLAG_ID.fullmatch(flag_id):
        raise HTTPException(status_code=404)
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    if reason_problem(reason):
        refused = {"id": int(flag_id), "reason": reason}
        return await _hierarchy_page(
            request, services, staff.name, hierarchy_id, 422, flag_error=refused
        )
    try:
        # The audit log keeps the account's id; its name is looked up whenever it is read.
        await services.back_office.clear_partner_flag(hierarchy_id, int(flag_id), staff.id, reason)
    except NotFound:
        raise HTTPException(status_code=404) from None
    except FlagAlreadyCleared:
        pass  # cleared in another tab, or twice: the page shows it cleared
    return RedirectResponse(
        f"/commerce/customer-hierarchies/{hierarchy_id}?done=flag_cleared#partner-flags",
        status_code=303,
    )
