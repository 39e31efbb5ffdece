"""Server-rendered pages: one Jinja environment, autoescaped, with the page's language."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import HTMLResponse

from starter.common.audit_changes import audit_changes
from starter.common.i18n import pick_locale, translator
from starter.common.money import amount_input, money


@jinja2.pass_context
def _audit_changes(context: jinja2.runtime.Context, entry: Any, currency: str | None) -> list[str]:
    return audit_changes(entry, currency, context["t"])


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        # Each audience's templates sit beside its code; "site/…" and "staff/…" name them,
        # and the shared layout and form macros come from common/.
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("starter.common", "templates"),
                jinja2.PrefixLoader(
                    {
                        "site": jinja2.PackageLoader("starter.site", "templates"),
                        "staff": jinja2.PackageLoader("starter.staff", "templates"),
                    }
                ),
            ]
        ),
        autoescape=True,
        extensions=["jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,
    )
    # Both audiences write amounts and changes alike: "{{ amount | money(currency) }}".
    environment.filters.update(money=money, amount_input=amount_input, audit_changes=_audit_changes)
    return environment


def language_link(request: Request, lang: str, page_url: str | None = None) -> str:
    """The page the user is on, in another language: same path, same query.

    A form posted back with errors has no address of its own, so its link goes to the form's
    page (the same path, without the post's query) unless the view names the page. Relative,
    so it stays on the host the browser used, whatever proxy is in front.
    """
    if page_url is None:
        url = request.url if request.method in ("GET", "HEAD") else request.url.replace(query="")
        page_url = f"{url.path}?{url.query}" if url.query else url.path
    return str(URL(page_url).include_query_params(lang=lang))


def _problems(
    errors: dict[str, str], labels: dict[str, str], t: Callable[[str], str]
) -> list[tuple[str, str, str]]:
    """(field id, label, message) of each field in error, in the form's order."""
    return [(name, label, t(errors[name])) for name, label in labels.items() if name in errors]


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    *,
    page_url: str | None = None,
    **context: Any,
) -> HTMLResponse:
    locale = pick_locale(request)
    t = translator(locale)
    defaults: dict[str, Any] = {
        "refresh": None,
        "notice": None,
        "problem": None,
        "reference": None,
        "staff_user": None,
        "audience": "site",
        "prefix": "",
        # Set by the page's sign-in check: the forms' anti-CSRF token, the signed-in partner.
        "csrf_token": getattr(request.state, "csrf_token", None),
        "partner": getattr(request.state, "partner", None),
    }
    html = (
        _environment()
        .get_template(template)
        .render(
            {
                **defaults,
                **context,
                "locale": locale,
                "t": t,
                "problems": lambda errors, labels: _problems(errors, labels, t),
                "lang_url": lambda lang: language_link(request, lang, page_url),
            }
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    # No page of ours may be framed by another: a framed decision button could be clicked
    # by a visitor who thinks they are clicking something else.
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    if request.query_params.get("lang") == locale:
        response.set_cookie("lang", locale, max_age=365 * 86400, samesite="lax")
    return response
