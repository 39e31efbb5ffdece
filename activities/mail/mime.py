"""An email's bytes on the wire: a text part and an HTML part of the same content."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate

# Lines end in LF; the SMTP client sends them as CRLF.
_SMTPUTF8 = policy.SMTPUTF8.clone(linesep="\n")


@dataclass(frozen=True)
class Outgoing:
    sender: str
    recipient: str
    data: bytes
    # An address outside ASCII travels as written, which the server must support (RFC 6531).
    smtputf8: bool


def compose(
    *, sender: str, sender_name: str, to: str, subject: str, message_id: str, text: str, html: str
) -> Outgoing:
    if not to.isascii():
        return _compose_smtputf8(sender, sender_name, to, subject, message_id, text, html)
    for value in (to, message_id, sender, sender_name):
        if "\r" in value or "\n" in value:
            raise ValueError(f"line break in a header value: {value!r}")
    # Written out directly: the standard library's generator costs several times more than
    # the whole rest of an email's work, and this fixed shape needs none of its generality.
    # A boundary starting "=_" cannot occur in base64 text.
    boundary = f"=_{uuid.uuid4().hex}"
    head = (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n'
        "MIME-Version: 1.0\n"
        f"From: {formataddr((sender_name, sender), 'utf-8')}\n"
        f"To: {to}\n"
        f"Subject: {Header(subject, 'utf-8', header_name='Subject').encode()}\n"
        f"Message-ID: {message_id}\n"
        f"Date: {formatdate(localtime=False)}\n"
    )
    data = (
        f"{head}\n--{boundary}\n{_base64_part('plain', text)}"
        f"--{boundary}\n{_base64_part('html', html)}--{boundary}--\n"
    )
    return Outgoing(sender, to, data.encode("ascii"), smtputf8=False)


def _base64_part(subtype: str, content: str) -> str:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(content.encode()).decode()
    )


def _compose_smtputf8(
    sender: str, sender_name: str, to: str, subject: str, message_id: str, text: str, html: str
) -> Outgoing:
    message = EmailMessage(policy=_SMTPUTF8)
    message["From"] = formataddr((sender_name, sender))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=False)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return Outgoing(sender, to, message.as_bytes(), smtputf8=True)
