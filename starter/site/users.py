"""The organization's users as its admin manages them: invite, edit, remove, restore, resend,
hand over the admin role, and the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from commerce.accounts import Account
from starter.common.auth import PartnerPageDep, ServicesDep
from starter.common.clients import client_of
from starter.common.i18n import pick_locale
from starter.common.rendering import render
from starter.services.errors import NotFound
from starter.services.partner_user_forms import (
    FieldProblem,
    MemberDetails,
    NewUserForm,
    NotAllowed,
)

router = APIRouter(include_in_schema=False)
DETAILS = (
    "first_name", "last_name", "job_title", "phone", "spending_limit", "monthly_budget", "role"
)  # fmt: skip
NEW_USER = ("first_name", "last_name", "email", "job_title", "phone", "spending_limit")
ERROR_KEYS = {
    "missing": "error.missing",
    "string_too_short": "error.missing",
    "string_too_long": "error.too_long",
    "greater_than_equal": "users.negative_limit",
    "decimal_max_places": "users.limit_format",
    "decimal_parsing": "users.limit_format",
    "decimal_max_digits": "users.limit_format",
}
MOVES = {"remove": "removed", "restore": "restored"}
PROBLEMS = (
    "users.not_now", "users.admin_stays", "users.not_found", "users.email_taken",
    "users.last_admin",
)  # fmt: skip
AMOUNTS = ("spending_limit", "monthly_budget")


async def require_admin(services: ServicesDep, user: PartnerPageDep) -> Account:
    """The signed-in partner user, if they are their organization's admin; 403 otherwise."""
    if not await services.partner_users.is_admin(user):
        raise HTTPException(status_code=403, detail="only the organization's admin can do this")
    return user


AdminDep = Annotated[Account, Depends(require_admin)]


async def _form(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    return {n: v.strip()[:2000] for n in names if isinstance(v := form.get(n, ""), str)}


def _errors(err: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in err.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        key = ERROR_KEYS.get(error["type"], "error.invalid")
        if name in AMOUNTS and key == "error.invalid":
            # Amounts are plain digits: say whether the sign or the figures are wrong.
            typed = str(error.get("input", ""))
            key = "users.negative_limit" if typed.startswith("-") else "users.limit_format"
        errors.setdefault(name, key)
    return errors


def _filled(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


@router.get("/organization/users/new", response_class=HTMLResponse)
async def new_user_form(request: Request, admin: AdminDep) -> Response:
    return render(request, "site/user_new.html", values={}, errors={})


@router.post("/organization/users", response_class=HTMLResponse)
async def invite(request: Request, services: ServicesDep, admin: AdminDep) -> Response:
    values = await _form(request, NEW_USER)
    try:
        form = NewUserForm.model_validate(_filled(values))
        await services.partner_users.invite(admin, form, pick_locale(request))
    except ValidationError as err:
        return render(request, "site/user_new.html", 422, values=values, errors=_errors(err))
    except FieldProblem as problem:
        errors = {problem.field: problem.message_key}
        return render(request, "site/user_new.html", 422, values=values, errors=errors)
    return RedirectResponse("/organization?done=invited", status_code=303)


def _not_found() -> HTTPException:
    # Another organization's user is nobody here.
    return HTTPException(status_code=404)


async def _user(services: ServicesDep, admin: Account, user_id: str) -> dict[str, Any]:
    try:
        return await services.partner_users.member(admin, user_id)
    except NotFound:
        raise _not_found() from None


@router.get("/organization/users/{user_id}", response_class=HTMLResponse)
async def user_page(
    request: Request, user_id: str, services: ServicesDep, admin: AdminDep
) -> Response:
    user = await _user(services, admin, user_id)
    return _user_page(request, user, admin, _values(user), {})


def _values(user: dict[str, Any]) -> dict[str, str]:
    """The form's values as stored; an amount without the zeros after its point (50000)."""
    values = {}
    for name in DETAILS:
        value = user[name]
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        values[name] = "" if value is None else str(value)
    return values


def _user_page(
    request: Request,
    user: dict[str, Any],
    admin: Account,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    problem = request.query_params.get("problem")
    return render(
        request,
        "site/user.html",
        status,
        user=user,
        values=values,
        errors=errors,
        is_me=user["site_user_id"] == admin.id,
        problem_key=problem if problem in PROBLEMS else None,
    )


async def _refused(
    request: Request,
    services: ServicesDep,
    admin: Account,
    user_id: str,
    errors: dict[str, str],
    values: dict[str, str] | None = None,
) -> Response:
    """The user's page again, with the form's problems; the stored values unless given."""
    user = await _user(services, admin, user_id)
    return _user_page(
        request, user, admin, _values(user) if values is None else values, errors, 422
    )


@router.post("/organization/users/{user_id}", response_class=HTMLResponse)
async def save(request: Request, user_id: str, services: ServicesDep, admin: AdminDep) -> Response:
    values = await _form(request, DETAILS)
    try:
        details = MemberDetails.model_validate(_filled(values))
        await services.partner_users.edit(admin, user_id, details)
    except NotFound:
        raise _not_found() from None
    except ValidationError as err:
        return await _refused(request, services, admin, user_id, _errors(err), values)
    except FieldProblem as problem:
        errors = {problem.field: problem.message_key}
        return await _refused(request, services, admin, user_id, errors, values)
    return RedirectResponse(f"/organization/users/{user_id}?done=saved", status_code=303)


@router.post("/organization/users/{user_id}/{action}", response_class=HTMLResponse)
async def act(
    request: Request, user_id: str, action: str, services: ServicesDep, admin: AdminDep
) -> Response:
    back = f"/organization/users/{user_id}"
    try:
        if action in MOVES:
            await services.partner_users.move(admin, user_id, MOVES[action])
        elif action == "resend":
            await services.partner_users.resend(admin, user_id)
        elif action == "make-admin":
            password = (await request.form()).get("password", "")
            await services.partner_users.hand_over(
                admin, user_id, password if isinstance(password, str) else "", client_of(request)
            )
            back = "/organization"
        elif action == "step-down" and user_id == admin.id:
            await services.partner_users.step_down(admin)
            back = "/organization"
        else:
            raise _not_found()
    except NotFound:
        raise _not_found() from None
    except NotAllowed as refused:
        return RedirectResponse(f"{back}?problem={refused.args[0]}", status_code=303)
    except FieldProblem as problem:
        errors = {problem.field: problem.message_key}
        return await _refused(request, services, admin, user_id, errors)
    return RedirectResponse(f"{back}?done={action}", status_code=303)


@router.get("/organization/audit", response_class=HTMLResponse)
async def audit(request: Request, services: ServicesDep, admin: AdminDep) -> Response:
    entries = await services.partner_users.audit(admin)
    return render(request, "site/audit.html", entries=entries)
