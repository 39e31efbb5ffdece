"""Render an email's subject, text and HTML from one template per kind and locale.

Each template writes its body once, as paragraphs; the HTML part is built from the
same paragraphs with every value escaped, so the two parts never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from activities.models import EmailKind


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("activities.mail", "email_templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html.j2"]),
        keep_trailing_newline=True,
    )


def _render_block(template: jinja2.Template, block: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[block](template.new_context(context))).strip()


def render_email(kind: EmailKind, locale: str, context: dict[str, Any]) -> RenderedEmail:
    env = _environment()
    template = env.get_template(f"{locale}/{kind.value}.j2")
    subject = " ".join(_render_block(template, "subject", context).split())
    text = _render_block(template, "body", context)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    html = env.get_template("layout.html.j2").render(
        subject=subject,
        paragraphs=[p.splitlines() for p in paragraphs],
        action_url=context.get("sign_in_url"),
        lang=locale,
    )
    return RenderedEmail(subject=subject, text=text + "\n", html=html)
