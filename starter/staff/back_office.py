"""The Commerce back office: "All prospects", a prospect, a customer hierarchy with its
credit and members, whose site users staff can block, unblock or send a new link, and the
credit limit, which staff change with a reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from commerce.prospects import PROSPECT_STATUSES
from domain.outcomes import Amount
from starter.common.auth import ServicesDep, StaffAccountDep, StaffPageDep
from starter.common.bootstrap import Services
from starter.common.money import amount_input
from starter.common.rendering import render
from starter.services.back_office import LastAdminStays, NoCreditLimit, NotInCurrency
from starter.services.errors import NotFound
from starter.staff.context import record_page, staff_context

router = APIRouter(include_in_schema=False)

# The notice after each action; fixed texts, so a crafted link cannot put words on the page.
DONE = {
    "blocked": "{email} is blocked and signed out.",
    "unblocked": "{email} is unblocked.",
    # Nothing goes out while a link sent in the last minute still works, hence "unless".
    "link_sent": "A new link is on its way to {email}, unless one sent in the last minute "
    "still works.",
    "link_refused": "{email} gets no link: only invited or active users who are not blocked do.",
    "last_admin": "{email} stays unblocked: they are the organization's only admin who can "
    "act. Make another user admin first.",
}
LAST = "last_admin"
PROBLEMS = frozenset({"link_refused", LAST})
# The link each status gets, named for what it does: an invited user has still to activate,
# an active one can only reset the password. Blocked users and the others get none.
LINK_BUTTONS = {"invited": "Resend activation link", "active": "Send password reset link"}
LIMIT_CHANGED = "The credit limit is changed; its history below says by whom and why."
# The credit limit form: each field's id and label, and what is wrong when it is refused.
LIMIT_FIELDS = {
    "amount": ("new-credit-limit", "New credit limit"),
    "reason": ("credit-limit-reason", "Reason"),
}
LIMIT_PROBLEMS = {
    "amount": "must be digits with at most two decimals, like 1000000 or 1234.50",
    "reason": "say why, in 1 to 500 characters on one line",
}
# An amount in yen (or another currency without minor units) is whole.
NOT_IN_CURRENCY = "has no decimals in {currency}: type a whole amount, like 1000000"
REASON_MAX = 500
_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)


def _not_found() -> HTTPException:
    return HTTPException(status_code=404)


@router.get("/commerce/prospects", response_class=HTMLResponse)
async def prospects(
    request: Request, services: ServicesDep, user: StaffPageDep, status: str = ""
) -> Response:
    chosen = status if status in PROSPECT_STATUSES else None
    rows = await services.back_office.prospects(chosen, 200, 0)
    return render(
        request,
        "staff/commerce/prospects.html",
        prospects=rows,
        status=chosen,
        statuses=PROSPECT_STATUSES,
        **staff_context(services, user, None),
    )


@router.get("/commerce/prospects/{prospect_id}", response_class=HTMLResponse)
async def prospect_page(
    request: Request, prospect_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    try:
        prospect = await services.back_office.prospect_with_sales_records(prospect_id)
    except NotFound:
        raise _not_found() from None
    return record_page(request, services, user, "staff/commerce/prospect.html", prospect=prospect)


def _outcome(request: Request, users: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The notice, or the problem, that the last action left on the page."""
    done, about = request.query_params.get("done", ""), request.query_params.get("user")
    if done == "limit_changed":
        return LIMIT_CHANGED, None
    emails = {u["site_user_id"]: u["email"] for u in users}
    text = DONE[done].format(email=emails[about]) if done in DONE and about in emails else None
    return (None, text) if done in PROBLEMS else (text, None)


async def _hierarchy_page(
    request: Request,
    services: Services,
    user: str,
    hierarchy_id: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    flag_error: dict[str, Any] | None = None,
) -> Response:
    try:
        overview = await services.back_office.hierarchy_overview(hierarchy_id)
    except NotFound:
        raise _not_found() from None
    notice, problem = _outcome(request, overview.members)
    errors = errors or {}
    credit = overview.credit
    amount = amount_input(credit["amount"], credit["currency"]) if credit else ""
    return render(
        request,
        "staff/commerce/hierarchy.html",
        status_code,
        hierarchy=overview.hierarchy,
        members=overview.members,
        audit=overview.audit,
        link_buttons=LINK_BUTTONS,
        notice=notice,
        problem=problem,
        credit=credit,
        limit_changes=overview.limit_changes,
        ledger=overview.ledger,
        flags=overview.flags,
        # A clearing refused for its reason: {"id": the flag's id, "reason": as typed}.
        flag_error=flag_error,
        flag_cleared=request.query_params.get("done") == "flag_cleared",
        limit_problems=[(*LIMIT_FIELDS[name], message) for name, message in errors.items()],
        errors=errors,
        values=values or {"amount": amount, "reason": ""},
        **staff_context(services, user, overview.hierarchy["reference"]),
    )


