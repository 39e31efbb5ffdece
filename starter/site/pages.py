"""The B2B site: landing page, partner request form, confirmation, requester's status page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from domain.request import OnboardingRequest
from starter.common.auth import ServicesDep
from starter.common.i18n import pick_locale, translator
from starter.common.rendering import render
from starter.services.errors import NotFound
from starter.services.start import AlreadyInProgress

router = APIRouter(include_in_schema=False)

# In the order the form shows them, which its error summary follows.
FORM_FIELDS = (
    "company.name",
    "company.website",
    "company.phone",
    "company.tax_id",
    "company.corporate_number",
    "company.invoice_registration_number",
    "company.vat_number",
    "company.address.line1",
    "company.address.city",
    "company.address.postal_code",
    "company.address.country",
    "contact.last_name",
    "contact.first_name",
    "contact.email",
    "contact.phone",
    "contact.job_title",
    "comments",
    "locale",
)
MAX_FIELD_LENGTH = 5000


def nest(values: dict[str, str]) -> dict[str, Any]:
    """Flat form fields (company.address.city) into the request's nested shape; blanks dropped."""
    nested: dict[str, Any] = {}
    for name, value in values.items():
        if not value.strip():
            continue
        *parents, leaf = name.split(".")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return nested


ERROR_KEYS = {
    "missing": "error.missing",
    "string_too_short": "error.missing",
    "string_too_long": "error.too_long",
    "literal_error": "error.choice",
    "web_address": "error.web_address",
    "check_digit": "error.check_digit",
    "corporate_number_format": "error.corporate_number_format",
    "invoice_number_format": "error.invoice_number_format",
    "vat_number_format": "error.vat_number_format",
}


def field_errors(err: ValidationError, t: Callable[[str], str]) -> dict[str, str]:
    """The first problem of each field, in the page's language and the form's order."""
    errors: dict[str, str] = {}
    for error in err.errors():
        name = ".".join(str(part) for part in error["loc"])
        errors.setdefault(name, t(ERROR_KEYS.get(error["type"], "error.invalid")))
    position = {name: index for index, name in enumerate(FORM_FIELDS)}
    return dict(sorted(errors.items(), key=lambda item: position.get(item[0], len(position))))


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> Response:
    return render(request, "site/landing.html")


@router.get("/partner/apply", response_class=HTMLResponse)
async def apply_form(request: Request) -> Response:
    return render(request, "site/apply.html", values={}, errors={}, in_progress=None)


@router.post("/partner/apply", response_class=HTMLResponse)
async def apply(request: Request, services: ServicesDep) -> Response:
    services.submit_limit.check(request)
    form = await request.form()
    values = {
        name: str(form.get(name, ""))[:MAX_FIELD_LENGTH]
        for name in FORM_FIELDS
        if isinstance(form.get(name, ""), str)
    }
    data = nest(values)
    data.setdefault("locale", pick_locale(request))
    # Empty sections still validate, so each missing required field is named.
    data.setdefault("company", {})
    data.setdefault("contact", {})
    try:
        onboarding_request = OnboardingRequest.model_validate(data)
    except ValidationError as err:
        errors = field_errors(err, translator(pick_locale(request)))
        return render(
            request, "site/apply.html", 422, values=values, errors=errors, in_progress=None
        )
    try:
        submission = await services.onboardings.submit(onboarding_request, "site")
    except AlreadyInProgress as err:
        return render(
            request, "site/apply.html", 409, values=values, errors={}, in_progress=err.reference
        )
    return RedirectResponse(
        f"/partner/requests/{submission.reference}/submitted?sig={submission.signature}",
        status_code=303,
    )


def _not_found() -> HTTPException:
    # One answer for a wrong signature and an unknown reference: nothing to enumerate.
    return HTTPException(status_code=404, detail="not found")


@router.get("/partner/requests/{reference}/submitted", response_class=HTMLResponse)
async def submitted(
    request: Request, reference: str, services: ServicesDep, sig: str = ""
) -> Response:
    try:
        services.onboardings.check_status_link(reference, sig)
    except NotFound:
        raise _not_found() from None
    status_url = request.url_for("status_page", reference=reference).include_query_params(sig=sig)
    return render(request, "site/submitted.html", reference=reference, status_url=str(status_url))


@router.get("/partner/status/{reference}", response_class=HTMLResponse, name="status_page")
async def status_page(
    request: Request, reference: str, services: ServicesDep, sig: str = ""
) -> Response:
    try:
        status = await services.onboardings.status(reference, sig)
    except NotFound:
        raise _not_found() from None
    return render(request, "site/status.html", reference=reference, status=status)
