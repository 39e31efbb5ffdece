"""Emails render in the request's language, with every value escaped in HTML."""

from __future__ import annotations

import pytest

from activities.mail.templates import render_email
from activities.models import EmailKind

BASE = {
    "reference": "B2B-TEST", "first_name": "Aiko", "last_name": "Sato", "company": "Contoso Ltd",
    "store_name": "Contoso B2B", "store_url": "https://shop.example", "email": "a@b.example",
    "sign_in_url": "https://shop.example/activate?user=u&token=t", "lead_id": "LEAD-1",
    "waiting_days": 3, "expiry_days": 30, "postal_code": None, "comments": None,
    "name": "Aiko Sato", "invited_by": "Ken Ito", "role": "admin",
    "due": "2026-12-24", "documents": ["registration_certificate", "other"],
    "hierarchy_id": "HIE-1", "registry": "NTA corporate number", "number": "8700110005901",
    "status": "closed", "registered_name": "Contoso Ltd", "details": [("close_cause", "merged")],
}  # fmt: skip
ACCOUNT_KINDS = {
    EmailKind.ACTIVATION, EmailKind.PASSWORD_RESET, EmailKind.PASSWORD_CHANGED,
    EmailKind.ROLE_CHANGED, EmailKind.INVITATION, EmailKind.INVITATION_REMINDER,
    EmailKind.INVITATION_EXPIRED,
}  # fmt: skip
# Each to one decider of an order that needs approval.
APPROVAL_KINDS = {
    EmailKind.APPROVAL_REQUEST, EmailKind.APPROVAL_REMINDER, EmailKind.APPROVAL_ESCALATED,
}  # fmt: skip
ORDER = {
    **BASE, "order_reference": "ORD-42", "buyer": "Ken Ito", "amount": "120,000 JPY",
    "reason_text": "over the buyer's monthly budget", "decide_by": "2026-12-10 09:00 UTC",
    "escalate_hours": 24, "approvals_url": "https://shop.example/organization/approvals",
}  # fmt: skip


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("kind", sorted(set(EmailKind) - ACCOUNT_KINDS - APPROVAL_KINDS))
def test_every_kind_renders_in_every_locale(kind: EmailKind, locale: str) -> None:
    """Each onboarding kind has a subject, a text part and an HTML part naming the reference."""
    email = render_email(kind, locale, BASE)
    assert email.subject
    assert "\n" not in email.subject
    assert "B2B-TEST" in email.text
    assert "B2B-TEST" in email.html
    assert f'<html lang="{locale}">' in email.html


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("kind", sorted(ACCOUNT_KINDS))
def test_every_account_email_names_the_person_and_account(kind: EmailKind, locale: str) -> None:
    """Each account email greets the person and names the account's email address or link."""
    email = render_email(kind, locale, BASE)
    assert email.subject
    assert "Aiko" in email.text
    assert "Sato" in email.text
    assert ("a@b.example" in email.text) or (str(BASE["sign_in_url"]) in email.text)
    assert f'<html lang="{locale}">' in email.html


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("kind", sorted(APPROVAL_KINDS))
def test_every_approval_email_names_the_order_and_the_approvals_page(
    kind: EmailKind, locale: str
) -> None:
    """Each approval email greets the decider and names the order, its amount and the page."""
    email = render_email(kind, locale, ORDER)
    assert "\n" not in email.subject
    assert "ORD-42" in email.subject
    for text in ("Aiko Sato", "Ken Ito", "120,000 JPY", str(ORDER["approvals_url"])):
        assert text in email.text
    assert "token" not in email.text
    assert f'<html lang="{locale}">' in email.html


def test_html_part_escapes_markup_from_the_request() -> None:
    """Script in a company name is text in the HTML part and unchanged in the text part."""
    hostile = '<script>alert("x")</script> & Co'
    email = render_email(EmailKind.REJECTED, "en", {**BASE, "company": hostile})
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in email.html
    assert hostile in email.text


def test_approval_links_the_sign_in_url() -> None:
    """The one-time sign-in link is a link in the HTML part."""
    email = render_email(EmailKind.APPROVED, "ja", BASE)
    assert '<a href="https://shop.example/activate?user=u&amp;token=t">' in email.html
    assert "https://shop.example/activate?user=u&token=t" in email.text


def test_japanese_text_is_unchanged() -> None:
    """Japanese names come out exactly as they went in."""
    email = render_email(
        EmailKind.ACKNOWLEDGEMENT, "ja", {**BASE, "first_name": "愛子", "last_name": "佐藤"}
    )
    assert "佐藤 愛子 様" in email.text