@router.get("/commerce/customer-hierarchies/{hierarchy_id}", response_class=HTMLResponse)
async def hierarchy_page(
    request: Request, hierarchy_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    return await _hierarchy_page(request, services, user, hierarchy_id)


def _limit_change(values: dict[str, str]) -> tuple[Decimal | None, dict[str, str]]:
    """The new limit typed on the form, and each field's problem (none when both are fine)."""
    errors: dict[str, str] = {}
    amount: Decimal | None = None
    try:
        amount = _AMOUNT.validate_python(values["amount"])
    except ValidationError:
        errors["amount"] = LIMIT_PROBLEMS["amount"]
    # A reason is one line of text: no control characters (a NUL would not even store).
    if not 1 <= len(values["reason"]) <= REASON_MAX or not values["reason"].isprintable():
        errors["reason"] = LIMIT_PROBLEMS["reason"]
    return amount, errors


@router.post("/commerce/customer-hierarchies/{hierarchy_id}/credit-limit")
async def change_credit_limit(
    request: Request, hierarchy_id: str, services: ServicesDep, staff: StaffAccountDep
) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in LIMIT_FIELDS}
    amount, errors = _limit_change(values)
    if amount is None or errors:
        return await _hierarchy_page(
            request, services, staff.name, hierarchy_id, 422, errors, values
        )
    try:
        # The history keeps the account's id; its name is looked up whenever it is read.
        await services.back_office.change_credit_limit(
            hierarchy_id, amount, staff.id, values["reason"]
        )
    except NotFound:
        raise _not_found() from None
    except NotInCurrency as refused:
        errors = {"amount": NOT_IN_CURRENCY.format(currency=refused.currency)}
        return await _hierarchy_page(
            request, services, staff.name, hierarchy_id, 422, errors, values
        )
    except NoCreditLimit:
        raise HTTPException(
            status_code=409, detail="amount: the organization has no credit limit"
        ) from None
    return RedirectResponse(
        f"/commerce/customer-hierarchies/{hierarchy_id}?done=limit_changed", status_code=303
    )


def _back(row: dict[str, Any], done: str) -> Response:
    query = urlencode({"done": done, "user": row["site_user_id"]})
    return RedirectResponse(
        f"/commerce/customer-hierarchies/{row['hierarchy_id']}?{query}", status_code=303
    )


async def _set_blocked(
    services: Services, site_user_id: str, blocked: bool, staff_id: str
) -> Response:
    try:
        row = await services.back_office.set_blocked(site_user_id, blocked, staff_id)
    except NotFound:
        raise _not_found() from None
    except LastAdminStays as refused:  # the organization's last admin: make another first
        return _back({"site_user_id": site_user_id, "hierarchy_id": refused.hierarchy_id}, LAST)
    return _back(row, "blocked" if blocked else "unblocked")


@router.post("/commerce/site-users/{site_user_id}/block")
async def block(site_user_id: str, services: ServicesDep, staff: StaffAccountDep) -> Response:
    return await _set_blocked(services, site_user_id, True, staff.id)


@router.post("/commerce/site-users/{site_user_id}/unblock")
async def unblock(site_user_id: str, services: ServicesDep, staff: StaffAccountDep) -> Response:
    return await _set_blocked(services, site_user_id, False, staff.id)


@router.post("/commerce/site-users/{site_user_id}/resend-link")
async def resend_link(site_user_id: str, services: ServicesDep, staff: StaffAccountDep) -> Response:
    try:
        answer = await services.back_office.resend_link(site_user_id, staff.id)
    except NotFound:
        raise _not_found() from None
    return _back(answer.site_user, "link_sent" if answer.sent else "link_refused")
