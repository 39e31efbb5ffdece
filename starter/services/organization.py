"""The partner's organization as a signed-in user sees it: its members, its credit, and the
orders waiting for its admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from commerce.accounts import Account
from commerce.store import CommerceStore
from starter.services.errors import NotFound

Row = dict[str, Any]
# What a user who is not the admin sees of the other members (SPEC.md): no email address, no
# spending limit.
MEMBER_VIEW = ("name", "role", "status", "blocked")


@dataclass(frozen=True)
class OrganizationView:
    hierarchy: Row
    # Each member; only their name, role and status unless the user is the admin.
    users: list[Row]
    # The signed-in user's own row among them.
    me: Row | None
    # None when the organization has no credit limit.
    available_credit: Decimal | None
    is_admin: bool
    # Orders over a spending limit, for the admin to approve or decline; none for others.
    awaiting: list[Row]


class OrganizationService:
    def __init__(self, commerce: CommerceStore) -> None:
        self._commerce = commerce

    async def overview(self, user: Account) -> OrganizationView:
        """Raises NotFound when the organization was erased while the session lived."""
        assert user.hierarchy_id is not None
        assert user.customer_id is not None
        hierarchy = await self._commerce.customers.hierarchy(user.hierarchy_id)
        if hierarchy is None:
            raise NotFound("organization")
        users = await self._commerce.partner_users.users(user.hierarchy_id)
        me = next((u for u in users if u["site_user_id"] == user.id), None)
        limits = self._commerce.credit_limits
        credit = await limits.summary(user.customer_id)
        is_admin = me is not None and me["role"] == "admin"
        if not is_admin:
            users = [{key: u[key] for key in MEMBER_VIEW} for u in users]
        return OrganizationView(
            hierarchy=hierarchy,
            users=users,
            me=me,
            available_credit=credit["available"] if credit else None,
            is_admin=is_admin,
            # Only what this admin may decide: an order placed by the admin themselves goes to
            # the organization's other deciders, unless they are its only admin.
            awaiting=(
                await self._commerce.approvals.waiting_for(user.hierarchy_id, user.id)
                if is_admin
                else []
            ),
        )

    async def set_second_factor_required(self, admin: Account, required: bool) -> None:
        """The admin requires a second factor of everyone in the organization (each user
        without one enrols at their next page), or leaves it to each user."""
        assert admin.hierarchy_id is not None
        change_key = f"second-factor-required:{uuid.uuid4()}"
        if not await self._commerce.organization_settings.set_second_factor_required(
            admin.hierarchy_id, required, admin.id, change_key
        ):
            raise NotFound("organization")
