"""An email's bytes on the wire: a text part and an HTML part of the same content."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate

# Lines end in LF like the classic classes' output; the SMTP client sends them as CRLF.
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
    # The classic MIME classes: several times cheaper than EmailMessage's header objects,
    # and for ASCII addresses their output is the same standard message.
    message = MIMEMultipart("alternative")
    message["From"] = formataddr((sender_name, sender), "utf-8")
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8", header_name="Subject").encode()
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=False)
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return Outgoing(sender, to, message.as_bytes(), smtputf8=False)


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
