"""Account activities and log hygiene, on the real Commerce store."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from accounts.tokens import new_token, token_hash
from activities.accounts import AccountActivities
from activities.models import EmailKind, PlanAccountEmailInput
from commerce.accounts import LinkGrant
from plumbing.stores import Stores
from starter.__main__ import HideTokens


async def new_staff(stores: Stores) -> str:
    email = f"staff.{uuid.uuid4().hex[:10]}@shop.example"
    await stores.commerce_store().accounts.add_staff(f"STF-{uuid.uuid4().hex}", email, "Rep")
    return email


def link_request(email: str) -> PlanAccountEmailInput:
    return PlanAccountEmailInput(
        reference=f"account-email-{uuid.uuid4().hex}",
        audience="staff",
        purpose="link",
        email=email,
        locale="en",
    )


async def test_a_link_request_for_an_invited_account_plans_an_activation_email(
    stores: Stores,
) -> None:
    """An invited account asking for a link gets an activation link to its own address."""
    email = await new_staff(stores)
    planned = await AccountActivities(stores.commerce_store().accounts).plan_account_email(
        link_request(email)
    )
    assert planned is not None
    assert (planned.kind, planned.to) == (EmailKind.ACTIVATION, email)
    assert planned.link is not None
    assert planned.link.path == "/staff/activate"


async def test_a_second_link_within_a_minute_is_not_sent(stores: Stores) -> None:
    """While a fresh link of the account still works, asking again sends nothing."""
    email = await new_staff(stores)
    store = stores.commerce_store()
    account = await store.accounts.by_email("staff", email)
    assert account is not None
    await store.accounts.issue_link(
        LinkGrant(
            audience="staff",
            account_id=account.id,
            purpose="activation",
            token_hash=token_hash(new_token()),
            lifetime=timedelta(days=7),
        )
    )
    planned = await AccountActivities(store.accounts).plan_account_email(link_request(email))
    assert planned is None


def test_access_log_lines_hide_link_tokens() -> None:
    """An access log line keeps the path and drops the one-time token."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/activate?token=SECRET123&lang=en", "1.1", 200), None,
    )  # fmt: skip
    assert HideTokens().filter(record)
    assert "SECRET123" not in record.getMessage()
    assert "/activate?token=…&lang=en" in record.getMessage()
