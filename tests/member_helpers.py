"""An organization's members as its admin makes them: invited by email, then activated by
the invitee in a browser of their own."""

from __future__ import annotations

from email.message import EmailMessage

import httpx

from devstack.smtp import SmtpSink
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, invite, link_in, set_password, wait_for_email
from tests.conftest import WebApp
from tests.factories import unique_email


async def invited(
    http: httpx.AsyncClient, smtp: SmtpSink, email: str, spending_limit: str = ""
) -> EmailMessage:
    """Invite `email` as the admin signed in on `http`; the invitation, once it arrived."""
    assert (await invite(http, email, spending_limit=spending_limit)).status_code == 303
    [invitation] = await wait_for_email(smtp, email, "invites you")
    return invitation


async def invited_and_active(
    http: httpx.AsyncClient, web: WebApp, smtp: SmtpSink, email: str, spending_limit: str = ""
) -> None:
    """Invite `email` as the signed-in admin; the invitee sets a password in another browser."""
    invitation = await invited(http, smtp, email, spending_limit)
    async with httpx.AsyncClient(base_url=web.url) as invitee:
        assert (
            await set_password(invitee, link_in(invitation), STRONG_PASSWORD)
        ).status_code == 303


def new_email() -> str:
    """An address nobody holds, for an invitee."""
    return unique_email("ken.ito")


async def user_id_of(stores: Stores, email: str) -> str:
    found: str = await stores.commerce.fetchval(
        "SELECT id FROM site_users WHERE lower(email) = lower($1)", email
    )
    return found
