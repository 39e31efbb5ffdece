"""The applicant's page of an information request, opened by the emailed link: the message,
the documents asked for, a field `Answer`, a file input `Documents` and `Send`.

The link's token is the page's key and its anti-CSRF token (a forged post cannot know it;
cross-site posts are refused before, by SameOriginForms); each page load carries a one-time
submission key, so posting the same page twice keeps one answer while two pages keep two.
A wrong, closed or expired link gets the page that says so, and nothing else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.documents import DocumentRefused, TooManyFiles
from starter.common.account_pages import PRIVATE
from starter.common.auth import ServicesDep
from starter.common.rendering import render
from starter.common.uploads import UPLOAD_BODY_LIMIT, accepted_files, upload_form
from starter.services.information_requests import InformationRequestService, LinkUnusable

router = APIRouter(include_in_schema=False)
PATH = "/partner/information"
MAX_ANSWER = 10_000


def _page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    response = render(request, f"site/{template}", status, **context)
    response.headers.update(PRIVATE)
    return response


def _unusable(request: Request) -> Response:
    return _page(request, "information_unusable.html", 410)


def _text(value: object) -> str:
    return value[:MAX_ANSWER] if isinstance(value, str) else ""


@router.get(PATH, response_class=HTMLResponse)
async def information_page(request: Request, services: ServicesDep, token: str = "") -> Response:
    try:
        asked = await services.information_requests.holder(token)
    except LinkUnusable:
        return _unusable(request)
    return _page(
        request,
        "information.html",
        asked=asked,
        token=token,
        submission=services.information_requests.new_submission(),
        answer="",
        errors={},
        refused_file=None,
    )


@router.post(PATH, response_class=HTMLResponse, max_body_size=UPLOAD_BODY_LIMIT)
async def send_answer(request: Request, services: ServicesDep) -> Response:
    services.submit_limit.check(request)
    try:
        async with upload_form(request) as form:
            return await _answered(request, services.information_requests, form)
    except TooManyFiles as refused:
        # Past the parser's cap the form is not read at all, so there is no page to return.
        raise HTTPException(status_code=422, detail=f"{refused.field}: {refused}") from None


async def _answered(
    request: Request, service: InformationRequestService, form: FormData
) -> Response:
    token, submission = _text(form.get("token")), _text(form.get("submission"))
    answer = _text(form.get("answer")).strip()
    errors: dict[str, str] = {}
    refused_file = None
    try:
        files = await accepted_files(form.getlist("documents"))
    except DocumentRefused as refused:
        errors["documents"] = f"document.{refused.code}"
        refused_file = refused.filename
    else:
        if not answer and not files:
            errors["answer"] = "information.missing"
    try:
        if not errors:
            asked = await service.answer(token, submission, answer, files)
            return _page(request, "information_sent.html", reference=asked.reference, files=files)
        # Nothing kept: the form again, with what is wrong.
        asked = await service.holder(token)
    except LinkUnusable:
        return _unusable(request)
    return _page(
        request,
        "information.html",
        422,
        asked=asked,
        token=token,
        submission=submission,
        answer=answer,
        errors=errors,
        refused_file=refused_file,
    )
