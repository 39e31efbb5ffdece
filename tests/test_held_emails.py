"""Who holds an email address: a site user's address cannot apply again, and an invited
address is free again once its invitation expired or its user was removed before activating."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from devstack.smtp import SmtpSink
from domain.request import OnboardingRequest
from plumbing.stores import Stores
from starter.services.start import AlreadyInProgress, OnboardingStarter
from tests.account_helpers import (
    STRONG_PASSWORD,
    activated_partner,
    approved_partner,
    invite,
    link_in,
    post_form,
    set_password,
    sign_in,
    signed_in_admin,
    wait_for_email,
)
from tests.api_helpers import request_body
from tests.buyer_helpers import another_admin_beside
from tests.conftest import WebApp
from tests.factories import unique_email
from tests.member_helpers import invited, new_email

SUBMIT = "/api/onboarding-requests"
REFERENCE = re.compile(r"^B2B-[A-HJ-NP-Z2-9]{10}$")
TAKEN = "This email already belongs to a user or to a request in progress."


def answer_of(response: httpx.Response) -> tuple[int, set[str], dict[str, str]]:
    """Status, body keys and headers: all that may not tell two refusals apart (the
    reference differs from onboarding to onboarding; the date from second to second)."""
    headers = {name: value for name, value in response.headers.items() if name != "date"}
    return response.status_code, set(response.json()), headers


async def invited_user(stores: Stores, email: str) -> dict[str, Any]:
    """The invited user of `email` (the one who holds it)."""
    row = await stores.commerce.fetchrow(
        """SELECT id, hierarchy_id FROM site_users
           WHERE lower(email) = lower($1) AND status = 'invited'""",
        email,
    )
    assert row is not None
    return dict(row)


async def expire(stores: Stores, email: str) -> None:
    """What the invitation's run does on its last day: the invited user becomes expired."""
    user = await invited_user(stores, email)
    moved = await stores.commerce_store().memberships.move(
        user["hierarchy_id"], user["id"], "expired", "system", f"test-expiry:{uuid.uuid4().hex}"
    )
    assert moved == "expired"


async def invited_elsewhere(web: WebApp, smtp: SmtpSink, email: str, count: int) -> None:
    """Another partner's admin invites `email`: the `count`th invitation to it arrives."""
    async with httpx.AsyncClient(base_url=web.url) as other:
        await signed_in_admin(other, web, smtp)
        answer = await invite(other, email)
        assert answer.status_code == 303, answer.text
    await wait_for_email(smtp, email, "invites you", count=count)


async def invited_here(http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink) -> str:
    """An admin signed in on `http` invites a fresh address; the address, once invited."""
    await signed_in_admin(http, web, smtp)
    email = new_email()
    await invited(http, smtp, email)
    return email


async def removed_then_invited_elsewhere(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> tuple[str, str]:
    """An invitee the admin on `http` removed before they activated, whose address another
    partner's admin invited since: the address, and the removed user's page."""
    email = await invited_here(http, web, smtp)
    page = f"/organization/users/{(await invited_user(stores, email))['id']}"
    assert (await post_form(http, page, f"{page}/remove", {})).status_code == 303
    await invited_elsewhere(web, smtp, email, count=2)
    return email, page


async def test_a_site_users_email_gets_the_answer_of_an_open_request(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """A request with a site user's email gets the 409 of an open onboarding: same body, same
    headers."""
    user_email = await approved_partner(http, web, smtp)
    open_email = unique_email()
    assert (await http.post(SUBMIT, json=request_body(email=open_email))).status_code == 202
    other = request_body(email=open_email)
    other["comments"] = "Another request"
    open_answer = await http.post(SUBMIT, json=other)
    user_answer = await http.post(SUBMIT, json=request_body(email=user_email.upper()))
    assert answer_of(user_answer) == answer_of(open_answer)
    assert user_answer.status_code == 409
    assert user_answer.json()["detail"] == open_answer.json()["detail"]
    assert REFERENCE.fullmatch(user_answer.json()["reference"])


async def test_a_site_users_email_is_refused_with_the_same_reference_each_time(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink
) -> None:
    """Asked again, a site user's email names the same reference, as an open onboarding does."""
    user_email = await activated_partner(http, web, smtp)
    first = await http.post(SUBMIT, json=request_body(email=user_email))
    again = await http.post(SUBMIT, json=request_body("ja", email=user_email))
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.json()["reference"] == first.json()["reference"]


async def test_an_expired_invitation_frees_the_address(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Once its invitation expired, the invited address may apply as a partner."""
    email = await invited_here(http, web, smtp)
    await expire(stores, email)
    assert (await http.post(SUBMIT, json=request_body(email=email))).status_code == 202


async def test_a_user_removed_before_activating_frees_the_address(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """An invitee removed before activating leaves the address for another organization."""
    email, _ = await removed_then_invited_elsewhere(http, web, smtp, stores)
    statuses = await stores.commerce.fetch(
        "SELECT status FROM site_users WHERE lower(email) = lower($1) ORDER BY status", email
    )
    assert [r["status"] for r in statuses] == ["invited", "removed"]


async def test_a_user_removed_after_activating_keeps_the_address(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """A removed user who had activated may be restored, so nobody else may invite them."""
    email = await activated_partner(http, web, smtp)
    await another_admin_beside(stores, email)
    await stores.commerce.execute(
        "UPDATE site_users SET status = 'removed' WHERE lower(email) = lower($1)", email
    )
    async with httpx.AsyncClient(base_url=web.url) as other:
        await signed_in_admin(other, web, smtp)
        refused = await invite(other, email)
    assert refused.status_code == 422
    assert TAKEN in refused.text


async def test_the_new_holder_of_a_freed_address_signs_in_with_it(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """After an expiry, the user another organization invites activates and signs in."""
    email = await invited_here(http, web, smtp)
    await expire(stores, email)
    await invited_elsewhere(web, smtp, email, count=2)
    second = (await wait_for_email(smtp, email, "invites you", count=2))[1]
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        assert (await set_password(invitee, link_in(second), STRONG_PASSWORD)).status_code == 303
        assert (await sign_in(invitee, email, STRONG_PASSWORD)).status_code == 303
        assert (await invitee.get("/organization")).status_code == 200


async def test_an_invitee_whose_address_was_taken_meanwhile_is_not_restored(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, stores: Stores
) -> None:
    """Restoring a removed invitee whose address another organization invited since is
    refused with a message, and changes nothing."""
    _, page = await removed_then_invited_elsewhere(http, web, smtp, stores)
    refused = await post_form(http, page, f"{page}/restore", {})
    assert refused.headers["location"] == f"{page}?problem=users.email_taken"
    assert TAKEN in (await http.get(f"{refused.headers['location']}&lang=en")).text
    assert (
        await stores.commerce.fetchval(
            "SELECT status FROM site_users WHERE id = $1", page.rsplit("/", 1)[1]
        )
        == "removed"
    )


async def test_a_held_address_without_a_request_asks_temporal_as_an_open_one_does(
    http: httpx.AsyncClient,
    web: WebApp,
    smtp: SmtpSink,
    starter: OnboardingStarter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The refusal of an address that never applied asks Temporal about its stand-in reference."""
    email = await invited_here(http, web, smtp)
    asked: list[str] = []
    ask_temporal = starter.is_open

    async def recording(reference: str) -> bool:
        asked.append(reference)
        return await ask_temporal(reference)

    monkeypatch.setattr(starter, "is_open", recording)
    with pytest.raises(AlreadyInProgress) as refused:
        await starter.start(OnboardingRequest.model_validate(request_body(email=email)))
    assert asked == [refused.value.reference]
