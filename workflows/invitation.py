"""A partner admin's invitation: the user's records, the email with its link, one reminder,
and the expiry that tells the admin. Resend and cancel arrive as updates."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.mail.sender import EmailActivities
    from activities.models import (
        CreateInvitedUserInput,
        EmailKind,
        EmailLink,
        InvitedUserInput,
        SendEmailInput,
    )
    from activities.partner_users import PartnerUserActivities
    from workflows.models import InvitationInput, InvitationState
    from workflows.onboarding import (
        ACTIVITY_RETRY,
        EMAIL_HEARTBEAT,
        EMAIL_TIMEOUT,
        GIVE_UP_AFTER,
        STORE_TIMEOUT,
    )


class InvitationEnded(ApplicationError):
    def __init__(self) -> None:
        super().__init__("the invitation has ended", type="InvitationEnded", non_retryable=True)


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
            if await self._move("reinvited", data.invited_by) is None:
                # Restored or removed again meanwhile: nothing to invite.
                self._state.status = "refused"
                return self._state
        else:
            try:
                await self._store(PartnerUserActivities.create_invited_user, self._new_user())
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

    @staticmethod
    def _run_key() -> str:
        # An email invited again after an expiry gets a new run under the same workflow id:
        # its emails and audit entries are its own.
        info = workflow.info()
        return f"{info.workflow_id}.{info.run_id}"

    def _new_user(self) -> CreateInvitedUserInput:
        d = self._data
        return CreateInvitedUserInput(
            invitation_id=workflow.info().workflow_id,
            change_key=f"{self._run_key()}:invited",
            hierarchy_id=d.hierarchy_id, customer_id=d.customer_id,
            site_user_id=d.site_user_id, first_name=d.first_name, last_name=d.last_name,
            email=d.email, job_title=d.job_title, phone=d.phone,
            spending_limit=d.spending_limit, locale=d.locale, invited_by=d.invited_by,
        )  # fmt: skip

    def _user_ref(self, move: str | None = None, actor: str = "system") -> InvitedUserInput:
        return InvitedUserInput.model_validate(
            {
                "invitation_id": workflow.info().workflow_id,
                "change_key": f"{self._run_key()}:{move}",
                "hierarchy_id": self._data.hierarchy_id,
                "site_user_id": self._data.site_user_id,
                "move": move,
                "actor": actor,
            }
        )

    async def _user_status(self) -> str | None:
        status: str | None = await workflow.execute_activity_method(
            PartnerUserActivities.invited_user_status,
            self._user_ref(),
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )
        return status

    async def _admin_email(self) -> str | None:
        email: str | None = await workflow.execute_activity_method(
            PartnerUserActivities.admin_email,
            self._user_ref(),
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )
        return email

    async def _move(self, move: str, actor: str) -> str | None:
        moved: str | None = await workflow.execute_activity_method(
            PartnerUserActivities.move_invited_user,
            self._user_ref(move, actor),
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )
        return moved

    async def _store(self, activity: object, arg: object) -> None:
        await workflow.execute_activity_method(
            activity,  # type: ignore[arg-type]
            arg,
            start_to_close_timeout=STORE_TIMEOUT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _email(self, kind: EmailKind, *, to_admin: bool = False) -> None:
        """Send one email of the invitation. One that cannot go out for a whole day is given up
        on, not the invitation: it still expires, and the admin can resend."""
        try:
            await self._send(kind, to_admin)
        except ActivityError:
            workflow.logger.warning("gave up sending the %s email", kind.value)

    async def _send(self, kind: EmailKind, to_admin: bool) -> None:
        d = self._data
        sequence = 0
        if kind is EmailKind.INVITATION:
            # Each resend is an email of its own, with its own Message-ID and link.
            sequence = self._state.emails_sent
            self._state.emails_sent += 1
        link, to = None, d.email
        if to_admin:
            # The admin now, who may not be the one who invited after a hand-over.
            to = await self._admin_email() or d.inviter_email
        else:
            link = EmailLink(
                audience="site", account_id=d.site_user_id, purpose="activation", path="/activate"
            )
        await workflow.execute_activity_method(
            EmailActivities.send_email,
            SendEmailInput(
                reference=self._run_key(),
                kind=kind,
                sequence=sequence,
                locale=d.locale,
                to=to,
                context={
                    "first_name": d.first_name,
                    "last_name": d.last_name,
                    "email": d.email,
                    "company": d.company,
                    "invited_by": d.invited_by,
                    "expiry_days": d.policy.expire_after.days,
                },
                link=link,
            ),
            start_to_close_timeout=EMAIL_TIMEOUT,
            heartbeat_timeout=EMAIL_HEARTBEAT,
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=ACTIVITY_RETRY,
        )
