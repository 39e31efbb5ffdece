"""The Temporal runs behind a partner admin's actions: an invitation's run, started, resent
or cancelled, and the notices of a handed-over admin role."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Literal

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from commerce.accounts import Account
from domain.locale import Locale
from domain.partner_users import NewUser
from starter.services.account_emails import send_notice
from starter.services.partner_user_forms import NewUserForm, NotAllowed, invitation_id
from workflows.invitation import InvitationWorkflow
from workflows.models import AccountEmailRequest, InvitationInput, InvitationPolicy

log = logging.getLogger(__name__)
READY_WAIT = 5.0
Row = dict[str, Any]


def locale_of(account: Account) -> Locale:
    return "ja" if account.locale == "ja" else "en"


class PartnerUserRuns:
    def __init__(self, client: Client, task_queue: str, policy: InvitationPolicy) -> None:
        self._client = client
        self._task_queue = task_queue
        self._policy = policy

    async def invite(
        self, admin: Account, organization: Row, form: NewUserForm, email: str, locale: str
    ) -> bool:
        """Start the invitation's run and wait a moment for the user's records, so the page
        the admin sees next lists them; False when the run refused the email."""
        assert admin.hierarchy_id is not None
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
                inviter_id=admin.id,
                policy=self._policy,
            ),
            id=invitation_id(admin.hierarchy_id, email),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        try:
            state = await asyncio.wait_for(
                handle.execute_update(InvitationWorkflow.ready), timeout=READY_WAIT
            )
        except (TimeoutError, WorkflowUpdateFailedError, RPCError):
            return True
        return state.status != "refused"

    async def reinvite(self, admin: Account, organization: Row, user: Row) -> None:
        """Invite again a user whose records exist: the run emails them and waits."""
        assert admin.hierarchy_id is not None
        try:
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
                        locale=locale_of(admin),
                    ),
                    company=organization["organization_name"],
                    invited_by=admin.name,
                    inviter_email=admin.email,
                    inviter_id=admin.id,
                    existing=True,
                    policy=self._policy,
                ),
                id=user["invitation_id"],
                task_queue=self._task_queue,
                # The last invitation's run may still be finishing (its expiry notice): then
                # the admin tries again in a moment, rather than joining a run that will not
                # invite.
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            )
        except WorkflowAlreadyStartedError as err:
            raise NotAllowed("users.not_now") from err

    async def resend(self, invitation: str, by: str) -> None:
        handle = self._client.get_workflow_handle_for(InvitationWorkflow.run, invitation)
        try:
            await asyncio.wait_for(
                handle.execute_update(InvitationWorkflow.resend, by), timeout=READY_WAIT
            )
        except (TimeoutError, WorkflowUpdateFailedError, RPCError) as err:
            raise NotAllowed("users.not_now") from err

    async def cancel(self, invitation: str, by: str) -> bool:
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

    async def tell_roles(self, admin: Account, new_admin_id: str) -> None:
        """Tell the new admin of their role; the change stands even if the notice does not
        start. The admin who made them one stays an admin."""
        roles: tuple[tuple[str, Literal["admin"]], ...] = ((new_admin_id, "admin"),)
        for account_id, role in roles:
            notice = AccountEmailRequest(
                audience="site",
                purpose="role_changed",
                account_id=account_id,
                locale=locale_of(admin),
                role=role,
            )
            await send_notice(
                self._client, self._task_queue, notice, f"admin of {admin.hierarchy_id} handed over"
            )
