"""Pages over HTTP: sign-in gate, form errors, signed status links."""

from __future__ import annotations

import httpx
import pytest

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


async def test_sign_in_with_wrong_token_is_refused(http: httpx.AsyncClient) -> None:
    """A wrong staff token gets 401 and no session cookie."""
    response = await http.post(
        "/staff/sign-in", data={"token": "wrong", "name": "x", "next": "/commerce/prospects"}
    )
    assert response.status_code == 401
    assert "onboarding_staff" not in response.cookies


async def test_sign_in_never_redirects_off_site(http: httpx.AsyncClient, web: WebApp) -> None:
    """A next URL pointing to another site is replaced by the staff home page."""
    response = await http.post(
        "/staff/sign-in", data={"token": web.staff_token, "next": "//evil.example/"}
    )
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
