"""Server-rendered pages: one Jinja environment, autoescaped, with the page's language."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from starter.i18n import pick_locale, translator


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("starter", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    locale = pick_locale(request)
    defaults: dict[str, Any] = {
        "refresh": None, "notice": None, "problem": None, "reference": None, "staff_user": None,
    }  # fmt: skip
    html = (
        _environment()
        .get_template(template)
        .render(
            {
                **defaults,
                **context,
                "locale": locale,
                "t": translator(locale),
                "lang_url": lambda lang: str(request.url.include_query_params(lang=lang)),
            }
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") == locale:
        response.set_cookie("lang", locale, max_age=365 * 86400, samesite="lax")
    return response
