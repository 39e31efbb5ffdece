"""Composed emails read back as sent: Japanese subject and name, both parts, the ids."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from activities.mail.mime import Outgoing, compose


def read(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


SUBJECT = "【コントソ】パートナー登録のお申し込みを承りました (B2B-ABC123)"
TEXT = "髙橋 様\n\nありがとうございます。\n"


def composed(to: str) -> Outgoing:
    return compose(
        sender="noreply@shop.example", sender_name="コントソ B2B ストア", to=to, subject=SUBJECT,
        message_id="<B2B-ABC123.acknowledgement@shop.example>", text=TEXT, html="<p>髙橋 様</p>",
    )  # fmt: skip


def test_composed_email_reads_back_unchanged() -> None:
    """Japanese subject and sender name, both parts and the ids survive the wire format."""
    message = read(composed("aiko.sato@contoso.example").data)
    assert message["To"] == "aiko.sato@contoso.example"
    assert message["From"].addresses[0].display_name == "コントソ B2B ストア"
    assert message["From"].addresses[0].addr_spec == "noreply@shop.example"
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == "<B2B-ABC123.acknowledgement@shop.example>"
    assert message["Date"] is not None
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert text.get_content() == TEXT
    assert html is not None
    assert html.get_content().strip() == "<p>髙橋 様</p>"


def test_non_ascii_recipient_travels_as_written() -> None:
    """A non-ASCII address is kept as UTF-8 (SMTPUTF8), never turned into an encoded word."""
    outgoing = composed("髙橋𠮷@contoso.example")
    message = read(outgoing.data)
    assert outgoing.smtputf8
    assert "髙橋𠮷@contoso.example".encode() in outgoing.data
    assert message["To"] == "髙橋𠮷@contoso.example"
    assert message["Message-ID"] == "<B2B-ABC123.acknowledgement@shop.example>"
    text = message.get_body(("plain",))
    assert text is not None
    assert text.get_content() == TEXT


def test_ascii_email_is_seven_bit() -> None:
    """An ASCII recipient's email needs no SMTPUTF8 or 8BITMIME from the server."""
    outgoing = compose(
        sender="noreply@shop.example", sender_name="Shop", to="a@b.example", subject="件名",
        message_id="<x@shop.example>", text="本文", html="<p>本文</p>",
    )  # fmt: skip
    assert outgoing.data.isascii()
    assert not outgoing.smtputf8


@pytest.mark.parametrize("field", ["to", "sender_name"])
def test_line_break_in_a_header_value_is_refused(field: str) -> None:
    """A line break in an address or name could forge headers; composing fails instead."""
    values = {
        "sender": "noreply@shop.example", "sender_name": "Shop", "to": "a@b.example",
        "subject": "件名", "message_id": "<x@shop.example>", "text": "本文", "html": "<p>本文</p>",
    }  # fmt: skip
    values[field] += "\nBcc: c@d.example"
    with pytest.raises(ValueError, match="line break"):
        compose(**values)
