"""Commerce as staff see and change it: prospects, customer hierarchies with their credit
and site users, whom staff block, unblock or send a new link, and the credit limit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from commerce.store import CommerceStore
from domain.currency import fits_currency
from domain.errors import LastAdmin
from sales.port import SalesBackend
from starter.services.accounts import AccountService
from starter.services.errors import NotFound

Row = dict[str, Any]
# The statuses whose user a link helps: an activation link or a password reset link.
LINK_STATUSES = ("invited", "active")


class NoCreditLimit(Exception):
    """The organization has no credit limit to change."""


class LastAdminStays(LastAdmin):
    """Blocking the user would leave their organization without an admin who can act."""

    def __init__(self, hierarchy_id: str) -> None:
        super().__init__(hierarchy_id)
        self.hierarchy_id = hierarchy_id


class NotInCurrency(Exception):
    """The amount has decimals its currency has not (yen are whole)."""

    def __init__(self, currency: str) -> None:
        super().__init__(currency)
        self.currency = currency


class FlagAlreadyCleared(Exception):
    """Staff cleared the partner flag before; clearing it again changes nothing."""

    def __init__(self, flag: Row) -> None:
        super().__init__("the partner flag is already cleared")
        self.flag = flag


@dataclass(frozen=True)
class HierarchyOverview:
    hierarchy: Row
    # Each person of the hierarchy once, with their site user's status, block, spending limit
    # and last sign-in when they have a site user.
    members: list[Row]
    audit: list[Row]
    # The credit limit with what is reserved, invoiced and available; None without a limit.
    credit: Row | None
    limit_changes: list[Row]
    ledger: list[Row]
    # What the monthly re-check found in the registries, open flags first.
    flags: list[Row]


@dataclass(frozen=True)
class LinkAnswer:
    site_user: Row
    # False when the user's status (or a block) gives them no link.
    sent: bool


def _with_site_users(members: list[Row], site_users: list[Row]) -> list[Row]:
    """Each member as their site user when they have one, else as a member without status."""
    by_customer = {u["customer_id"]: u for u in site_users}
    return [
        by_customer.get(m["customer_id"], {**m, "status": None, "blocked": False}) for m in members
    ]


class BackOffice:
    def __init__(
        self, commerce: CommerceStore, sales: SalesBackend, accounts: AccountService
    ) -> None:
        self._commerce = commerce
        self._sales = sales
        self._accounts = accounts

    async def prospects(self, status: str | None, limit: int, offset: int) -> list[Row]:
        """ "All prospects", newest first, optionally of one status."""
        return await self._commerce.prospects.list(status, limit, offset)

    async def prospect(self, prospect_id: str) -> Row:
        prospect = await self._commerce.prospects.get(prospect_id)
        if prospect is None:
            raise NotFound("prospect")
        return prospect

    async def prospect_with_sales_records(self, prospect_id: str) -> Row:
        """The prospect, with Dynamics 365's pages of its lead and opportunity when Sales is
        there."""
        prospect = await self.prospect(prospect_id)
        return {**prospect, "sales_records": await self._sales.record_links(prospect["reference"])}

    async def hierarchy(self, hierarchy_id: str) -> Row:
        hierarchy = await self._commerce.customers.hierarchy(hierarchy_id)
        if hierarchy is None:
            raise NotFound("customer hierarchy")
        return hierarchy

    async def hierarchy_overview(self, hierarchy_id: str) -> HierarchyOverview:
        """The hierarchy with its members, their audit log, and its credit's history."""
        hierarchy = await self.hierarchy(hierarchy_id)
        customer_id = hierarchy["organization_customer_id"]
        limits = self._commerce.credit_limits
        site_users = await self._commerce.partner_users.users(hierarchy_id)
        return HierarchyOverview(
            hierarchy=hierarchy,
            members=_with_site_users(hierarchy["members"], site_users),
            audit=await self._commerce.partner_users.audit(hierarchy_id),
            credit=await limits.summary(customer_id),
            limit_changes=await limits.changes(customer_id),
            ledger=await limits.ledger(customer_id),
            flags=await self._commerce.partner_flags.flags(hierarchy_id),
        )

    async def site_users(self, hierarchy_id: str) -> list[Row]:
        """Every site user of the organization, whatever their status, blocked ones included."""
        # An organization without users and one that does not exist must answer differently.
        await self.hierarchy(hierarchy_id)
        return await self._commerce.partner_users.users(hierarchy_id)

    async def set_blocked(self, site_user_id: str, blocked: bool, actor: str) -> Row:
        """Block the user (treated as removed, signed out at once) or unblock them; the user
        as they are after it."""
        # A fresh key per call: each staff action is its own audit entry, while a call that
        # changes nothing (already blocked) writes none.
        action = "block" if blocked else "unblock"
        change_key = f"staff-{action}:{site_user_id}:{uuid.uuid4()}"
        try:
            found = await self._commerce.memberships.set_blocked(
                site_user_id, blocked, actor, change_key
            )
        except LastAdmin:
            user = await self._commerce.partner_users.by_id(site_user_id)
            if user is None:
                raise NotFound("site user") from None
            raise LastAdminStays(user["hierarchy_id"]) from None
        # Read after the change: the user may have been erased in between.
        row = await self._commerce.partner_users.by_id(site_user_id) if found else None
        if row is None:
            raise NotFound("site user")
        return row

    async def change_credit_limit(
        self, hierarchy_id: str, amount: Decimal, by: str, reason: str
    ) -> None:
        hierarchy = await self.hierarchy(hierarchy_id)
        currency = hierarchy["credit_limit_currency"]
        if currency is not None and not fits_currency(amount, currency):
            raise NotInCurrency(currency)
        # A fresh key per click: each change is its own entry in the history and the ledger.
        changed = await self._commerce.credit_limits.change(
            hierarchy["organization_customer_id"],
            amount,
            by,
            reason,
            f"staff-limit:{uuid.uuid4()}",
        )
        if changed is None:
            raise NoCreditLimit(hierarchy_id)

    async def hierarchy_with_flags(self, hierarchy_id: str) -> Row:
        """The hierarchy with its partner flags (`flags`), newest first."""
        hierarchy = await self.hierarchy(hierarchy_id)
        flags = await self._commerce.partner_flags.flags(hierarchy_id)
        flags.sort(key=lambda flag: (flag["raised_at"], flag["id"]), reverse=True)
        return {**hierarchy, "flags": flags}

    async def clear_partner_flag(
        self, hierarchy_id: str, flag_id: int, by: str, reason: str
    ) -> Row:
        """Clear the organization's flag, recorded in its audit log under the staff member's
        account id; its purchases pass again once no flag is left open. The flag as it is
        then; FlagAlreadyCleared when it was cleared before (nothing changes)."""
        flags = self._commerce.partner_flags
        cleared = await flags.clear(hierarchy_id, flag_id, by, reason)
        flag = await flags.flag(flag_id) if cleared is not None else None
        if flag is None:
            raise NotFound("partner flag")
        if not cleared:
            raise FlagAlreadyCleared(flag)
        return flag

    async def resend_link(self, site_user_id: str, by: str) -> LinkAnswer:
        """Email the user whatever link lets them set a password, if their status allows."""
        row = await self._commerce.partner_users.by_id(site_user_id)
        if row is None:
            raise NotFound("site user")
        if row["status"] not in LINK_STATUSES or row["blocked"]:
            return LinkAnswer(row, sent=False)
        # The email goes in the language the organization asked to be onboarded in; the staff
        # member's own page language says nothing about the partner's.
        hierarchy = await self._commerce.customers.hierarchy(row["hierarchy_id"])
        prospect = hierarchy and await self._commerce.prospects.get(hierarchy["prospect_id"])
        locale = prospect["locale"] if prospect else "en"
        await self._accounts.request_link("site", row["email"], locale)
        await self._commerce.partner_users.record(
            row["hierarchy_id"],
            f"staff-link:{uuid.uuid4().hex}",
            by,
            "link_requested_by_staff",
            site_user_id,
        )
        return LinkAnswer(row, sent=True)
