"""A partner admin's invitation: the user's records, the email with its link, one reminder,
and the expiry that tells the admin. Resend and cancel arrive as updates."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_calls import send_email, store

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        CreateInvitedUserInput,
        EmailKind,
        InvitationMove,
        InvitedUserInput,
        SendEmailInput,
    )
    from activities.partner_users import PartnerUserActivities
    from workflows.models import InvitationInput, InvitationState


class InvitationEnded(ApplicationError):
    def __init__(self) -> None:
        super().__init__("the invitation has ended", type="InvitationEnded", non_retryable=True)


def run_key() -> str:
    # An email invited again after an expiry gets a new run under the same workflow id: its
    # emails and audit entries are its own.
    info = workflow.info()
    return f"{info.workflow_id}.{info.run_id}"


@workflow.defn
class InvitationWorkflow:
    @workflow.init
    def __init__(self, data: InvitationInput) -> None:
        self._data = data
        self._state = InvitationState()
        self._resends_asked = 0
        self._cancel_by: str | None = None
        self._activated = False
        self._created = False

    @workflow.run
    async def run(self, data: InvitationInput) -> InvitationState:
        if data.existing:
            if await self._move("reinvited", data.inviter_id or data.invited_by) is None:
                # Restored or removed again meanwhile: nothing to invite.
                self._state.status = "refused"
                return self._state
        else:
            try:
                await self._create_user()
            except ActivityError:
                # The email became another user's between the page's check and this run.
                self._state.status = "refused"
                return self._state
        self._created = True
        if self._cancel_by is None:
            await self._email(EmailKind.INVITATION)
        started = workflow.now()
        remind_at = started + data.policy.reminder_after
        expire_at = started + data.policy.expire_after
        while self._state.status == "pending":
            due = expire_at if self._state.reminded else min(remind_at, expire_at)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._activated or self._cancel_by is not None or self._resend_due(),
                    timeout=max(due - workflow.now(), timedelta(seconds=1)),
                )
            await self._next_step(remind_at, expire_at)
        return self._state

    async def _next_step(self, remind_at: datetime, expire_at: datetime) -> None:
        if self._activated:
            self._state.status = "activated"
            return
        if self._cancel_by is not None:
            await self._move("cancelled", self._cancel_by)
            self._state.status = "cancelled"
            return
        if self._resend_due():
            self._resends_asked -= 1
            await self._email(EmailKind.INVITATION)
            return
        status = await self._user_status()
        if status != "invited":
            # Activated without our signal arriving, or removed or blocked meanwhile.
            self._ended_as(status)
        elif workflow.now() >= expire_at:
            moved = await self._move("expired", "system")
            if moved != "expired":
                # Activated (or removed) between the look and the move.
                self._ended_as(await self._user_status())
                return
            await self._email(EmailKind.INVITATION_EXPIRED, to_admin=True)
            self._state.status = "expired"
        elif not self._state.reminded and workflow.now() >= remind_at:
            await self._email(EmailKind.INVITATION_REMINDER)
            self._state.reminded = True

    def _resend_due(self) -> bool:
        return self._resends_asked > 0

    def _ended_as(self, status: str | None) -> None:
        self._state.status = "activated" if status == "active" else "cancelled"

    @workflow.update
    async def ready(self) -> InvitationState:
        """Completes once the user exists (or the invitation was refused), so the admin's next
        page lists them."""
        await workflow.wait_condition(lambda: self._created or self._state.status != "pending")
        return self._state

    @workflow.signal
    def activated(self) -> None:
        self._activated = True

    @workflow.update
    def resend(self, by: str) -> InvitationState:
        self._resends_asked += 1
        return self._state

    @resend.validator
    def _validate_resend(self, by: str) -> None:
        if self._state.status != "pending" or self._cancel_by is not None:
            raise InvitationEnded()

    @workflow.update
    async def cancel(self, by: str) -> InvitationState:
        self._cancel_by = by
        await workflow.wait_condition(lambda: self._state.status != "pending")
        return self._state

    @cancel.validator
    def _validate_cancel(self, by: str) -> None:
        if self._state.status != "pending" or self._activated:
            raise InvitationEnded()

    @workflow.query
    def state(self) -> InvitationState:
        return self._state

    # -- activity calls ------------------------------------------------------------------

    async def _create_user(self) -> None:
        await store(
            PartnerUserActivities.create_invited_user,
            CreateInvitedUserInput(
                invitation_id=workflow.info().workflow_id,
                change_key=f"{run_key()}:invited",
                user=self._data.user,
                invited_by=self._data.inviter_id or self._data.invited_by,
            ),
        )

    async def _user_status(self) -> str | None:
        status: str | None = await store(PartnerUserActivities.invited_user_status, self._user())
        return status

    async def _admin_email(self) -> str | None:
        email: str | None = await store(PartnerUserActivities.admin_email, self._user())
        return email

    async def _move(self, move: InvitationMove, actor: str) -> str | None:
        moved: str | None = await store(
            PartnerUserActivities.move_invited_user, self._user(move, actor)
        )
        return moved

    def _user(self, move: InvitationMove | None = None, actor: str = "system") -> InvitedUserInput:
        return InvitedUserInput.for_user(
            self._data.user, workflow.info().workflow_id, f"{run_key()}:{move}", move, actor
        )

    async def _email(self, kind: EmailKind, *, to_admin: bool = False) -> None:
        """Send one email of the invitation. One that cannot go out for a whole day is given up
        on, not the invitation: it still expires, and the admin can resend."""
        sequence = 0
        if kind is EmailKind.INVITATION:
            # Each resend is an email of its own, with its own Message-ID and link.
            sequence = self._state.emails_sent
            self._state.emails_sent += 1
        data = self._data
        to = data.user.email
        if to_admin:
            # The admin now, who may not be the one who invited after a hand-over.
            to = await self._admin_email() or data.inviter_email
        email = SendEmailInput.about_invitation(
            run_key(),
            data.user,
            kind,
            to=to,
            sequence=sequence,
            company=data.company,
            invited_by=data.invited_by,
            expiry_days=data.policy.expire_after.days,
            with_link=not to_admin,
        )
        try:
            await send_email(email)
        except ActivityError:
            workflow.logger.warning("gave up sending the %s email", kind.value)
