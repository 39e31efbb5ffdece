"""What a partner's admin does to the organization's users: invite, edit, remove, restore,
resend or cancel an invitation, hand the admin role over."""

from __future__ import annotations

import asyncio
import logging
import uuid
from decimal import Decimal
from typing import Any, Literal

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from commerce.accounts import Account
from commerce.store import CommerceStore
from domain.partner_users import NewUser
from starter.services.accounts import AccountService
from starter.services.partner_user_forms import (
    FieldProblem,
    NewUserForm,
    NotAllowed,
    UserDetails,
    invitation_id,
)
from starter.services.start import OnboardingStarter
from workflows.account_emails import AccountEmailWorkflow
from workflows.invitation import InvitationWorkflow
from workflows.models import AccountEmailRequest, InvitationInput, InvitationPolicy

log = logging.getLogger(__name__)
READY_WAIT = 5.0
Row = dict[str, Any]


class PartnerUserService:
    def __init__(
        self,
        store: CommerceStore,
        accounts: AccountService,
        starter: OnboardingStarter,
        client: Client,
        task_queue: str,
        policy: InvitationPolicy,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._starter = starter
        self._client = client
        self._task_queue = task_queue
        self._policy = policy

    async def organization(self, admin: Account) -> Row:
        assert admin.hierarchy_id is not None
        hierarchy = await self._store.customers.hierarchy(admin.hierarchy_id)
        assert hierarchy is not None
        return hierarchy

    @staticmethod
    def check_limit(organization: Row, limit: Decimal | None) -> None:
        """A spending limit is per order, at most the organization's credit limit."""
        credit = organization["credit_limit_amount"]
        if limit is not None and credit is not None and limit > credit:
            raise FieldProblem("spending_limit", "users.over_credit_limit")

    async def invite(self, admin: Account, form: NewUserForm, locale: str) -> None:
        """Start the invitation's run; refused when the email already belongs to a site user
        or to an open partner request."""
        assert admin.hierarchy_id is not None
        organization = await self.organization(admin)
        self.check_limit(organization, form.spending_limit)
        email = form.email.strip()
        run_id = invitation_id(admin.hierarchy_id, email)
        if await self._store.partner_users.email_in_use(email):
            if await self._store.partner_users.invited_by_run(email, run_id):
                return  # the same invitation, posted twice: it is on its way
            raise FieldProblem("email", "users.email_taken")
        if await self._store.prospects.pending_for_email(email) or (
            await self._starter.open_for_email(email)
        ):
            raise FieldProblem("email", "users.email_taken")
        handle = await self._client.start_workflow(
            InvitationWorkflow.run,
            InvitationInput(
                user=NewUser(
                    hierarchy_id=admin.hierarchy_id,
                    customer_id=f"CUS-{uuid.uuid4().hex[:20]}",
                    site_user_id=f"USR-{uuid.uuid4().hex[:20]}",
                    first_name=form.first_name,
                    last_name=form.last_name,
                    email=email,
                    job_title=form.job_title,
                    phone=form.phone,
                    spending_limit=form.spending_limit,
                    locale="ja" if locale == "ja" else "en",
                ),
                company=organization["organization_name"],
                invited_by=admin.name,
                inviter_email=admin.email,
                policy=self._policy,
            ),
            id=run_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        try:
            # Wait a moment for the user's records, so the page the admin sees next lists them.
            state = await asyncio.wait_for(
                handle.execute_update(InvitationWorkflow.ready), timeout=READY_WAIT
            )
        except (TimeoutError, WorkflowUpdateFailedError, RPCError):
            return
        if state.status == "refused":
            raise FieldProblem("email", "users.email_taken")

    async def edit(self, admin: Account, user_id: str, details: UserDetails) -> bool:
        assert admin.hierarchy_id is not None
        self.check_limit(await self.organization(admin), details.spending_limit)
        return await self._store.partner_users.edit(
            admin.hierarchy_id, user_id, details.model_dump(), admin.name, _change("edit")
        )

    async def move(self, admin: Account, user_id: str, move: str) -> None:
        """Remove or restore a user. Restoring a user who never activated invites them again."""
        assert admin.hierarchy_id is not None
        user = await self._store.partner_users.user(admin.hierarchy_id, user_id)
        if user is None:
            raise NotAllowed("users.not_found")
        if user["role"] == "admin":
            raise NotAllowed("users.admin_stays")
        if move == "restored" and user["invitation_id"] and not await self._ever_activated(user):
            try:
                await self._reinvite(admin, user)
            except WorkflowAlreadyStartedError as err:
                raise NotAllowed("users.not_now") from err
            return
        pending = user["status"] == "invited" and move == "removed" and user["invitation_id"]
        if pending and await self._cancel_invitation(user["invitation_id"], admin.name):
            return
        moved = await self._store.memberships.move(
            admin.hierarchy_id, user_id, move, admin.name, _change(move)
        )
        if moved is None:
            raise NotAllowed("users.not_now")

    async def _ever_activated(self, user: Row) -> bool:
        account = await self._store.accounts.by_id("site", user["site_user_id"])
        return account is not None and account.password_hash is not None

    async def _reinvite(self, admin: Account, user: Row) -> None:
        assert admin.hierarchy_id is not None
        organization = await self.organization(admin)
        await self._client.start_workflow(
            InvitationWorkflow.run,
            InvitationInput(
                user=NewUser(
                    hierarchy_id=admin.hierarchy_id,
                    customer_id=user["customer_id"],
                    site_user_id=user["site_user_id"],
                    first_name=user["first_name"] or "",
                    last_name=user["last_name"] or "",
                    email=user["email"],
                    locale=_locale(admin),
                ),
                company=organization["organization_name"],
                invited_by=admin.name,
                inviter_email=admin.email,
                existing=True,
                policy=self._policy,
            ),
            id=user["invitation_id"],
            task_queue=self._task_queue,
            # The last invitation's run may still be finishing (its expiry notice): then the
            # admin tries again in a moment, rather than joining a run that will not invite.
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )

    async def resend(self, admin: Account, user_id: str) -> None:
        assert admin.hierarchy_id is not None
        user = await self._store.partner_users.user(admin.hierarchy_id, user_id)
        if user is None or user["status"] != "invited" or not user["invitation_id"]:
            raise NotAllowed("users.not_now")
        handle = self._client.get_workflow_handle_for(InvitationWorkflow.run, user["invitation_id"])
        try:
            await asyncio.wait_for(
                handle.execute_update(InvitationWorkflow.resend, admin.name), timeout=READY_WAIT
            )
        except (TimeoutError, WorkflowUpdateFailedError, RPCError) as err:
            raise NotAllowed("users.not_now") from err
        await self._store.partner_users.record(
            admin.hierarchy_id, _change("resend"), admin.name, "invitation_resent", user_id
        )

    async def _cancel_invitation(self, invitation: str, by: str) -> bool:
        """Whether the invitation's run took the cancel (and so removed the user itself)."""
        handle = self._client.get_workflow_handle_for(InvitationWorkflow.run, invitation)
        try:
            state = await asyncio.wait_for(
                handle.execute_update(InvitationWorkflow.cancel, by), timeout=READY_WAIT
            )
        except (TimeoutError, WorkflowUpdateFailedError, RPCError):
            # Ended already, or busy (an email retrying): the removal itself is what counts,
            # and the run sees it at its next step.
            log.info("invitation %s did not take the cancel; removing directly", invitation)
            return False
        return state.status == "cancelled"

    async def hand_over(self, admin: Account, user_id: str, password: str, address: str) -> None:
        """Make another active user the admin, once the admin has typed their password: checked
        like a sign-in, with its throttle, so a stolen session cannot guess it."""
        assert admin.hierarchy_id is not None
        checked = await self._accounts.sign_in("site", admin.email, password, address)
        if not isinstance(checked, Account) or checked.id != admin.id:
            raise FieldProblem("password", "account.wrong_password")
        done = await self._store.memberships.hand_over_admin(
            admin.hierarchy_id, admin.id, user_id, admin.name, _change("handover")
        )
        if not done:
            raise NotAllowed("users.not_now")
        roles: tuple[tuple[str, Literal["admin", "user"]], ...] = (
            (user_id, "admin"),
            (admin.id, "user"),
        )
        for account_id, role in roles:
            notice = AccountEmailRequest(
                audience="site", purpose="role_changed", account_id=account_id,
                locale=_locale(admin), role=role,
            )  # fmt: skip
            try:
                await self._client.start_workflow(
                    AccountEmailWorkflow.run, notice, id=f"account-email-role-{uuid.uuid4().hex}",
                    task_queue=self._task_queue,
                )  # fmt: skip
            except RPCError:
                log.exception("admin of %s handed over; notice not started", admin.hierarchy_id)


def _change(action: str) -> str:
    # Each admin action is its own change in the audit log.
    return f"{action}:{uuid.uuid4().hex}"


def _locale(account: Account) -> Literal["ja", "en"]:
    return "ja" if account.locale == "ja" else "en"
