"""What a partner's admin does to the organization's users: invite, edit, remove, restore,
resend or cancel an invitation, hand the admin role over; and what the admin reads of them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from commerce.accounts import Account
from commerce.store import CommerceStore
from domain.currency import fits_currency
from domain.errors import LastAdmin
from starter.services.accounts import AccountService
from starter.services.errors import NotFound
from starter.services.partner_user_forms import (
    FieldProblem,
    MemberDetails,
    NewUserForm,
    NotAllowed,
    invitation_id,
)
from starter.services.partner_user_runs import PartnerUserRuns
from starter.services.start import OnboardingStarter

Row = dict[str, Any]


class PartnerUserService:
    def __init__(
        self,
        store: CommerceStore,
        accounts: AccountService,
        starter: OnboardingStarter,
        runs: PartnerUserRuns,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._starter = starter
        self._runs = runs

    async def organization(self, admin: Account) -> Row:
        assert admin.hierarchy_id is not None
        hierarchy = await self._store.customers.hierarchy(admin.hierarchy_id)
        assert hierarchy is not None
        return hierarchy

    async def is_admin(self, user: Account) -> bool:
        assert user.hierarchy_id is not None
        me = await self._store.partner_users.user(user.hierarchy_id, user.id)
        return me is not None and me["role"] == "admin"

    async def member(self, admin: Account, user_id: str) -> Row:
        """A user of the admin's organization; another organization's user is nobody here."""
        assert admin.hierarchy_id is not None
        user = await self._store.partner_users.user(admin.hierarchy_id, user_id)
        if user is None:
            raise NotFound("site user")
        return user

    async def audit(self, admin: Account) -> list[Row]:
        """Who changed which user of the organization, and how, newest first."""
        assert admin.hierarchy_id is not None
        return await self._store.partner_users.audit(admin.hierarchy_id)

    @staticmethod
    def check_limit(
        organization: Row, limit: Decimal | None, field: str = "spending_limit"
    ) -> None:
        """A spending limit is per order, at most the organization's credit limit, and in its
        currency: whole in yen. A monthly budget is in its currency too."""
        credit = organization["credit_limit_amount"]
        over = field == "spending_limit" and credit is not None
        if limit is not None and over and limit > credit:
            raise FieldProblem(field, "users.over_credit_limit")
        if limit is not None and not fits_currency(limit, organization["credit_limit_currency"]):
            raise FieldProblem(field, "users.limit_whole")

    async def invite(self, admin: Account, form: NewUserForm, locale: str) -> None:
        """Start the invitation's run; refused when the email already belongs to a site user
        or to an open partner request."""
        assert admin.hierarchy_id is not None
        organization = await self.organization(admin)
        self.check_limit(organization, form.spending_limit)
        email = form.email.strip()
        if await self._store.partner_users.email_in_use(email):
            run_id = invitation_id(admin.hierarchy_id, email)
            if await self._store.partner_users.invited_by_run(email, run_id):
                return  # the same invitation, posted twice: it is on its way
            raise FieldProblem("email", "users.email_taken")
        if await self._store.prospects.pending_for_email(email) or (
            await self._starter.open_for_email(email)
        ):
            raise FieldProblem("email", "users.email_taken")
        if not await self._runs.invite(admin, organization, form, email, locale):
            raise FieldProblem("email", "users.email_taken")

    async def edit(self, admin: Account, user_id: str, details: MemberDetails) -> None:
        assert admin.hierarchy_id is not None
        await self.member(admin, user_id)
        organization = await self.organization(admin)
        self.check_limit(organization, details.spending_limit)
        self.check_limit(organization, details.monthly_budget, "monthly_budget")
        try:
            await self._store.partner_users.edit(
                admin.hierarchy_id, user_id, details.model_dump(), admin.id, _change("edit")
            )
        except LastAdmin:
            raise FieldProblem("role", "users.last_admin") from None

    async def move(self, admin: Account, user_id: str, move: str) -> None:
        """Remove or restore a user. Restoring a user who never activated invites them again."""
        assert admin.hierarchy_id is not None
        user = await self.member(admin, user_id)
        if move == "restored" and user["invitation_id"] and not await self._ever_activated(user):
            # Their address was freed when they left: another user may hold it now.
            if await self._store.partner_users.email_in_use(user["email"]):
                raise NotAllowed("users.email_taken")
            await self._runs.reinvite(admin, await self.organization(admin), user)
            return
        pending = user["status"] == "invited" and move == "removed" and user["invitation_id"]
        if pending and await self._runs.cancel(user["invitation_id"], admin.id):
            return
        try:
            moved = await self._store.memberships.move(
                admin.hierarchy_id, user_id, move, admin.id, _change(move)
            )
        except LastAdmin:
            raise NotAllowed("users.admin_stays") from None
        if moved is None:
            raise NotAllowed("users.not_now")

    async def _ever_activated(self, user: Row) -> bool:
        account = await self._store.accounts.by_id("site", user["site_user_id"])
        return account is not None and account.password_hash is not None

    async def resend(self, admin: Account, user_id: str) -> None:
        assert admin.hierarchy_id is not None
        user = await self.member(admin, user_id)
        if user["status"] != "invited" or not user["invitation_id"]:
            raise NotAllowed("users.not_now")
        await self._runs.resend(user["invitation_id"], admin.id)
        await self._store.partner_users.record(
            admin.hierarchy_id, _change("resend"), admin.id, "invitation_resent", user_id
        )

    async def step_down(self, admin: Account) -> None:
        """The admin gives up the role and becomes a buyer; refused for the last admin."""
        assert admin.hierarchy_id is not None
        try:
            await self._store.partner_users.edit(
                admin.hierarchy_id, admin.id, {"role": "buyer"}, admin.id, _change("step-down")
            )
        except LastAdmin:
            raise NotAllowed("users.last_admin") from None

    async def hand_over(self, admin: Account, user_id: str, password: str, address: str) -> None:
        """Make another active user the admin, once the admin has typed their password: checked
        like a sign-in, with its throttle, so a stolen session cannot guess it."""
        assert admin.hierarchy_id is not None
        await self.member(admin, user_id)
        checked = await self._accounts.sign_in("site", admin.email, password, address)
        if not isinstance(checked, Account) or checked.id != admin.id:
            raise FieldProblem("password", "account.wrong_password")
        done = await self._store.memberships.hand_over_admin(
            admin.hierarchy_id, admin.id, user_id, admin.id, _change("handover")
        )
        if not done:
            raise NotAllowed("users.not_now")
        await self._runs.tell_roles(admin, user_id)


def _change(action: str) -> str:
    # Each admin action is its own change in the audit log.
    return f"{action}:{uuid.uuid4().hex}"
