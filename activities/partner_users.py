"""Invitation activities: the invited user's records and their status."""

from __future__ import annotations

from temporalio import activity

from activities.errors import broken_rules_fail_the_activity
from activities.models import CreateInvitedUserInput, InvitedUserInput
from commerce.store import CommerceStore


class PartnerUserActivities:
    def __init__(self, store: CommerceStore) -> None:
        self._store = store

    @activity.defn
    async def create_invited_user(self, data: CreateInvitedUserInput) -> None:
        """Customer, member with role User and invited site user, once per invitation."""
        with broken_rules_fail_the_activity():
            await self._store.partner_users.create_invited(
                data.user, data.invitation_id, data.invited_by, data.change_key
            )

    @activity.defn
    async def invited_user_status(self, data: InvitedUserInput) -> str | None:
        return await self._store.memberships.status_of(data.site_user_id)

    @activity.defn
    async def admin_email(self, data: InvitedUserInput) -> str | None:
        """The email of the organization's admin now."""
        return await self._store.memberships.admin_email(data.hierarchy_id)

    @activity.defn
    async def move_invited_user(self, data: InvitedUserInput) -> str | None:
        """Expire, cancel or re-invite; None when the user's status does not allow it now."""
        assert data.move is not None
        return await self._store.memberships.move(
            data.hierarchy_id,
            data.site_user_id,
            data.move,
            data.actor,
            data.change_key,
            invitation_id=data.invitation_id if data.move == "reinvited" else None,
        )
