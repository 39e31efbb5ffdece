"""A page listing the emails the dev run's SMTP sink received, newest first."""

from __future__ import annotations

import mailbox
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import jinja2
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse

_PAGE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Mailbox</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}td,th{padding:.3rem .6rem;
border-bottom:1px solid #ddd;text-align:left}iframe{width:100%;height:32rem;border:1px solid #ccc}
pre{white-space:pre-wrap}</style></head><body>
{% if message %}<p><a href="/">&larr; Mailbox</a></p>
<h1>{{ message["Subject"] }}</h1>
<p>From {{ message["From"] }} to {{ message["To"] }} · {{ message["Date"] }}<br>
Message-ID {{ message["Message-ID"] }}</p>
<h2>Text</h2><pre>{{ text }}</pre>
<h2>HTML</h2><iframe sandbox srcdoc="{{ html }}"></iframe>
{% else %}<h1>Mailbox ({{ rows|length }})</h1>
<table><tr><th>Date</th><th>To</th><th>Subject</th><th>Message-ID</th></tr>
{% for key, m in rows %}<tr><td>{{ m["Date"] }}</td><td>{{ m["To"] }}</td>
<td><a href="/messages/{{ key }}">{{ m["Subject"] }}</a></td><td>{{ m["Message-ID"] }}</td></tr>
{% endfor %}</table>{% endif %}</body></html>"""
)


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    return str(part.get_content()) if part is not None else ""


def mailbox_app(maildir: Path) -> FastAPI:
    app = FastAPI(title="Mailbox", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        # Maildir keys begin with the delivery time, so sorting them sorts by arrival.
        box = mailbox.Maildir(maildir)
        rows = [(key, _parse(box.get_bytes(key))) for key in sorted(box.keys(), reverse=True)]
        return _PAGE.render(rows=rows, message=None)

    @app.get("/messages/{key}", response_class=HTMLResponse)
    def show(key: str) -> str:
        try:
            message = _parse(mailbox.Maildir(maildir).get_bytes(key))
        except KeyError:
            raise HTTPException(status_code=404) from None
        html = _part(message, "html")
        return _PAGE.render(message=message, text=_part(message, "plain"), html=html)

    return app
