"""Organizations with several admins, approvers and buyers, and the orders that wait for them."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage

import httpx

from accounts.hashing import HashParameters, PasswordHasher
from commerce.approvals import Approvals
from commerce.credit import Purchase
from devstack.smtp import SmtpSink
from domain.partner_users import NewUser
from plumbing.stores import Stores
from tests.account_helpers import STRONG_PASSWORD, csrf_in, sign_in
from tests.factories import new_invitee

FAST = HashParameters(time_cost=1, memory_kib=1024, parallelism=1)


@dataclass(frozen=True)
class Member:
    site_user_id: str
    email: str
    role: str


async def member(stores: Stores, hierarchy_id: str, role: str, limit: str | None = None) -> Member:
    """An active member with the role and STRONG_PASSWORD, written as an invitation writes a
    user and then as its activation and the admin's role change leave it."""
    user: NewUser = new_invitee(hierarchy_id)
    if limit is not None:
        user = user.model_copy(update={"spending_limit": Decimal(limit)})
    key = uuid.uuid4().hex
    await stores.commerce_store().partner_users.create_invited(
        user, f"invitation-{key}", "test", f"invited:{key}"
    )
    await stores.commerce.execute(
        "UPDATE site_users SET status = 'active', password_hash = $2 WHERE id = $1",
        user.site_user_id,
        await PasswordHasher(FAST).hash(STRONG_PASSWORD),
    )
    await set_role(stores, user.site_user_id, role)
    return Member(user.site_user_id, user.email, role)


async def set_role(stores: Stores, site_user_id: str, role: str) -> None:
    await stores.commerce.execute(
        """UPDATE customer_hierarchy_members m SET role = $2 FROM site_users u
           WHERE u.id = $1 AND m.hierarchy_id = u.hierarchy_id
             AND m.customer_id = u.customer_id""",
        site_user_id,
        role,
    )


async def hierarchy_of(stores: Stores, site_user_id: str) -> str:
    found: str = await stores.commerce.fetchval(
        "SELECT hierarchy_id FROM site_users WHERE id = $1", site_user_id
    )
    return found


def over_the_limit(user: Member, amount: str = "5000") -> Purchase:
    """An order of `amount` yen by the user, under a reference nobody used."""
    return Purchase(f"ORD-{uuid.uuid4().hex[:12]}", user.site_user_id, Decimal(amount), "JPY")


async def recipients(stores: Stores, order_reference: str) -> set[str]:
    """Whom the order's emails reach now, by site user id."""
    found = await Approvals(stores.commerce).recipients(order_reference)
    return {r["site_user_id"] for r in found}


def about(smtp: SmtpSink, to: str, order_reference: str) -> list[EmailMessage]:
    """The emails to `to` that name the order in their subject."""
    return [m for m in smtp.messages_to(to) if order_reference in str(m["Subject"])]


@contextlib.asynccontextmanager
async def signed_in(base_url: str, user: Member) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of the member's own, signed in."""
    async with httpx.AsyncClient(base_url=base_url) as browser:
        assert (await sign_in(browser, user.email, STRONG_PASSWORD)).status_code == 303
        yield browser


async def decide(browser: httpx.AsyncClient, order_reference: str, decision: str) -> httpx.Response:
    """Approve or decline from the approvals page, as its button does."""
    page = await browser.get("/organization/approvals?lang=en")
    return await browser.post(
        f"/organization/approvals/{order_reference}/{decision}",
        data={"csrf_token": csrf_in(page.text)},
    )
