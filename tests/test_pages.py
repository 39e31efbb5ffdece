"""Pages over HTTP: sign-in gate, form errors, signed status links, the language switch."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import httpx
import pytest

from plumbing.stores import Stores
from tests.account_helpers import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    set_password,
    sign_in,
    staff_link,
)
from tests.api_helpers import request_body
from tests.conftest import WebApp

STAFF_PAGES = [
    "/sales/leads?view=commerce-b2b",
    "/sales/leads?view=my-open",
    "/sales/leads/LEAD-X",
    "/sales/opportunities/OPP-X",
    "/commerce/prospects",
    "/commerce/prospects/PRO-X",
    "/commerce/customer-hierarchies/HIER-X",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_staff_page_without_session_redirects_to_sign_in(
    http: httpx.AsyncClient, path: str
) -> None:
    """Every staff page sends a browser without a session to sign in, then back."""
    response = await http.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/sign-in?next=")


async def test_sign_in_with_wrong_password_is_refused(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A wrong staff password gets 401 and no session cookie."""
    email, link = await staff_link(stores, web)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    response = await sign_in(http, email, OTHER_PASSWORD, "/staff", "/commerce/prospects")
    assert response.status_code == 401
    assert "onboarding_staff" not in response.cookies


async def test_sign_in_never_redirects_off_site(
    http: httpx.AsyncClient, stores: Stores, web: WebApp
) -> None:
    """A next URL pointing to another site is replaced by the staff home page."""
    email, link = await staff_link(stores, web)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    response = await sign_in(http, email, STRONG_PASSWORD, "/staff", "//evil.example/")
    assert response.status_code == 303
    assert response.headers["location"] == "/sales/leads"


async def test_form_error_names_the_field_and_keeps_the_input(http: httpx.AsyncClient) -> None:
    """A bad email is shown next to its field, with everything typed still there."""
    response = await http.post(
        "/partner/apply?lang=en",
        data={"company.name": "Fabrikam 東京", "contact.first_name": "Ken",
              "contact.last_name": "Ito", "contact.email": "nope"},
    )  # fmt: skip
    assert response.status_code == 422
    assert 'id="contact-email-error">This does not look right.' in response.text
    assert 'value="Fabrikam 東京"' in response.text
    assert 'value="nope"' in response.text


async def test_status_page_with_a_wrong_signature_is_404(http: httpx.AsyncClient) -> None:
    """Without the signed link nobody can look at a request's status."""
    submitted = (await http.post("/api/onboarding-requests", json=request_body())).json()
    response = await http.get(f"/partner/status/{submitted['reference']}?sig=0000")
    assert response.status_code == 404


def language_link(page: httpx.Response, lang: str) -> str:
    """Where the header's link to the page in `lang` goes."""
    found = re.search(rf'<a href="([^"]*)"[^>]*hreflang="{lang}"', page.text)
    assert found, f"no link to {lang} on {page.url}"
    return html.unescape(found.group(1))


async def test_language_switch_stays_on_the_status_page(http: httpx.AsyncClient) -> None:
    """English on a Japanese status page shows the same request's status, signed link kept."""
    submitted = (await http.post("/api/onboarding-requests", json=request_body("ja"))).json()
    status = urlsplit(submitted["status_url"])
    japanese = await http.get(f"{status.path}?{status.query}&lang=ja")
    assert "お申し込みの状況" in japanese.text
    link = language_link(japanese, "en")
    assert link == f"{status.path}?{status.query}&lang=en"
    english = await http.get(link)
    assert english.status_code == 200
    assert "Status of your request" in english.text
    assert submitted["reference"] in english.text


async def test_language_switch_after_a_refused_form_goes_to_the_form(
    http: httpx.AsyncClient,
) -> None:
    """From a form posted back with errors, the other language is the empty form's page."""
    refused = await http.post("/partner/apply?lang=ja", data={"contact.email": "nope"})
    assert refused.status_code == 422
    link = language_link(refused, "en")
    assert link == "/partner/apply?lang=en"
    english = await http.get(link)
    assert english.status_code == 200
    assert "Business partner request" in english.text


async def test_language_switch_after_a_refused_sign_in_keeps_where_it_leads(
    http: httpx.AsyncClient,
) -> None:
    """From a refused sign-in, the other language's sign-in still leads to the page asked for."""
    refused = await http.post(
        "/staff/sign-in?lang=en",
        data={"email": "nobody@shop.example", "password": "wrong", "next": "/commerce/prospects"},
    )
    assert language_link(refused, "ja") == "/staff/sign-in?next=%2Fcommerce%2Fprospects&lang=ja"
