"""Accounts as their users reach them: approval email, one-time link, sign-in, forms."""

from __future__ import annotations

import asyncio
import re
import uuid
from email.message import EmailMessage

import httpx

from accounts.tokens import new_token, token_hash
from commerce.accounts import LinkGrant
from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.api_helpers import poll, qualified_opportunity
from tests.conftest import WebApp

# csrf_in lives beside the factor steps, which this module imports; tests take it from here.
from tests.staff_factor_helpers import csrf_in as csrf_in
from tests.staff_factor_helpers import enrol

# Long enough, on no list, and without anyone's email or company in it.
STRONG_PASSWORD = "violet kettle drums under moonlight"
OTHER_PASSWORD = "seven quiet lanterns over harbour"
LINK = re.compile(r"https?://\S*token=([A-Za-z0-9_-]+)")


def text_of(message: EmailMessage) -> str:
    text: str = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return text


def link_in(message: EmailMessage) -> str:
    """The one URL of the email that carries a token, as a path with its query."""
    [url] = {m[0] for m in LINK.finditer(text_of(message))}
    return re.sub(r"^https?://[^/]+", "", url)


async def wait_for_email(
    smtp: SmtpSink, to: str, subject_has: str, count: int = 1, within: float = 30
) -> list[EmailMessage]:
    """The emails to `to` whose subject has the text, once `count` of them have arrived."""
    async with asyncio.timeout(within):
        while True:
            found = [m for m in smtp.messages_to(to) if subject_has in str(m["Subject"])]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)


async def approved_partner(http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink) -> str:
    """Submit a request in English and win it through the API; the requester's email."""
    reference, opportunity_id = await qualified_opportunity(http, web)
    response = await http.post(
        f"/api/sales/opportunities/{opportunity_id}/close",
        json={"outcome": "won"},
        headers=web.staff(),
    )
    assert response.status_code == 202, response.text
    onboarding = await poll(http, web, f"/api/onboarding-requests/{reference}", "closed")
    hierarchy = await poll(
        http, web, f"/api/commerce/customer-hierarchies/{onboarding['customer_hierarchy_id']}", "id"
    )
    email: str = hierarchy["members"][0]["email"]
    await wait_for_email(smtp, email, "approved")
    return email


async def link_page(http: httpx.AsyncClient, link: str) -> httpx.Response:
    """The page of an emailed link, once the link works.

    The email can arrive a moment before its link works: the outbox commits the link with
    the send, after the SMTP server's answer. Nobody clicks that fast; a busy test can.
    """
    async with asyncio.timeout(10):
        while True:
            opened = await http.get(link)
            if opened.status_code != 410:
                break
            await asyncio.sleep(0.05)
    assert opened.status_code == 200
    return opened


async def set_password(
    http: httpx.AsyncClient, link: str, password: str, repeat: str | None = None
) -> httpx.Response:
    """Open the link's page and post the password from it, as a browser would."""
    await link_page(http, link)
    token = LINK.search(f"http://x{link}")
    assert token is not None
    return await http.post(
        link.split("?")[0],
        data={"token": token[1], "new_password": password, "repeat_password": repeat or password},
    )


async def sign_in(
    http: httpx.AsyncClient, email: str, password: str, prefix: str = "", next_url: str = ""
) -> httpx.Response:
    return await http.post(
        f"{prefix}/sign-in", data={"email": email, "password": password, "next": next_url}
    )


async def activated_partner(http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink) -> str:
    """An approved partner's admin who has set STRONG_PASSWORD; their email."""
    email = await approved_partner(http, web, smtp)
    [approval] = await wait_for_email(smtp, email, "approved")
    response = await set_password(http, link_in(approval), STRONG_PASSWORD)
    assert response.status_code == 303, response.text
    return email


async def staff_link(stores: Stores, web: WebApp, name: str | None = None) -> tuple[str, str]:
    """A new invited staff account and the path of its activation link."""
    store = stores.commerce_store()
    email = f"staff.{uuid.uuid4().hex[:10]}@shop.example"
    account = await store.accounts.add_staff(
        f"STF-{uuid.uuid4().hex[:20]}", email, name or f"Rep {uuid.uuid4().hex[:6]}"
    )
    token = new_token()
    await store.accounts.issue_link(
        LinkGrant(
            audience="staff",
            account_id=account.id,
            purpose="activation",
            token_hash=token_hash(token),
            lifetime=web.settings.onboarding_activation_ttl,
        )
    )
    return email, f"/staff/activate?token={token}"


async def signed_in_staff(
    http: httpx.AsyncClient, stores: Stores, web: WebApp, name: str | None = None
) -> str:
    """Sign `http` in as a new staff member, who enrols a second factor; their email."""
    email, link = await staff_link(stores, web, name)
    assert (await set_password(http, link, STRONG_PASSWORD)).status_code == 303
    response = await sign_in(http, email, STRONG_PASSWORD, prefix="/staff")
    assert response.status_code == 303, response.text
    await enrol(http)
    return email


async def signed_in_admin(http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink) -> str:
    """An approved partner's admin, signed in on `http`; their email."""
    email = await activated_partner(http, web, smtp)
    assert (await sign_in(http, email, STRONG_PASSWORD)).status_code == 303
    return email


async def post_form(
    http: httpx.AsyncClient, page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Open the page, then post the form to `action` with the page's anti-CSRF token."""
    html = (await http.get(page)).text
    return await http.post(action, data={**data, "csrf_token": csrf_in(html)})


async def invite(
    http: httpx.AsyncClient, email: str, spending_limit: str = "", first_name: str = "Ken"
) -> httpx.Response:
    return await post_form(
        http,
        "/organization/users/new",
        "/organization/users?lang=en",
        {"first_name": first_name, "last_name": "Ito", "email": email,
         "spending_limit": spending_limit},
    )  # fmt: skip
