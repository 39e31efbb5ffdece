"""The Commerce back office: "All prospects", a prospect, a customer hierarchy with its
credit and site users, whom staff can block, unblock or send a new link, and the credit
limit, which staff change with a reason."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from commerce.prospects import PROSPECT_STATUSES
from domain.outcomes import Amount
from starter.common.auth import ServicesDep, StaffPageDep
from starter.common.rendering import render
from starter.services import Services
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
}
# The statuses whose user a link helps: an activation link or a password reset link.
LINK_STATUSES = ("invited", "active")
LIMIT_CHANGED = "The credit limit is changed; its history below says by whom and why."
# The credit limit form: each field's id and label, and what is wrong when it is refused.
LIMIT_FIELDS = {"amount": ("new-credit-limit", "New credit limit"),
                "reason": ("credit-limit-reason", "Reason")}  # fmt: skip
LIMIT_PROBLEMS = {
    "amount": "must be digits with at most two decimals, like 1000000 or 1234.50",
    "reason": "say why, in 1 to 500 characters on one line",
}
REASON_MAX = 500
_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)


@router.get("/commerce/prospects", response_class=HTMLResponse)
async def prospects(
    request: Request, services: ServicesDep, user: StaffPageDep, status: str = ""
) -> Response:
    chosen = status if status in PROSPECT_STATUSES else None
    rows = await services.commerce.prospects.list(chosen, 200, 0)
    return render(
        request, "staff/commerce/prospects.html", prospects=rows, status=chosen,
        statuses=PROSPECT_STATUSES, **staff_context(services, user, None),
    )  # fmt: skip


@router.get("/commerce/prospects/{prospect_id}", response_class=HTMLResponse)
async def prospect_page(
    request: Request, prospect_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    prospect = await services.commerce.prospects.get(prospect_id)
    if prospect is not None:
        # Dynamics 365's pages of its lead and opportunity, when Sales is there.
        prospect["sales_records"] = await services.sales.record_links(prospect["reference"])
    return record_page(request, services, user, "staff/commerce/prospect.html", prospect=prospect)


async def _hierarchy(services: Services, hierarchy_id: str) -> dict[str, Any]:
    hierarchy = await services.commerce.customers.hierarchy(hierarchy_id)
    if hierarchy is None:
        raise HTTPException(status_code=404)
    return hierarchy


def _outcome(request: Request, users: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The notice, or the problem, that the last action left on the page."""
    done, about = request.query_params.get("done", ""), request.query_params.get("user")
    if done == "limit_changed":
        return LIMIT_CHANGED, None
    emails = {u["site_user_id"]: u["email"] for u in users}
    text = DONE[done].format(email=emails[about]) if done in DONE and about in emails else None
    return (None, text) if done == "link_refused" else (text, None)


async def _hierarchy_page(
    request: Request,
    services: Services,
    user: str,
    hierarchy: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    hierarchy_id, customer_id = hierarchy["id"], hierarchy["organization_customer_id"]
    users = await services.commerce.partner_users.users(hierarchy_id)
    audit = await services.commerce.partner_users.audit(hierarchy_id)
    limits = services.commerce.credit_limits
    credit = await limits.summary(customer_id)
    notice, problem = _outcome(request, users)
    errors = errors or {}
    limit_problems = [(*LIMIT_FIELDS[name], message) for name, message in errors.items()]
    return render(
        request, "staff/commerce/hierarchy.html", status_code, hierarchy=hierarchy,
        site_users=users, audit=audit,
        link_statuses=LINK_STATUSES, notice=notice, problem=problem,
        credit=credit, limit_changes=await limits.changes(customer_id),
        ledger=await limits.ledger(customer_id), limit_problems=limit_problems, errors=errors,
        values=values or {"amount": format(credit["amount"], "f") if credit else "", "reason": ""},
        **staff_context(services, user, hierarchy["reference"]),
    )  # fmt: skip


@router.get("/commerce/customer-hierarchies/{hierarchy_id}", response_class=HTMLResponse)
async def hierarchy_page(
    request: Request, hierarchy_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    hierarchy = await _hierarchy(services, hierarchy_id)
    return await _hierarchy_page(request, services, user, hierarchy)


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
    request: Request, hierarchy_id: str, services: ServicesDep, user: StaffPageDep
) -> Response:
    hierarchy = await _hierarchy(services, hierarchy_id)
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in LIMIT_FIELDS}
    amount, errors = _limit_change(values)
    if amount is None or errors:
        return await _hierarchy_page(request, services, user, hierarchy, 422, errors, values)
    # A fresh key per click: each change is its own entry in the history and the ledger.
    changed = await services.commerce.credit_limits.change(
        hierarchy["organization_customer_id"], amount, user, values["reason"],
        f"staff-limit:{uuid.uuid4()}",
    )  # fmt: skip
    if changed is None:
        raise HTTPException(status_code=409, detail="amount: the organization has no credit limit")
    return RedirectResponse(
        f"/commerce/customer-hierarchies/{hierarchy_id}?done=limit_changed", status_code=303
    )


async def _site_user(services: Services, site_user_id: str) -> dict[str, Any]:
    row = await services.commerce.partner_users.by_id(site_user_id)
    if row is None:
        raise HTTPException(status_code=404)
    return row


def _back(row: dict[str, Any], done: str) -> Response:
    query = urlencode({"done": done, "user": row["site_user_id"]})
    return RedirectResponse(
        f"/commerce/customer-hierarchies/{row['hierarchy_id']}?{query}", status_code=303
    )


async def _set_blocked(services: Services, site_user_id: str, blocked: bool, user: str) -> Response:
    row = await _site_user(services, site_user_id)
    action = "block" if blocked else "unblock"
    # A fresh key per click: each staff action is its own audit entry (none when unchanged).
    change_key = f"staff-{action}:{site_user_id}:{uuid.uuid4()}"
    await services.commerce.memberships.set_blocked(site_user_id, blocked, user, change_key)
    return _back(row, f"{action}ed")


@router.post("/commerce/site-users/{site_user_id}/block")
async def block(site_user_id: str, services: ServicesDep, user: StaffPageDep) -> Response:
    return await _set_blocked(services, site_user_id, True, user)


@router.post("/commerce/site-users/{site_user_id}/unblock")
async def unblock(site_user_id: str, services: ServicesDep, user: StaffPageDep) -> Response:
    return await _set_blocked(services, site_user_id, False, user)


@router.post("/commerce/site-users/{site_user_id}/resend-link")
async def resend_link(site_user_id: str, services: ServicesDep, user: StaffPageDep) -> Response:
    row = await _site_user(services, site_user_id)
    if row["status"] not in LINK_STATUSES or row["blocked"]:
        return _back(row, "link_refused")
    # The email goes in the language the organization asked to be onboarded in; the staff
    # member's own page language says nothing about the partner's.
    hierarchy = await services.commerce.customers.hierarchy(row["hierarchy_id"])
    prospect = hierarchy and await services.commerce.prospects.get(hierarchy["prospect_id"])
    locale = prospect["locale"] if prospect else "en"
    await services.accounts.request_link("site", row["email"], locale)
    await services.commerce.partner_users.record(
        row["hierarchy_id"], f"staff-link:{uuid.uuid4().hex}", user, "link_requested_by_staff",
        site_user_id,
    )  # fmt: skip
    return _back(row, "link_sent")
